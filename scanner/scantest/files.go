package scantest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// File names WriteFiles uses; the config's `spec:` is SpecFile.
const (
	SpecFile   = "openapi.yaml"
	ConfigFile = "authzscan.yaml"
)

//go:embed openapi.yaml.tmpl authzscan.yaml.tmpl
var templates embed.FS

var (
	specTemplate   = template.Must(template.ParseFS(templates, "openapi.yaml.tmpl"))
	configTemplate = template.Must(template.ParseFS(templates, "authzscan.yaml.tmpl"))
)

func (s *Server) render(t *template.Template) []byte {
	var b bytes.Buffer
	// The templates are fixed and only read two strings: they cannot fail.
	if err := t.Execute(&b, struct{ URL, IdPURL string }{s.URL, s.IdPURL}); err != nil {
		panic("scantest: " + err.Error())
	}
	return b.Bytes()
}

// Spec returns the API's OpenAPI 3.0.3 document as YAML. It has no
// servers (the config's target names the API); its OAuth2 token URLs name
// the authorization server.
func (s *Server) Spec() []byte { return s.render(specTemplate) }

// Config returns an authzscan.yaml for the API in the auth schema of
// docs/auth.md: `spec: openapi.yaml`, `target:` the API, every profile
// (Profiles, in that order) with its `owns`, the policy, and scan
// {rate: 0, concurrency: 4, timeout: 5s, unsafe: false}. Its ${VAR}s are
// the keys of Env.
func (s *Server) Config() []byte { return s.render(configTemplate) }

// WriteFiles writes the spec and the config into dir (which must exist) as
// openapi.yaml and authzscan.yaml, for tests that run the binary. The files
// hold no secrets: the config names them as ${VAR}s.
func (s *Server) WriteFiles(dir string) error {
	var errs []error
	for name, data := range map[string][]byte{SpecFile: s.Spec(), ConfigFile: s.Config()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scantest: %w", err)
	}
	return nil
}
