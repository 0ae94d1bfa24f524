package scanner

import (
	"fmt"

	"go.yaml.in/yaml/v4"

	"github.com/authzscan/authzscan/scanner/fixtures"
)

var stepKeys = []string{"request", "as", "json", "form", "headers", "capture", "expect", "retries"}

// stepList decodes a list of set-up or teardown steps.
func (w *walker) stepList(n *yaml.Node, path string) []fixtures.Def {
	var out []fixtures.Def
	w.list(n, path, func(i int, item *yaml.Node) {
		p := fmt.Sprintf("%s[%d]", path, i)
		item = w.resolve(item)
		d := fixtures.Def{Line: item.Line}
		has := map[string]bool{}
		w.mapping(item, p, stepKeys, func(key string, k, v *yaml.Node) {
			kp := p + "." + key
			has[key] = true
			switch key {
			case "request":
				d.Request, _ = w.str(v, kp)
			case "as":
				d.As, _ = w.str(v, kp)
			case "json":
				if t, ok := w.tree(v, kp); ok {
					if t == nil {
						w.fail(w.resolve(v), kp, "json is empty; give the body, or leave json out to have it synthesized from the spec")
					}
					d.JSON = t
				}
			case "form":
				d.Form = map[string]any{}
				w.mapping(v, kp, nil, func(name string, _, val *yaml.Node) {
					if s, ok := w.scalar(val, kp+"."+name); ok {
						d.Form[name] = fmt.Sprint(s)
					}
				})
			case "headers":
				d.Headers = map[string]string{}
				w.mapping(v, kp, nil, func(name string, _, val *yaml.Node) {
					if s, ok := w.str(val, kp+"."+name); ok {
						d.Headers[name] = s
					}
				})
			case "capture":
				d.Capture = w.captures(v, kp)
			case "expect":
				d.Expect = w.statusList(v, kp)
			case "retries":
				d.Retries, _ = w.integer(v, kp)
			}
		})
		if item.Kind == yaml.MappingNode && !has["request"] {
			w.fail(item, p, "request is missing; write for example request: \"POST /orders\"")
		}
		if has["json"] && has["form"] {
			w.fail(item, p+".form", "json and form are both set; a step has one body: keep one of them")
		}
		out = append(out, d)
	})
	return out
}
