package judge

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/authzscan/authzscan/scanner/compare"
)

// TestDecideByContent runs every row of ContentRules through Decide, and
// the cases where no row may apply.
func TestDecideByContent(t *testing.T) {
	t.Parallel()
	foreign := Context{Foreign: true, ObjectSeen: true}
	write := func(e compare.Effect, why string) *WriteCheck {
		return &WriteCheck{Read: "GET /users/{username}", Outcome: compare.Write{Effect: e, Reason: why}}
	}
	read := func(m compare.Match, ref, why string) *ReadCheck {
		return &ReadCheck{Reference: ref, Outcome: compare.Read{Match: m, Reason: why}}
	}
	tests := []struct {
		name       string
		c          Case
		verdict    Verdict
		observed   Observed
		confidence Confidence // of the one finding; "" for none
		reason     string
		message    string // a part of the finding's message
	}{
		{"write changed", cell(ownOnly, bob, "alice", "PUT", "/users/{username}/email",
			Response{Status: 204, Write: write(compare.Changed, "$.email changed")}, foreign),
			Broken, Allowed, ConfidenceHigh,
			"answered 204, and alice's object read by GET /users/{username} changed: $.email changed",
			"Verified: the write changed alice's object, read as alice by GET /users/{username} before and after it."},
		{"write removed the object", cell(ownOnly, bob, "alice", "DELETE", "/users/{username}",
			Response{Status: 200, Write: write(compare.Gone, "the read answered 404 after the write")}, foreign),
			Broken, Allowed, ConfidenceHigh,
			"answered 200, and alice's object read by GET /users/{username} is gone: the read answered 404 after the write",
			"is gone after the write"},
		{"write without effect", cell(ownOnly, bob, "alice", "PUT", "/users/{username}/email",
			Response{Status: 204, Write: write(compare.Unchanged, "")}, foreign),
			Pass, NoEffect, "",
			"answered 204, but alice's object read by GET /users/{username} did not change", ""},
		{"write not verified", cell(ownOnly, bob, "alice", "PUT", "/users/{username}/email",
			Response{Status: 204, Write: write(compare.Unverified, "the read after the write answered 500: nothing to compare")}, foreign),
			Broken, Allowed, ConfidenceMedium,
			"answered 204; write not verified: the read after the write answered 500: nothing to compare",
			"Write not verified"},
		{"write with no read", cell(ownOnly, bob, "alice", "POST", "/users/{username}/reset",
			Response{Status: 202, Write: &WriteCheck{Outcome: compare.Write{Effect: compare.Unverified, Reason: "no read of the object was found"}}}, foreign),
			Broken, Allowed, ConfidenceMedium,
			"answered 202; write not verified: no read of the object was found", "rests on the status alone"},
		{"read of the owner's data", cell(ownOnly, bob, "alice", "GET", "/notes/{noteId}",
			Response{Status: 200, Read: read(compare.OwnerData, "alice", "the body holds the owner's values")}, foreign),
			Broken, Allowed, ConfidenceHigh,
			"answered 200 with alice's data: the body holds the owner's values",
			"Verified: the body holds alice's data, compared with alice's own read of the same request."},
		{"read of nothing", cell(ownOnly, bob, "alice", "GET", "/notes/{noteId}",
			Response{Status: 200, Read: read(compare.NoData, "alice", "the body is an error-shaped body while the owner's read has data")}, foreign),
			Pass, NoData, "",
			"answered 200 with no data of alice's: the body is an error-shaped body while the owner's read has data", ""},
		{"read of the caller's own record", cell(ownOnly, bob, "alice", "GET", "/profiles/{username}",
			Response{Status: 200, Read: read(compare.CallerData, "alice", "the body holds the caller's own values")}, foreign),
			Pass, NoData, "",
			"answered 200 with bob's own data, none of alice's: the body holds the caller's own values", ""},
		{"owner read nothing either", cell(ownOnly, bob, "alice", "GET", "/drafts/{noteId}",
			Response{Status: 200, Read: read(compare.OwnerEmpty, "alice", "the owner's own read returned null: nothing to compare")}, foreign),
			Inconclusive, Allowed, "",
			"answered 200, but the owner's own read returned null: nothing to compare", ""},
		{"read of other data", cell(ownOnly, bob, "alice", "GET", "/notes/{noteId}",
			Response{Status: 200, Read: read(compare.Different, "alice", "neither")}, foreign),
			Broken, Allowed, ConfidenceMedium,
			"answered 200 with data other than alice's own read: neither", "not visibly alice's"},
		{"anonymous read compared with an allowed profile", cell(anonDefault, anon, "", "GET", "/reports",
			Response{Status: 200, Read: read(compare.OwnerData, "root", "3 of 3 fields equal")}, Context{}),
			Broken, Allowed, ConfidenceHigh,
			"answered 200 with root's data: 3 of 3 fields equal", "holds root's data"},
		{"foreign read compared with an admin, the owner being refused", cell(ownOnly, bob, "alice", "GET", "/admin/users/{username}",
			Response{Status: 200, Read: read(compare.NoData, "root", "empty")}, foreign),
			Pass, NoData, "", "answered 200 with no data of root's: empty", ""},
		// No row applies: the status verdict stands.
		{"no check: status only", cell(ownOnly, bob, "alice", "GET", "/notes/{noteId}", Response{Status: 200}, foreign),
			Broken, Allowed, ConfidenceHigh, "200: the request was served", "expected a refusal"},
		{"a refusal is not judged by content", cell(ownOnly, bob, "alice", "PUT", "/notes/{noteId}",
			Response{Status: 403, Write: write(compare.Changed, "x")}, foreign),
			Pass, Denied, "", "403 is a deny status", ""},
		{"an allowed write is not judged by content", cell(ownAllow, alice, "alice", "PUT", "/notes/{noteId}",
			Response{Status: 204, Write: write(compare.Unchanged, "")}, Context{}),
			Pass, Allowed, "", "204: the request was served", ""},
		{"a login redirect is not judged by content", cell(ownOnly, bob, "alice", "GET", "/notes/{noteId}",
			Response{Status: 302, Location: "/login", Read: read(compare.OwnerData, "alice", "x")}, foreign),
			Pass, Denied, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.c)
			if d.Verdict != tt.verdict || d.Observed != tt.observed {
				t.Fatalf("Decide = %s/%s (%q), want %s/%s", d.Verdict, d.Observed, d.Reason, tt.verdict, tt.observed)
			}
			if tt.reason != "" && d.Reason != tt.reason {
				t.Errorf("reason = %q\n want %q", d.Reason, tt.reason)
			}
			var found []Issue
			for _, is := range d.Issues {
				if is.Kind != KindStatusCode {
					found = append(found, is)
				}
			}
			if tt.confidence == "" {
				if len(found) != 0 {
					t.Fatalf("issues = %+v, want none", found)
				}
				return
			}
			if len(found) != 1 || found[0].Confidence != tt.confidence {
				t.Fatalf("issues = %+v, want one of confidence %s", found, tt.confidence)
			}
			if !strings.Contains(found[0].Message, tt.message) {
				t.Errorf("message = %q, want it to hold %q", found[0].Message, tt.message)
			}
			if v, is := Judge(tt.c); v != d.Verdict || len(is) != len(d.Issues) {
				t.Errorf("Judge = %s, %d issues; Decide = %s, %d", v, len(is), d.Verdict, len(d.Issues))
			}
		})
	}
}

// TestContentRulesCoverEveryOutcome: each effect and each match has
// exactly one row, and a Broken row has a confidence and a message.
func TestContentRulesCoverEveryOutcome(t *testing.T) {
	t.Parallel()
	want := map[string]bool{}
	for _, e := range []compare.Effect{compare.Changed, compare.Gone, compare.Unchanged, compare.Unverified} {
		want["write "+string(e)] = true
	}
	for _, m := range []compare.Match{compare.OwnerData, compare.NoData, compare.CallerData, compare.OwnerEmpty, compare.Different} {
		want["read "+string(m)] = true
	}
	seen := map[string]bool{}
	for _, row := range ContentRules {
		k := row.Check + " " + row.Outcome
		if !want[k] || seen[k] {
			t.Errorf("row %q: unknown or repeated", k)
		}
		seen[k] = true
		if (row.Verdict == Broken) != (row.Confidence != "" && row.Message != "") {
			t.Errorf("row %q: a broken row needs a confidence and a message, and only it", k)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("rows cover %d outcomes of %d", len(seen), len(want))
	}
}

// TestContentRulesDocumented keeps docs/verdicts.md's table and
// ContentRules the same, row for row.
func TestContentRulesDocumented(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/verdicts.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, "<!-- content-rules:begin -->"), strings.Index(doc, "<!-- content-rules:end -->")
	if start < 0 || end < start {
		t.Fatal("docs/verdicts.md has no content-rules table")
	}
	var got []string
	for _, line := range strings.Split(doc[start:end], "\n")[3:] {
		if strings.HasPrefix(line, "|") {
			got = append(got, strings.TrimSpace(line))
		}
	}
	var want []string
	for _, r := range ContentRules {
		c := string(r.Confidence)
		if c == "" {
			c = "—"
		}
		want = append(want, fmt.Sprintf("| %s | %s | %s | %s | %s |", r.Check, r.Outcome, r.Verdict, r.Observed, c))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("docs/verdicts.md's table:\n%s\nContentRules:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
