package spec

import "github.com/getkin/kin-openapi/openapi2"

// dropV2ResponseSchemas removes the schemas of a Swagger 2.0 document's
// responses, the operations' and the shared ones under "responses", before
// conversion: the scan never reads a response, so, as with the lazy load of
// an OpenAPI 3 JSON document (see reachable), what only responses hold is
// neither resolved nor able to stop the load. Real documents need this:
// Gitea's writes `"schema": {"$ref": "#/responses/empty"}`, a schema that
// names a response, which kin-openapi refuses ("expecting ref to schema
// object") although no request the scan sends depends on it.
func dropV2ResponseSchemas(d2 *openapi2.T) {
	drop := func(responses map[string]*openapi2.Response) {
		for _, r := range responses {
			if r != nil {
				r.Schema = nil
			}
		}
	}
	drop(d2.Responses)
	for _, item := range d2.Paths {
		if item == nil {
			continue
		}
		for _, op := range item.Operations() {
			if op != nil {
				drop(op.Responses.Map())
			}
		}
	}
}
