package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/reports"
	"github.com/authzscan/authzscan/scanner"
)

func (a *app) planCommand() *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show every probe a scan would send, without sending anything",
		Long: `plan loads the config and the spec and prints the plan: how many probes each
profile sends per method, the operations that are skipped and why, and one
curl line per probe in the order a scan sends them. It needs no secrets:
credentials show as their ${VAR} placeholders. With --verbose, each probe
also says where every value came from (owns, operation, vars, example,
schema-example, default, enum, made-up, marker).`,
		Example: `  authzscan plan -c authzscan.yaml
  authzscan plan -c authzscan.yaml --unsafe --target http://127.0.0.1:8080
  # why does this request look like that?
  authzscan plan -c authzscan.yaml --unsafe --verbose
  # what the second of four CI jobs would send (scan --shard 2/4)
  authzscan plan -c authzscan.yaml --shard 2/4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.plan(cmd, f)
		},
	}
	f.bindConfig(cmd)
	f.bindOverrides(cmd)
	f.bindShard(cmd)
	cmd.Flags().BoolVarP(&f.watch.verbose, "verbose", "v", false, "after each probe's curl line, say where each of its values came from")
	return cmd
}

// plan prints the plan of the config f names; `scan --dry-run` runs it
// too. Nothing is sent: not even the target's reachability is checked.
func (a *app) plan(cmd *cobra.Command, f *scanFlags) error {
	shard, err := f.shardOption(cmd)
	if err != nil {
		return err
	}
	cfg, err := scanner.LoadConfig(f.config)
	if err != nil {
		return usageError(err)
	}
	if err := f.apply(cmd, cfg); err != nil {
		return err
	}
	s, err := scanner.New(cmd.Context(), cfg, append([]scanner.Option{scanner.ForPlan(), scanner.WithEnv(a.env), scanner.WithVersion(Version())}, shard...)...)
	if err != nil {
		return usageError(err)
	}
	for _, w := range s.Warnings() {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
	_, fresh := s.FreshRequests()
	_, verify := s.VerifyRequests()
	switch max, extra := s.MaxRequests(), s.SetupRequests()+fresh+verify; {
	case max <= 0:
	case extra == 0 && int64(len(s.Plan().Probes)) > max:
		fmt.Fprintf(a.stderr, "warning: the plan has %d probes but the request budget is %d (--max-requests or scan.max_requests): the scan will stop before the end and exit 3\n", len(s.Plan().Probes), max)
	case extra > 0 && int64(len(s.Plan().Probes)+extra) > max:
		fmt.Fprintf(a.stderr, "warning: the plan needs up to %d requests (%d probes, %d set-up and teardown steps, %d for fresh objects, %d verification reads) but the request budget is %d (--max-requests or scan.max_requests): the scan will stop before the end and exit 3\n", len(s.Plan().Probes)+extra, len(s.Plan().Probes), s.SetupRequests(), fresh, verify, max)
	}
	return printPlan(a.stdout, cfg, s, f.watch.verbose)
}

var methodOrder = []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// printPlan prints the plan; verbose adds, after each probe, where each
// of its values came from.
func printPlan(w io.Writer, cfg *scanner.Config, s *scanner.Scanner, verbose bool) error {
	plan := s.Plan()
	set := s.Profiles()
	specs := s.Specs()
	if len(specs) > 1 {
		// Several documents merged: name each, with what it adds.
		var names, counts []string
		for _, d := range specs {
			names = append(names, reports.Sanitize(d.Location))
			counts = append(counts, fmt.Sprintf("%s (%s)", reports.Sanitize(d.Location), countOf(d.Operations, "operation")))
		}
		fmt.Fprintf(w, "Plan: %s → %s\n", strings.Join(names, " + "), s.Base())
		fmt.Fprintf(w, "  %d documents merged: %s\n", len(specs), strings.Join(counts, ", "))
	} else {
		fmt.Fprintf(w, "Plan: %s → %s\n", reports.Sanitize(cfg.Spec), s.Base())
	}
	if sh := plan.Shard; !sh.Whole() {
		fmt.Fprintf(w, "  %d operations in the spec: %d planned, %d skipped; %d profiles; %d probes\n",
			plan.Total, plan.WholeOperations, len(plan.Skipped), len(set.Profiles()), plan.WholeProbes)
		fmt.Fprintf(w, "  shard %s: %d of the %d planned operations, %d of the %d probes (every probe of an operation in the same shard; each shard runs the set-up and teardown steps)\n",
			sh, len(plan.Operations), plan.WholeOperations, len(plan.Probes), plan.WholeProbes)
	} else {
		fmt.Fprintf(w, "  %d operations in the spec: %d planned, %d skipped; %d profiles; %d probes\n",
			plan.Total, len(plan.Operations), len(plan.Skipped), len(set.Profiles()), len(plan.Probes))
	}
	if !plan.Shard.Whole() && len(plan.Probes) == 0 {
		fmt.Fprintf(w, "\nShard %s has nothing to probe: a scan of it sends no request and writes a complete, empty report.\n", plan.Shard)
		return nil
	}
	fmt.Fprintf(w, "  rate %g/s (burst %d), concurrency %d, timeout %s, unsafe methods %s\n",
		cfg.Scan.Rate, cfg.Scan.Burst, cfg.Scan.Concurrency, cfg.Scan.Timeout, map[bool]string{true: "on", false: "off"}[cfg.Scan.Unsafe])

	counts := map[string]map[string]int{}
	methodsSeen := map[string]bool{}
	for _, p := range plan.Probes {
		if counts[p.Caller.Name] == nil {
			counts[p.Caller.Name] = map[string]int{}
		}
		counts[p.Caller.Name][p.Op.Method]++
		methodsSeen[p.Op.Method] = true
	}
	var methods []string
	for _, m := range methodOrder {
		if methodsSeen[m] {
			methods = append(methods, m)
			delete(methodsSeen, m)
		}
	}
	for m := range methodsSeen {
		methods = append(methods, m)
	}
	fmt.Fprintln(w, "\nProbes per profile and method:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  profile\trole\tauth\t%s\ttotal\t\n", strings.Join(methods, "\t"))
	totals := map[string]int{}
	for _, p := range set.Profiles() {
		row := []string{p.Name, p.Role, authLabel(p.AuthKinds())}
		sum := 0
		for _, m := range methods {
			n := counts[p.Name][m]
			totals[m] += n
			sum += n
			row = append(row, fmt.Sprint(n))
		}
		row = append(row, fmt.Sprint(sum))
		fmt.Fprintf(tw, "  %s\t\n", strings.Join(row, "\t"))
	}
	row := []string{"total", "", ""}
	for _, m := range methods {
		row = append(row, fmt.Sprint(totals[m]))
	}
	row = append(row, fmt.Sprint(len(plan.Probes)))
	fmt.Fprintf(tw, "  %s\t\n", strings.Join(row, "\t"))
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(plan.Skipped) > 0 {
		fmt.Fprintf(w, "\nSkipped operations (%d):\n", len(plan.Skipped))
		for _, sk := range plan.Skipped {
			fmt.Fprintf(w, "  %s %s [%s]: %s\n", sk.Method, reports.Sanitize(sk.Path), sk.Reason, reports.Sanitize(sk.Detail))
		}
	}
	var logins []string
	for _, p := range set.Profiles() {
		if l := p.Login(); l != "" {
			logins = append(logins, fmt.Sprintf("  %s: %s", p.Name, l))
		}
	}
	if len(logins) > 0 {
		fmt.Fprintln(w, "\nLogins, before the first probe:")
		fmt.Fprintln(w, strings.Join(logins, "\n"))
	}
	steps, err := s.PlannedSteps()
	if err != nil {
		return err
	}
	for _, phase := range []string{"setup", "teardown"} {
		var lines []string
		for _, st := range steps {
			if st.Phase != phase {
				continue
			}
			as := ""
			if st.As != "" {
				as = " as " + st.As
			}
			capt := ""
			if len(st.Captures) > 0 {
				capt = "; captures " + strings.Join(st.Captures, ", ")
			}
			lines = append(lines, fmt.Sprintf("  %s%s%s\n      %s", st.Where, as, capt, st.Curl))
		}
		if len(lines) == 0 {
			continue
		}
		if phase == "setup" {
			fmt.Fprintln(w, "\nSet-up steps, in order, before the first probe (captured values show as {profile.name}):")
		} else {
			fmt.Fprintln(w, "\nTeardown steps, after the last probe (once per object made):")
		}
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
	if n, reqs := s.FreshRequests(); n > 0 {
		fmt.Fprintf(w, "\nFresh objects: %d probes run on an object of their own, made just before by the owner's set-up steps again (%d more requests).\n", n, reqs)
	}
	if n, reqs := s.VerifyRequests(); n > 0 {
		fmt.Fprintf(w, "\nVerified writes: %d probes on another profile's object are judged by their effect: the object is read as its owner twice before the probe and once after a 2xx (up to %d more requests; scan.verify: false turns this off).\n", n, reqs)
	}
	if n := s.ComparedReads(); n > 0 {
		fmt.Fprintf(w, "\nCompared reads: %d reads the policy refuses are judged, when served, by comparing their body with the owner's (or an allowed profile's) answer to the same request (no more requests; scan.verify: false turns this off).\n", n)
	}
	fmt.Fprintln(w, "\nProbes, in the order a scan sends them:")
	for i, p := range plan.Probes {
		object := ""
		switch {
		case p.Object == p.Caller.Name:
			object = " (own object)"
		case p.Object != "":
			object = fmt.Sprintf(" (%s's object)", p.Object)
		}
		if len(p.Fresh) > 0 {
			object = strings.TrimSuffix(object, ")") + ", made fresh for it)"
		}
		if p.Verify != nil {
			object += fmt.Sprintf(" [verified by %s %s as %s]", p.Verify.Op.Method, reports.Sanitize(p.Verify.Op.Path), p.Object)
		}
		curl, err := s.ProbeCurl(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  #%d %s %s %s%s\n      %s\n", i+1, p.Caller.Name, p.Op.Method, reports.Sanitize(p.Op.Path), object, curl)
		if verbose && len(p.Request.Sources) > 0 {
			tags := make([]string, len(p.Request.Sources))
			for j, src := range p.Request.Sources {
				tags[j] = src.Where + "=" + src.From
			}
			fmt.Fprintf(w, "      # values: %s\n", reports.Sanitize(strings.Join(tags, " ")))
		}
	}
	return nil
}

// countOf is "1 operation", "2 operations".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func authLabel(kinds []string) string {
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, "+")
}
