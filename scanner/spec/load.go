package spec

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
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
	// MaxBytes caps the size of each document read; 0 means DefaultMaxBytes.
	MaxBytes int64
	// FS, when non-nil, is where a location that is not an http(s) URL is
	// read from (a slash-separated path inside FS), external $refs
	// included. The demo uses it to scan its embedded spec.
	FS fs.FS
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
// is an error that names the location and, where known, the line.
func Load(ctx context.Context, location string, opts Options) (*Document, error) {
	return nil, errors.New("spec: not implemented yet")
}
