package reports

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	// The go-sarif module is in the test build only for the SARIF 2.1.0
	// schema it embeds (see goSarifSchema). This import of its one
	// dependency-free package keeps the module in go.mod through
	// `go mod tidy` and makes `go test` download it on a fresh machine.
	// Its Report.Validate cannot be used: that package needs
	// github.com/xeipuuv/gojsonschema, which this module does not carry,
	// and it validates go-sarif's own structs rather than our bytes.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/utils"
)

const (
	goSarifModule = "github.com/owenrumney/go-sarif/v3"
	// goSarifSchemaFile holds `const schema = "…"`, the OASIS SARIF
	// 2.1.0 (errata01) schema, in go-sarif v3.
	goSarifSchemaFile = "pkg/report/v210/sarif/schema.go"
	// oasisSchemaEnv overrides oasisSchemaPath.
	oasisSchemaEnv = "AUTHZSCAN_SARIF_SCHEMA"
	// oasisSchemaPath is the shared copy of the OASIS schema, relative to
	// this package's directory (the repository's ../shared).
	oasisSchemaPath = "../../shared/schemas/sarif-schema-2.1.0.json"
)

// sarifValidator is one compiled SARIF 2.1.0 schema.
type sarifValidator struct {
	name   string
	schema *jsonschema.Schema
}

// validate checks a SARIF document's raw bytes.
func (v sarifValidator) validate(doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return v.schema.Validate(inst)
}

var (
	sarifValidatorsOnce sync.Once
	sarifValidatorsList []sarifValidator
	sarifValidatorsErr  error
	sarifValidatorsNote string
)

// sarifValidators returns the schemas every SARIF test validates
// against: always go-sarif's embedded copy of the OASIS schema (so CI on
// a fresh machine validates), and the shared OASIS file when it is there.
// Its absence is logged, never a failure; failing to load go-sarif's copy
// is a failure.
func sarifValidators(t *testing.T) []sarifValidator {
	t.Helper()
	sarifValidatorsOnce.Do(func() {
		raw, err := goSarifSchema()
		if err != nil {
			sarifValidatorsErr = fmt.Errorf("go-sarif's embedded schema: %w", err)
			return
		}
		s, err := compileSarifSchema("go-sarif-v3-sarif-schema-2.1.0.json", raw)
		if err != nil {
			sarifValidatorsErr = fmt.Errorf("go-sarif's embedded schema: %w", err)
			return
		}
		sarifValidatorsList = append(sarifValidatorsList, sarifValidator{name: "go-sarif embedded schema", schema: s})

		path, fromEnv := os.LookupEnv(oasisSchemaEnv)
		if !fromEnv || path == "" {
			path = oasisSchemaPath
		}
		raw, err = os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist) && !fromEnv:
			sarifValidatorsNote = fmt.Sprintf("skipping validation against the OASIS schema file: %s is absent (set %s to use another copy)", path, oasisSchemaEnv)
			return
		case err != nil:
			sarifValidatorsErr = fmt.Errorf("the OASIS schema file: %w", err)
			return
		}
		s, err = compileSarifSchema("oasis-sarif-schema-2.1.0.json", raw)
		if err != nil {
			sarifValidatorsErr = fmt.Errorf("the OASIS schema file %s: %w", path, err)
			return
		}
		sarifValidatorsList = append(sarifValidatorsList, sarifValidator{name: "OASIS schema " + path, schema: s})
	})
	if sarifValidatorsErr != nil {
		t.Fatal(sarifValidatorsErr)
	}
	if sarifValidatorsNote != "" {
		t.Log(sarifValidatorsNote)
	}
	return sarifValidatorsList
}

// compileSarifSchema compiles a draft-04 schema. Formats are asserted
// (the library does so for drafts before 2019 anyway; this makes it
// explicit), and nothing is fetched: the compiler only loads file URLs and
// the schema refers to itself alone.
func compileSarifSchema(name string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		return nil, err
	}
	return c.Compile(name)
}

// goSarifSchema reads the schema go-sarif v3 embeds as an unexported
// constant: it asks the go command where the module is (the version
// go.mod requires), then takes the constant from the source file.
func goSarifSchema() ([]byte, error) {
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", goSarifModule)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m %s: %w: %s", goSarifModule, err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return nil, fmt.Errorf("go list -m %s: the module is not downloaded (run: go mod download %s)", goSarifModule, goSarifModule)
	}
	file := filepath.Join(dir, filepath.FromSlash(goSarifSchemaFile))
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name != "schema" || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return nil, fmt.Errorf("%s: const schema is not a string literal", file)
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", file, err)
				}
				return []byte(s), nil
			}
		}
	}
	return nil, fmt.Errorf("%s: no const schema", file)
}
