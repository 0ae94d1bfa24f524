// Package profiles holds the identities a scan runs as: who they are (name,
// role, the objects they own), how they authenticate (bearer, basic, header,
// cookie, query key, login flow), how their credentials are renewed, and how
// every secret they carry is kept out of every output.
//
// It knows nothing about the scanner. Requests it must send itself (a login)
// go through a Doer the caller injects, so they pay the scan's rate limit and
// obey its origin rules like every probe.
//
// Secrets are a type (Secret) whose printed forms are all "[REDACTED]", and
// one Redactor per Set knows every secret value — configured ones and those
// obtained at run time — and scrubs any text before it is shown.
package profiles
