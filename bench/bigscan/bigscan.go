// Package bigscan makes a synthetic large scan: an OpenAPI document of
// many operations, half of them on an owned object, a config of many
// profiles that own one object each, and a fast handler serving the API it
// describes. bench/scan-memory.sh and the scanner's and reports'
// benchmarks use it to measure the memory and speed of large scans.
//
// The plan is ops/2 × profiles × profiles probes on owned operations plus
// ops/2 × profiles on the others: 110,000 with 2,000 operations and 10
// profiles. Each caller gets its own object (200) and is refused others'
// (403), except on one owned operation in 100, which lets everyone in:
// those are the findings (BOLA).
package bigscan

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ObjectBase is the first object ID: profile k owns object ObjectBase+k.
const ObjectBase = 1000

// Write writes openapi.json, authzscan.yaml (target url) and env (the
// profiles' tokens as shell exports) into dir.
func Write(dir, url string, ops, nprof int) error {
	return write(dir, url, ops, nprof, false)
}

// WritePublic is Write for a spec whose every operation is a public list
// (`/s{i}`, `security: []`): ops × nprof probes, every one a pass served
// 200. It is the workload of bench/process.sh, where the scanner's own
// cost per probe is measured against hey on the same server.
func WritePublic(dir, url string, ops, nprof int) error {
	return write(dir, url, ops, nprof, true)
}

func write(dir, url string, ops, nprof int, public bool) error {
	paths := map[string]any{}
	for i := range ops {
		if public {
			paths[fmt.Sprintf("/s%d", i)] = map[string]any{
				"get": map[string]any{
					"operationId": fmt.Sprintf("listS%d", i),
					"tags":        []string{fmt.Sprintf("t%d", i%20)},
					"security":    []any{},
					"responses":   map[string]any{"200": map[string]any{"description": "a list"}},
				},
			}
			continue
		}
		if i%2 == 0 {
			paths[fmt.Sprintf("/r%d/{objId}", i)] = map[string]any{
				"get": map[string]any{
					"operationId": fmt.Sprintf("getR%d", i),
					"summary":     fmt.Sprintf("Object %d of a caller", i),
					"tags":        []string{fmt.Sprintf("t%d", i%20)},
					"parameters": []any{map[string]any{
						"name": "objId", "in": "path", "required": true,
						"schema": map[string]any{"type": "integer"},
					}},
					"responses": map[string]any{"200": map[string]any{"description": "the object"}},
				},
			}
		} else {
			paths[fmt.Sprintf("/s%d", i)] = map[string]any{
				"get": map[string]any{
					"operationId": fmt.Sprintf("listS%d", i),
					"tags":        []string{fmt.Sprintf("t%d", i%20)},
					"responses":   map[string]any{"200": map[string]any{"description": "a list"}},
				},
			}
		}
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "bigscan", "version": "1"},
		"paths":   paths,
	}
	js, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), js, 0o644); err != nil {
		return err
	}
	var cfg, env strings.Builder
	fmt.Fprintf(&cfg, "spec: openapi.json\ntarget: %s\nprofiles:\n", url)
	for k := range nprof {
		fmt.Fprintf(&cfg, "  p%d:\n    role: user\n    auth:\n      bearer: ${BIGSCAN_T%d}\n", k, k)
		if !public {
			// A public spec has no object parameter to own.
			fmt.Fprintf(&cfg, "    owns: {objId: %d}\n", ObjectBase+k)
		}
		fmt.Fprintf(&env, "export BIGSCAN_T%d=bigscan-token-%04d\n", k, k)
	}
	if err := os.WriteFile(filepath.Join(dir, "authzscan.yaml"), []byte(cfg.String()), 0o644); err != nil {
		return err
	}
	// Written last: the script waits for it.
	return os.WriteFile(filepath.Join(dir, "env"), []byte(env.String()), 0o644)
}

// Env returns the profiles' token variables, as Write's env file sets them.
func Env(nprof int) map[string]string {
	out := map[string]string{}
	for k := range nprof {
		out[fmt.Sprintf("BIGSCAN_T%d", k)] = fmt.Sprintf("bigscan-token-%04d", k)
	}
	return out
}

// Handler serves the API of a Write with nprof profiles; every 200 body is
// size bytes.
func Handler(nprof, size int) http.Handler {
	pad := strings.Repeat("x", max(size-80, 0))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer bigscan-token-")
		k, err := strconv.Atoi(tok)
		if err != nil || k < 0 || k >= nprof {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Request-Id", strconv.Itoa(k)+r.URL.Path)
		// /r{i}/{objId}: the owner only, except every 100th operation.
		if rest, ok := strings.CutPrefix(r.URL.Path, "/r"); ok {
			op, obj, _ := strings.Cut(rest, "/")
			i, _ := strconv.Atoi(op)
			id, _ := strconv.Atoi(obj)
			if id != ObjectBase+k && i%200 != 0 {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprintf(w, `{"error":"forbidden","object":%d}`, id)
				return
			}
		}
		fmt.Fprintf(w, `{"path":%q,"caller":%d,"pad":%q}`, r.URL.Path, k, pad)
	})
}
