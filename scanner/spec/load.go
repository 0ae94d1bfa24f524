package spec

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// DefaultMaxBytes caps the size of a spec document read from a file or URL:
// 64 MiB, five times GitHub's 13 MB REST description.
const DefaultMaxBytes = 64 << 20

// Options tune Load. The zero value is ready to use.
type Options struct {
	// HTTPClient fetches a document given as an http(s) URL, and external
	// $refs of such a document. Nil means a client with a 30 s timeout that
	// follows no redirect to another origin.
	HTTPClient *http.Client
	// TLS is the TLS configuration of the default client (not used with
	// HTTPClient): the scan's own, so that a spec served by a staging
	// server with a private CA (scan.ca_file) or, with scan.insecure, an
	// unverified certificate is read like the target itself. Nil means
	// Go's defaults.
	TLS *tls.Config
	// RootRead, when not nil, is given the root document's bytes as read
	// (before parsing), for a caller that needs more of the document than
	// Document holds (init reads its security schemes) without fetching
	// a URL twice. It must not keep data beyond its own use.
	RootRead func(data []byte)
	// MaxBytes caps the size of each document read; 0 means DefaultMaxBytes.
	MaxBytes int64
	// FS, when non-nil, is where a location that is not an http(s) URL is
	// read from (a slash-separated path inside FS), external $refs
	// included. The demo uses it to scan its embedded spec.
	FS fs.FS
	// AllowRefs lists places besides the spec's own folder that external
	// $refs may point to: absolute folder paths (for a spec read from a
	// file) and http(s) URL prefixes. Nothing else is ever read.
	AllowRefs []string
	// Responses keeps, on each operation, a summary of its success
	// responses (Operation.Responses): what `authzscan init` needs to
	// write set-up steps. The scan never reads a response of the spec, so
	// it is off by default; on, a JSON document is decoded whole instead
	// of lazily (see reachable), which costs what the lazy load saves.
	Responses bool

	// decodeAll turns off the lazy decoding of JSON documents (see
	// reachable), for tests that compare the two.
	decodeAll bool
	// readHook, when not nil, is called with the location (fragment
	// dropped) of every document kin-openapi asks to read, before the
	// cache of documents read is consulted: tests count the reads with it.
	readHook func(location string)
}

// Load reads the document at location (a file path or an http(s) URL),
// resolves its $refs and returns its operations.
//
// SECURITY: external $refs are followed only to files in the document's own
// folder or below it (for a URL: the same origin and a path under the
// document's directory). Anything else — another folder, file:// URLs,
// other hosts — is refused with an error naming the $ref.
//
// A document that loads but fails validation is returned with the problems
// in Document.Warnings. A document that cannot be read, parsed or resolved
// is an error that names the location and, where known, the line. Of an
// OpenAPI 3 JSON document, only what the scan reads is decoded and resolved
// (see reachable): responses and the components only they use are not.
func Load(ctx context.Context, location string, opts Options) (_ *Document, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	// kin-openapi has panicked on odd input before; whatever it does, the
	// caller gets an error naming the document, never a stack trace.
	defer recoverInto(location, &err)

	src, err := newSource(ctx, location, opts)
	if err != nil {
		return nil, err
	}
	data, err := src.readRoot()
	if err != nil {
		return nil, err
	}
	if opts.RootRead != nil {
		opts.RootRead(data)
	}
	p, err := parse(ctx, src, data, !opts.decodeAll && !opts.Responses)
	var unread error
	if err != nil && opts.Responses && !opts.decodeAll && ctx.Err() == nil {
		// What only the responses hold (a dangling $ref in one) does not
		// stop the lazy load the scan uses (of an OpenAPI 3 JSON document,
		// of any Swagger 2.0 one): nor may it stop the caller that wanted
		// the responses too. It gets the operations without.
		unread = err
		p, err = parse(ctx, src, data, true)
	}
	if err != nil {
		return nil, err
	}
	p.responses = opts.Responses && unread == nil
	doc := build(ctx, p)
	if unread != nil {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("the responses were not read (%v)", unread))
	}
	return doc, nil
}

// recoverInto, deferred, turns a panic into the error of the load of
// location.
func recoverInto(location string, err *error) {
	if r := recover(); r != nil {
		*err = errorf(location, 0, nil, "the OpenAPI library failed on this document (%v); please report it", r)
	}
}

// utf8BOM is skipped at the start of a document.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parsed is a document loaded by kin-openapi, $refs resolved.
type parsed struct {
	location string
	version  string
	basePath string
	doc      *openapi3.T
	outline  *outline
	// responses: fill Operation.Responses (Options.Responses).
	responses bool
}

// parse reads data, the document at src, into kin-openapi's model; when
// lazy, a JSON OpenAPI 3 document only as far as the plan reads it
// (reachable).
func parse(ctx context.Context, src *source, data []byte, lazy bool) (*parsed, error) {
	loc := src.location
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errorf(loc, 0, nil, "the document is empty")
	}

	// Read the outline: JSON through the streaming index (which also
	// gives the spans decodeV3JSON needs), YAML through a node tree.
	var (
		o   *outline
		ix  *jsonIndex
		err error
	)
	if looksJSON(data) {
		// Before any decoding, whose cost grows with the depth.
		if err := checkJSONNesting(data); err != nil {
			return nil, tooDeep(loc, err)
		}
		ix, err = indexJSON(data)
		if err == nil && jsonResolutionCost(data, ix) > maxResolutionCost {
			return nil, errorf(loc, 0, resolutionTooCostlyError{}, "%v", resolutionTooCostlyError{})
		}
		if err == nil {
			o = outlineJSON(data, ix)
		} else if !errors.Is(err, errNotObject) {
			// Perhaps YAML in flow style: {openapi: 3.0.0, …}.
			ix = nil
			var yerr error
			if o, yerr = outlineYAML(data); yerr != nil {
				return nil, jsonSyntaxError(loc, data, err)
			}
		}
	} else {
		o, err = outlineYAML(data)
	}
	if err != nil && o == nil {
		var se *yamlSyntaxError
		var deep *tooDeepError
		var bomb *aliasBombError
		switch {
		case errors.As(err, &deep):
			return nil, tooDeep(loc, err)
		case errors.As(err, &bomb):
			return nil, errorf(loc, bomb.line, err, "%v", err)
		case errors.As(err, new(resolutionTooCostlyError)):
			return nil, errorf(loc, 0, err, "%v", err)
		case errors.Is(err, errEmpty):
			return nil, errorf(loc, 0, err, "the document is empty")
		case errors.Is(err, errNotObject):
			return nil, errorf(loc, 0, err, `not an OpenAPI document: the top level is not a mapping with an "openapi" or "swagger" key`)
		case errors.As(err, &se):
			return nil, errorf(loc, se.line, err, "cannot parse YAML: %s", se.msg)
		}
		return nil, errorf(loc, 0, err, "cannot parse: %v", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, errorf(loc, 0, err, "loading interrupted: %v", err)
	}

	kl := openapi3.NewLoader()
	kl.Context = ctx
	// Not enforced by kin-openapi once ReadFromURIFunc is set: src.readRef
	// is the policy (see the SECURITY note on source).
	kl.IsExternalRefsAllowed = true
	kl.ReadFromURIFunc = src.readRef

	out := &parsed{location: loc, outline: o}
	var doc *openapi3.T
	switch {
	case o.hasOpenAPI && strings.HasPrefix(o.openapi, "3."):
		out.version = o.openapi
		if ix != nil {
			if doc, err = decodeV3JSON(ctx, loc, data, ix, lazy); err != nil {
				return nil, err
			}
			// Not the local entries of discriminator mappings: see
			// holdLocalMappings.
			restore := holdLocalMappings(doc)
			err := kl.ResolveRefsIn(doc, src.root)
			restore()
			if err != nil {
				return nil, src.refError(err)
			}
		} else if doc, err = kl.LoadFromDataWithPath(data, src.root); err != nil {
			return nil, src.loadError(err)
		}
		if list := servers(doc); len(list) > 0 {
			out.basePath = basePath(list[0])
		}
	case o.hasOpenAPI:
		return nil, errorf(loc, 0, nil, `unsupported OpenAPI version %q; authzscan reads Swagger 2.0 and OpenAPI 3.0 and 3.1`, o.openapi)
	case o.hasSwagger && o.swagger == "2.0":
		out.version = o.swagger
		var d2 openapi2.T
		if ix != nil {
			err = json.Unmarshal(data, &d2)
		} else {
			err = openapi2.UnmarshalFromData(data, &d2)
		}
		if err != nil {
			return nil, src.loadError(err)
		}
		if lazy {
			dropV2ResponseSchemas(&d2)
		}
		if doc, err = openapi2conv.ToV3WithLoader(&d2, kl, src.root); err != nil {
			return nil, src.refError(err)
		}
		out.basePath = basePath(d2.BasePath)
	case o.hasSwagger:
		return nil, errorf(loc, 0, nil, `unsupported Swagger version %q; authzscan reads Swagger 2.0 and OpenAPI 3.0 and 3.1`, o.swagger)
	default:
		return nil, errorf(loc, 0, nil, `not an OpenAPI document: no "openapi" or "swagger" key at the top level`)
	}
	if err := ctx.Err(); err != nil {
		return nil, errorf(loc, 0, err, "loading interrupted: %v", err)
	}

	// Validation, and every consumer of the schemas, walks them: a chain of
	// schemas too long is refused before that.
	if err := checkSchemaDepth(doc); err != nil {
		return nil, errorf(loc, 0, err, "%v", err)
	}

	// Everything is resolved: the source texts kept to name a failing $ref
	// can go before validation, which allocates a lot.
	src.reads, src.readOrder = nil, nil
	out.doc = doc
	return out, nil
}

// build flattens a parsed document into the Document the scanner uses.
func build(ctx context.Context, p *parsed) *Document {
	out := &Document{Location: p.location, Version: p.version, BasePath: p.basePath}
	if p.doc.Info != nil {
		out.Title, out.APIVersion = p.doc.Info.Title, p.doc.Info.Version
	}
	out.Servers = servers(p.doc)
	var skipped []string
	out.Operations, skipped = operations(p.doc, p.outline, p.responses)
	for _, op := range out.Operations {
		op.Source = p.location
	}
	// Only what the scan uses is validated (see scanView).
	view := scanView(p.doc)
	if validationCost(view, maxValidationVisits) > maxValidationVisits {
		out.Warnings = append(skipped, validationSkipped)
	} else {
		out.Warnings = append(skipped, warnings(ctx, view)...)
	}
	return out
}

// tooDeep is the error for a document nested past MaxNesting.
func tooDeep(loc string, err error) error {
	var deep *tooDeepError
	if errors.As(err, &deep) {
		return errorf(loc, deep.line, err, "%v", err)
	}
	return errorf(loc, 0, err, "%v", err)
}

// jsonSyntaxError names the line of a JSON syntax error.
func jsonSyntaxError(loc string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errorf(loc, newLineCounter(data).at(max(se.Offset-1, 0)), err, "cannot parse JSON: %v", err)
	}
	return errorf(loc, 0, err, "cannot parse JSON: %v", err)
}

// loadError turns an error of kin-openapi's decoding of the document (YAML,
// or Swagger 2.0) into the error Load returns; $ref errors go to refError.
func (s *source) loadError(err error) error {
	var le *yaml.LoadError
	if errors.As(err, &le) && le.Message != "" && !kinRef.MatchString(err.Error()) {
		return errorf(s.location, le.Mark.Line, err, "cannot load: %s", le.Message)
	}
	var refused *refusedError
	var unread *refReadError
	if errors.As(err, &refused) || errors.As(err, &unread) || kinRef.MatchString(err.Error()) {
		return s.refError(err)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return jsonSyntaxError(s.location, s.reads[s.root.String()], err)
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "failed to unmarshal data: ")
	msg = strings.TrimPrefix(msg, "yaml error: ")
	return errorf(s.location, 0, err, "cannot load: %s", msg)
}
