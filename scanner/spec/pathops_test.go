package spec

import (
	"cmp"
	"maps"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestPathOperations holds pathOperations to kin-openapi's
// PathItem.Operations: the same operations, sorted by method.
func TestPathOperations(t *testing.T) {
	op := func() *openapi3.Operation { return &openapi3.Operation{} }
	items := []*openapi3.PathItem{
		{},
		{Get: op()},
		{Connect: op(), Delete: op(), Get: op(), Head: op(), Options: op(), Patch: op(), Post: op(), Put: op(), Query: op(), Trace: op()},
		{Post: op(), AdditionalOperations: map[string]*openapi3.Operation{"COPY": op(), "POST": op(), "GET": op(), "lock": op(), "NIL": nil, "A": op()}},
		{AdditionalOperations: map[string]*openapi3.Operation{"MOVE": op()}},
	}
	for i, item := range items {
		want := item.Operations()
		got := pathOperations(nil, item)
		if len(got) != len(want) {
			t.Errorf("item %d: %d operations, want %d", i, len(got), len(want))
		}
		for _, m := range got {
			if want[m.method] != m.op {
				t.Errorf("item %d: %s is not Operations()'s", i, m.method)
			}
		}
		if !slices.IsSortedFunc(got, func(a, b methodOp) int { return cmp.Compare(a.method, b.method) }) {
			t.Errorf("item %d: not sorted by method", i)
		}
		if keys := slices.Sorted(maps.Keys(want)); len(keys) == len(got) {
			for j, k := range keys {
				if got[j].method != k {
					t.Errorf("item %d: method %d is %s, want %s", i, j, got[j].method, k)
				}
			}
		}
	}
}
