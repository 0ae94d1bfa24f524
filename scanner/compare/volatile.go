package compare

import "strings"

// Ignore is a set of paths whose values are volatile. Keys are normalized
// paths (NormalizePath: "$.items[*].updatedAt"), or TextPath. A path is
// ignored when it or one of its ancestors is in the set, so ignoring
// "$.meta" ignores "$.meta.x". The nil Ignore ignores nothing. An Ignore
// is not modified by this package once returned: share it freely.
type Ignore map[string]bool

// Has reports whether path p is ignored: p, normalized or as given, or one
// of its ancestors is in ig.
func (ig Ignore) Has(p string) bool {
	if len(ig) == 0 {
		return false
	}
	if ig[p] {
		return true
	}
	n := NormalizePath(p)
	if ig[n] {
		return true
	}
	for i := 0; i < len(n); i++ {
		switch n[i] {
		case '.':
			if ig[n[:i]] {
				return true
			}
		case '[':
			if ig[n[:i]] {
				return true
			}
			if i+1 < len(n) && n[i+1] == '"' {
				i = skipQuoted(n, i+1)
			}
		}
	}
	return false
}

// Volatile learns which paths of an object are volatile from two reads
// of it, a and b, taken a moment apart. The result holds:
//
//   - every path whose value differs between a and b, or that only one of
//     them has (normalized: a difference at $.items[3].seen ignores
//     $.items[*].seen);
//   - TextPath when both are non-JSON and their texts differ;
//   - every path of a or b named like a clock (see below), whatever its
//     value: such fields can tick between the reads before a write and the
//     read after it without anything being written.
//
// Two reads that differ in Kind or in JSON-ness (one failed, was cut
// short or was an error page) teach nothing about each other: only the
// named paths are learned. Ignoring everything instead would make any
// write look as if it had no effect.
//
// Clock names (the last object key, folded to lower-case letters and
// digits, keys starting with '$' and array indexes skipped): timestamp, ts,
// now, serverTime, currentTime, systemTime, generatedAt, generated,
// responseTime, requestTime, fetchedAt, retrievedAt, renderedAt, cachedAt,
// asOf, took, elapsed, latency, uptime; requestId, reqId, traceId, spanId,
// correlationId (x- prefixed too); nonce, any key starting with csrf or
// xsrf, authenticityToken; expiry and any key starting with expires, ttl
// or maxAge (not expiryDate nor expirationDate: a card's is data);
// lastSeen, lastLogin, lastActive, lastActivity, lastAccess(ed),
// lastUsed, lastRequest (each with or without At); views, viewCount,
// visits, visitCount, accessCount, readCount.
//
// Not clock names: "date" and "time" (a stored date or an appointment's
// time is data more often than a clock; one that ticks differs between
// the two reads and is learned), and the write stamps below.
//
// Write stamps (updatedAt, updated_at, updated, modified, modifiedAt,
// lastModified, lastUpdated, dateModified, mtime, version, revision, rev,
// _rev, __v, _version, _seq_no, _primary_term, etag, lockVersion,
// rowVersion) change exactly when the object is written. Volatile ignores
// one only when it differs between the two reads (a server that touches
// the object on every read): if it moves only after a write, the write
// reached the object, and that is the evidence sought. A password change
// through another user's path shows in nothing else. ReadMatch, which
// compares different moments of the object, ignores write stamps by name.
func Volatile(a, b Doc) Ignore {
	ig := Ignore{}
	for _, d := range []Doc{a, b} {
		for p := range d.Leaves {
			if clockName(p) {
				ig[NormalizePath(p)] = true
			}
		}
	}
	if a.Kind != b.Kind || a.JSON != b.JSON {
		return ig
	}
	if !a.JSON {
		if a.Text != b.Text {
			ig[TextPath] = true
		}
		return ig
	}
	for p, v := range a.Leaves {
		if w, ok := b.Leaves[p]; !ok || w != v {
			ig[NormalizePath(p)] = true
		}
	}
	for p := range b.Leaves {
		if _, ok := a.Leaves[p]; !ok {
			ig[NormalizePath(p)] = true
		}
	}
	return ig
}

// clockNames and clockPrefixes name fields that tick with time or with
// requests (see Volatile), folded by normKey.
var (
	clockNames = set("timestamp", "ts", "now", "servertime", "currenttime", "systemtime",
		"generatedat", "generated", "generatedtime", "generatedon", "responsetime", "requesttime",
		"fetchedat", "retrievedat", "renderedat", "cachedat", "asof", "took", "tookms", "elapsed",
		"elapsedms", "latency", "latencyms", "uptime",
		"requestid", "reqid", "xrequestid", "traceid", "xtraceid", "spanid", "parentspanid",
		"correlationid", "xcorrelationid",
		"nonce", "authenticitytoken", "expiry",
		"lastseen", "lastseenat", "lastlogin", "lastloginat", "lastactive", "lastactiveat",
		"lastactivity", "lastactivityat", "lastaccess", "lastaccessat", "lastaccessed",
		"lastaccessedat", "lastused", "lastusedat", "lastrequest", "lastrequestat",
		"views", "viewcount", "visits", "visitcount", "accesscount", "readcount")
	clockPrefixes = []string{"csrf", "xsrf", "expires", "ttl", "maxage"}
	// writeStamps change when the object is written (see Volatile).
	writeStamps = set("updatedat", "updatedon", "updated", "updatetime", "updatedtime",
		"updateddate", "updatedts", "lastupdated", "lastupdatedat", "lastupdate",
		"lastupdatedtime", "modified", "modifiedat", "modifiedon", "modifiedtime", "modifieddate",
		"lastmodified", "lastmodifiedat", "lastmodifieddate", "lastmodifiedtime", "datemodified",
		"mtime", "version", "revision", "rev", "etag", "lockversion", "rowversion")
	// rawWriteStamps are write stamps recognised before folding (folded,
	// "__v" would be "v").
	rawWriteStamps = set("__v", "_version", "_seq_no", "_primary_term", "_etag", "_updated")
)

// clockName reports whether path p's last key names a clock (see
// Volatile).
func clockName(p string) bool {
	nk := normKey(lastKey(p))
	if nk == "" {
		return false
	}
	if clockNames[nk] {
		return true
	}
	for _, pre := range clockPrefixes {
		if strings.HasPrefix(nk, pre) {
			return true
		}
	}
	return false
}

// writeStampName reports whether path p's last key names a write stamp.
func writeStampName(p string) bool {
	k := lastKey(p)
	return rawWriteStamps[k] || writeStamps[normKey(k)]
}

// volatileName reports whether path p's last key names a clock or a
// write stamp.
func volatileName(p string) bool { return clockName(p) || writeStampName(p) }
