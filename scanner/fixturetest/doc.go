// Package fixturetest is a recording test API whose objects exist only at
// run time, for the scanner's set-up and teardown steps: it starts empty
// (only an admin is seeded), users must register before they can log in,
// and every order and item gets a random UUID when it is created. Nothing
// can be typed into `owns` by hand; the config WriteFiles writes has no id
// at all and creates every object with set-up steps, capturing the ids.
// Deleting an order deletes its items, so destructive probes consume the
// objects later probes need unless each runs on a fresh object.
//
// Start serves the API on a loopback port; WriteFiles writes the spec and a
// matching authzscan.yaml (with top-level and per-profile `setup`, and
// `teardown`); Env gives the values of the config's ${VAR}s (passwords).
// Every request is recorded (Requests) with who the server took the caller
// for and what it created; Objects counts the orders and items that exist
// and ever existed, and by whom, so a test can check that teardown left
// nothing behind. ExpectedFindings lists what a correct scan reports.
//
// # Identities
//
//	profile    role   username  exists                                  password
//	anonymous  -      -         -                                       -
//	alice      user   alice     once registered (top-level set-up)      ${FT_ALICE_PW}
//	bob        user   bob       once registered (top-level set-up)      ${FT_BOB_PW}
//	admin      admin  admin     seeded                                  ${FT_ADMIN_PW}
//
// Each profile logs in with POST /api/login and sends the token as
// Authorization: Bearer. alice and bob own what their set-up creates: an
// orderId and an itemId each. admin owns nothing.
//
// # The API
//
// The open endpoints validate the body (400 {"error": "… is required"}
// naming the field); every other endpoint authenticates first (no token or
// one the server did not issue: 401 with WWW-Authenticate: Bearer
// realm="fixturetest"), then validates the body, then finds the object
// (404), then decides authorization (403):
//
//	POST   /api/users/register                   {"username", "password" ≥8} everyone 201 {"id", "username"}; 409 when taken
//	POST   /api/login                            {"username", "password"} 200 {"token"}; 401 when wrong
//	GET    /api/users/me                         every user 200 {"id", "username", "role"}
//	POST   /api/orders                           {"product", "quantity" ≥1} every user 201 {"id", …}, Location; the caller's
//	GET    /api/orders/{orderId}                 owner and admin 200, others 403
//	DELETE /api/orders/{orderId}                 every user 204, items too (FLAW: BOLA)
//	POST   /api/orders/{orderId}/items           {"sku"} owner and admin 201 {"id", …}, Location; others 403
//	GET    /api/orders/{orderId}/items/{itemId}  every user 200 when the item is in the order (FLAW: nested BOLA)
//	DELETE /api/orders/{orderId}/items/{itemId}  owner and admin 204, others 403
//	GET    /api/admin/orders                     admin 200, users 403
//
// An item of another order is not in this one (404). State is kept: a
// deleted order is gone for everyone, with its items; tokens stay valid
// until the server stops.
package fixturetest
