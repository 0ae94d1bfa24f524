package compare

import (
	"fmt"
	"strings"
	"testing"
)

func TestReadMatch(t *testing.T) {
	t.Parallel()
	alice := j(`{"id":1042,"username":"alice","email":"alice@x.com","name":"Alice Smith","plan":"gold-7","updatedAt":"2024-01-01T00:00:00Z","requestId":"r1"}`)
	mallory := j(`{"id":1043,"username":"mallory","email":"mallory@y.org","name":"Mallory Jones","plan":"basic-2","updatedAt":"2024-02-02T00:00:00Z","requestId":"r2"}`)
	ownerValues := []string{"1042", "alice", "alice@x.com"}
	callerValues := []string{"1043", "mallory", "mallory@y.org"}
	const any = -1 // Shared or Total not checked
	tests := []struct {
		name          string
		status        int
		owner         Doc
		attacker      Doc
		ignore        Ignore
		ov, cv        []string
		match         Match
		shared, total int
		reason        string // a substring of the Reason; "" to skip
	}{
		// Rule 1: nothing to compare.
		{"owner 403", 403, alice, alice, nil, ownerValues, callerValues, OwnerEmpty, 0, 0, "the owner's own read answered 403: nothing to compare"},
		{"owner 404", 404, j(`{"error":"not found"}`), alice, nil, ownerValues, callerValues, OwnerEmpty, 0, 0, "answered 404"},
		{"owner 302", 302, Doc{}, alice, nil, nil, nil, OwnerEmpty, 0, 0, "answered 302"},
		{"owner no response", 0, Doc{}, alice, nil, ownerValues, nil, OwnerEmpty, 0, 0, "the owner's own read got no response: nothing to compare"},
		{"owner null", 200, j(`null`), alice, nil, ownerValues, nil, OwnerEmpty, 0, 0, "the owner's own read returned null: nothing to compare"},
		{"owner empty body", 204, Doc{Kind: Empty}, alice, nil, ownerValues, nil, OwnerEmpty, 0, 0, "returned an empty body"},
		{"owner error envelope", 200, j(`{"success":false,"message":"Unauthorized"}`), alice, nil, ownerValues, nil, OwnerEmpty, 0, 0, `returned an error ("Unauthorized")`},
		{"owner login page", 200, Parse("text/html", []byte(`<html><title>Sign in</title></html>`)), alice, nil, ownerValues, nil, OwnerEmpty, 0, 0, `returned an error ("Sign in")`},

		// Rule 2: the attacker got no data.
		{"attacker empty body", 200, alice, Doc{Kind: Empty}, nil, ownerValues, callerValues, NoData, 0, 5, "the body is an empty body while the owner's read has data"},
		{"attacker null", 200, alice, j(`null`), nil, ownerValues, callerValues, NoData, 0, 5, "the body is null while"},
		{"attacker empty array", 200, alice, j(`[]`), nil, ownerValues, callerValues, NoData, 0, 5, "the body is [] while"},
		{"attacker empty object", 200, alice, j(`{}`), nil, ownerValues, callerValues, NoData, 0, 5, "the body is {} while"},
		{"attacker empty envelope", 200, alice, j(`{"success":true,"data":null}`), nil, ownerValues, callerValues, NoData, 0, 5, "the body is no data ("},
		{"attacker error envelope with 200", 200, alice, j(`{"error":"forbidden"}`), nil, ownerValues, callerValues, NoData, 0, 5, `the body is an error ("forbidden") while`},
		{"attacker error naming the owner", 200, alice, j(`{"success":false,"message":"user alice not found"}`), nil, ownerValues, callerValues, NoData, 0, 5, `an error ("user alice not found")`},
		{"attacker error page", 200, alice, Parse("text/html", []byte(`<html><head><title>403 Forbidden</title></head></html>`)), nil, ownerValues, callerValues, NoData, 0, 5, `an error ("403 Forbidden")`},
		{"attacker login page", 200, alice, Parse("text/html", []byte(`<html><head><title>Acme</title></head><input type="password"></html>`)), nil, ownerValues, callerValues, NoData, 0, 5, `a login page ("Acme")`},

		// Rule 3 and 5: the caller's own record, whatever id was asked.
		{"caller's own record", 200, alice, mallory, nil, ownerValues, callerValues, CallerData, 0, 5, "the body holds the caller's own values where the owner's read has the owner's ($."},
		{"caller's own record in an envelope", 200, alice, j(`{"data":{"id":1043,"username":"mallory","email":"mallory@y.org"}}`), nil, ownerValues, callerValues, CallerData, 0, 5, `the body holds the caller's own values ($.data.id "1043", `},
		{"caller's record mentioning the owner", 200, alice, j(`{"id":1043,"username":"mallory","email":"mallory@y.org","friends":["alice"]}`), nil, ownerValues, callerValues, CallerData, 0, 5, `; it mentions the owner's elsewhere ($.friends[0] "alice")`},
		{"caller's values elsewhere only", 200, alice, j(`{"greeting":"hello mallory","items":[]}`), nil, ownerValues, callerValues, CallerData, 0, 5, `the body holds the caller's own values ($.greeting "mallory") and none of the owner's`},
		{"caller's id as a string", 200, alice, j(`{"account":"1043"}`), nil, ownerValues, callerValues, CallerData, 0, 5, `($.account "1043")`},

		// Rule 4: the owner's data.
		{"the victim's record", 200, alice, alice, nil, ownerValues, callerValues, OwnerData, 5, 5, "the body holds the owner's values ($.email, $.id, $.name: 5 of 5 fields equal)"},
		{"volatile fields differ", 200, alice, j(`{"id":1042,"username":"alice","email":"alice@x.com","name":"Alice Smith","plan":"gold-7","updatedAt":"2024-09-09T09:09:09Z","requestId":"r77"}`), nil, ownerValues, callerValues, OwnerData, 5, 5, "5 of 5 fields equal"},
		{"learned volatile field differs", 200, j(`{"id":1042,"name":"Alice Smith","seen":5}`), j(`{"id":1042,"name":"Alice Smith","seen":9}`), Ignore{"$.seen": true}, nil, nil, OwnerData, 2, 2, "2 of 2 fields equal"},
		{"in a data wrapper", 200, alice, j(`{"data":{"id":1042,"username":"alice","email":"alice@x.com","name":"Alice Smith","plan":"gold-7"},"meta":{"requestId":"r5"}}`), nil, ownerValues, callerValues, OwnerData, 5, 5, "5 of 5 fields equal"},
		{"in a list beside the caller's", 200, alice, j(`{"items":[{"id":1043,"username":"mallory","email":"mallory@y.org","name":"Mallory Jones","plan":"basic-2"},{"id":1042,"username":"alice","email":"alice@x.com","name":"Alice Smith","plan":"gold-7"}],"total":2}`), nil, ownerValues, callerValues, OwnerData, 5, 5, "5 of 5 fields equal"},
		{"a root list", 200, alice, j(`[{"id":1042,"username":"alice","email":"alice@x.com","name":"Alice Smith","plan":"gold-7"}]`), nil, nil, nil, OwnerData, 5, 5, "5 of 5 fields equal"},
		{"fields in another order", 200, j(`{"tags":["red","blue"],"name":"Alice Smith"}`), j(`{"name":"Alice Smith","tags":["blue","red"]}`), nil, nil, nil, OwnerData, 3, 3, "3 of 3 fields equal"},
		{"numeric id as a string", 200, j(`{"id":1042,"name":"Alice Smith"}`), j(`{"id":"1042","name":"Alice Smith"}`), nil, nil, nil, OwnerData, 2, 2, "2 of 2 fields equal"},
		{"string id as a number", 200, j(`{"id":"1042","name":"Alice Smith"}`), j(`{"id":1042,"name":"Alice Smith"}`), nil, nil, nil, OwnerData, 2, 2, "2 of 2 fields equal"},
		{"owner's numeric value as a whole leaf", 200, alice, j(`{"ref":1042,"other":"x"}`), nil, ownerValues, nil, OwnerData, 0, 5, `the body holds the owner's values ($.ref "1042"; 0 of 5 fields equal)`},
		{"owner's value inside an email", 200, alice, j(`{"contact":"ALICE@x.com","note":"unrelated"}`), nil, []string{"alice"}, nil, OwnerData, 0, 5, `($.contact "alice"; 0 of 5 fields equal)`},
		{"more than three owner values found", 200, alice, j(`{"a":"alice","b":"alice@x.com","c":"gold-7","d":"Alice Smith"}`), nil, []string{"alice", "alice@x.com", "gold-7", "alice smith"}, nil, OwnerData, 0, 5, `($.a "alice", $.b "alice@x.com", $.c "gold-7", …; 0 of 5 fields equal)`},
		{"owner's value in a text body", 200, alice, txt("user: alice, plan gold"), nil, ownerValues, callerValues, OwnerData, 0, 5, `(the text has "alice"; 0 of 5 fields equal)`},
		{"caller's values elsewhere and owner's data", 200, alice, j(`{"items":[{"id":1042,"username":"alice","email":"alice@x.com","name":"Alice Smith","plan":"gold-7"}],"viewer":"mallory"}`), nil, ownerValues, callerValues, OwnerData, 5, 5, "5 of 5 fields equal"},
		// The caller's email where the owner's sits, but the rest is the
		// owner's record: the structure wins over rule 3.
		{"one identity field swapped", 200, j(`{"email":"alice@x.com","name":"Alice Smith","street":"1 Main St","city":"Springfield","phone":"555-0100","zip":"49007"}`),
			j(`{"email":"mallory@y.org","name":"Alice Smith","street":"1 Main St","city":"Springfield","phone":"555-0100","zip":"49007"}`), nil, []string{"alice@x.com"}, []string{"mallory@y.org"}, OwnerData, 5, 6, "5 of 6 fields equal"},
		{"equal texts", 200, txt("alice,alice@x.com,gold"), txt("alice,alice@x.com,gold"), nil, nil, nil, OwnerData, 1, 1, "the body is the same text as the owner's"},

		// Rule 6: other data.
		{"someone else's record", 200, alice, j(`{"id":2001,"username":"carol","email":"carol@z.net","name":"Carol King","plan":"gold-7"}`), nil, ownerValues, callerValues, Different, 1, 5, "the body has data, but neither the owner's (1 of 5 fields equal) nor visibly the caller's"},
		{"alice is not in malice", 200, alice, j(`{"username":"malice","bio":"hello"}`), nil, []string{"alice"}, nil, Different, 0, 5, "0 of 5 fields equal"},
		{"digits inside a text are not an id", 200, alice, j(`{"note":"order 1042 shipped"}`), nil, ownerValues, nil, Different, 0, 5, ""},
		{"digits inside a longer number", 200, alice, j(`{"n":10420}`), nil, ownerValues, nil, Different, 0, 5, ""},
		{"owner's value under links", 200, alice, j(`{"_links":{"self":{"href":"/users/alice"}},"title":"Profile"}`), nil, ownerValues, nil, Different, 0, 5, ""},
		{"owner's value under href, url, path, location", 200, alice, j(`{"href":"/u/alice","url":"https://x/alice","path":"/alice","location":"/alice","instance":"/alice","uri":"/alice"}`), nil, ownerValues, nil, Different, 0, 5, ""},
		{"caller's value under links", 200, alice, j(`{"links":["/users/mallory"],"title":"Profile"}`), nil, ownerValues, callerValues, Different, 0, 5, ""},
		{"a value in both lists counts for neither", 200, alice, j(`{"team":"acme-blue"}`), nil, []string{"acme-blue", "alice"}, []string{"acme-blue"}, Different, 0, 5, ""},
		{"short and common values do not count", 200, alice, j(`{"a":"ab","b":"admin","c":"active","d":"  "}`), nil, []string{"ab", "admin", "active", "  ", "--"}, nil, Different, 0, 5, ""},
		{"too few fields equal", 200, alice, j(`{"id":1042,"plan":"gold-7","name":"Someone","email":"e@f.g","username":"bob"}`), nil, nil, nil, Different, 2, 5, "2 of 5 fields equal"},
		{"only common values equal", 200, j(`{"active":true,"role":"user","n":1}`), j(`{"active":true,"role":"user","n":1}`), nil, nil, nil, Different, 3, 3, "3 of 3 fields equal"},
		{"different texts", 200, txt("alice,gold"), txt("carol,silver"), nil, nil, nil, Different, 0, 1, "0 of 1 fields equal"},
		{"text owner and json attacker", 200, txt("alice,gold"), j(`{"name":"carol"}`), nil, nil, nil, Different, 0, 1, ""},
		{"json owner and text attacker", 200, alice, txt("welcome back"), nil, ownerValues, callerValues, Different, 0, 5, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ReadMatch(tc.status, tc.owner, tc.attacker, tc.ignore, tc.ov, tc.cv)
			if r.Match != tc.match {
				t.Errorf("ReadMatch = %q (%q); want %q", r.Match, r.Reason, tc.match)
			}
			if tc.shared != any && r.Shared != tc.shared || tc.total != any && r.Total != tc.total {
				t.Errorf("ReadMatch shared %d of %d; want %d of %d", r.Shared, r.Total, tc.shared, tc.total)
			}
			if tc.reason != "" && !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("reason %q does not hold %q", r.Reason, tc.reason)
			}
			checkReason(t, r.Reason)
		})
	}
}

// The Shared and Total a text owner gives are 1 of 1 only when the texts
// are equal; the JSON ones count the owner's compared leaves, without
// empty, ignored and volatile ones.
func TestReadMatchCounts(t *testing.T) {
	t.Parallel()
	owner := j(`{"id":1042,"name":"Alice Smith","nick":null,"bio":"","tags":[],"meta":{},"ts":5,"version":3,"seen":1,"x":{"y":"deep value"}}`)
	r := ReadMatch(200, owner, owner, Ignore{"$.seen": true}, nil, nil)
	// Compared: id, name, x.y (nick, bio, tags, meta are empty; ts a
	// clock; version a write stamp; seen ignored).
	if r.Match != OwnerData || r.Shared != 3 || r.Total != 3 {
		t.Errorf("ReadMatch = %q %d of %d (%q); want owner-data 3 of 3", r.Match, r.Shared, r.Total, r.Reason)
	}
	if r := ReadMatch(200, owner, owner, Ignore{"$": true}, []string{"alice smith"}, nil); r.Match != OwnerData || r.Total != 0 || r.Shared != 0 {
		t.Errorf("everything ignored: ReadMatch = %q %d of %d (%q); want owner-data by value, 0 of 0", r.Match, r.Shared, r.Total, r.Reason)
	}
	if r := ReadMatch(200, owner, owner, Ignore{"$": true}, nil, nil); r.Match != Different {
		t.Errorf("everything ignored, no values: ReadMatch = %q (%q); want different", r.Match, r.Reason)
	}
}

// A list of the owner's records matches each record once: two equal
// records in the owner's read need two in the attacker's.
func TestReadMatchRepeatedValues(t *testing.T) {
	t.Parallel()
	owner := j(`{"items":[{"sku":"AB-1001"},{"sku":"AB-1001"},{"sku":"CD-2002"}]}`)
	r := ReadMatch(200, owner, j(`{"items":[{"sku":"AB-1001"},{"sku":"CD-2002"}]}`), nil, nil, nil)
	if r.Shared != 2 || r.Total != 3 || r.Match != Different {
		t.Errorf("ReadMatch = %q %d of %d; want different 2 of 3", r.Match, r.Shared, r.Total)
	}
	r = ReadMatch(200, owner, j(`{"items":[{"sku":"CD-2002"},{"sku":"AB-1001"},{"sku":"AB-1001"}]}`), nil, nil, nil)
	if r.Shared != 3 || r.Match != OwnerData {
		t.Errorf("ReadMatch = %q %d of %d; want owner-data 3 of 3", r.Match, r.Shared, r.Total)
	}
}

// Only MaxValues values of each list are looked for.
func TestReadMatchMaxValues(t *testing.T) {
	t.Parallel()
	var ov []string
	for i := range MaxValues {
		ov = append(ov, fmt.Sprintf("value-%03d", i))
	}
	owner := j(`{"name":"Alice Smith"}`)
	attacker := j(`{"x":"last-value","y":"something"}`)
	if r := ReadMatch(200, owner, attacker, nil, append(ov, "last-value"), nil); r.Match != Different {
		t.Errorf("value past MaxValues: ReadMatch = %q (%q); want different", r.Match, r.Reason)
	}
	if r := ReadMatch(200, owner, attacker, nil, append(ov[:MaxValues-1], "last-value"), nil); r.Match != OwnerData {
		t.Errorf("value at MaxValues: ReadMatch = %q (%q); want owner-data", r.Match, r.Reason)
	}
}

// Hostile bodies stay within the Reason's cap and free of control
// characters.
func TestReadMatchHostileReason(t *testing.T) {
	t.Parallel()
	long := strings.Repeat(`\u202e\u001b[31m`, 200)
	owner := j(`{"` + long + `":"alice-` + long + `"}`)
	for _, attacker := range []Doc{owner, j(`{"e":"alice-` + long + `"}`), j(`{"error":"` + long + `denied"}`), txt(strings.Repeat("alice-\x1b ", 100))} {
		r := ReadMatch(200, owner, attacker, nil, []string{"alice"}, []string{"mallory"})
		checkReason(t, r.Reason)
		if r.Shared < 0 || r.Shared > r.Total {
			t.Errorf("shared %d of %d", r.Shared, r.Total)
		}
	}
}
