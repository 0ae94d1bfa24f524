package fixturetest

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

// What the config's set-up steps name their objects: the product of each
// user's order and the sku of its item. Probes send other values (the
// spec's examples "Coffee beans", or the scanner's marker in its place, and
// "A1"), so Objects().Live tells the objects set-up steps made (and
// teardown must remove) from those probes made.
const (
	SetupProduct = "setup-order"
	SetupSKU     = "SETUP-1"
)

//go:embed openapi.yaml authzscan.yaml.tmpl
var files embed.FS

var configTemplate = template.Must(template.ParseFS(files, "authzscan.yaml.tmpl"))

// Spec returns the API's OpenAPI 3.0.3 document as YAML. It has no
// servers and no secrets (the config's target names the server), so it is
// the same for every server.
func Spec() []byte {
	data, err := files.ReadFile(SpecFile)
	if err != nil { // embedded: cannot happen
		panic("fixturetest: " + err.Error())
	}
	return data
}

// Config returns the authzscan.yaml for the server: `spec: openapi.yaml`,
// `target:` the server, a top-level `setup` registering alice and bob, the
// profiles anonymous, alice and bob (role user; each logs in, creates an
// order and an item in it in its `setup`, capturing orderId and itemId,
// and deletes the order in its `teardown`) and admin (logs in, owns
// nothing), the policy of the intended rules, and scan {rate: 0,
// concurrency: 4, timeout: 5s, unsafe: true, exclude: ["POST /api/login"]}.
// It holds no id and no `owns`. Its ${VAR}s are the keys of Env.
//
// The `setup` and `teardown` keys are those of the set-up feature being
// built; a scanner without it rejects the file.
func (s *Server) Config() []byte {
	var b bytes.Buffer
	data := struct{ URL, SetupProduct, SetupSKU string }{s.URL, SetupProduct, SetupSKU}
	// The template is fixed and only reads three strings: it cannot fail.
	if err := configTemplate.Execute(&b, data); err != nil {
		panic("fixturetest: " + err.Error())
	}
	return b.Bytes()
}

// WriteFiles writes the spec and the config into dir (which must exist) as
// openapi.yaml and authzscan.yaml, for tests that run the scanner on them.
// The files hold no secrets: the config names them as ${VAR}s.
func (s *Server) WriteFiles(dir string) error {
	var errs []error
	for name, data := range map[string][]byte{SpecFile: Spec(), ConfigFile: s.Config()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fixturetest: %w", err)
	}
	return nil
}
