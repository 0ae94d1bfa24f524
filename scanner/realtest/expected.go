package realtest

import (
	"slices"
	"strings"
)

// FindingKey is how ExpectedFindings writes one finding: "KIND METHOD PATH
// PROFILE OBJECT", space-separated, PATH the spec's template and OBJECT the
// profile whose object the probe used ("" when none, which leaves a
// trailing space). Format a scanner's findings with it to compare them.
func FindingKey(kind, method, path, profile, object string) string {
	return strings.Join([]string{kind, method, path, profile, object}, " ")
}

// ExpectedFindings returns, sorted, the findings a correct scan of the
// config WriteFiles writes for style must report: every bola, bfla,
// unauthenticated and lockout finding, and no other (status-code findings
// are left out: the server's status codes are right, so there should be
// none). It returns the same set for every style, because every style
// describes the same server; nil for an unknown style.
//
// Which probes there are. The plan gives an operation one object variant
// per profile owning one of its path, query or JSON/form body property
// names, and probes every profile with every variant. The owned names are
// username (alice, bob, admin), noteId and ticketId (alice and bob only;
// admin owns none):
//
//	GET   /api/users/{username}            objects alice, bob, admin
//	PUT   /api/users/{username}/password   objects alice, bob, admin
//	PUT   /api/users/{username}/email      objects alice, bob, admin
//	POST  /api/notes                       no object (title, body)
//	PATCH /api/notes/{noteId}              objects alice, bob
//	POST  /api/admin/users                 objects alice, bob, admin: its body has a username property
//	PUT   /api/admin/settings              no object
//	POST  /api/account/close               no object
//	POST  /api/tickets/{ticketId}/comments objects alice, bob
//
// POST /api/admin/users is the subtle one: `username` is a body property,
// so the scanner fills it from each owner's `owns` ({"username": "alice",
// "role": "user"}, …) instead of the example's "carol", giving three
// variants. The server creates (answers 201 to) any username, so all three
// reach the flaw. In the Postman style the body has no properties, only an
// example whose keys are username and role; the scanner takes the
// example's keys as the body's properties (synth.OwnedNames), so the plan
// is the same in every style.
//
// What each probe gets, with the example bodies, and the verdict:
//
//   - anonymous: 401 with WWW-Authenticate everywhere; every rule denies
//     it (no grant names anonymous): pass, no unauthenticated finding.
//   - GET /api/users/{username}: own 200, admin on anyone's 200, a user on
//     another's 403; rule "/api/users/**" {user: own, admin: any}: pass.
//   - PUT /api/users/{username}/password: 204 for every signed-in caller on
//     every object (the BOLA flaw). Rule "/api/users/**": alice and bob
//     are allowed only their own, so alice on bob's and admin's objects and
//     bob on alice's and admin's are broken with basis rule-object: four
//     bola findings. Admin is allowed any: pass.
//   - PUT /api/users/{username}/email: own and admin 204, others 403: pass.
//   - POST /api/notes: 201 for alice, bob and admin, rule "POST /api/notes"
//     [user, admin] (before "/api/notes/**", which first-match would
//     otherwise apply, with the same result: own covers requests that
//     address no object): pass.
//   - PATCH /api/notes/{noteId}: 200 for everyone on notes 101 and 202
//     (the BOLA flaw). Rule "/api/notes/**" {user: own, admin: any}: alice
//     on bob's note and bob on alice's are bola. Admin has no note of its
//     own and is allowed any: pass on both.
//   - POST /api/admin/users: 201 for every signed-in caller (the BFLA
//     flaw). Rule "/api/admin/**" [admin] grants no user at all, so the
//     basis is rule-function and the kind bfla whatever the object: alice
//     and bob, each with the alice, bob and admin variants, six bfla
//     findings (the fingerprint holds the object, so they are six).
//   - PUT /api/admin/settings: admin 200, users 403: pass.
//   - POST /api/account/close: with {"confirm": "CLOSE"} 200 for alice, bob
//     and admin, rule [user, admin]: pass. (With an empty body all three get
//     403: three false lockout findings. A correct scanner reports none.)
//   - POST /api/tickets/{ticketId}/comments: owner 201, the other user 403,
//     admin 201 on both: pass.
func ExpectedFindings(style Style) []string {
	if style.check() != nil {
		return nil
	}
	var out []string
	for _, caller := range []string{"alice", "bob"} {
		for _, object := range []string{"alice", "bob", "admin"} {
			if object != caller {
				out = append(out, FindingKey("bola", "PUT", "/api/users/{username}/password", caller, object))
			}
			out = append(out, FindingKey("bfla", "POST", "/api/admin/users", caller, object))
		}
	}
	out = append(out,
		FindingKey("bola", "PATCH", "/api/notes/{noteId}", "alice", "bob"),
		FindingKey("bola", "PATCH", "/api/notes/{noteId}", "bob", "alice"),
	)
	slices.Sort(out)
	return out
}
