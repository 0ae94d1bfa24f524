package compare

import (
	"net/url"
	"slices"
	"strings"
)

// WriteShape is what a write asked for, as far as Shown needs it.
type WriteShape struct {
	// Delete: the write is a DELETE (its effect is the object's absence,
	// which any read shows).
	Delete bool
	// ByPath: the write addresses the object through its path
	// (PUT /users/{username}/email), or the user named the read that
	// shows its effect (operations[].verify). A write that names the
	// object only in its body or query may act on another object
	// altogether (POST /users {"username": "alice"} makes a new user).
	ByPath bool
	// Fields are the names of the fields the write sets (SentFields).
	Fields []string
}

// SentFields are the names of the fields a request body sets: the object
// keys holding a JSON body's leaves, or a form's names. Any other body
// sets none that can be named.
func SentFields(contentType string, body []byte) []string {
	var names []string
	if strings.Contains(strings.ToLower(contentType), "x-www-form-urlencoded") {
		q, _ := url.ParseQuery(string(body))
		for k := range q {
			names = append(names, k)
		}
	} else if d := Parse(contentType, body); d.JSON {
		for p := range d.Leaves {
			names = append(names, lastKey(p))
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Shown turns an Unchanged outcome into Unverified unless the read could
// have shown the write's effect. An object that reads the same before and
// after a write is evidence that the write did nothing only when:
//
//  1. the write is a DELETE (the object is still there); or
//  2. the write addresses the object by its path (ByPath), sends fields
//     (a JSON or form body with at least one named leaf), and the read
//     before it holds a field of one of those names (folded like
//     "updated_at" = "updatedAt").
//
// A password change read back through a record without the password, a
// create that names an existing user in its body, a bodiless
// POST /orders/{id}/cancel whose effect the read may not show: none of
// them proves anything by reading the same. Any other outcome is returned
// as it is.
func Shown(w Write, shape WriteShape, before Doc) Write {
	if w.Effect != Unchanged || shape.Delete {
		return w
	}
	if !shape.ByPath {
		return unverified("the write names the object only in its body or query, so it may have acted on another one: an unchanged read does not show it had no effect")
	}
	sent := map[string]string{}
	for _, f := range shape.Fields {
		if n := normKey(f); n != "" {
			sent[n] = clean(f, maxQuotedPath)
		}
	}
	if len(sent) == 0 {
		return unverified("the write sends no fields, so an unchanged read does not show it had no effect")
	}
	read := fieldNames(before)
	var missing []string
	for name, shown := range sent {
		if read[name] {
			return w
		}
		missing = append(missing, shown)
	}
	slices.Sort(missing)
	if len(missing) > 3 {
		missing = append(missing[:3], "…")
	}
	return unverified("the read shows none of the fields the write sets (" + strings.Join(missing, ", ") + "), so an unchanged read does not show it had no effect")
}

// fieldNames is the set of the folded names of the object keys that hold
// d's leaves.
func fieldNames(d Doc) map[string]bool {
	out := map[string]bool{}
	if !d.JSON {
		return out
	}
	for p := range d.Leaves {
		if n := normKey(lastKey(p)); n != "" {
			out[n] = true
		}
	}
	return out
}
