// Package faulttest is a fault-injecting HTTP target on loopback: a test
// helper that misbehaves the way half-deployed, rate-limited, slow or
// broken staging servers do, so tests can prove that a scan of it
// finishes, loses no cell and leaks nothing.
//
// Start serves two origins on 127.0.0.1: the target (Server.URL) and a
// sink (Server.SinkURL) on another port, so another origin. The sink
// answers 200 to anything and records every request with its headers: a
// test that redirects the scanner there can prove no credential was ever
// sent off the target's origin.
//
// Requests to the target are matched against Options.Rules in order; the
// first rule whose Match selects the request applies its Fault, and a
// request no rule selects is answered by Options.Handler (ItemsAPI by
// default). Faults that alter an answer (Trickle, Gzip, InvalidJSON,
// CloseMidBody) alter what the handler would have said, so a test can
// compare a scan of a faulty route with one of a healthy route.
//
// # Faults
//
//	Reset          reset the connection (RST) without an answer
//	Outage         from the rule's After-th request on, for a while: reset
//	               every request, or answer each a 5xx; then recover
//	Stall          wait before the headers
//	Trickle        send the headers, then the body a few bytes at a time
//	Huge           stream a body of any size (1 GiB by default) without
//	               allocating it, optionally gzip-compressed
//	CloseMidBody   declare the whole body's length, send part, close
//	Chaos          500/502/503 at random, seeded and deterministic per request
//	Storm          429 bursts with Retry-After in seconds or as an HTTP date
//	Redirect       3xx to the sink (another origin)
//	InvalidJSON    the handler's status and headers with a broken JSON body
//	Gzip           the handler's answer gzip-compressed, or corrupt gzip
//	Echo           a body echoing the request's credentials at an offset
//	Malformed      raw bytes on the hijacked connection: a bad status line,
//	               header lines without a colon, control characters,
//	               conflicting lengths, huge headers, bad chunking, no end
//
// Server.Refuse takes the whole target down: its port refuses
// connections (open ones are closed) for a while, then it listens again on
// the same port and serves as before, like a redeployed server.
//
// # Records
//
// Every request to either origin is recorded (Requests, SinkRequests) with
// the fault that answered it and what the server managed to write. A
// handler still writing when the test looks (a Huge body the client gave
// up on) updates its record when it returns: call Close first, which
// waits for every handler, when the byte counts matter.
//
// # Determinism
//
// Chaos decides from a hash of its seed, the request (method, URI and
// credential headers) and how many times that same request was seen
// before, so a scan gets the same answers whatever its concurrency and
// interleaving. Storm and Outage count requests per rule in arrival order;
// an Outage's end is measured by the clock from its first failed request.
package faulttest
