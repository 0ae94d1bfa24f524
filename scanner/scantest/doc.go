// Package scantest is a hermetic, recording test API with every way to
// authenticate that authzscan supports. The scanner's tests start it, scan
// it, and check what the scanner sent: that every profile's sessions work,
// are renewed when they expire, are given up when they die, and that no
// secret ever leaks into a report.
//
// Start serves two origins on loopback: the API (Server.URL) and an OAuth2
// authorization server (Server.IdPURL) on another port, so another origin.
// Spec and Config give the API's OpenAPI document and a matching
// authzscan.yaml in the auth schema of docs/auth.md; Env gives the values of
// the config's ${VAR}s. Every request on both origins is recorded (Requests)
// with who the server took the caller for.
//
// # Identities
//
// One user per profile, in the config's column order:
//
//	profile      role   item  authenticates with
//	anonymous    -      -     nothing
//	bearer       user   102   Authorization: Bearer ${ST_BEARER}
//	basic        admin  103   Basic admin:${ST_ADMIN_PASSWORD}
//	apikey       user   104   X-Api-Key: ${ST_API_KEY} and ?tenant_key=${ST_TENANT_KEY}, both
//	cookie       user   105   Cookie: sid=${ST_SID}
//	query        user   106   ?api_key=${ST_QUERY_KEY}
//	jsonlogin    user   107   POST /auth/login (JSON) -> bearer token st_tok_…
//	formlogin    user   108   GET+POST /auth/form (CSRF) -> cookie sessionid=st_sess_…
//	headerlogin  user   109   POST /auth/token (form) -> header X-Auth-Token: st_hdr_…
//	service      admin  110   OAuth2 client credentials at IdPURL/oauth/token -> st_at_…
//	dave         user   111   OAuth2 password grant + refresh -> st_at_…, st_rt_…
//
// Static credentials (the ${VAR} values) are random per server and never
// expire. Issued ones (login tokens, session cookies, CSRF tokens, OAuth2
// access and refresh tokens) are random too, prefixed "st_" and their kind,
// and all of them are listed by Secrets.
//
// # The API
//
//	GET  /api/public/info                 everyone 200 (security: [])
//	GET  /api/me                          every signed-in caller 200
//	GET  /api/admin/stats                 admins 200, users 403
//	GET  /api/items/{itemId}              owner and admins 200, other users 404
//	GET  /api/items/{itemId}/history      every signed-in caller 200 (the seeded BOLA)
//	POST /api/items/{itemId}/notes        owner and admins 201, other users 404
//
// A caller without credentials gets 401 with WWW-Authenticate: Bearer
// realm="scantest" everywhere but the public endpoint; invalid, expired
// and killed credentials get 401 with error="invalid_token" added, never
// 403. A formlogin session must also send X-CSRF-Token equal to its
// csrftoken cookie on POST, PUT, PATCH and DELETE, or gets 403. Expected
// gives the status of every cell.
//
// Options.ExpireAfter makes issued sessions expire after a number of uses,
// Options.TokenLifetime bounds OAuth2 access tokens by the clock, and
// Options.Kill with KillAfter kills one profile's credentials and logins
// part-way through a scan (a dead session).
//
// Options.Throttle puts a rate-limiting gateway in front of both origins:
// requests beyond a token bucket per origin, and optionally the first few
// requests to each session endpoint (the sign-ins, the token endpoint and
// the GET /api/me check), are answered 429 with a Retry-After in seconds,
// as an HTTP date, or none. Those requests are recorded (Status 429) but
// never reach the server behind the gateway, so they count for neither
// ExpireAfter, Kill nor Logins; Throttled counts them.
//
// Apart from ExpireAfter and Kill, which count requests, and Throttle,
// which counts requests and time, every answer depends only on the caller
// and the object, never on the order of requests (notes are answered, not
// kept), so a scan gives the same matrix at any concurrency.
package scantest
