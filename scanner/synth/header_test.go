package synth

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestBuildHeaderTrimsBlanks pins what FuzzSynthesize found: HTTP drops a
// header value's outer blanks, so Build does too, and the request records
// what the target receives.
func TestBuildHeaderTrimsBlanks(t *testing.T) {
	t.Parallel()
	o := op("GET", "/x", param("header", "X-Trace", true, openapi3.NewStringSchema()))
	for in, want := range map[string]string{" a b\t": "a b", " , 2": ", 2", "   ": "", "a": "a"} {
		req, err := Build(o, Values{Vars: map[string]any{"X-Trace": in}})
		if err != nil {
			t.Fatalf("Build(%q): %v", in, err)
		}
		if got := req.Header.Values("X-Trace"); len(got) != 1 || got[0] != want {
			t.Errorf("X-Trace %q = %q, want [%q]", in, got, want)
		}
	}
}
