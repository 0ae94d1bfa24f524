package synth

import (
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authzscan/authzscan/scanner/spec"
)

// Schema and operation builders for hand-made test operations.

func typed(types ...string) *openapi3.Schema {
	t := openapi3.Types(types)
	return &openapi3.Schema{Type: &t}
}

func strFmt(format string) *openapi3.Schema {
	s := openapi3.NewStringSchema()
	s.Format = format
	return s
}

func ref(s *openapi3.Schema) *openapi3.SchemaRef { return &openapi3.SchemaRef{Value: s} }

func named(name string, s *openapi3.Schema) *openapi3.SchemaRef {
	return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: s}
}

func object(props map[string]*openapi3.Schema, required ...string) *openapi3.Schema {
	s := openapi3.NewObjectSchema()
	s.Properties = openapi3.Schemas{}
	for k, v := range props {
		s.Properties[k] = ref(v)
	}
	s.Required = required
	return s
}

func arrayOf(items *openapi3.Schema) *openapi3.Schema {
	s := openapi3.NewArraySchema()
	s.Items = ref(items)
	return s
}

func with(s *openapi3.Schema, f func(*openapi3.Schema)) *openapi3.Schema {
	f(s)
	return s
}

func ptr[T any](v T) *T { return &v }

func param(in, name string, required bool, s *openapi3.Schema) *spec.Parameter {
	return &spec.Parameter{Name: name, In: in, Required: required, Declared: true, Schema: s, Explode: true}
}

func pathParam(name string, s *openapi3.Schema) *spec.Parameter {
	return param("path", name, true, s)
}

func op(method, path string, params ...*spec.Parameter) *spec.Operation {
	return &spec.Operation{Method: method, Path: path, Parameters: params}
}

func withBody(o *spec.Operation, mediaType string, required bool, s *openapi3.Schema) *spec.Operation {
	o.Body = &spec.RequestBody{Required: required, MediaType: mediaType, MediaTypes: []string{mediaType}, Schema: s}
	return o
}
