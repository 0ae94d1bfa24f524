package scanner

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/policy"
	"github.com/authzscan/authzscan/scanner/spec"
	"github.com/authzscan/authzscan/scanner/synth"
)

// Stage orders probes across the scan. Every probe of a stage finishes
// before the next stage starts, so attempts on another profile's object
// never race its owner's (an owner's DELETE cannot remove the object
// before the foreign attempts ran), and data-changing methods run only
// after every read.
type Stage int

const (
	// StageSafeForeign: GET/HEAD/OPTIONS/TRACE on foreign objects, and
	// safe probes that address no object.
	StageSafeForeign Stage = iota
	// StageSafeOwn: safe probes on the caller's own object.
	StageSafeOwn
	// StageUnsafeForeign: POST/PUT/PATCH (and other methods) on foreign
	// objects or none.
	StageUnsafeForeign
	// StageUnsafeOwn: POST/PUT/PATCH on the caller's own object.
	StageUnsafeOwn
	// StageDeleteForeign: DELETE on foreign objects or none.
	StageDeleteForeign
	// StageDeleteOwn: DELETE on the caller's own object, last of all.
	StageDeleteOwn
	stageCount
)

// Probe is one planned request: an operation, called by a profile, with a
// profile's object (or none).
type Probe struct {
	// Index is the probe's position in Plan.Probes.
	Index int
	// Position is the probe's cell's place in the report of the whole
	// plan (cells in operation, object, caller order), from 0; a part of
	// the plan (Plan.ShardOf) keeps it, so that its cells can be put back
	// in place when the parts' reports are merged.
	Position int
	Op       *spec.Operation
	Caller   *profiles.Profile
	// Object is the profile whose object the request addresses; "" when
	// the operation addresses no owned object.
	Object  string
	Request *synth.Request
	Stage   Stage
	// Fresh lists the owned names of the probe's request that the object
	// owner's set-up steps captured, when the probe's method uses up
	// objects (PlanOptions.Fresh): the probe runs on a fresh object, those
	// steps run again just before it. Empty for every other probe.
	Fresh []string
	// Verify is the read that shows, as the object's owner, what this
	// unsafe probe on another profile's object did to it; nil when the
	// write is judged by its status alone. (A pointer: most probes have
	// none, and a large plan holds every probe.)
	Verify *VerifyRead
	// values are what Request was built with, to build it again with a
	// fresh object's values; shared by every probe of the same operation
	// and object (a pointer: 8 bytes a probe rather than 56).
	values *synth.Values
}

// VerifyRead is the read that verifies a write probe.
type VerifyRead struct {
	// Op is the read's operation, Request its request on the probe's
	// object.
	Op      *spec.Operation
	Request *synth.Request
	// values are what Request was built with.
	values synth.Values
}

// RebuildVerify builds the verification read again with owned values
// replaced by fresh: the read of a fresh object.
func (p *Probe) RebuildVerify(fresh map[string]any) (*synth.Request, error) {
	v := p.Verify.values
	owned := make(map[string]any, len(v.Owned)+len(fresh))
	for k, x := range v.Owned {
		owned[k] = x
	}
	for k, x := range fresh {
		owned[k] = x
	}
	v.Owned = owned
	return synth.Build(p.Verify.Op, v)
}

// Rebuild builds the probe's request again with owned values replaced by
// fresh: the request a probe on a fresh object sends.
func (p *Probe) Rebuild(fresh map[string]any) (*synth.Request, error) {
	v := *p.values
	owned := make(map[string]any, len(v.Owned)+len(fresh))
	for k, x := range v.Owned {
		owned[k] = x
	}
	for k, x := range fresh {
		owned[k] = x
	}
	v.Owned = owned
	return synth.Build(p.Op, v)
}

// Relation says whose object the probe addresses, relative to the caller.
func (p *Probe) Relation() policy.Object {
	switch p.Object {
	case "":
		return policy.NoObject
	case p.Caller.Name:
		return policy.OwnObject
	default:
		return policy.ForeignObject
	}
}

// Plan is every probe of a scan, in the order they are sent.
type Plan struct {
	Probes []*Probe
	// Operations are the planned operations in document order; Objects
	// gives, per operation, the profiles whose objects it is probed with.
	Operations []*spec.Operation
	Objects    map[*spec.Operation][]string
	// Total is the number of operations in the spec.
	Total   int
	Skipped []SkippedOperation
	// Warnings are config entries that select nothing.
	Warnings []string
	// Shard is the part of the whole plan this plan is (ShardOf); zero
	// for the whole plan. WholeOperations and WholeProbes count the whole
	// plan's operations and probes, and Digest identifies it: "sha256:"
	// and the hex SHA-256 of its probes (method, path, caller, object) in
	// order, which every part of one plan shares.
	Shard                        Shard
	WholeOperations, WholeProbes int
	Digest                       string
}

// Stages groups the probes by stage, each in plan order.
func (p *Plan) Stages() [][]*Probe {
	var n [stageCount]int
	for _, pr := range p.Probes {
		n[pr.Stage]++
	}
	out := make([][]*Probe, stageCount)
	for i := range out {
		if n[i] > 0 {
			out[i] = make([]*Probe, 0, n[i])
		}
	}
	for _, pr := range p.Probes {
		out[pr.Stage] = append(out[pr.Stage], pr)
	}
	return out
}

// PlanOptions are what the plan depends on besides the spec and profiles.
type PlanOptions struct {
	Unsafe  bool
	Exclude []policy.Rule
	Vars    map[string]any
	// Values gives the config's values for an operation's requests (its
	// operations[] entries); nil, or a nil result: none.
	Values func(*spec.Operation) *synth.Overrides
	// Origin is the target's origin: a URL value a request makes or
	// rewrites points there.
	Origin string
	// ScanID makes the markers unsafe probes write distinctive per scan:
	// each request's marker is "authzscan" + ScanID + three hex digits
	// numbering it; "" writes none.
	ScanID string
	// Fresh lists the methods whose probes on an object a set-up step
	// captured need a fresh object of their own; Captured gives the names
	// a profile's set-up steps capture (nil: none).
	Fresh    []string
	Captured func(profile string) []string
	// Verify gives the read that verifies a write to op's object, given
	// the owned names op's request carries; nil (or a nil result): the
	// write is judged by its status alone.
	Verify func(op *spec.Operation, owned []string) *spec.Operation
	// File is the config file, for warnings.
	File string
}

// Marker is the marker of the n-th unsafe request a plan builds in the
// scan scanID: "authzscan", the scan id and n in three hex digits.
// Alphanumeric, so that it passes the usual validations of a text field.
func Marker(scanID string, n int) string {
	return fmt.Sprintf("authzscan%s%03x", scanID, n%0x1000)
}

// IsSafeMethod reports whether method only reads (RFC 9110 safe methods).
func IsSafeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

func stageOf(method string, rel policy.Object) Stage {
	own := rel == policy.OwnObject
	var s Stage
	switch {
	case IsSafeMethod(method):
		s = StageSafeForeign
	case method == http.MethodDelete:
		s = StageDeleteForeign
	default:
		s = StageUnsafeForeign
	}
	if own {
		s++
	}
	return s
}

// BuildPlan makes the plan: one probe per (operation, profile, object
// variant). It is deterministic and sends nothing.
func BuildPlan(doc *spec.Document, set *profiles.Set, opts PlanOptions) (*Plan, error) {
	exclude := make([]policy.Matcher, len(opts.Exclude))
	for i, r := range opts.Exclude {
		m, err := policy.ParseMatch(r.Match)
		if err != nil {
			return nil, &profiles.ConfigError{File: opts.File, Line: r.Line, Path: fmt.Sprintf("scan.exclude[%d]", i), Msg: err.Error()}
		}
		exclude[i] = m
	}
	plan := &Plan{Objects: map[*spec.Operation][]string{}, Total: len(doc.Operations)}
	owned := map[string]bool{}
	for _, p := range set.Profiles() {
		for name := range p.Owns {
			owned[name] = true
		}
	}
	namer := synth.NewOwnedNamer(owned)
	usedOwned := map[string]bool{}
	usedExclude := make([]bool, len(opts.Exclude))
	var probes []*Probe
	markers := 0
	for _, op := range doc.Operations {
		var ov *synth.Overrides
		if opts.Values != nil {
			ov = opts.Values(op)
		}
		names := namer.OwnedNames(op, ov)
		for _, n := range names {
			usedOwned[n] = true
		}
		var hits []int
		for i, m := range exclude {
			if m.Selects(ruleTarget(op)) {
				hits = append(hits, i)
				usedExclude[i] = true
			}
		}
		if len(hits) > 0 {
			r := opts.Exclude[hits[0]]
			plan.skip(op, SkipExcluded, fmt.Sprintf("excluded by scan.exclude %q (line %d)", r.Match, r.Line))
			continue
		}
		if !IsSafeMethod(op.Method) && !opts.Unsafe {
			plan.skip(op, SkipUnsafe, fmt.Sprintf("%s may change data; pass --unsafe (or set scan.unsafe: true) to probe it", op.Method))
			continue
		}
		// The object variants: one per profile owning one of the names.
		var owners []*profiles.Profile
		for _, p := range set.Profiles() {
			for _, n := range names {
				if _, ok := p.Owns[n]; ok {
					owners = append(owners, p)
					break
				}
			}
		}
		type variant struct {
			object string
			req    *synth.Request
			values *synth.Values
		}
		var variants []variant
		var buildErr error
		build := func(owned map[string]any) (*synth.Request, synth.Values, error) {
			v := synth.Values{Owned: owned, Vars: opts.Vars, Operation: ov, Origin: opts.Origin}
			if !IsSafeMethod(op.Method) && opts.ScanID != "" {
				v.Marker = Marker(opts.ScanID, markers)
				markers++
			}
			req, err := synth.Build(op, v)
			return req, v, err
		}
		if len(owners) == 0 {
			req, v, err := build(nil)
			buildErr = err
			variants = append(variants, variant{"", req, &v})
		}
		for _, owner := range owners {
			req, v, err := build(owner.Owns)
			if err != nil {
				buildErr = err
				break
			}
			variants = append(variants, variant{owner.Name, req, &v})
		}
		if buildErr != nil {
			detail := buildErr.Error()
			var ue *synth.UnresolvableError
			if errors.As(buildErr, &ue) {
				detail = ue.Error()
			}
			plan.skip(op, SkipUnresolvable, detail)
			continue
		}
		plan.Operations = append(plan.Operations, op)
		for _, v := range variants {
			if v.object != "" {
				plan.Objects[op] = append(plan.Objects[op], v.object)
			}
		}
		for _, caller := range set.Profiles() {
			for _, v := range variants {
				pr := &Probe{Op: op, Caller: caller, Object: v.object, Request: v.req, values: v.values}
				pr.Stage = stageOf(op.Method, pr.Relation())
				if !IsSafeMethod(op.Method) && pr.Relation() == policy.ForeignObject && opts.Verify != nil {
					if read := opts.Verify(op, v.req.Owned); read != nil {
						var rov *synth.Overrides
						if opts.Values != nil {
							rov = opts.Values(read)
						}
						rv := synth.Values{Owned: v.values.Owned, Vars: opts.Vars, Operation: rov, Origin: opts.Origin}
						if req, err := synth.Build(read, rv); err == nil {
							pr.Verify = &VerifyRead{Op: read, Request: req, values: rv}
						}
					}
				}
				if v.object != "" && opts.Captured != nil && slices.Contains(opts.Fresh, op.Method) {
					captured := opts.Captured(v.object)
					for _, n := range v.req.Owned {
						if slices.Contains(captured, n) {
							pr.Fresh = append(pr.Fresh, n)
						}
					}
				}
				probes = append(probes, pr)
			}
		}
	}
	// Stable sort by stage keeps document, profile and object order within
	// each stage.
	sort.SliceStable(probes, func(i, j int) bool { return probes[i].Stage < probes[j].Stage })
	for i, pr := range probes {
		pr.Index = i
	}
	plan.Probes = probes
	var names []string
	for _, p := range set.Profiles() {
		names = append(names, p.Name)
	}
	plan.setWhole(names)

	for _, p := range set.Profiles() {
		for _, name := range p.OwnsOrder {
			if !usedOwned[name] {
				plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s:%d: profiles.%s.owns.%s: no operation has a path, query or body parameter named %q; check the spelling against the spec", opts.File, p.Line, p.Name, name, name))
			}
		}
	}
	for i, used := range usedExclude {
		if !used {
			r := opts.Exclude[i]
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s:%d: scan.exclude[%d]: %q matches no operation of the spec", opts.File, r.Line, i, r.Match))
		}
	}
	return plan, nil
}

func (p *Plan) skip(op *spec.Operation, reason, detail string) {
	p.Skipped = append(p.Skipped, SkippedOperation{Operation: op.OperationID, Method: op.Method, Path: op.Path, Reason: reason, Detail: detail})
}

// ruleTarget is what policy rules match on for op.
func ruleTarget(op *spec.Operation) policy.Operation {
	return policy.Operation{
		Method:           op.Method,
		Path:             op.Path,
		OperationID:      op.OperationID,
		Tags:             op.Tags,
		Public:           op.Security.Public,
		SecurityDeclared: op.Security.Declared,
	}
}
