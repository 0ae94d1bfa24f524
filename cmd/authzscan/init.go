package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/initcfg"
	"github.com/authzscan/authzscan/scanner/spec"
)

func (a *app) initCommand() *cobra.Command {
	var specPath, target, out, caFile string
	var force, insecure bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starter authzscan.yaml from an OpenAPI spec",
		Long: `init reads the spec and writes a starter config: the target, profiles for the
spec's security schemes (two users and an admin, every secret a ${VAR}) that
sign in through the spec's login operation when it has one (the users
registered first by a set-up step when it has a sign-up), set-up steps that
create each user's objects through the API and capture their ids where the
spec's responses say how, owns placeholders for the other parameters that look
like an object id, vars for required values the spec leaves open, a policy
rule per tag, and scan defaults that exclude operations that look dangerous
(logout, reset, purge, shell commands) and the login.
The file plans as written; every guess is marked TODO or guess for review.
It never overwrites a file unless --force is given.`,
		Example: `  authzscan init --spec openapi.yaml
  authzscan init --spec api/openapi.json --target http://127.0.0.1:8080 --out api/authzscan.yaml
  authzscan init --spec openapi.yaml --out -   # print instead of writing`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.init(cmd, specPath, target, out, caFile, force, insecure)
		},
	}
	cmd.Flags().StringVar(&specPath, "spec", "", "the OpenAPI document: a file or an http(s) URL (required)")
	cmd.Flags().StringVar(&target, "target", "", "the API's base URL (default: the spec's first http(s) server)")
	cmd.Flags().StringVarP(&out, "out", "o", "authzscan.yaml", "the file to write; - prints to stdout")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite --out if it exists")
	cmd.Flags().StringVar(&caFile, "ca-file", "", "PEM file of CA certificates to trust besides the system's, for a spec URL on a staging server (also written to the config as scan.ca_file)")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "do not verify the spec URL's TLS certificate (prints a warning; prefer --ca-file)")
	return cmd
}

func (a *app) init(cmd *cobra.Command, specPath, target, out, caFile string, force, insecure bool) error {
	if strings.TrimSpace(specPath) == "" {
		return usageError(errors.New("--spec is missing; pass the OpenAPI document, for example --spec openapi.yaml"))
	}
	if out == "" {
		return usageError(errors.New("--out is empty; give a file name, or - for stdout"))
	}
	if out != "-" && !force {
		if _, err := os.Stat(out); err == nil {
			return usageError(fmt.Errorf("%q already exists; pass --force to overwrite it, or choose another --out", out))
		}
	}
	remote := strings.HasPrefix(specPath, "http://") || strings.HasPrefix(specPath, "https://")
	tlsCfg, err := scanner.TLSConfigFor(caFile, insecure)
	if err != nil {
		return usageError(err)
	}
	if insecure {
		fmt.Fprintln(a.stderr, "warning: TLS certificate verification is off (--insecure) for reading the spec; prefer --ca-file with the staging CA")
	}
	var root []byte
	// Responses: how a creating operation returns the new id, for the
	// set-up steps.
	doc, err := spec.Load(cmd.Context(), specPath, spec.Options{TLS: tlsCfg, Responses: true, RootRead: func(data []byte) { root = data }})
	if err != nil && scanner.IsCertificateError(err) {
		return usageError(fmt.Errorf("%w; %s", err, scanner.CertificateHint("")))
	}
	if err != nil {
		return usageError(err)
	}
	// The security schemes, from the document as read (a file or a URL,
	// fetched once).
	schemes, err := initcfg.ParseSchemes(root)
	if err != nil {
		return usageError(fmt.Errorf("spec %q: %w", specPath, err))
	}
	written := specPath
	if !remote && out != "-" && !filepath.IsAbs(specPath) {
		written = relativeTo(filepath.Dir(out), specPath)
	}
	writtenCA := caFile
	if caFile != "" && out != "-" && !filepath.IsAbs(caFile) {
		writtenCA = relativeTo(filepath.Dir(out), caFile)
	}
	text, err := initcfg.Generate(doc, initcfg.Options{SpecPath: written, Target: target, Schemes: schemes, CAFile: writtenCA})
	if err != nil {
		return usageError(err)
	}
	if out == "-" {
		_, err := fmt.Fprint(a.stdout, text)
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(out, flags, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return usageError(fmt.Errorf("%q already exists; pass --force to overwrite it, or choose another --out", out))
		}
		return usageError(fmt.Errorf("--out %q: %w", out, err))
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("writing %q: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %q: %w", out, err)
	}
	fmt.Fprintf(a.stderr, "wrote %s; review its TODOs, then: authzscan plan -c %s\n", out, out)
	return nil
}

// relativeTo returns path (relative to the current folder) relative to dir,
// slash-separated, or path as given when that cannot be done.
func relativeTo(dir, path string) string {
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	rel, err := filepath.Rel(absDir, absPath)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}
