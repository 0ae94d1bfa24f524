package scanner_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
	"github.com/authzscan/authzscan/scanner/realtest"
)

// TestRealisticSpecStyles scans an API that validates every body before it
// authorizes (400 for a missing field; 403 for a missing confirmation, the
// trap of a false lockout), described three ways real specs are written:
// converted from a Postman collection (bodies by example only, no
// properties, nothing required), hand-written (optional properties with
// examples, defaults, a named examples map), and Swagger 2.0 (body
// parameters, x-example). Behind each: two BOLAs (a password reset, a note
// edit) and a BFLA (creating users). The findings must be exactly
// realtest.ExpectedFindings.
//
// Before requests were built from the spec's examples, every style got
// this wrong: every write was answered 400 (the empty or required-only
// body), so neither BOLA nor the BFLA was found, and POST
// /api/account/close answered 403 to alice, bob and admin — three false
// lockouts.
func TestRealisticSpecStyles(t *testing.T) {
	t.Parallel()
	for _, style := range realtest.Styles() {
		t.Run(string(style), func(t *testing.T) {
			t.Parallel()
			srv, err := realtest.Start()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			dir := t.TempDir()
			if err := srv.WriteFiles(dir, style); err != nil {
				t.Fatal(err)
			}
			cfg, err := scanner.LoadConfig(filepath.Join(dir, realtest.ConfigFile))
			if err != nil {
				t.Fatal(err)
			}
			env := srv.Env()
			s, err := scanner.New(context.Background(), cfg, scanner.WithEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok }))
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer res.Close()
			var got []string
			for _, f := range res.Findings {
				got = append(got, realtest.FindingKey(string(f.Kind), f.Method, f.Path, f.Profile, f.Object))
			}
			slices.Sort(got)
			want := realtest.ExpectedFindings(style)
			if !slices.Equal(got, want) {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			// The requests reached the decisions they claim to: no write
			// was refused for its body, and no cell is inconclusive.
			bad := 0
			for _, c := range res.Cells {
				if c.Verdict == judge.Inconclusive || c.Status == 400 || c.Status == 415 {
					bad++
					t.Errorf("%s %s as %s on %q: %d %s (%s)", c.Method, c.Path, c.Profile, c.Object, c.Status, c.Verdict, c.Reason)
				}
			}
			writes := 0
			for _, r := range srv.Requests() {
				if r.Method != "GET" && r.Status >= 200 && r.Status < 300 {
					writes++
				}
			}
			if writes < 20 {
				t.Errorf("only %d writes succeeded at the server", writes)
			}
		})
	}
}
