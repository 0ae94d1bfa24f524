// Package realtest is a recording test API that behaves like real
// third-party APIs where a scanner most often fails: every handler validates
// the request body before it decides authorization, so a probe with an
// empty or made-up body is answered 400 and never reaches the decision, and
// one handler refuses a body without a confirmation with 403, so an empty
// body looks like a refusal of every user (a false lockout).
//
// The same API is described in three styles (Style) that real specs come
// in: converted from a Postman collection (bodies known only by a
// media-type example), hand-written OpenAPI 3 (properties with examples,
// defaults and enums, nothing required; one named `examples` map), and
// Swagger 2.0 (body parameters, `x-example`, a form endpoint). A scanner
// that builds bodies from what the spec offers gets past validation in all
// three and finds the seeded flaws; ExpectedFindings lists exactly what it
// must report.
//
// Start serves the API on a loopback port; WriteFiles writes a style's spec
// and a matching authzscan.yaml; Env gives the values of the config's
// ${VAR}s. Every request is recorded (Requests) with who the server took
// the caller for.
//
// # Identities
//
//	profile    role   owns                                    authenticates with
//	anonymous  -      -                                       nothing
//	alice      user   username alice, noteId 101, ticketId 7  Authorization: Bearer ${RT_ALICE_TOKEN}
//	bob        user   username bob, noteId 202, ticketId 8    Authorization: Bearer ${RT_BOB_TOKEN}
//	admin      admin  username admin                          Authorization: Bearer ${RT_ADMIN_TOKEN}
//
// # The API
//
// Every endpoint authenticates first (no or an unknown token: 401 with
// WWW-Authenticate: Bearer realm="realtest"), then validates the body (400
// {"error": "… is required"} naming the field), then finds the object (404),
// then decides authorization (403):
//
//	GET   /api/users/{username}                   self and admin 200, others 403
//	PUT   /api/users/{username}/password          {"password": ≥8 chars} every user 204 (FLAW: BOLA)
//	PUT   /api/users/{username}/email             {"email": "a@b"} self and admin 204, others 403
//	POST  /api/notes                              {"title", "body"?} every user 201 {"id": …}
//	PATCH /api/notes/{noteId}                     {"title"} owner 200, others 200 too (FLAW: BOLA)
//	POST  /api/admin/users                        {"username", "role": user|admin} every user 201 (FLAW: BFLA)
//	PUT   /api/admin/settings                     {"maintenance": bool, "message"?} admin 200, users 403
//	POST  /api/account/close                      {"confirm": "CLOSE"} every user 200; else 403 first (THE TRAP)
//	POST  /api/tickets/{ticketId}/comments        {"comment"} (JSON or form) owner and admin 201, others 403
//
// Notes 101 (alice) and 202 (bob) and tickets 7 (alice) and 8 (bob) are
// seeded. Writes are answered, not applied: a password, an email, a note's
// title, the settings, a created user and a closed account change nothing
// later answers depend on, so every status depends only on the caller, the
// object and the body, never on the order of requests. Only created notes
// are kept (their creator owns them, and anyone may rename them); their ids
// and those of created users count from 1000 and depend on the order.
package realtest
