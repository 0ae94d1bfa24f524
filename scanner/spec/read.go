package spec

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// defaultHTTPTimeout bounds the fetch of a spec (and of each of its external
// $refs) when Options.HTTPClient is nil.
const defaultHTTPTimeout = 30 * time.Second

// sourceKind tells where the document and its external $refs come from.
type sourceKind int

const (
	sourceFile sourceKind = iota // the local file system
	sourceFS                     // Options.FS
	sourceHTTP                   // an http(s) URL
)

// source knows where the root document lives and enforces the containment
// policy for everything kin-openapi asks to read on its behalf.
//
// SECURITY: kin-openapi's ReadFromURIFunc bypasses Loader.IsExternalRefsAllowed
// (see the note on that field in openapi3/loader.go), so allow is the only
// gate between a hostile document and the local disk or the network. Every
// read goes through it, redirects of $ref fetches included.
type source struct {
	kind     sourceKind
	location string // as the user gave it

	ctx      context.Context
	maxBytes int64
	client   *http.Client // sourceHTTP: the user's or the default client
	fsys     fs.FS        // sourceFS

	// root is the document's location as kin-openapi sees it: an absolute
	// slash path (file), a slash path inside fsys (FS), or the URL (HTTP).
	root *url.URL
	// dir is what every external $ref must stay under: the real (symlinks
	// resolved) absolute folder of the spec file; the folder inside fsys
	// ("." for its top); or the URL path of the spec's directory, ending
	// in "/".
	dir string

	// givenDir is the spec file's folder as given, made absolute (file).
	givenDir string

	// reads caches every document read, by URL (fragment dropped), in
	// order, so that a refused $ref can be found again in the document that
	// holds it and named as written.
	reads     map[string][]byte
	readOrder []string

	// allow is Options.AllowRefs; httpClient is Options.HTTPClient.
	allow      []string
	httpClient *http.Client
	// tlsCfg is Options.TLS.
	tlsCfg *tls.Config
	// readHook is Options.readHook.
	readHook func(location string)
}

// newSource classifies location and prepares the policy. It reads nothing.
func newSource(ctx context.Context, location string, opts Options) (*source, error) {
	s := &source{
		kind:     sourceFile,
		location: location,
		ctx:      ctx,
		maxBytes: opts.MaxBytes,
		fsys:     opts.FS,
		reads:    make(map[string][]byte),

		allow:      opts.AllowRefs,
		httpClient: opts.HTTPClient,
		tlsCfg:     opts.TLS,
		readHook:   opts.readHook,
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if strings.TrimSpace(location) == "" {
		return nil, errors.New(`spec: no location given; pass a file path or an http(s) URL`)
	}

	if u, ok := parseURL(location); ok {
		switch u.Scheme {
		case "http", "https":
			if u.Host == "" {
				return nil, errorf(location, 0, nil, "URL has no host")
			}
			s.kind = sourceHTTP
			s.client = opts.HTTPClient
			if s.client == nil {
				s.client = defaultClient(s.tlsCfg)
			}
			u.Fragment, u.RawFragment = "", ""
			if u.Path == "" {
				u.Path = "/"
			}
			s.root = u
			s.dir = urlDir(u.Path)
			return s, nil
		case "file":
			if u.Host != "" && u.Host != "localhost" {
				return nil, errorf(location, 0, nil, "file URL names host %q; give a local path instead", u.Host)
			}
			location = filepath.FromSlash(u.Path)
		default:
			return nil, errorf(location, 0, nil, "unsupported URL scheme %q; give a file path or an http(s) URL", u.Scheme)
		}
	}

	if s.fsys != nil {
		p := path.Clean(strings.TrimPrefix(filepath.ToSlash(location), "./"))
		if !fs.ValidPath(p) || p == "." {
			return nil, errorf(s.location, 0, nil, `not a valid path inside the embedded file system; use a slash-separated path without "..", like "openapi.yaml"`)
		}
		s.kind = sourceFS
		s.root = &url.URL{Path: p}
		s.dir = path.Dir(p)
		return s, nil
	}

	abs, err := filepath.Abs(location)
	if err != nil {
		return nil, errorf(s.location, 0, err, "cannot resolve the path: %v", err)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errorf(s.location, 0, err, "file not found")
		}
		return nil, errorf(s.location, 0, err, "cannot read the file's folder: %v", unwrapPathError(err))
	}
	s.root = &url.URL{Path: filepath.ToSlash(abs)}
	s.dir = dir
	s.givenDir = filepath.Dir(abs)
	return s, nil
}

// parseURL reports location as a URL when it has a scheme of at least two
// letters (so that a Windows drive letter stays a path).
func parseURL(location string) (*url.URL, bool) {
	i := strings.Index(location, "://")
	if i < 2 {
		return nil, false
	}
	u, err := url.Parse(location)
	if err != nil || len(u.Scheme) < 2 {
		return nil, false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, true
}

// urlDir is the directory of a URL path, ending in "/".
func urlDir(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if strings.HasSuffix(p, "/") {
		return p
	}
	d := path.Dir(p)
	if !strings.HasSuffix(d, "/") {
		d += "/"
	}
	return d
}

// defaultClient is the client used without Options.HTTPClient: a 30 s
// timeout, redirects followed only within the same origin, and tlsCfg
// when it is not nil.
func defaultClient(tlsCfg *tls.Config) *http.Client {
	var rt http.RoundTripper // nil: http.DefaultTransport
	if tlsCfg != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = tlsCfg.Clone()
		rt = t
	}
	return &http.Client{
		Transport: rt,
		Timeout:   defaultHTTPTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if first := via[0].URL; !sameOrigin(first, req.URL) {
				return fmt.Errorf("refusing to follow a redirect to another origin (%s)", originOf(req.URL))
			}
			return nil
		},
	}
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

func originOf(u *url.URL) string { return u.Scheme + "://" + u.Host }

// readRoot reads the document itself.
func (s *source) readRoot() ([]byte, error) {
	var (
		data []byte
		err  error
	)
	switch s.kind {
	case sourceHTTP:
		data, err = s.fetch(s.client, s.root)
	case sourceFS:
		data, err = s.readFS(s.root.Path)
	default:
		data, err = s.readFile(filepath.FromSlash(s.root.Path))
	}
	if err != nil {
		var tooBig *tooLargeError
		switch {
		case errors.As(err, &tooBig):
			return nil, errorf(s.location, 0, err, "%v", err)
		case errors.Is(err, fs.ErrNotExist):
			return nil, errorf(s.location, 0, err, "file not found")
		case s.ctx.Err() != nil:
			return nil, errorf(s.location, 0, s.ctx.Err(), "loading interrupted: %v", s.ctx.Err())
		}
		return nil, errorf(s.location, 0, err, "cannot read: %v", err)
	}
	s.remember(s.root, data)
	return data, nil
}

func (s *source) remember(u *url.URL, data []byte) {
	key := u.String()
	if _, ok := s.reads[key]; !ok {
		s.readOrder = append(s.readOrder, key)
	}
	s.reads[key] = data
}

// tooLargeError reports a document over Options.MaxBytes.
type tooLargeError struct{ max int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("document is larger than the %s limit (Options.MaxBytes)", formatBytes(e.max))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}

// readCapped reads r up to the cap, failing when there is more.
func (s *source) readCapped(r io.Reader, size int64) ([]byte, error) {
	if size > s.maxBytes {
		return nil, &tooLargeError{max: s.maxBytes}
	}
	buf := make([]byte, 0, max(size+1, 4096))
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 32<<10)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > s.maxBytes {
			return nil, &tooLargeError{max: s.maxBytes}
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (s *source) readFile(name string) ([]byte, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	return s.readOpen(f)
}

func (s *source) readFS(name string) ([]byte, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	return s.readOpen(f)
}

// readOpen reads and closes an open file.
func (s *source) readOpen(f fs.File) ([]byte, error) {
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if st.IsDir() {
		return nil, errors.New("is a folder, not a file")
	}
	data, err := s.readCapped(f, st.Size())
	return data, unwrapPathError(err)
}

// unwrapPathError drops the *fs.PathError wrapper, whose text repeats a path
// the caller's message already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(pe.Err, fs.ErrNotExist) {
		return fs.ErrNotExist
	}
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// statusError is a non-2xx answer to a fetch.
type statusError struct {
	url    string
	status string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s answered %s", e.url, e.status)
}

func (s *source) fetch(client *http.Client, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("GET %s: %w", u, ue.Err)
		}
		return nil, err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &statusError{url: u.String(), status: resp.Status}
	}
	return s.readCapped(resp.Body, resp.ContentLength)
}

// readRef is the loader's ReadFromURIFunc: it applies the containment policy
// to the location kin-openapi resolved, then reads it.
func (s *source) readRef(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	u = clearFragment(u)
	key := u.String()
	if s.readHook != nil {
		s.readHook(key)
	}
	if data, ok := s.reads[key]; ok {
		return data, nil
	}
	var (
		data []byte
		err  error
	)
	// A URL or file the config allows explicitly (spec_refs) is read as
	// it is; anything else must stay in the spec's own folder or origin.
	var allowedURL *url.URL
	allowedFile := ""
	if s.kind != sourceFS {
		allowedURL = s.allowedURL(u)
	}
	if allowedURL == nil && s.kind == sourceFile {
		allowedFile = s.allowedFile(u)
	}
	switch {
	case allowedURL != nil:
		data, err = s.fetch(s.allowedClient(), allowedURL)
	case allowedFile != "":
		data, err = s.readFile(allowedFile)
	case s.kind == sourceHTTP:
		var target *url.URL
		if target, err = s.allowURL(u); err != nil {
			return nil, err
		}
		data, err = s.fetch(s.refClient(), target)
	case s.kind == sourceFS:
		var name string
		if name, err = s.allowFS(u); err != nil {
			return nil, err
		}
		data, err = s.readFS(name)
	default:
		var name string
		if name, err = s.allowFile(u); err != nil {
			return nil, err
		}
		data, err = s.readFile(name)
	}
	if err == nil {
		// Before kin-openapi decodes it, as for the spec itself.
		err = checkNesting(data)
	}
	if err != nil {
		return nil, &refReadError{target: key, err: err}
	}
	s.remember(u, data)
	return data, nil
}

func clearFragment(u *url.URL) *url.URL {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return &c
}

// The hints of refused $refs: what is wrong and the fixes. spec_refs is the
// config key that fills Options.AllowRefs; it does not apply to a spec read
// from Options.FS.
const (
	hintMove    = "points outside the spec's folder; move the file next to the spec, or allow its folder with spec_refs in authzscan.yaml"
	hintURL     = "is a URL, and a spec read from a file may refer only to files in its own folder or below; download the file next to the spec, or allow its URL prefix with spec_refs in authzscan.yaml"
	hintMoveFS  = "points outside the spec's folder; move the file next to the spec"
	hintURLFold = "points outside the spec's folder %s; copy the file there, or allow its URL prefix with spec_refs in authzscan.yaml"
)

// allowFile admits a local file under the spec's real folder and returns the
// real path to read, so that a symlink cannot swap the target after the
// check.
func (s *source) allowFile(u *url.URL) (string, error) {
	if (u.Scheme != "" && u.Scheme != "file") || u.Host != "" || u.Opaque != "" {
		return "", &refusedError{target: u.String(), hint: hintURL}
	}
	p := filepath.Clean(filepath.FromSlash(u.Path))
	if !filepath.IsAbs(p) {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", &refusedError{target: u.String(), hint: hintMove}
		}
		p = abs
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		// Missing or unreadable: admit it only when its path is inside, so
		// that reading it reports what is wrong with it.
		if within(s.dir, realOrSelf(p)) || within(s.givenDir, p) {
			return p, nil
		}
		return "", &refusedError{target: u.String(), hint: hintMove}
	}
	if !within(s.dir, real) {
		return "", &refusedError{target: u.String(), hint: hintMove}
	}
	return real, nil
}

// realOrSelf resolves the symlinks of p's folder (the spec's own folder may
// be reached through one), keeping p when it cannot.
func realOrSelf(p string) string {
	d, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return p
	}
	return filepath.Join(d, filepath.Base(p))
}

// within reports whether p is dir or below it; both are absolute and clean.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

// allowFS admits a slash path under the spec's folder inside Options.FS,
// following the file system's symlinks when it can report them.
func (s *source) allowFS(u *url.URL) (string, error) {
	refuse := &refusedError{target: u.String(), hint: hintMoveFS}
	if u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return "", refuse
	}
	p := u.Path
	if !fs.ValidPath(p) || !underFSDir(s.dir, p) {
		return "", refuse
	}
	real, err := resolveFSLinks(s.fsys, p)
	if err != nil || !underFSDir(s.dir, real) {
		return "", refuse
	}
	return real, nil
}

func underFSDir(dir, p string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// resolveFSLinks replaces symlinks in p, component by component, when fsys
// can read them (fs.ReadLinkFS; os.DirFS can). A link to an absolute target
// or out of fsys is an error.
func resolveFSLinks(fsys fs.FS, p string) (string, error) {
	rl, ok := fsys.(fs.ReadLinkFS)
	if !ok {
		return p, nil
	}
	parts := strings.Split(p, "/")
	done := ""
	for hops := 0; len(parts) > 0; {
		next := parts[0]
		parts = parts[1:]
		cur := next
		if done != "" {
			cur = done + "/" + next
		}
		fi, err := rl.Lstat(cur)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			done = cur // missing or not a link: reading it will tell
			continue
		}
		if hops++; hops > 40 {
			return "", errors.New("too many symlinks")
		}
		target, err := rl.ReadLink(cur)
		if err != nil || path.IsAbs(target) {
			return "", errors.New("symlink leaves the file system")
		}
		joined := path.Join(path.Dir(cur), target)
		if !fs.ValidPath(joined) {
			return "", errors.New("symlink leaves the file system")
		}
		// Start over on the rewritten path.
		rest := strings.Join(parts, "/")
		if rest != "" {
			joined += "/" + rest
		}
		parts = strings.Split(joined, "/")
		done = ""
	}
	return done, nil
}

// allowURL admits a URL of the spec's scheme and host whose path stays under
// the spec's directory, and returns the URL to fetch, built from the checked
// parts only.
func (s *source) allowURL(u *url.URL) (*url.URL, error) {
	refuse := &refusedError{
		target: u.String(),
		hint:   fmt.Sprintf(hintURLFold, originOf(s.root)+s.dir),
	}
	if !sameOrigin(u, s.root) || u.User != nil || u.Opaque != "" {
		return nil, refuse
	}
	p := u.Path
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	p = path.Clean(p)
	if p != strings.TrimSuffix(s.dir, "/") && !strings.HasPrefix(p, s.dir) {
		return nil, refuse
	}
	return &url.URL{Scheme: s.root.Scheme, Host: s.root.Host, Path: p, RawQuery: u.RawQuery}, nil
}

// refClient is the client for external $refs: the spec's client, with every
// redirect checked against the containment policy as well.
func (s *source) refClient() *http.Client {
	c := *s.client
	orig := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if _, err := s.allowURL(req.URL); err != nil {
			return err
		}
		if orig != nil {
			return orig(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// allowedURL returns u when an http(s) URL prefix of Options.AllowRefs
// admits it (same scheme and host, path at or under the prefix's), nil
// otherwise.
func (s *source) allowedURL(u *url.URL) *url.URL {
	if (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Opaque != "" {
		return nil
	}
	p := path.Clean("/" + strings.TrimPrefix(u.Path, "/"))
	for _, a := range s.allow {
		pu, err := url.Parse(a)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || !sameOrigin(u, pu) {
			continue
		}
		prefix := path.Clean("/" + strings.TrimPrefix(pu.Path, "/"))
		if p == prefix || strings.HasPrefix(p, strings.TrimSuffix(prefix, "/")+"/") {
			return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: p, RawQuery: u.RawQuery}
		}
	}
	return nil
}

// allowedFile returns the real path of a local file that a folder of
// Options.AllowRefs admits, "" otherwise.
func (s *source) allowedFile(u *url.URL) string {
	if (u.Scheme != "" && u.Scheme != "file") || u.Host != "" || u.Opaque != "" {
		return ""
	}
	p := filepath.Clean(filepath.FromSlash(u.Path))
	if !filepath.IsAbs(p) {
		return ""
	}
	real, err := filepath.EvalSymlinks(p)
	missing := err != nil
	if missing {
		// Missing or unreadable: admitted when its path is inside, so that
		// reading it reports what is wrong with it.
		real = realOrSelf(p)
	}
	for _, a := range s.allow {
		if strings.Contains(a, "://") || !filepath.IsAbs(a) {
			continue
		}
		dir, err := filepath.EvalSymlinks(filepath.Clean(a))
		if err == nil && within(dir, real) {
			if missing {
				return p
			}
			return real
		}
	}
	return ""
}

// allowedClient fetches allowed URLs; redirects must stay allowed.
func (s *source) allowedClient() *http.Client {
	base := s.client
	if base == nil {
		base = s.httpClient
	}
	if base == nil {
		base = defaultClient(s.tlsCfg)
	}
	c := *base
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if s.allowedURL(req.URL) == nil {
			return fmt.Errorf("redirect to %s, which spec_refs does not allow", req.URL)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}
