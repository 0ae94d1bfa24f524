package spec

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadGitHub loads GitHub's 13 MB REST description (OpenAPI 3.0.3,
// JSON, 1,223 operations) from the corpus. A later issue requires planning
// it in at most 1 s and 250 MB.
func BenchmarkLoadGitHub(b *testing.B) {
	file := filepath.Join(specsDir(b), "big", "github-api.github.com.json")
	if _, err := os.Stat(file); err != nil {
		b.Skipf("%s is absent: %v", file, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		doc, err := Load(context.Background(), file, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(doc.Operations) != 1223 {
			b.Fatalf("%d operations, want 1223", len(doc.Operations))
		}
	}
}
