// Package compare judges responses by their content. The scanner's judge
// sees a 2xx to another user's object; a status alone does not make that a
// broken object-level authorization (BOLA): many APIs answer 200 with an
// error envelope, an empty list, a login page or the caller's own record,
// and many writes answer 204 and change nothing. This package decides,
// from the bodies, whether data leaked and whether a write took effect.
//
// It is pure: no I/O, no clock, no globals that change. Every function takes
// parsed bodies and returns a value; nothing it returns is modified later,
// and it never panics on hostile input.
//
// # What it decides
//
// [Parse] takes a body apart once into a [Doc]: JSON leaves keyed by path
// ("$.items[0].email", canonical texts so that field order and escapes do
// not matter), or trimmed text. It gives every body one [Kind]:
//
//   - [Empty]: nothing, null, [], {}, or an envelope holding only
//     bookkeeping ({"success": true, "data": null}, {"items": [], "total": 0});
//   - [ErrorShaped]: an error or a refusal whatever the status said: JSON
//     error envelopes ({"error": …}, {"success": false, …}, a status of
//     400–599, RFC 7807 problems, GraphQL errors without data), short error
//     texts ("Not Found"), HTML error and login pages, XML documents whose
//     root is an error (<Error>, <Fault>, <problem>);
//   - [Data]: everything else, including a record whose fields happen to be
//     named title, status or code.
//
// [Volatile] learns, from two reads of the same object a moment apart,
// which paths change by themselves (timestamps, request ids, counters), so
// that the comparisons below ignore them ([Ignore]).
//
// [WriteEffect] compares the victim's own reads before and after a write
// probe and says whether the object [Changed], is [Gone], stayed
// [Unchanged], or could not be judged ([Unverified]). A marker the write
// carried that appears afterwards is the strongest evidence.
//
// [ReadMatch] compares the attacker's read with the owner's own read of the
// same object and says whether the attacker got the owner's data
// ([OwnerData]), no data ([NoData]), the caller's own record ([CallerData]),
// other data ([Different]), or whether there was nothing to compare
// ([OwnerEmpty]). It matches the structure (the share of equal leaves,
// wherever the owner's object sits in the attacker's body) and the owner's
// and caller's distinctive values (ids, usernames, emails) as tokens.
//
// Only OwnerData and Changed/Gone are evidence of a BOLA; the other
// outcomes let the judge report a 2xx that leaked nothing or wrote nothing
// as such instead of as a finding.
//
// # Caps
//
// Inputs are untrusted and may be large, so everything is bounded:
// [MaxText] bytes of text, [MaxDepth] levels of JSON nesting and
// [MaxLeaves] leaves per body (past either, a body is opaque Data text),
// [MaxValues] owner and caller values, [MaxChanges] changes per Write,
// [MaxValue] bytes per changed value and [MaxReason] bytes per Reason.
// Every Reason is one lowercase phrase, cleaned of control and format
// characters so that a report can quote it safely.
package compare
