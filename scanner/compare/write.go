package compare

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Effect is what a write did to the victim's object, seen through its
// owner's reads before and after it.
type Effect string

// The effects. Every Write has exactly one.
const (
	// Changed: a field the reads compare differs, a field appeared or
	// disappeared, a written marker appears after and not before (on any
	// path, volatile or not), or a non-JSON body's text changed.
	Changed Effect = "changed"
	// Gone: the object read with data before (2xx) and, after, reads 404 or
	// 410, or 2xx with an empty body or an error saying it is not found.
	Gone Effect = "gone"
	// Unchanged: both reads 2xx with data, and every field compared is
	// equal (volatile fields ignored) with no marker appearing.
	Unchanged Effect = "unchanged"
	// Unverified: nothing to compare. The read before the write was not
	// 2xx or had no data (and no marker appeared after), the read after
	// failed with something other than 404 or 410 (another 4xx, 5xx, 3xx,
	// no response: status 0), the after read's 2xx body is an error that
	// does not say the object is gone, the two bodies are not both JSON or
	// both text, every field is volatile, or a text that changes between
	// reads shows no marker.
	Unverified Effect = "unverified"
)

// Caps on a Write.
const (
	// MaxChanges is the most Changes a Write lists.
	MaxChanges = 20
	// MaxValue caps, in bytes, Change.Before and Change.After (a cut is
	// marked with "…", which the cap counts).
	MaxValue = 200
	// MinMarker is the fewest characters (runes) a marker must have to be
	// looked for; shorter ones could appear by chance.
	MinMarker = 6
)

// Change is one difference between the read before a write and the read
// after it.
type Change struct {
	// Path is the leaf's path, or TextPath for a non-JSON body.
	Path string
	// Before and After are canonical JSON texts (a text body's excerpt is
	// quoted as a JSON string), "" when the leaf is absent. Control and
	// format characters are dropped and each is capped at MaxValue bytes.
	Before, After string
}

// Write is the outcome of WriteEffect.
type Write struct {
	// Effect is what the write did.
	Effect Effect
	// Changes are the differences found, sorted by Path, at most
	// MaxChanges; set only when Effect is Changed.
	Changes []Change
	// Reason is one lowercase phrase for the report, built from paths,
	// statuses and capped values, without control or format characters,
	// at most MaxReason bytes.
	Reason string
}

// WriteEffect compares the owner's read of an object before a write probe
// (beforeStatus, before) with the owner's read after it (afterStatus,
// after). ignore holds the volatile paths (from Volatile over two reads
// before the write); paths named like clocks are ignored even when ignore
// is nil. markers are distinctive values the write carried
// ("authzscan3f9c1a0a1"): one of at least MinMarker characters that
// appears, case-insensitively, in after's leaves or text and nowhere in
// before's is a change even on an ignored path, and even when before had
// no data. The rules, first that applies:
//
//  1. before not 2xx → Unverified;
//  2. before Empty or ErrorShaped → Changed if after is 2xx Data with a
//     new marker, else Unverified;
//  3. after 404 or 410 → Gone;
//  4. after not 2xx → Unverified;
//  5. after Empty → Gone; after ErrorShaped → Gone if it says not found
//     (404, "does not exist", "deleted"…), else Unverified;
//  6. a new marker, or a compared leaf (or text) that differs → Changed;
//  7. JSON before and text after, or the reverse → Unverified; every
//     field volatile, or a text that changes between reads → Unverified;
//  8. otherwise Unchanged.
func WriteEffect(beforeStatus int, before Doc, afterStatus int, after Doc, ignore Ignore, markers []string) Write {
	ms := usableMarkers(markers)
	if !is2xx(beforeStatus) {
		return unverified("the read before the write " + statusPhrase(beforeStatus) + ": nothing to compare")
	}
	if before.Kind != Data {
		if is2xx(afterStatus) && after.Kind == Data {
			if fresh := newMarkers(before, after, ms); len(fresh) > 0 {
				return markerWrite(before, after, fresh, "the read before the write returned "+noData(before)+"; ")
			}
		}
		return unverified("the read before the write returned " + noData(before) + ": nothing to compare")
	}
	switch {
	case afterStatus == 404 || afterStatus == 410:
		return Write{Effect: Gone, Reason: finish(fmt.Sprintf("the read answered %d after the write (it answered %d before)", afterStatus, beforeStatus))}
	case !is2xx(afterStatus):
		return unverified("the read after the write " + statusPhrase(afterStatus) + ": nothing to compare")
	case after.Kind == Empty:
		return Write{Effect: Gone, Reason: finish(fmt.Sprintf("the read answered %d with %s after the write (it had data before)", afterStatus, noData(after)))}
	case after.Kind == ErrorShaped:
		if saysNotFound(after) {
			return Write{Effect: Gone, Reason: finish(fmt.Sprintf("the read answered %d with %s after the write (it had data before)", afterStatus, noData(after)))}
		}
		return unverified(fmt.Sprintf("the read after the write answered %d with %s: nothing to compare", afterStatus, noData(after)))
	}
	fresh := newMarkers(before, after, ms)
	switch {
	case before.JSON && after.JSON:
		return jsonWrite(before, after, ignore, fresh)
	case !before.JSON && !after.JSON:
		return textWrite(before, after, ignore, fresh)
	case len(fresh) > 0:
		return markerWrite(before, after, fresh, "")
	case before.JSON:
		return unverified("the read answered json before the write and text after: nothing to compare")
	default:
		return unverified("the read answered text before the write and json after: nothing to compare")
	}
}

// jsonWrite compares two JSON reads with data.
func jsonWrite(before, after Doc, ignore Ignore, fresh []string) Write {
	var changes []Change
	ignored, compared := 0, 0
	consider := func(p, bv, av string) {
		skip := ignore.Has(p) || clockName(p)
		if !skip {
			compared++
		}
		if av == bv {
			return
		}
		if skip && (av == "" || !holdsMarker(av, fresh)) {
			ignored++
			return
		}
		changes = append(changes, Change{Path: p, Before: bv, After: av})
	}
	for p, bv := range before.Leaves {
		consider(p, bv, after.Leaves[p])
	}
	for p, av := range after.Leaves {
		if _, ok := before.Leaves[p]; !ok {
			consider(p, "", av)
		}
	}
	if len(changes) > 0 {
		return changedWrite(changes, fresh)
	}
	if compared == 0 {
		return unverified(fmt.Sprintf("every field of the read is volatile (%s ignored): nothing to compare", fields(ignored)))
	}
	reason := "no field changed"
	if ignored > 0 {
		reason += fmt.Sprintf(" (%s ignored)", fields(ignored)) // e.g. "2 volatile fields"
	}
	return Write{Effect: Unchanged, Reason: finish(reason)}
}

// fields is "1 volatile field" or "n volatile fields".
func fields(n int) string {
	if n == 1 {
		return "1 volatile field"
	}
	return strconv.Itoa(n) + " volatile fields"
}

// textWrite compares two non-JSON reads with data.
func textWrite(before, after Doc, ignore Ignore, fresh []string) Write {
	if len(fresh) > 0 {
		return markerWrite(before, after, fresh, "")
	}
	if ignore.Has(TextPath) {
		return unverified("the body text changes between two reads and holds none of the written values: nothing to compare")
	}
	if before.Text == after.Text {
		return Write{Effect: Unchanged, Reason: "the body text did not change"}
	}
	b, a := diffWindow(before.Text, after.Text)
	return changedWrite([]Change{{Path: TextPath, Before: quote(b), After: quote(a)}}, nil)
}

// markerWrite is Changed because the markers fresh appear in after: the
// Changes are the leaves that hold one (a text body's excerpt around it).
func markerWrite(before, after Doc, fresh []string, lead string) Write {
	var changes []Change
	if after.JSON {
		for p, av := range after.Leaves {
			if holdsMarker(av, fresh) {
				changes = append(changes, Change{Path: p, Before: before.Leaves[p], After: av})
			}
		}
	} else {
		low := strings.ToLower(after.Text)
		// Lower-casing can change a text's length: clamp the index.
		i := min(max(strings.Index(low, fresh[0]), 0), len(after.Text))
		from, to := max(0, i-20), min(len(after.Text), i+len(fresh[0])+20)
		for from > 0 && !isRuneStart(after.Text, from) {
			from--
		}
		for to < len(after.Text) && !isRuneStart(after.Text, to) {
			to++
		}
		changes = append(changes, Change{Path: TextPath, After: quote(after.Text[from:to])})
	}
	w := changedWrite(changes, fresh)
	w.Reason = finish(lead + w.Reason)
	return w
}

// changedWrite sorts, caps and describes changes.
func changedWrite(changes []Change, fresh []string) Write {
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	lead := changes[0]
	for _, c := range changes {
		if holdsMarker(c.After, fresh) {
			lead = c
			break
		}
	}
	var r string
	p := quotePath(lead.Path)
	if lead.Path == TextPath {
		p = "the body text"
	}
	switch {
	case holdsMarker(lead.After, fresh) && lead.Before != "":
		r = fmt.Sprintf("%s now holds the written value %s (it was %s)", p, quoteValue(lead.After), quoteValue(lead.Before))
	case holdsMarker(lead.After, fresh):
		r = fmt.Sprintf("%s now holds the written value %s", p, quoteValue(lead.After))
	case lead.Before == "":
		r = fmt.Sprintf("%s appeared with %s", p, quoteValue(lead.After))
	case lead.After == "":
		r = fmt.Sprintf("%s disappeared (it was %s)", p, quoteValue(lead.Before))
	default:
		r = fmt.Sprintf("%s changed from %s to %s", p, quoteValue(lead.Before), quoteValue(lead.After))
	}
	if n := len(changes) - 1; n == 1 {
		r += " (and 1 more field)"
	} else if n > 1 {
		r += fmt.Sprintf(" (and %d more fields)", n)
	}
	if len(changes) > MaxChanges {
		changes = changes[:MaxChanges]
	}
	out := make([]Change, len(changes))
	for i, c := range changes {
		out[i] = Change{Path: c.Path, Before: clean(c.Before, MaxValue), After: clean(c.After, MaxValue)}
	}
	return Write{Effect: Changed, Changes: out, Reason: finish(r)}
}

// diffWindow cuts a and b to a short excerpt from just before their first
// difference.
func diffWindow(a, b string) (string, string) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-20)
	for from > 0 && (!isRuneStart(a, from) || !isRuneStart(b, from)) {
		from--
	}
	cut := func(s string) string { return capText(s[min(from, len(s)):], maxQuotedValue) }
	return cut(a), cut(b)
}

// isRuneStart reports whether s[i] starts a character.
func isRuneStart(s string, i int) bool { return i >= len(s) || s[i]&0xC0 != 0x80 }

// usableMarkers keeps the markers of at least MinMarker characters,
// trimmed, in lower case, without repeats, at most 32.
func usableMarkers(markers []string) []string {
	var out []string
	for _, m := range markers {
		m = strings.ToLower(strings.TrimSpace(m))
		if len([]rune(m)) >= MinMarker && !slices.Contains(out, m) {
			out = append(out, m)
			if len(out) == 32 {
				break
			}
		}
	}
	return out
}

// holdsMarker reports whether the canonical leaf (or quoted text) holds one
// of the lower-case markers.
func holdsMarker(canon string, markers []string) bool {
	if len(markers) == 0 || canon == "" {
		return false
	}
	low := strings.ToLower(scalar(canon))
	for _, m := range markers {
		if strings.Contains(low, m) {
			return true
		}
	}
	return false
}

// markersIn is the subset of the lower-case markers that d holds.
func markersIn(d Doc, markers []string) map[string]bool {
	found := map[string]bool{}
	if len(markers) == 0 {
		return found
	}
	look := func(s string) {
		low := strings.ToLower(s)
		for _, m := range markers {
			if !found[m] && strings.Contains(low, m) {
				found[m] = true
			}
		}
	}
	if d.JSON {
		for _, v := range d.Leaves {
			if isString(v) || isNumber(v) {
				look(scalar(v))
			}
			if len(found) == len(markers) {
				break
			}
		}
	} else {
		look(d.Text)
	}
	return found
}

// newMarkers are the markers that after holds and before does not.
func newMarkers(before, after Doc, markers []string) []string {
	if len(markers) == 0 {
		return nil
	}
	inAfter := markersIn(after, markers)
	if len(inAfter) == 0 {
		return nil
	}
	inBefore := markersIn(before, markers)
	var out []string
	for _, m := range markers {
		if inAfter[m] && !inBefore[m] {
			out = append(out, m)
		}
	}
	return out
}

// unverified is an Unverified Write.
func unverified(reason string) Write {
	return Write{Effect: Unverified, Reason: finish(reason)}
}

// finish cleans and caps a Reason.
func finish(r string) string { return clean(r, MaxReason) }

// is2xx reports whether status is a success.
func is2xx(status int) bool { return status >= 200 && status <= 299 }

// statusPhrase says how a read ended: "answered 500", "got no response".
func statusPhrase(status int) string {
	if status <= 0 {
		return "got no response"
	}
	return "answered " + strconv.Itoa(status)
}

// noData describes a body without data: "an empty body", "null", "an
// error (\"Not Found\")".
func noData(d Doc) string {
	switch {
	case d.Kind == ErrorShaped && !d.JSON && passwordRe.MatchString(d.Text):
		if s := errorSummary(d); s != "" {
			return "a login page (" + quoteValue(quote(s)) + ")"
		}
		return "a login page"
	case d.Kind == ErrorShaped:
		if s := errorSummary(d); s != "" {
			return "an error (" + quoteValue(quote(s)) + ")"
		}
		return "an error"
	case d.JSON && len(d.Leaves) == 1 && d.Leaves[Root] != "":
		return quoteValue(d.Leaves[Root])
	case d.JSON:
		return "no data (" + quoteValue(emptySketch(d)) + ")"
	case d.Kind == Data:
		return "data"
	default:
		return "an empty body"
	}
}

// emptySketch renders an Empty JSON object's top level: {"data":null,
// "success":true}, with members cut to a few.
func emptySketch(d Doc) string {
	var keys []string
	for p := range d.Leaves {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("{")
	for i, p := range keys {
		if i == 3 {
			b.WriteString(",…")
			break
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(strings.TrimPrefix(p, "$."))
		b.WriteString(":")
		b.WriteString(d.Leaves[p])
	}
	b.WriteString("}")
	return b.String()
}

// summaryKeys are the keys whose text sums up an error, best first.
var summaryKeys = []string{"message", "msg", "error", "errormessage", "errordescription", "detail", "title", "reason", "description", "status", "code"}

// errorSummary is the message of an error body: the best-named string
// leaf of an error object (shallowest first), a page's title, or the
// text itself.
func errorSummary(d Doc) string {
	if !d.JSON {
		if m := titleRe.FindStringSubmatch(d.Text); m != nil {
			return strings.Join(strings.Fields(tagRe.ReplaceAllString(m[1], " ")), " ")
		}
		if textKind("", d.Text) == ErrorShaped && !strings.HasPrefix(d.Text, "<") {
			return d.Text
		}
		return ""
	}
	if v, ok := d.Leaves[Root]; ok {
		return scalar(v)
	}
	best, bestRank, bestDepth, bestPath := "", len(summaryKeys), 0, ""
	for p, v := range d.Leaves {
		if emptyLeaf(v) || !(isString(v) || isNumber(v)) {
			continue
		}
		rank := slices.Index(summaryKeys, normKey(lastKey(p)))
		if rank < 0 {
			continue
		}
		depth := len(segments(p))
		if rank < bestRank || (rank == bestRank && (depth < bestDepth || (depth == bestDepth && p < bestPath))) {
			best, bestRank, bestDepth, bestPath = scalar(v), rank, depth, p
		}
	}
	return best
}

// saysNotFound reports whether an error body says the object does not
// exist: a status or code of 404 or 410, or a not-found phrase.
func saysNotFound(d Doc) bool {
	if !d.JSON {
		return hasPhrase(d.Text[:min(len(d.Text), 4096)], notFoundPhrases)
	}
	for p, v := range d.Leaves {
		if statusKeys[normKey(lastKey(p))] || errorKeys[normKey(lastKey(p))] {
			if code, ok := httpStatus(v); ok && (code == 404 || code == 410) {
				return true
			}
		}
		if isString(v) && len(v) <= 4*maxShortText && hasPhrase(scalar(v), notFoundPhrases) {
			return true
		}
	}
	return false
}
