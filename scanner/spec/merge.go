package spec

import (
	"errors"
	"fmt"
	"strings"
)

// MergeError is the error of Merge: the document at index Doc conflicts
// with an earlier one. Its text names both documents (and the lines, for
// an operation described twice) and the fix.
type MergeError struct {
	// Doc is the index, in Merge's argument, of the later document of the
	// two.
	Doc int
	err error
}

func (e *MergeError) Error() string { return e.err.Error() }
func (e *MergeError) Unwrap() error { return e.err }

// Merge combines documents loaded one by one into the description a scan
// uses: a user's own small document of undocumented endpoints next to a
// vendor's, for example.
//
//   - Operations keep document order, the first document's first; each
//     keeps its Source and Line, so reports point into the right file.
//   - An operation (method and path template, with the template's
//     parameter names ignored: /users/{id} is /users/{userId}) described
//     by two documents is a *MergeError naming both files and lines. Two
//     such operations in one document are that document's business, as
//     they are when it is scanned alone.
//   - The merged document has the first one's base path. A later document
//     whose servers (or Swagger 2.0 basePath) give no path takes it; one
//     that gives another path is a *MergeError.
//   - Location, Version, Title, APIVersion and Servers are the first
//     document's; Warnings are every document's, each prefixed with its
//     document's location, quoted, and ": ".
//
// One document is returned as it is. The documents' operations are shared
// with the result, not copied.
func Merge(docs []*Document) (*Document, error) {
	switch len(docs) {
	case 0:
		return nil, errors.New("spec: no document to merge")
	case 1:
		return docs[0], nil
	}
	first := docs[0]
	out := &Document{
		Location: first.Location, Version: first.Version, Title: first.Title, APIVersion: first.APIVersion,
		Servers: first.Servers, BasePath: first.BasePath,
	}
	total := 0
	for _, d := range docs {
		total += len(d.Operations)
	}
	out.Operations = make([]*Operation, 0, total)
	type described struct {
		op  *Operation
		doc *Document
	}
	// seen holds the operations of the documents before the current one,
	// by method and normalized template.
	seen := make(map[string]described, total)
	for i, d := range docs {
		if i > 0 && d.BasePath != "" && d.BasePath != first.BasePath {
			return nil, &MergeError{Doc: i, err: basePathConflict(d, first)}
		}
		var dup, earlier described
		dups := 0
		for _, op := range d.Operations {
			if prev, ok := seen[operationKey(op)]; ok {
				if dups == 0 {
					dup, earlier = described{op, d}, prev
				}
				dups++
			}
		}
		if dups > 0 {
			return nil, &MergeError{Doc: i, err: duplicateOperation(dup.doc, dup.op, earlier.doc, earlier.op, dups-1)}
		}
		for _, op := range d.Operations {
			if k := operationKey(op); !hasKey(seen, k) {
				seen[k] = described{op, d}
			}
		}
		out.Operations = append(out.Operations, d.Operations...)
		for _, w := range d.Warnings {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%q: %s", d.Location, w))
		}
	}
	return out, nil
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// operationKey is the identity of an operation across documents: its
// method and its template with every {name} written {}.
func operationKey(op *Operation) string {
	return op.Method + " " + normalizeTemplate(op.Path)
}

// normalizeTemplate writes every {name} of a path template as {}:
// /users/{id} and /users/{userId} are one path.
func normalizeTemplate(template string) string {
	if !strings.Contains(template, "{") {
		return template
	}
	var b strings.Builder
	for rest := template; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:i])
		b.WriteString("{}")
		rest = rest[i+j+1:]
	}
}

// duplicateOperation is the error for op of doc, which earlier of prev
// already describes; more counts the other operations of doc that are
// described twice.
func duplicateOperation(doc *Document, op *Operation, prev *Document, earlier *Operation, more int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is already described by %q", op.Key(), prev.Location)
	if earlier.Line > 0 {
		fmt.Fprintf(&b, " line %d", earlier.Line)
	}
	if earlier.Path != op.Path {
		fmt.Fprintf(&b, " as %s (path parameter names do not make another operation)", earlier.Key())
	}
	b.WriteString("; describe each operation once")
	switch {
	case more == 1:
		fmt.Fprintf(&b, " (1 more operation of %q is described twice too)", doc.Location)
	case more > 1:
		fmt.Fprintf(&b, " (%d more operations of %q are described twice too)", more, doc.Location)
	}
	return errorf(doc.Location, op.Line, nil, "%s", b.String())
}

// basePathConflict is the error for doc, whose base path is not first's.
func basePathConflict(doc, first *Document) error {
	if first.BasePath == "" {
		return errorf(doc.Location, 0, nil,
			"its base path %q (from its servers or basePath) differs from %q, which has none; merged documents share the first document's base path: remove servers (or basePath) from %q and write its paths in full (%q…)",
			doc.BasePath, first.Location, doc.Location, doc.BasePath+"/")
	}
	return errorf(doc.Location, 0, nil,
		"its base path %q (from its servers or basePath) differs from %q of %q; merged documents share the first document's base path: remove servers (or basePath) from %q to take %q, or make them agree",
		doc.BasePath, first.BasePath, first.Location, doc.Location, first.BasePath)
}
