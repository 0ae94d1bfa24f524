package compare

import (
	"fmt"
	"slices"
	"strings"
)

// Match is how the attacker's read of an object compares with the owner's
// own read of it.
type Match string

// The matches. Every Read has exactly one.
const (
	// OwnerData: the attacker got the owner's data. Either the structure
	// matches (see ReadMatch for the thresholds), or one of the owner's
	// distinctive values appears in the attacker's body.
	OwnerData Match = "owner-data"
	// NoData: the attacker's body is Empty or ErrorShaped while the
	// owner's has data.
	NoData Match = "no-data"
	// CallerData: the attacker's body holds the caller's own distinctive
	// values and none of the owner's (the server answered with the caller's
	// own record whatever the id), or the caller's values sit where the
	// owner's read has the owner's while the owner's appear only elsewhere
	// (the caller's record mentions the owner, as a friend or a
	// recipient). Like NoData, nothing of the owner's leaked; it is kept
	// apart so that the report can say what the server did.
	CallerData Match = "caller-data"
	// OwnerEmpty: the owner's own read was not 2xx, or was Empty or
	// ErrorShaped: nothing to compare.
	OwnerEmpty Match = "owner-empty"
	// Different: the attacker got data, but neither the owner's nor
	// visibly the caller's.
	Different Match = "different"
)

// Thresholds of ReadMatch.
const (
	// SharePercent is the share, in percent, of the owner's compared
	// leaves, and of its distinctive ones, that the attacker's body must
	// match for the structure alone to show the owner's data.
	SharePercent = 80
	// MaxValues caps how many ownerValues and how many callerValues are
	// looked for.
	MaxValues = 64
)

// Read is the outcome of ReadMatch.
type Read struct {
	// Match is how the reads compare.
	Match Match
	// Shared is how many of the owner's compared leaves the attacker's body
	// matched, of Total. For a non-JSON owner body Total is 1 and Shared
	// is 1 when the texts are equal. 0 ≤ Shared ≤ Total.
	Shared, Total int
	// Reason is one lowercase phrase for the report, built from paths,
	// counts and capped values, without control or format characters, at
	// most MaxReason bytes.
	Reason string
}

// ReadMatch compares the attacker's read of an object (the caller judges
// only a 2xx) with the owner's own read of the same request (ownerStatus,
// owner). ignore holds volatile paths; paths named like clocks or write
// stamps (see Volatile) are ignored too.
//
// ownerValues are the owner's distinctive owned values (ids, username,
// email…) and callerValues the attacker's; as strings, so that "14"
// matches the JSON number 14 as well as the string "14". A value counts
// when, trimmed, it has at least MinValue characters, a letter or digit
// and is not a common word (true, null, user, active…); a value in both
// lists counts for neither. A value is found in the attacker's body when a
// leaf (or the text) holds it as a token, case-insensitively ("alice" is
// in "alice@x.com", not in "malice"); a value of digits only must be a
// whole leaf in JSON. Leaves under link keys (href, self, links, url, uri,
// location, path, instance) are not searched: they echo the request. For
// the same reason the caller should leave out of ownerValues what the
// attacker's own request carried (the id in its path) unless it is also a
// field of the owner's read.
//
// The compared leaves of the owner's read are those not ignored, not
// volatile by name and not empty (null, "", [], {}); a leaf is
// distinctive when it is a string that would count as a value, or a
// number other than 0, 1 and -1. A leaf matches when the attacker's body
// has the same value (a numeric string equals the number) at the same
// path, array indexes aside; the owner's whole body may also sit inside
// the attacker's, under a wrapper or in a list ({"data": …}, [ …, owner,
// … ]), and the best placement counts. The structure shows the owner's
// data when at least SharePercent of the compared leaves and of the
// distinctive ones match, and at least one distinctive leaf does.
//
// The rules, first that applies:
//
//  1. owner not 2xx, or Empty or ErrorShaped → OwnerEmpty;
//  2. attacker Empty or ErrorShaped → NoData (an error body naming the
//     owner's id is still no data);
//  3. the caller's values sit at paths where the owner's read has the
//     owner's values, and no owner value sits at one of those paths, and
//     the structure does not show the owner's data → CallerData;
//  4. the structure shows the owner's data, or an owner value is found,
//     or two non-JSON bodies are equal → OwnerData;
//  5. a caller value is found → CallerData;
//  6. otherwise Different.
func ReadMatch(ownerStatus int, owner Doc, attacker Doc, ignore Ignore, ownerValues, callerValues []string) Read {
	switch {
	case !is2xx(ownerStatus):
		return Read{Match: OwnerEmpty, Reason: finish("the owner's own read " + statusPhrase(ownerStatus) + ": nothing to compare")}
	case owner.Kind != Data:
		return Read{Match: OwnerEmpty, Reason: finish("the owner's own read returned " + noData(owner) + ": nothing to compare")}
	}
	st := structure(owner, attacker, ignore)
	if attacker.Kind != Data {
		return Read{Match: NoData, Shared: st.shared, Total: st.total,
			Reason: finish("the body is " + noData(attacker) + " while the owner's read has data")}
	}
	ov, cv := usableValues(ownerValues, callerValues)
	ownerHits := findValues(attacker, ov)
	callerHits := findValues(attacker, cv)
	identity := identityPaths(owner, ov)
	ownerAtID, callerAtID := atIdentity(ownerHits, identity), atIdentity(callerHits, identity)
	r := Read{Shared: st.shared, Total: st.total}
	switch {
	case callerAtID != "" && ownerAtID == "" && !st.owner():
		r.Match = CallerData
		r.Reason = fmt.Sprintf("the body holds the caller's own values where the owner's read has the owner's (%s)", callerAtID)
		if len(ownerHits) > 0 {
			r.Reason += fmt.Sprintf("; it mentions the owner's elsewhere (%s)", hitsText(ownerHits))
		}
	case st.owner():
		r.Match = OwnerData
		r.Reason = fmt.Sprintf("the body holds the owner's values (%s: %d of %d fields equal)", st.sample, st.shared, st.total)
	case len(ownerHits) > 0:
		r.Match = OwnerData
		r.Reason = fmt.Sprintf("the body holds the owner's values (%s; %d of %d fields equal)", hitsText(ownerHits), st.shared, st.total)
	case !owner.JSON && !attacker.JSON && owner.Text == attacker.Text:
		r.Match = OwnerData
		r.Reason = "the body is the same text as the owner's"
	case len(callerHits) > 0:
		r.Match = CallerData
		r.Reason = fmt.Sprintf("the body holds the caller's own values (%s) and none of the owner's", hitsText(callerHits))
	default:
		r.Match = Different
		r.Reason = fmt.Sprintf("the body has data, but neither the owner's (%d of %d fields equal) nor visibly the caller's", st.shared, st.total)
	}
	r.Reason = finish(r.Reason)
	return r
}

// match is the result of comparing structures.
type match struct {
	shared, total   int
	sharedD, totalD int    // the distinctive leaves among them
	sample          string // up to 3 matched distinctive paths, for a Reason
}

// owner reports whether the structure shows the owner's data.
func (m match) owner() bool {
	return m.total > 0 && m.sharedD > 0 &&
		m.shared*100 >= m.total*SharePercent && m.sharedD*100 >= m.totalD*SharePercent
}

// ownerLeaf is a compared leaf of the owner's read.
type ownerLeaf struct {
	path        string // as read
	suffix      string // normalized, without the leading "$"
	key         string // valueKey
	distinctive bool
}

// valueKey is the value a leaf is compared by: strings and numbers by
// their text ("14" equals 14), the literals by themselves.
func valueKey(canon string) string {
	if isString(canon) || isNumber(canon) {
		return "v" + scalar(canon)
	}
	return "l" + canon
}

// distinctiveLeaf reports whether a canonical leaf is evidence of whose
// record it is: a distinctive string, or a number other than 0, 1, -1.
func distinctiveLeaf(canon string) bool {
	switch {
	case isString(canon):
		return distinctiveString(scalar(canon))
	case isNumber(canon):
		switch canon {
		case "0", "1", "-1", "0.0", "1.0", "-0":
			return false
		}
		return true
	}
	return false
}

// maxPlacements caps the places of the attacker's body tried for the
// owner's, and maxSpots how many places of one distinctive value are
// followed.
const (
	maxPlacements = 4
	maxSpots      = 16
	maxProbes     = 256
)

// structure compares the owner's read with the attacker's (see
// ReadMatch).
func structure(owner, attacker Doc, ignore Ignore) match {
	if !owner.JSON {
		if owner.Text != "" && !attacker.JSON && owner.Text == attacker.Text {
			return match{shared: 1, total: 1}
		}
		return match{total: 1}
	}
	var leaves []ownerLeaf
	for p, v := range owner.Leaves {
		if emptyLeaf(v) || ignore.Has(p) || volatileName(p) {
			continue
		}
		leaves = append(leaves, ownerLeaf{path: p, suffix: NormalizePath(p)[len(Root):], key: valueKey(v), distinctive: distinctiveLeaf(v)})
	}
	slices.SortFunc(leaves, func(a, b ownerLeaf) int { return strings.Compare(a.path, b.path) })
	m := match{total: len(leaves)}
	for _, l := range leaves {
		if l.distinctive {
			m.totalD++
		}
	}
	if !attacker.JSON || len(leaves) == 0 {
		return m
	}
	// What the attacker's body holds: normalized path + "\x00" + value key.
	have := make(map[string]int, len(attacker.Leaves))
	var buf []byte
	for p, v := range attacker.Leaves {
		buf = append(append(append(buf[:0], NormalizePath(p)...), 0), valueKey(v)...)
		have[string(buf)]++
	}
	best := m
	for _, prefix := range placements(leaves, attacker) {
		c := match{total: m.total, totalD: m.totalD}
		used := map[string]int{}
		var sample []string
		for _, l := range leaves {
			buf = append(append(append(append(buf[:0], prefix...), l.suffix...), 0), l.key...)
			if n := have[string(buf)]; n > used[string(buf)] {
				used[string(buf)]++
				c.shared++
				if l.distinctive {
					c.sharedD++
					if len(sample) < 3 {
						sample = append(sample, quotePath(l.path))
					}
				}
			}
		}
		c.sample = strings.Join(sample, ", ")
		if c.sharedD > best.sharedD || (c.sharedD == best.sharedD && c.shared > best.shared) {
			best = c
		}
	}
	return best
}

// placements are the normalized paths of the attacker's body where the
// owner's whole body may sit: Root, and the wrappers around the places
// that hold the owner's distinctive values, most voted first.
func placements(leaves []ownerLeaf, attacker Doc) []string {
	wanted := map[string][]string{} // value key → the owner's suffixes with it
	probes := 0
	for _, l := range leaves {
		if l.distinctive && l.suffix != "" && probes < maxProbes {
			wanted[l.key] = append(wanted[l.key], l.suffix)
			probes++
		}
	}
	spots := map[string][]string{} // value key → normalized attacker paths
	for p, v := range attacker.Leaves {
		k := valueKey(v)
		if _, ok := wanted[k]; ok && len(spots[k]) < maxSpots {
			spots[k] = append(spots[k], NormalizePath(p))
		}
	}
	votes := map[string]int{}
	for k, suffixes := range wanted {
		for _, q := range spots[k] {
			for _, s := range suffixes {
				if len(q) > len(Root)+len(s) && strings.HasSuffix(q, s) {
					votes[q[:len(q)-len(s)]]++
				}
			}
		}
	}
	out := []string{Root}
	for p := range votes {
		out = append(out, p)
	}
	slices.SortFunc(out[1:], func(a, b string) int {
		if votes[a] != votes[b] {
			return votes[b] - votes[a]
		}
		return strings.Compare(a, b)
	})
	return out[:min(len(out), maxPlacements)]
}

// usableValues filters ownerValues and callerValues (see ReadMatch): the
// distinctive ones, lower-cased, trimmed, without repeats, at most
// MaxValues each, none in both.
func usableValues(ownerValues, callerValues []string) (owner, caller []string) {
	keep := func(vs []string) []string {
		var out []string
		for _, v := range vs {
			v = strings.ToLower(strings.TrimSpace(v))
			if distinctiveString(v) && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	o, c := keep(ownerValues), keep(callerValues)
	both := func(v string) bool { return slices.Contains(o, v) && slices.Contains(c, v) }
	for _, v := range o {
		if !both(v) && len(owner) < MaxValues {
			owner = append(owner, v)
		}
	}
	for _, v := range c {
		if !both(v) && len(caller) < MaxValues {
			caller = append(caller, v)
		}
	}
	return owner, caller
}

// hit is where a value was found: the first path in sorted order
// (TextPath for a text body), and every normalized path.
type hit struct {
	value string
	path  string
	norms []string
}

// linkKeys hold URLs and paths that echo the request.
var linkKeys = set("href", "self", "links", "link", "url", "uri", "location", "path", "instance")

// echoPath reports whether path p lies under a link key.
func echoPath(p string) bool {
	for _, s := range segments(p) {
		if !s.index && linkKeys[normKey(s.key)] {
			return true
		}
	}
	return false
}

// findValues finds the lower-case values in d (see ReadMatch), in the
// order of values.
func findValues(d Doc, values []string) []hit {
	if len(values) == 0 {
		return nil
	}
	found := make([]*hit, len(values))
	if !d.JSON {
		low := strings.ToLower(d.Text)
		var out []hit
		for _, v := range values {
			if containsToken(low, v) {
				out = append(out, hit{value: v, path: TextPath})
			}
		}
		return out
	}
	for p, c := range d.Leaves {
		if !(isString(c) || isNumber(c)) || emptyLeaf(c) {
			continue
		}
		low := strings.ToLower(scalar(c))
		echo := -1 // unknown yet
		for i, v := range values {
			var ok bool
			if allDigits(v) {
				ok = strings.TrimSpace(low) == v
			} else {
				ok = containsToken(low, v)
			}
			if !ok {
				continue
			}
			if echo < 0 {
				echo = 0
				if echoPath(p) {
					echo = 1
				}
			}
			if echo == 1 {
				continue
			}
			if found[i] == nil {
				found[i] = &hit{value: v, path: p}
			} else if p < found[i].path {
				found[i].path = p
			}
			found[i].norms = append(found[i].norms, NormalizePath(p))
		}
	}
	var out []hit
	for _, h := range found {
		if h != nil {
			out = append(out, *h)
		}
	}
	return out
}

// identityPaths are the normalized paths where the owner's read holds one
// of the owner's values as the whole leaf: where a record keeps whose it
// is ($.username, $.id).
func identityPaths(owner Doc, values []string) map[string]bool {
	ids := map[string]bool{}
	if !owner.JSON || len(values) == 0 {
		return ids
	}
	for p, c := range owner.Leaves {
		if !(isString(c) || isNumber(c)) {
			continue
		}
		low := strings.ToLower(strings.TrimSpace(scalar(c)))
		if slices.Contains(values, low) {
			ids[NormalizePath(p)] = true
		}
	}
	return ids
}

// atIdentity renders the first hit found at an identity path, "" if none.
func atIdentity(hits []hit, identity map[string]bool) string {
	for _, h := range hits {
		for _, n := range h.norms {
			if identity[n] {
				return quotePath(n)
			}
		}
	}
	return ""
}

// hitsText renders up to 3 hits: `$.email "alice@x.com"`.
func hitsText(hits []hit) string {
	var parts []string
	for _, h := range hits {
		if len(parts) == 3 {
			parts = append(parts, "…")
			break
		}
		if h.path == TextPath {
			parts = append(parts, "the text has "+quoteValue(quote(h.value)))
			continue
		}
		parts = append(parts, quotePath(h.path)+" "+quoteValue(quote(h.value)))
	}
	return strings.Join(parts, ", ")
}
