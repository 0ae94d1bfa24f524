package scantest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// probe sends operation op (as "METHOD /template") as a with owner's item
// and a valid body, and returns the status.
func probe(t testing.TB, s *Server, op, owner string, a auth) int {
	t.Helper()
	method, path, _ := strings.Cut(op, " ")
	path = strings.ReplaceAll(path, "{itemId}", strconv.FormatInt(ItemID(owner), 10))
	if method == http.MethodPost {
		return postJSON(t, s.URL+path, `{"text":"checked by the matrix test"}`, a).status
	}
	return send(t, method, s.URL+path, "", "", a).status
}

// owners returns the object variants of op: every item owner, or "" for
// an operation without itemId.
func owners(op string) []string {
	if !strings.Contains(op, "{itemId}") {
		return []string{""}
	}
	return Profiles()[1:]
}

// The server answers every cell as Expected says.
func TestMatrix(t *testing.T) {
	s := startServer(t, Options{})
	for _, p := range Profiles() {
		a := creds(t, s, p)
		for _, op := range Operations() {
			method, path, _ := strings.Cut(op, " ")
			for _, owner := range owners(op) {
				want := Expected(method, path, p, owner)
				if want == 0 {
					t.Fatalf("Expected(%s, %s, %s, %q) = 0", method, path, p, owner)
				}
				if got := probe(t, s, op, owner, a); got != want {
					t.Errorf("%s as %s on %s's item: %d, want %d", op, p, owner, got, want)
				}
			}
		}
	}
	// Every authenticated request was taken for its profile.
	for _, r := range s.Requests() {
		if r.Origin != originAPI || !strings.HasPrefix(r.Path, "/api/") || r.Path == "/api/public/info" {
			continue
		}
		if (r.Status == http.StatusUnauthorized) != (r.Profile == "") {
			t.Errorf("%s %s answered %d was taken for %q", r.Method, r.Path, r.Status, r.Profile)
		}
	}
}

func TestExpectedRejectsNonsense(t *testing.T) {
	for _, tt := range [][4]string{
		{"GET", "/api/nothing", "bearer", ""},
		{"DELETE", "/api/items/{itemId}", "bearer", "bearer"},
		{"GET", "/api/items/{itemId}", "bearer", ""},
		{"GET", "/api/items/{itemId}", "bearer", "anonymous"},
		{"GET", "/api/me", "bearer", "bearer"},
		{"GET", "/api/me", "alice", ""},
	} {
		if got := Expected(tt[0], tt[1], tt[2], tt[3]); got != 0 {
			t.Errorf("Expected%q = %d, want 0", tt, got)
		}
	}
}

// The seeded flaw, and only it: every user reads every other user's
// history, and no user anything else of another's.
func TestSeededFlaw(t *testing.T) {
	var broken []string
	for _, op := range Operations() {
		method, path, _ := strings.Cut(op, " ")
		for _, p := range Profiles()[1:] {
			for _, owner := range owners(op) {
				if owner == "" || owner == p || Role(p) == roleAdmin {
					continue
				}
				if st := Expected(method, path, p, owner); st < 300 {
					broken = append(broken, op)
				}
			}
		}
	}
	if len(broken) != 8*9 {
		t.Errorf("%d foreign-object cells are allowed, want 72 (8 users × 9 other items)", len(broken))
	}
	for _, op := range broken {
		if op != "GET /api/items/{itemId}/history" {
			t.Fatalf("%s lets a user at another's item", op)
		}
	}
}
