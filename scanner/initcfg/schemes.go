package initcfg

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Scheme is one security scheme of the spec, as far as a starter config
// needs it.
type Scheme struct {
	// Name is the scheme's key in components.securitySchemes (or
	// securityDefinitions).
	Name string
	// Type is apiKey, http, oauth2, openIdConnect, mutualTLS; Swagger 2.0's
	// basic becomes http with Scheme basic.
	Type string
	// Scheme is the http scheme, lower-case: bearer, basic, digest…
	Scheme string
	// In and Param are where an apiKey goes (header, query, cookie) and its
	// name.
	In, Param string
	// TokenURL and Scopes come from the oauth2 client credentials flow
	// (Swagger 2.0: flow application); Flows lists every flow declared.
	TokenURL string
	Scopes   []string
	Flows    []string
	// OpenIDURL is an openIdConnect scheme's discovery URL.
	OpenIDURL string
}

// ClientCredentials reports whether the scheme offers the client
// credentials grant.
func (s Scheme) ClientCredentials() bool {
	return s.Type == "oauth2" && s.TokenURL != ""
}

// ParseSchemes reads the security schemes of a spec document (JSON or YAML;
// Swagger 2.0 securityDefinitions or OpenAPI 3 components.securitySchemes),
// sorted by name. A scheme given as a $ref is skipped. spec.Load resolves
// everything else; the schemes are not part of spec.Document, hence this
// second, shallow read.
func ParseSchemes(data []byte) ([]Scheme, error) {
	var root map[string]any
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("reading the security schemes: %v", err)
	}
	defs, _ := root["securityDefinitions"].(map[string]any)
	if comps, ok := root["components"].(map[string]any); ok {
		if m, ok := comps["securitySchemes"].(map[string]any); ok {
			defs = m
		}
	}
	var out []Scheme
	for name, v := range defs {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if _, ref := m["$ref"]; ref {
			continue
		}
		s := Scheme{Name: name, Type: str(m["type"]), In: str(m["in"]), Param: str(m["name"]), OpenIDURL: str(m["openIdConnectUrl"])}
		s.Scheme = strings.ToLower(str(m["scheme"]))
		if s.Type == "basic" { // Swagger 2.0
			s.Type, s.Scheme = "http", "basic"
		}
		if s.Type == "oauth2" {
			if flow := str(m["flow"]); flow != "" { // Swagger 2.0
				s.Flows = []string{flow}
				if flow == "application" {
					s.TokenURL = str(m["tokenUrl"])
					s.Scopes = keys(m["scopes"])
				}
			}
			if flows, ok := m["flows"].(map[string]any); ok {
				for f, fv := range flows {
					s.Flows = append(s.Flows, f)
					if fm, ok := fv.(map[string]any); ok && f == "clientCredentials" {
						s.TokenURL = str(fm["tokenUrl"])
						s.Scopes = keys(fm["scopes"])
					}
				}
				sort.Strings(s.Flows)
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func keys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
