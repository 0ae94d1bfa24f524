package scanner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/authzscan/authzscan/profiles"
)

// TestOperationsFirstMatchPerKey: for each key, the first entry that
// selects an operation and sets the key wins; an entry that selects the
// operation but lacks the key lets a later one give it; ${VAR}s are kept
// as placeholders when planning.
func TestOperationsFirstMatchPerKey(t *testing.T) {
	dir := t.TempDir()
	spec := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users/{id}:
    put:
      tags: [users]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"200": {description: ok}}
    get:
      tags: [users]
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`
	cfg := `spec: openapi.yaml
target: http://127.0.0.1:9
profiles: {a: {}}
deny: {status: [401, 403]}
operations:
  - {match: "PUT /users/{id}", json: {name: "${NEW_NAME}"}}
  - {match: "tag:users", json: {ignored: true}, query: {v: 2}, deny: {status: [401]}}
  - {match: "/users/**", query: {v: 3}, headers: {X-Env: staging}, deny: {redirect: ""}}
`
	os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(spec), 0o644)
	os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(cfg), 0o644)
	c, err := LoadConfig(filepath.Join(dir, "authzscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), c, ForPlan())
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*opSettings{}
	for op, st := range s.ops {
		byKey[op.Method+" "+op.Path] = st
	}
	put, get := byKey["PUT /users/{id}"], byKey["GET /users/{id}"]
	if put == nil || get == nil {
		t.Fatalf("settings for %v", byKey)
	}
	if b, _ := put.values.Body.(map[string]any); b["name"] != "${NEW_NAME}" || b["ignored"] != nil {
		t.Errorf("PUT body %v: the first entry with a body wins, placeholders kept", put.values.Body)
	}
	if get.values.Body == nil || get.values.Body.(map[string]any)["ignored"] != true {
		t.Errorf("GET body %v: the tag entry is the first with a body there", get.values.Body)
	}
	for _, st := range []*opSettings{put, get} {
		if st.values.Query["v"] != 2 || st.values.Header["X-Env"] != "staging" {
			t.Errorf("query %v headers %v: the first entry with each key", st.values.Query, st.values.Header)
		}
		if !slices.Equal(st.deny.Status, []int{401}) || st.deny.Redirect != nil {
			t.Errorf("deny %+v: status from the tag entry, redirect none from the path entry", st.deny)
		}
	}
	if s.opts.mode != profiles.ModePlan || len(s.Warnings()) != 0 {
		t.Errorf("warnings %q", s.Warnings())
	}
}
