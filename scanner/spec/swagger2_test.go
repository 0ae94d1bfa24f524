package spec

import (
	"encoding/json"

	"context"
	"go.yaml.in/yaml/v4"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Swagger 2.0 response whose schema names a response instead of a schema
// (Gitea's description does this 49 times) loads: the scan never reads a
// response, and a caller that asked for the responses gets the operations
// and a warning saying why the responses were not read.
func TestSwagger2ResponseSchemaNamingAResponse(t *testing.T) {
	const doc = `swagger: "2.0"
info: {title: t, version: "1"}
basePath: /api/v1
paths:
  /users/{username}:
    delete:
      operationId: deleteUser
      parameters:
        - {name: username, in: path, required: true, type: string}
      responses:
        "204": {$ref: "#/responses/empty"}
        "404":
          description: not found
          schema: {$ref: "#/responses/empty"}
responses:
  empty:
    description: nothing
    schema: {$ref: "#/responses/empty"}
`
	for _, ext := range []string{"yaml", "json"} {
		t.Run(ext, func(t *testing.T) {
			data := []byte(doc)
			if ext == "json" {
				data = yamlToJSON(t, data)
			}
			path := filepath.Join(t.TempDir(), "gitea."+ext)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			d, err := Load(context.Background(), path, Options{})
			if err != nil {
				t.Fatalf("scan load: %v", err)
			}
			if len(d.Operations) != 1 || d.Operations[0].OperationID != "deleteUser" || d.BasePath != "/api/v1" {
				t.Fatalf("operations %+v, base path %q", d.Operations, d.BasePath)
			}
			d, err = Load(context.Background(), path, Options{Responses: true})
			if err != nil {
				t.Fatalf("load with responses: %v", err)
			}
			if len(d.Operations) != 1 {
				t.Fatalf("operations %+v", d.Operations)
			}
			if !containsWarning(d.Warnings, "the responses were not read") || !containsWarning(d.Warnings, "#/responses/empty") {
				t.Errorf("warnings %q: want one saying the responses were not read, naming the $ref", d.Warnings)
			}
		})
	}
}

func containsWarning(warnings []string, part string) bool {
	for _, w := range warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// yamlToJSON converts a YAML test document to JSON, to take the JSON road
// of the loader with the same document.
func yamlToJSON(t *testing.T, data []byte) []byte {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
