package scanner

import (
	"net/http"
	"slices"
	"strings"

	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
)

// templateKey is a path template with its parameter names blanked:
// "/users/{username}" and "/users/{id}" are one operation's path.
func templateKey(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if isParamSegment(s) {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

func isParamSegment(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }

// pathParams are the names of path's {parameters}, in order.
func pathParams(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if isParamSegment(s) {
			out = append(out, s[1:len(s)-1])
		}
	}
	return out
}

// findOperation is the spec's operation "METHOD /path" names, its path
// compared as a template (parameter names do not count); nil when none.
func (s *Scanner) findOperation(ref string) *spec.Operation {
	method, path, ok := strings.Cut(strings.TrimSpace(ref), " ")
	if !ok {
		return nil
	}
	key := templateKey(strings.TrimSpace(path))
	for _, op := range s.doc.Operations {
		if strings.EqualFold(op.Method, method) && templateKey(op.Path) == key {
			return op
		}
	}
	return nil
}

// verifyRead is the read that shows what a write did to the object it
// addressed, read as the object's owner: among ops' GETs (allowed says
// which may be sent: not excluded), the one on the write's own path
// template when that path addresses an object (has a parameter); else one whose path parameters are all among owned — the owned
// names the write's request carries — ranked by: a path that is a prefix
// of the write's ("PUT /users/{username}/email" → "GET
// /users/{username}"), then more of owned covered, then the longest common
// prefix, then fewer segments, then document order. nil when no GET
// qualifies: the write is judged by its status alone.
func verifyRead(write *spec.Operation, ops []*spec.Operation, owned []string, allowed func(*spec.Operation) bool) *spec.Operation {
	key := templateKey(write.Path)
	wsegs := strings.Split(strings.Trim(write.Path, "/"), "/")
	var best *spec.Operation
	var bestRank [4]int
	for _, op := range ops {
		if op.Method != http.MethodGet || op == write || (allowed != nil && !allowed(op)) {
			continue
		}
		if templateKey(op.Path) == key && len(pathParams(write.Path)) > 0 {
			// (A GET on a collection path lists; it does not show the
			// object a body-owned id names.)
			return op
		}
		params := pathParams(op.Path)
		if len(params) == 0 {
			continue
		}
		covered := 0
		for _, p := range params {
			if !slices.Contains(owned, p) {
				covered = -1
				break
			}
			covered++
		}
		if covered <= 0 {
			continue
		}
		rsegs := strings.Split(strings.Trim(op.Path, "/"), "/")
		common := 0
		for common < len(rsegs) && common < len(wsegs) && sameSegment(rsegs[common], wsegs[common]) {
			common++
		}
		prefix := 0
		if common == len(rsegs) {
			prefix = 1
		}
		rank := [4]int{prefix, covered, common, -len(rsegs)}
		if best == nil || better(rank, bestRank) {
			best, bestRank = op, rank
		}
	}
	return best
}

// sameSegment: two template segments name the same thing — equal
// literals, or parameters of the same name.
func sameSegment(a, b string) bool { return a == b }

// better: rank a beats b, compared in order.
func better(a, b [4]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// verifyFor is the plan's PlanOptions.Verify: an operation's own
// operations[].verify, else verifyRead over the operations the scan may
// send; nil when scan.verify is off.
func (s *Scanner) verifyFor() func(*spec.Operation, []string) *spec.Operation {
	if !s.cfg.Scan.Verify {
		return nil
	}
	excluded := make([]policy.Matcher, 0, len(s.cfg.Scan.Exclude))
	for _, r := range s.cfg.Scan.Exclude {
		if m, err := policy.ParseMatch(r.Match); err == nil {
			excluded = append(excluded, m)
		}
	}
	allowed := func(op *spec.Operation) bool {
		for _, m := range excluded {
			if m.Selects(ruleTarget(op)) {
				return false
			}
		}
		return true
	}
	return func(op *spec.Operation, owned []string) *spec.Operation {
		if st := s.ops[op]; st != nil && st.verify != nil {
			return st.verify
		}
		return verifyRead(op, s.doc.Operations, owned, allowed)
	}
}

// VerifyRequests counts the verification reads the plan may send: for
// each probe with one, two reads before it and one after a 2xx.
func (s *Scanner) VerifyRequests() (probes, requests int) {
	for _, p := range s.plan.Probes {
		if p.Verify != nil {
			probes++
		}
	}
	return probes, 3 * probes
}
