// Command kinload is the comparison of bench/spec.sh: it loads an OpenAPI
// document with kin-openapi's default loader alone (openapi3.NewLoader and
// LoadFromFile; for Swagger 2.0, openapi2 decoding and openapi2conv), with
// no validation and no plan, and prints the number of paths. Its wall time
// and peak RSS are what authzscan's whole `plan` is compared with.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kinload FILE")
		os.Exit(2)
	}
	file := os.Args[1]
	doc, err := load(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kinload:", err)
		os.Exit(1)
	}
	fmt.Println(doc.Paths.Len(), "paths")
}

func load(file string) (*openapi3.T, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Swagger string `json:"swagger"`
	}
	_ = json.Unmarshal(data, &probe)
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	if probe.Swagger == "" {
		return loader.LoadFromFile(file)
	}
	var d2 openapi2.T
	if err := json.Unmarshal(data, &d2); err != nil {
		return nil, err
	}
	return openapi2conv.ToV3WithLoader(&d2, loader, nil)
}
