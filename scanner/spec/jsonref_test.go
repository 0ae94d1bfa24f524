package spec

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// refPattern is the regular expression eachJSONRef stands for.
var refPattern = regexp.MustCompile(`"\$ref"\s*:\s*("(?:[^"\\]|\\.)*")`)

// refsByPattern is what refPattern finds: the offset and the value of each
// match.
func refsByPattern(data []byte) []string {
	var out []string
	for _, m := range refPattern.FindAllSubmatchIndex(data, -1) {
		out = append(out, strconv.Itoa(m[0])+" "+string(data[m[2]:m[3]]))
	}
	return out
}

// refsBySearch is what eachJSONRef finds, written as refsByPattern's.
func refsBySearch(data []byte) []string {
	var out []string
	eachJSONRef(data, func(at int, val []byte) bool {
		out = append(out, strconv.Itoa(at)+" "+string(val))
		return true
	})
	return out
}

// TestEachJSONRefAgrees checks that the text search finds what the regular
// expression finds, offsets and values, on odd texts and on every JSON
// document of the corpus.
func TestEachJSONRefAgrees(t *testing.T) {
	t.Parallel()
	texts := []string{
		``,
		`{"$ref": "#/a"}`,
		`{"$ref":"#/a","b":{"$ref" :` + "\n\t" + ` "x.json#/b"}}`,
		`{"$ref": "a\"b", "$ref": "c\\"}`,
		`{"$ref": "unterminated`,
		`{"$ref": "a\` + "\n" + `b", "$ref": "ok"}`,
		`{"$ref": 1, "$ref": null, "$ref" "x", "$ref": "y"}`,
		`{"description": "say \"$ref\": \"#/no\" here", "$ref":"#/yes"}`,
		`"$ref""$ref":"$ref":"v"`,
		`{"$ref": "a"` + strings.Repeat(` `, 3) + `}{"$ref":` + "\f\r" + `"\u0041"}`,
		`{"$ref": "\`,
	}
	for _, text := range texts {
		if got, want := refsBySearch([]byte(text)), refsByPattern([]byte(text)); !slices.Equal(got, want) {
			t.Errorf("%q: search %q, pattern %q", text, got, want)
		}
	}
	if testing.Short() {
		return
	}
	dir := os.Getenv("AUTHZSCAN_SPECS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "specs")
	}
	if _, err := os.Stat(filepath.Join(dir, "INDEX.tsv")); err != nil {
		return // the texts above were checked; the corpus is absent
	}
	n := 0
	for _, e := range readIndex(t, dir) {
		if !strings.HasSuffix(e.file, ".json") || (raceEnabled && e.bytes >= compareUnderRace) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.file)))
		if err != nil {
			t.Fatal(err)
		}
		got, want := refsBySearch(data), refsByPattern(data)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the search finds %d $refs, the pattern %d", e.file, len(got), len(want))
		}
		n++
	}
	t.Logf("%d JSON documents compared", n)
}
