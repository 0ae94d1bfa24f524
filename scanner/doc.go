// Package scanner is authzscan's engine as a library: it loads the
// config's spec and profiles, builds the plan (one probe per operation ×
// profile × object variant), sends it under one rate limit, classifies each
// response, judges it against the policy and assembles the Result that
// every report is written from.
//
//	authzscan.yaml ─┐
//	openapi doc ────┼─▶ Spec ─▶ Plan ([]Probe) ─▶ Run ─▶ Judge ─▶ Result
//	profiles ───────┘
//
// The command line and the tests use the same entry points: ParseConfig or
// LoadConfig, New, then Scanner.Plan or Scanner.Run.
package scanner
