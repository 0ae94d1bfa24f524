package spec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestResponses: with Options.Responses every operation carries the
// summary of its 2xx responses — JSON property names (allOf merged), a
// Location header, links — in YAML, in JSON (which is otherwise decoded
// without its responses) and in Swagger 2.0; without it, none.
func TestResponses(t *testing.T) {
	const yamlDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /orders:
    post:
      responses:
        "201":
          description: made
          headers: {location: {schema: {type: string}}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
          links:
            GetOrder: {operationId: getOrder, parameters: {orderId: "$response.body#/id", limit: 3}}
        "2XX": {description: other}
        "400": {description: bad, content: {application/json: {schema: {type: object, properties: {error: {type: string}}}}}}
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok, content: {text/plain: {schema: {type: object, properties: {x: {type: string}}}}}}
components:
  schemas:
    Base: {type: object, properties: {id: {type: string}}}
    Order:
      allOf:
        - $ref: "#/components/schemas/Base"
        - {type: object, properties: {owner: {type: string}, id: {type: string}}}
`
	const jsonDoc = `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
 "paths": {"/orders": {"post": {"responses": {
   "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
   "201": {"$ref": "#/components/responses/Made"}}}}},
 "components": {
   "schemas": {"Order": {"type": "object", "properties": {"orderId": {"type": "integer"}}}},
   "responses": {"Made": {"description": "made", "headers": {"Location": {"schema": {"type": "string"}}},
     "links": {"L": {"operationRef": "#/paths/~1orders~1{orderId}/get", "parameters": {"path.orderId": "$response.header.Location"}}}}}}}`
	const swagger = `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /pets:
    post:
      responses:
        "200":
          description: ok
          headers: {Location: {type: string}}
          schema: {type: object, properties: {name: {type: string}, id: {type: integer}}}
        "405": {description: no}
`
	for _, tc := range []struct {
		name, file, text, op string
		want                 []*Response
	}{
		{"yaml", "a.yaml", yamlDoc, "POST /orders", []*Response{
			{Status: "201", Properties: []string{"id", "owner"}, Location: true,
				Links: []*Link{{Name: "GetOrder", OperationID: "getOrder", Parameters: map[string]string{"orderId": "$response.body#/id"}}}},
			{Status: "2XX"},
		}},
		{"not JSON", "a.yaml", yamlDoc, "GET /orders/{orderId}", []*Response{{Status: "200"}}},
		{"json", "a.json", jsonDoc, "POST /orders", []*Response{
			{Status: "200", Properties: []string{"orderId"}},
			{Status: "201", Location: true, Links: []*Link{{Name: "L", OperationRef: "#/paths/~1orders~1{orderId}/get", Parameters: map[string]string{"path.orderId": "$response.header.Location"}}}},
		}},
		{"swagger 2.0", "a.yaml", swagger, "POST /pets", []*Response{{Status: "200", Properties: []string{"id", "name"}, Location: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(file, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			doc, err := Load(context.Background(), file, Options{Responses: true})
			if err != nil {
				t.Fatal(err)
			}
			got := opByKey(t, doc, tc.op).Responses
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Responses:\n got %s\nwant %s", dump(got), dump(tc.want))
			}
			plain, err := Load(context.Background(), file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range plain.Operations {
				if op.Responses != nil {
					t.Errorf("without Options.Responses, %s has responses %s", op.Key(), dump(op.Responses))
				}
			}
		})
	}
}

// TestResponsesUnreadable: a JSON document whose responses cannot be
// resolved loads for the scan (lazily); asked for its responses too, it
// still loads, without them, and says why.
func TestResponsesUnreadable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "api.json")
	doc := `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
  "paths": {"/a": {"post": {"responses": {"201": {"$ref": "#/components/responses/Nope"}}}}},
  "components": {"schemas": {"S": {"type": "string"}}}}`
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(context.Background(), file, Options{Responses: true})
	if err != nil {
		t.Fatalf("with responses: %v", err)
	}
	if len(got.Operations) != 1 || got.Operations[0].Responses != nil {
		t.Errorf("operations %d, responses %v; want 1 operation without responses", len(got.Operations), got.Operations[0].Responses)
	}
	if w := strings.Join(got.Warnings, "\n"); !strings.Contains(w, "the responses were not read (") || !strings.Contains(w, "Nope") {
		t.Errorf("warnings do not say the responses were not read:\n%s", w)
	}
}

func dump(rs []*Response) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("\n  ")
		b.WriteString(r.Status + " props=" + strings.Join(r.Properties, ","))
		if r.Location {
			b.WriteString(" location")
		}
		for _, l := range r.Links {
			b.WriteString(" link=" + l.Name + "/" + l.OperationID + l.OperationRef)
			for k, v := range l.Parameters {
				b.WriteString(" " + k + ":" + v)
			}
		}
	}
	return b.String()
}
