package spec

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// methodOp is one operation of a path item and its method.
type methodOp struct {
	method string
	op     *openapi3.Operation
}

// fixedMethods are the methods of PathItem's fixed fields, sorted.
var fixedMethods = [...]string{
	http.MethodConnect, http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodOptions,
	http.MethodPatch, http.MethodPost, http.MethodPut, openapi3.MethodQuery, http.MethodTrace,
}

// fixedOperation is item's fixed field for method, nil when method has
// none.
func fixedOperation(item *openapi3.PathItem, method string) (*openapi3.Operation, bool) {
	switch method {
	case http.MethodConnect:
		return item.Connect, true
	case http.MethodDelete:
		return item.Delete, true
	case http.MethodGet:
		return item.Get, true
	case http.MethodHead:
		return item.Head, true
	case http.MethodOptions:
		return item.Options, true
	case http.MethodPatch:
		return item.Patch, true
	case http.MethodPost:
		return item.Post, true
	case http.MethodPut:
		return item.Put, true
	case openapi3.MethodQuery:
		return item.Query, true
	case http.MethodTrace:
		return item.Trace, true
	}
	return nil, false
}

// pathOperations appends to buf the operations item.Operations() holds,
// sorted by method: the fixed fields that are set, and the
// AdditionalOperations whose method no set fixed field has. Unlike
// item.Operations() it builds no map: a spec's load asked for the
// operations of each path item several times, a map each time.
func pathOperations(buf []methodOp, item *openapi3.PathItem) []methodOp {
	for _, m := range fixedMethods {
		if op, _ := fixedOperation(item, m); op != nil {
			buf = append(buf, methodOp{m, op})
		}
	}
	if len(item.AdditionalOperations) == 0 {
		return buf
	}
	n := len(buf)
	for m, op := range item.AdditionalOperations {
		if op == nil {
			continue
		}
		if fixed, _ := fixedOperation(item, m); fixed != nil {
			continue
		}
		buf = append(buf, methodOp{m, op})
	}
	if len(buf) > n {
		slices.SortFunc(buf, func(a, b methodOp) int { return cmp.Compare(a.method, b.method) })
	}
	return buf
}
