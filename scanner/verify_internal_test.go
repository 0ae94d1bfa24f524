package scanner

import (
	"testing"

	"github.com/authzscan/authzscan/scanner/spec"
)

func TestVerifyRead(t *testing.T) {
	ops := func(list ...string) []*spec.Operation {
		var out []*spec.Operation
		for _, l := range list {
			m, p, _ := cut(l)
			out = append(out, &spec.Operation{Method: m, Path: p})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		write string
		owned []string
		ops   []*spec.Operation
		want  string // "" for none
	}{
		{"same template", "PUT /orders/{orderId}", []string{"orderId"},
			ops("GET /orders", "GET /orders/{id}", "GET /orders/{orderId}/items"), "GET /orders/{id}"},
		{"sub-resource write reads its parent", "PUT /users/{username}/email", []string{"username"},
			ops("GET /users/{username}/orders", "GET /users/{username}", "GET /users"), "GET /users/{username}"},
		{"nested object", "DELETE /orders/{orderId}/items/{itemId}", []string{"orderId", "itemId"},
			ops("GET /orders/{orderId}", "GET /orders/{orderId}/items/{itemId}"), "GET /orders/{orderId}/items/{itemId}"},
		{"a body-owned id reads the object it names", "POST /transfers", []string{"accountId"},
			ops("GET /transfers", "GET /accounts/{accountId}", "GET /accounts/{accountId}/statements"), "GET /accounts/{accountId}"},
		{"more owned names covered wins", "POST /orders/{orderId}/items/{itemId}/refund", []string{"orderId", "itemId"},
			ops("GET /orders/{orderId}", "GET /orders/{orderId}/items/{itemId}"), "GET /orders/{orderId}/items/{itemId}"},
		{"a read needing a name the write does not carry is no read", "PUT /users/{username}/email", []string{"username"},
			ops("GET /users/{username}/orders/{orderId}"), ""},
		{"no GET", "DELETE /notes/{noteId}", []string{"noteId"}, ops("POST /notes", "PUT /notes/{noteId}"), ""},
		{"no owned name: no read", "POST /logout", nil, ops("GET /me"), ""},
		{"fewer segments on a tie", "PATCH /a/{x}/b", []string{"x"}, ops("GET /c/{x}/d/e", "GET /c/{x}/d"), "GET /c/{x}/d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, p, _ := cut(tc.write)
			got := verifyRead(&spec.Operation{Method: m, Path: p}, tc.ops, tc.owned, nil)
			name := ""
			if got != nil {
				name = got.Method + " " + got.Path
			}
			if name != tc.want {
				t.Errorf("verifyRead(%s) = %q, want %q", tc.write, name, tc.want)
			}
		})
	}
	// A read the scan may not send (excluded) is never chosen.
	all := ops("GET /orders/{orderId}")
	if got := verifyRead(&spec.Operation{Method: "PUT", Path: "/orders/{orderId}"}, all, []string{"orderId"}, func(*spec.Operation) bool { return false }); got != nil {
		t.Errorf("an excluded read was chosen: %s %s", got.Method, got.Path)
	}
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
