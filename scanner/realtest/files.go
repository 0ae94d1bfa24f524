package realtest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// Style is how a spec describes the API. Every style describes the same
// server, paths and semantics; they differ only in where a request's
// valid values are written, which is what a scanner must find.
type Style string

const (
	// Postman is an OpenAPI 3.0.0 JSON document shaped like the output of
	// the Postman-to-OpenAPI converters: every request body is
	// {schema: {type: object}, example: {...}} with no properties and
	// nothing required; path parameters are {type: string} with a string
	// example; Content-Type and Accept appear as header parameters; tags
	// are the collection's folders, summaries its request names, and most
	// operations have no operationId.
	Postman Style = "postman"
	// Handwritten is an OpenAPI 3.0.3 YAML document with component
	// schemas whose properties carry examples (or only a default, or only
	// an enum) and no `required` list in any request body; one media type
	// (POST /api/account/close) gives its value only in a named `examples`
	// map, its schema's property has none.
	Handwritten Style = "handwritten"
	// Swagger2 is a Swagger 2.0 YAML document: JSON bodies as `in: body`
	// parameters whose schemas' properties carry examples, nothing
	// required; path parameters with `x-example`; the ticket comment as an
	// application/x-www-form-urlencoded formData parameter with
	// `x-example`, not required.
	Swagger2 Style = "swagger2"
)

// Styles returns every style, in a fixed order.
func Styles() []Style { return []Style{Postman, Handwritten, Swagger2} }

// ConfigFile is the config's file name; WriteFiles writes it next to the
// spec.
const ConfigFile = "authzscan.yaml"

// SpecFile is the spec's file name for the style, which the config's
// `spec:` names: openapi.json for Postman, openapi.yaml otherwise.
func (s Style) SpecFile() string {
	if s == Postman {
		return "openapi.json"
	}
	return "openapi.yaml"
}

// specSources are the embedded spec of each style.
var specSources = map[Style]string{
	Postman:     "postman.json",
	Handwritten: "handwritten.yaml",
	Swagger2:    "swagger2.yaml",
}

//go:embed postman.json handwritten.yaml swagger2.yaml authzscan.yaml.tmpl
var files embed.FS

var configTemplate = template.Must(template.ParseFS(files, "authzscan.yaml.tmpl"))

func (s Style) check() error {
	if _, ok := specSources[s]; !ok {
		return fmt.Errorf("realtest: unknown style %q; use realtest.Postman, realtest.Handwritten or realtest.Swagger2", string(s))
	}
	return nil
}

// Spec returns the API's spec in style. It has no secrets and no URL of
// the server (the config's target names it), so it is the same for every
// server.
func Spec(style Style) ([]byte, error) {
	if err := style.check(); err != nil {
		return nil, err
	}
	return files.ReadFile(specSources[style])
}

// Config returns the authzscan.yaml for style: `spec:` the style's
// SpecFile, `target:` the server, the profiles anonymous, alice, bob
// (role user, each owning a username, a noteId and a ticketId) and admin
// (owning only its username), the policy of the intended rules, and scan
// {rate: 0, concurrency: 4, timeout: 5s, unsafe: true}. Its ${VAR}s are
// the keys of Env.
func (s *Server) Config(style Style) ([]byte, error) {
	if err := style.check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	data := struct{ URL, Spec, Style string }{s.URL, style.SpecFile(), string(style)}
	if err := configTemplate.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("realtest: %w", err)
	}
	return b.Bytes(), nil
}

// WriteFiles writes the spec of style (as style.SpecFile()) and the config
// (as authzscan.yaml) into dir, which must exist, for tests that run the
// scanner on them. The files hold no secrets: the config names them as
// ${VAR}s.
func (s *Server) WriteFiles(dir string, style Style) error {
	spec, err := Spec(style)
	if err != nil {
		return err
	}
	cfg, err := s.Config(style)
	if err != nil {
		return err
	}
	var errs []error
	for name, data := range map[string][]byte{style.SpecFile(): spec, ConfigFile: cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("realtest: %w", err)
	}
	return nil
}
