package compare

import (
	"fmt"
	"strings"
	"testing"
)

// record is a realistic user record of about 600 bytes and 30 leaves.
func record(i int, updated string) string {
	return fmt.Sprintf(`{"id":%d,"uuid":"5f0c%04d-7a1b-4c2d-9e3f-1a2b3c4d5e6f","username":"user%d","email":"user%d@example.com",`+
		`"name":"User Number %d","role":"member","active":true,"createdAt":"2023-03-%02dT10:00:00Z","updatedAt":"%s",`+
		`"profile":{"bio":"Gardener, cyclist and amateur astronomer from town %d.","avatar":"https://cdn.example.com/a/%d.png","locale":"en-US","timezone":"Europe/Berlin"},`+
		`"address":{"street":"%d Main Street","city":"Springfield","zip":"%05d","country":"US"},`+
		`"phones":[{"type":"mobile","number":"+1-555-%04d"},{"type":"work","number":"+1-555-%04d"}],`+
		`"tags":["beta","newsletter","tier-%d"],"settings":{"theme":"dark","notifications":{"email":true,"sms":false,"push":true}},`+
		`"stats":{"posts":%d,"followers":%d,"score":%d.5},"_links":{"self":{"href":"/api/users/%d"}}}`,
		i, i, i, i, i, i%28+1, updated, i, i, i, i, i%10000, i%10000+1, i%5, i*3, i*7, i, i)
}

// page is a page of n records in a typical envelope.
func page(n int) string {
	var b strings.Builder
	b.WriteString(`{"success":true,"data":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(record(1000+i, "2024-05-01T10:00:00Z"))
	}
	fmt.Fprintf(&b, `],"meta":{"requestId":"req-7f3a","page":1,"perPage":%d,"total":%d}}`, n, n)
	return b.String()
}

func BenchmarkParse(b *testing.B) {
	body := []byte(page(140))
	if len(body) < 90_000 || len(body) > 120_000 {
		b.Fatalf("body of %d bytes; want about 100 KB", len(body))
	}
	if d := Parse("application/json", body); d.Kind != Data || !d.JSON {
		b.Fatalf("Parse = %q, json %v", d.Kind, d.JSON)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		Parse("application/json", body)
	}
}

func BenchmarkReadMatch(b *testing.B) {
	owner := j(record(1042, "2024-05-01T10:00:00Z"))
	ownerValues := []string{"1042", "user1042", "user1042@example.com"}
	callerValues := []string{"1043", "user1043", "user1043@example.com"}
	cases := []struct {
		name     string
		attacker Doc
		want     Match
	}{
		{"same record", j(record(1042, "2024-06-01T10:00:00Z")), OwnerData},
		{"callers record", j(record(1043, "2024-05-01T10:00:00Z")), CallerData},
		{"in a page of 50", j(page(50)), OwnerData},
	}
	for _, c := range cases {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			if r := ReadMatch(200, owner, c.attacker, nil, ownerValues, callerValues); r.Match != c.want {
				b.Fatalf("ReadMatch = %q (%q); want %q", r.Match, r.Reason, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				ReadMatch(200, owner, c.attacker, nil, ownerValues, callerValues)
			}
		})
	}
}

func BenchmarkWriteEffect(b *testing.B) {
	const marker = "authzscan3f9c1a0a1"
	before := j(record(1042, "2024-05-01T10:00:00Z"))
	ignore := Volatile(before, j(record(1042, "2024-05-01T10:00:00Z")))
	changed := j(strings.Replace(record(1042, "2024-06-01T10:00:00Z"), "Gardener", marker, 1))
	cases := []struct {
		name  string
		after Doc
		want  Effect
	}{
		{"unchanged", j(record(1042, "2024-05-01T10:00:00Z")), Unchanged},
		{"marker written", changed, Changed},
	}
	for _, c := range cases {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			if w := WriteEffect(200, before, 200, c.after, ignore, []string{marker}); w.Effect != c.want {
				b.Fatalf("WriteEffect = %q (%q); want %q", w.Effect, w.Reason, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				WriteEffect(200, before, 200, c.after, ignore, []string{marker})
			}
		})
	}
}
