package scanner

import (
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/spec"
)

// evidenceSample says which cells keep their evidence under
// scan.evidence (Config.Scan.Evidence). Under EvidenceAll every cell
// does; under EvidenceSample every cell but a pass does, and of the
// passes the first probe of each operation in plan order (its sample: a
// reader sees one request and answer of every operation) and every cell
// a content check judged. A nil first keeps every cell.
type evidenceSample struct {
	// first[i]: probe i is the first of its operation in plan order.
	first []bool
}

// evidenceSample is the sample of this scan's plan.
func (s *Scanner) evidenceSample() evidenceSample {
	if s.cfg.Scan.Evidence == EvidenceAll {
		return evidenceSample{}
	}
	first := make([]bool, len(s.plan.Probes))
	seen := map[*spec.Operation]bool{}
	for i, p := range s.plan.Probes {
		if !seen[p.Op] {
			seen[p.Op] = true
			first[i] = true
		}
	}
	return evidenceSample{first: first}
}

// keeps says whether probe i keeps its evidence whatever its verdict.
func (e evidenceSample) keeps(i int) bool { return e.first == nil || e.first[i] }

// drops says whether probe i's cell, judged v with the content check's
// evidence verification (nil: none), goes without evidence.
func (e evidenceSample) drops(i int, v judge.Verdict, verification *Verification) bool {
	return !e.keeps(i) && v == judge.Pass && verification == nil
}
