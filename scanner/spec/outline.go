package spec

import (
	"encoding/json"
	"errors"
	"strings"

	"go.yaml.in/yaml/v4"
)

// outline is what Load learns from the source text before handing it to
// kin-openapi: which kind of document it is, and where each operation is
// written.
type outline struct {
	// hasOpenAPI and hasSwagger report the top-level keys; openapi and
	// swagger are their values when these are scalars.
	hasOpenAPI, hasSwagger bool
	openapi, swagger       string
	// lines maps a path template, then a lower-case method, to the line
	// of the method key under paths.
	lines map[string]map[string]int
}

func (o *outline) line(template, method string) int {
	return o.lines[template][strings.ToLower(method)]
}

// outlineJSON reads the outline off the JSON index.
func outlineJSON(data []byte, ix *jsonIndex) *outline {
	o := &outline{lines: make(map[string]map[string]int, len(ix.paths))}
	for _, m := range ix.top {
		var v any
		switch m.key {
		case "openapi":
			o.hasOpenAPI = true
			if json.Unmarshal(data[m.val.start:m.val.end], &v) == nil {
				o.openapi = scalarString(v)
			}
		case "swagger":
			o.hasSwagger = true
			if json.Unmarshal(data[m.val.start:m.val.end], &v) == nil {
				o.swagger = scalarString(v)
			}
		}
	}
	for _, pm := range ix.paths {
		if pm.methods != nil {
			o.lines[pm.key] = pm.methods
		}
	}
	return o
}

func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return ""
}

// yamlSyntaxError is a document that is not YAML, with the line when known.
type yamlSyntaxError struct {
	line int
	msg  string
	err  error
}

func (e *yamlSyntaxError) Error() string { return e.msg }
func (e *yamlSyntaxError) Unwrap() error { return e.err }

// errEmpty reports a document with nothing in it.
var errEmpty = errors.New("the document is empty")

// outlineYAML parses data as a YAML node tree (aliases are not expanded,
// so a billion-laughs document costs nothing here; yaml v4 limits nesting
// depth) and reads the outline off it.
func outlineYAML(data []byte) (*outline, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, newYAMLSyntaxError(err)
	}
	top := &root
	if top.Kind == yaml.DocumentNode {
		if len(top.Content) == 0 {
			return nil, errEmpty
		}
		top = top.Content[0]
	}
	if top.Kind == 0 {
		return nil, errEmpty
	}
	if top.Kind != yaml.MappingNode {
		return nil, errNotObject
	}
	if err := checkYAMLAliases(&root); err != nil {
		return nil, err
	}
	if err := checkYAMLNesting(&root); err != nil {
		return nil, err
	}
	if yamlResolutionCost(top) > maxResolutionCost {
		return nil, resolutionTooCostlyError{}
	}
	o := &outline{lines: make(map[string]map[string]int)}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "openapi":
			o.hasOpenAPI = true
			if v.Kind == yaml.ScalarNode {
				o.openapi = v.Value
			}
		case "swagger":
			o.hasSwagger = true
			if v.Kind == yaml.ScalarNode {
				o.swagger = v.Value
			}
		case "paths":
			if v.Kind != yaml.MappingNode {
				continue
			}
			o.lines = make(map[string]map[string]int, len(v.Content)/2)
			for j := 0; j+1 < len(v.Content); j += 2 {
				tk, item := v.Content[j], v.Content[j+1]
				if item.Kind != yaml.MappingNode {
					continue
				}
				var methods map[string]int
				for m := 0; m+1 < len(item.Content); m += 2 {
					mk := item.Content[m]
					if lk := strings.ToLower(mk.Value); httpMethods[lk] {
						if methods == nil {
							methods = make(map[string]int, 4)
						}
						methods[lk] = mk.Line
					}
				}
				if methods != nil {
					o.lines[tk.Value] = methods
				}
			}
		}
	}
	return o, nil
}

// newYAMLSyntaxError takes the line and the bare message out of a yaml v4
// error, whose text repeats them in its own format.
func newYAMLSyntaxError(err error) *yamlSyntaxError {
	var le *yaml.LoadError
	if errors.As(err, &le) && le.Message != "" {
		return &yamlSyntaxError{line: le.Mark.Line, msg: le.Message, err: err}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	// "line 4: exceeded max depth of 10000"
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		n := 0
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			n = n*10 + int(rest[i]-'0')
			i++
		}
		if i > 0 && strings.HasPrefix(rest[i:], ": ") {
			line, msg = n, rest[i+2:]
		}
	}
	return &yamlSyntaxError{line: line, msg: msg, err: err}
}
