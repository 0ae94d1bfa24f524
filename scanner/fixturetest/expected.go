package fixturetest

import (
	"slices"
	"strings"
)

// FindingKey is how ExpectedFindings writes one finding: "KIND METHOD PATH
// PROFILE OBJECT", space-separated, PATH the spec's template and OBJECT the
// profile whose object the probe used ("" when none, which leaves a
// trailing space). Format a scanner's findings with it to compare them
// (the same format as scanner/realtest's FindingKey).
func FindingKey(kind, method, path, profile, object string) string {
	return strings.Join([]string{kind, method, path, profile, object}, " ")
}

// ExpectedFindings returns, sorted, the findings a correct scan of the
// config WriteFiles writes must report: every bola, bfla, unauthenticated
// and lockout finding, and no other (status-code findings are left out: the
// server's status codes are right, so there should be none).
//
// A correct scan first runs the top-level set-up (alice and bob register,
// 201), logs every profile in, and runs alice's and bob's set-up: each
// creates an order (capturing orderId) and an item in it (capturing
// itemId). Those captures are all the `owns` there are: alice and bob own
// an orderId and an itemId each; admin and anonymous own nothing.
//
// Which probes there are. POST /api/login is excluded (scan.exclude). The
// plan gives an operation one object variant per profile owning one of its
// path, query or body names, taking every owned name from that profile
// (orderId and itemId both from alice, or both from bob), and probes every
// profile with every variant; no body property (username, password,
// product, quantity, sku) is owned:
//
//	POST   /api/users/register                    no object
//	GET    /api/users/me                          no object
//	POST   /api/orders                            no object
//	GET    /api/orders/{orderId}                  objects alice, bob
//	DELETE /api/orders/{orderId}                  objects alice, bob
//	POST   /api/orders/{orderId}/items            objects alice, bob
//	GET    /api/orders/{orderId}/items/{itemId}   objects alice, bob
//	DELETE /api/orders/{orderId}/items/{itemId}   objects alice, bob
//	GET    /api/admin/orders                      no object
//
// Every DELETE probe runs on a fresh object (the owner's capturing step
// runs again just before it), so no probe ever meets an object another
// probe deleted: every answer depends only on the caller and the object.
// Deletes run last, so every read and POST meets the set-up's objects.
//
// What each probe gets, with the spec's example bodies, and the verdict:
//
//   - anonymous: 401 with WWW-Authenticate on every operation but
//     register; every rule denies it (no grant names anonymous): pass, no
//     unauthenticated finding. On register it is like everyone else.
//   - POST /api/users/register {"username": "carol", …}: no rule; the spec
//     marks it public (security: []), so everyone is expected allowed. The
//     first of the four probes gets 201 (pass), the other three 409
//     "username taken": inconclusive, no finding. (The scanner does not
//     replace the username with its marker: it is no free-text field.)
//   - GET /api/users/me: alice, bob and admin 200, rule [user, admin]:
//     pass.
//   - POST /api/orders {"product": the marker, "quantity": 2}: alice, bob
//     and admin 201, rule "POST /api/orders" [user, admin]: pass. (Each
//     is deleted after the last probe by the scan's clean-up.)
//   - GET /api/orders/{orderId}: the owner and admin 200, the other user
//     403; rule "/api/orders/**" {user: own, admin: any}: pass.
//   - DELETE /api/orders/{orderId}: 204 for every signed-in caller on every
//     fresh order (the BOLA flaw). The rule allows users only their own:
//     alice on bob's order and bob on alice's are broken with basis
//     rule-object, two bola findings (the owner reads the order back
//     after: 404, the delete took effect). Admin is allowed any, the owner
//     their own: pass.
//   - POST /api/orders/{orderId}/items {"sku": "A1"}: the owner and admin
//     201, the other user 403: pass.
//   - GET /api/orders/{orderId}/items/{itemId}: 200 for every signed-in
//     caller, the same item as its owner gets (the nested BOLA flaw: the
//     item is checked against the order, the order never against the
//     caller). alice on bob's item and bob on alice's are bola; admin any
//     and the owners their own: pass.
//   - DELETE /api/orders/{orderId}/items/{itemId}: the owner and admin 204
//     on a fresh item, the other user 403: pass.
//   - GET /api/admin/orders: admin 200, alice and bob 403, rule
//     "/api/admin/**" [admin]: pass.
//
// No lockout: no allowed caller is ever refused. Without fresh objects
// there would be: the first DELETE of an order that succeeds (an owner's,
// admin's or the flaw's) leaves the two later ones a 404, which reads as a
// refusal on a foreign object some probe got (admin: a false lockout; the
// other user: the BOLA missed) or as inconclusive on the caller's own.
//
// POST /api/login is excluded because its example credentials are wrong on
// purpose: an open operation answering 401 would read as a lockout of
// every profile (and, to a signed-in caller, as a status-code misuse).
func ExpectedFindings() []string {
	out := []string{
		FindingKey("bola", "DELETE", "/api/orders/{orderId}", "alice", "bob"),
		FindingKey("bola", "DELETE", "/api/orders/{orderId}", "bob", "alice"),
		FindingKey("bola", "GET", "/api/orders/{orderId}/items/{itemId}", "alice", "bob"),
		FindingKey("bola", "GET", "/api/orders/{orderId}/items/{itemId}", "bob", "alice"),
	}
	slices.Sort(out)
	return out
}
