package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2conv"
	"go.yaml.in/yaml/v4"
)

// refSite is a $ref as written in one of the documents read.
type refSite struct {
	ref  string
	doc  string // the key of the document in source.reads
	line int
}

// findRef finds the $ref that kin-openapi resolved to target, looking in
// every document read, in order. It mirrors how kin-openapi joins a
// relative $ref to the location of the document that holds it.
func (s *source) findRef(target string) (refSite, bool) {
	for _, key := range s.readOrder {
		base, err := url.Parse(key)
		if err != nil {
			continue
		}
		for _, site := range refsIn(s.reads[key]) {
			if strings.HasPrefix(site.ref, "#") {
				continue
			}
			if u := resolveLikeKin(base, site.ref); u != nil && u.String() == target {
				site.doc = key
				return site, true
			}
		}
	}
	return refSite{}, false
}

// resolveLikeKin joins ref to base the way openapi3.Loader does (see
// resolvePath in its loader.go): a file path that is not absolute is joined
// to base's folder, anything else is taken as it is. The fragment is dropped.
func resolveLikeKin(base *url.URL, ref string) *url.URL {
	u, err := url.Parse(ref)
	if err != nil {
		return nil
	}
	isFile := u.Path != "" && u.Host == "" && (u.Scheme == "" || u.Scheme == "file")
	if isFile && !filepath.IsAbs(u.Path) && base != nil {
		joined := *base
		joined.Path = path.Join(path.Dir(base.Path), u.Path)
		u = &joined
	}
	return clearFragment(u)
}

// eachJSONRef calls fn with the offset and the value (a JSON string, quotes
// included) of each `"$ref": "…"` member written in data, left to right,
// until fn returns false. It is a text search, as the regular expression
// `"\$ref"\s*:\s*("(?:[^"\\]|\\.)*")` finds them, but some ten times faster
// on big documents: it may also find one inside a string or an example,
// which callers tolerate.
func eachJSONRef(data []byte, fn func(at int, val []byte) bool) {
	space := func(i int) int {
		for i < len(data) {
			switch data[i] {
			case ' ', '\t', '\n', '\f', '\r':
				i++
				continue
			}
			break
		}
		return i
	}
	for i := 0; i < len(data); {
		k := bytes.Index(data[i:], []byte(`"$ref"`))
		if k < 0 {
			return
		}
		k += i
		i = k + 1 // where to look next when this one is not a member
		j := space(k + len(`"$ref"`))
		if j >= len(data) || data[j] != ':' {
			continue
		}
		if j = space(j + 1); j >= len(data) || data[j] != '"' {
			continue
		}
		end := -1
		for e := j + 1; e < len(data); e++ {
			if data[e] == '"' {
				end = e + 1
				break
			}
			if data[e] == '\\' {
				if e+1 >= len(data) || data[e+1] == '\n' {
					break
				}
				e++
			}
		}
		if end < 0 {
			continue
		}
		if !fn(k, data[j:end]) {
			return
		}
		i = end
	}
}

// refsIn lists the $refs of a document with their lines: by a plain text
// search in JSON (cheap on big documents), by walking the node tree in YAML.
func refsIn(data []byte) []refSite {
	var sites []refSite
	if looksJSON(data) {
		lines := newLineCounter(data)
		eachJSONRef(data, func(at int, val []byte) bool {
			var ref string
			if json.Unmarshal(val, &ref) == nil {
				sites = append(sites, refSite{ref: ref, line: lines.at(int64(at))})
			}
			return true
		})
		return sites
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return nil
	}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 10000 {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k, v := n.Content[i], n.Content[i+1]; k.Value == "$ref" && v.Kind == yaml.ScalarNode {
					sites = append(sites, refSite{ref: v.Value, line: k.Line})
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(&root, 0)
	return sites
}

// looksJSON reports whether data starts like a JSON object.
func looksJSON(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// kinRef finds the $ref that a kin-openapi resolution error is about.
var kinRef = regexp.MustCompile(`(?:error resolving reference|in URI:?|bad data in|cannot parse reference:) "((?:[^"\\]|\\.)*)"`)

// refError turns an error of kin-openapi's $ref resolution into the error
// Load returns, naming the $ref as written and its line.
func (s *source) refError(err error) error {
	var refused *refusedError
	var unread *refReadError
	switch {
	case errors.As(err, &refused):
		return s.atRef(refused.target, err, func(ref string) string {
			return fmt.Sprintf("$ref %q %s", ref, refused.hint)
		})
	case errors.As(err, &unread):
		cause := unread.err
		return s.atRef(unread.target, err, func(ref string) string {
			return fmt.Sprintf("$ref %q: %s", ref, describeReadError(cause))
		})
	case s.ctx.Err() != nil:
		return errorf(s.location, 0, s.ctx.Err(), "loading interrupted: %v", s.ctx.Err())
	}
	msg := strings.TrimPrefix(err.Error(), "failed to unmarshal data: ")
	if m := kinRef.FindStringSubmatchIndex(msg); m != nil {
		var ref string
		if json.Unmarshal([]byte(`"`+msg[m[2]:m[3]]+`"`), &ref) == nil {
			if strings.HasPrefix(msg[m[0]:], "error resolving reference") {
				msg = strings.TrimPrefix(msg[m[1]:], ": ")
			}
			if site, n, ok := s.siteOf(ref); ok {
				if n == 1 {
					return errorf(s.location, 0, err, "%scannot resolve $ref %q: %s", s.where(site), site.ref, msg)
				}
				// Which of the places kin-openapi tripped on is unknown.
				return errorf(s.location, 0, err, "cannot resolve $ref %q (written %d times, first at %s): %s",
					site.ref, n, strings.TrimSuffix(s.where(site), ": "), msg)
			}
			return errorf(s.location, 0, err, "cannot resolve $ref %q: %s", ref, msg)
		}
	}
	return errorf(s.location, 0, err, "cannot load: %s", msg)
}

// siteOf finds a $ref by its text in the documents read, also in its
// Swagger 2.0 form ("#/definitions/Pet" for "#/components/schemas/Pet"),
// and counts the places it is written.
func (s *source) siteOf(ref string) (refSite, int, bool) {
	v2 := openapi2conv.FromV3Ref(ref)
	var first, suffixed refSite
	n := 0
	for _, key := range s.readOrder {
		for _, site := range refsIn(s.reads[key]) {
			site.doc = key
			if site.ref == ref || site.ref == v2 {
				if n == 0 {
					first = site
				}
				n++
				continue
			}
			// kin-openapi names only the fragment of a $ref into another
			// document: "#/Pet" for "pets.yaml#/Pet".
			if suffixed.ref == "" && strings.HasPrefix(ref, "#") && !strings.HasPrefix(site.ref, "#") && strings.HasSuffix(site.ref, ref) {
				suffixed = site
			}
		}
	}
	switch {
	case n > 0:
		return first, n, true
	case suffixed.ref != "":
		return suffixed, 1, true
	}
	return refSite{}, 0, false
}

// atRef builds the error for the $ref that resolved to target.
func (s *source) atRef(target string, cause error, what func(ref string) string) error {
	site, ok := s.findRef(target)
	if !ok {
		return errorf(s.location, 0, cause, "%s", what(redactRef(target)))
	}
	return errorf(s.location, 0, cause, "%s%s", s.where(site), what(redactRef(site.ref)))
}

// redactRef hides the password of a $ref URL that carries one
// ("https://user:secret@host/x.yaml"), so that an error never shows it.
func redactRef(ref string) string {
	if !strings.Contains(ref, "@") {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil || u.User == nil {
		return ref
	}
	if _, ok := u.User.Password(); !ok {
		return ref
	}
	return u.Redacted()
}

// where is the place of a $ref: "line 12: " in the spec itself, or
// `"schemas/pet.yaml" line 3: ` in a document it refers to.
func (s *source) where(site refSite) string {
	var parts []string
	if site.doc != s.root.String() {
		parts = append(parts, strconv.Quote(s.displayName(site.doc)))
	}
	if site.line > 0 {
		parts = append(parts, fmt.Sprintf("line %d", site.line))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, " ") + ": "
}

// displayName shows a document read for a $ref relative to the spec's folder
// when it can.
func (s *source) displayName(key string) string {
	u, err := url.Parse(key)
	if err != nil {
		return key
	}
	switch s.kind {
	case sourceFile:
		if rel, err := filepath.Rel(s.givenDir, filepath.FromSlash(u.Path)); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	case sourceFS:
		if s.dir == "." {
			return u.Path
		}
		if rest, ok := strings.CutPrefix(u.Path, s.dir+"/"); ok {
			return rest
		}
	}
	return key
}

func describeReadError(err error) string {
	var tooBig *tooLargeError
	var deep *tooDeepError
	var bomb *aliasBombError
	switch {
	case errors.As(err, &deep) && deep.line > 0:
		return fmt.Sprintf("its line %d: %v", deep.line, deep)
	case errors.As(err, &bomb) && bomb.line > 0:
		return fmt.Sprintf("its line %d: %v", bomb.line, bomb)
	case errors.Is(err, fs.ErrNotExist):
		return "file not found"
	case errors.As(err, &tooBig):
		return tooBig.Error()
	}
	return err.Error()
}
