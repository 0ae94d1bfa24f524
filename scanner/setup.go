package scanner

import (
	"github.com/authzscan/authzscan/profiles"
	"github.com/authzscan/authzscan/scanner/fixtures"
)

// globalNames are the names the top-level set-up steps capture: logins
// may use them.
func globalNames(defs []fixtures.Def) []string {
	var out []string
	for _, d := range defs {
		for _, c := range d.Capture {
			out = append(out, c.Name)
		}
	}
	return out
}

// compileSteps checks the config's set-up and teardown steps and gives
// every profile a placeholder for each value its steps capture, so that
// the plan has every object variant before anything ran: "{alice.orderId}"
// until the step has run.
func (s *Scanner) compileSteps() (*fixtures.Book, error) {
	cfg := fixtures.Config{Setup: s.cfg.Setup, Teardown: s.cfg.Teardown}
	for _, d := range s.cfg.Profiles {
		pd := fixtures.ProfileDefs{Name: d.Name, Owns: d.Owns}
		if ps := s.cfg.ProfileSteps[d.Name]; ps != nil {
			pd.Setup, pd.Teardown = ps.Setup, ps.Teardown
		}
		cfg.Profiles = append(cfg.Profiles, pd)
	}
	book, err := fixtures.Compile(cfg, fixtures.Options{File: s.cfg.File, Env: s.opts.env, Plan: s.opts.mode == profiles.ModePlan, Redactor: s.set.Redactor()})
	if err != nil {
		return nil, err
	}
	for _, p := range s.set.Profiles() {
		for _, name := range book.Scope(p.Name).Captured {
			p.SetOwned(name, "{"+p.Name+"."+name+"}")
		}
	}
	return book, nil
}
