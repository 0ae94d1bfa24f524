package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

// ---- test client ------------------------------------------------------------

// who says how a request authenticates.
type who int

const (
	asAnonymous who = iota
	asAlice
	asBob // logs in through POST /login
	asSupport
	asAdmin
)

func (w who) String() string {
	return [...]string{"anonymous", "alice", "bob", "support", "admin"}[w]
}

// client talks to one demo server as any of the profiles. It never follows
// redirects.
type client struct {
	t    testing.TB
	base string
	http *http.Client

	mu       sync.Mutex
	bobToken string
}

func newClient(t testing.TB, base string) *client {
	return &client{t: t, base: base, http: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func newTestServer(t testing.TB) *client {
	t.Helper()
	ts := httptest.NewServer(NewHandler())
	t.Cleanup(ts.Close)
	return newClient(t, ts.URL)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
}

// login signs bob in and returns the token.
func (c *client) login(username, password string) (response, string) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	res := c.raw("POST", "/login", asAnonymous, "application/json", body)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if res.status == http.StatusOK {
		res.json(c.t, &tok)
	}
	return res, tok.AccessToken
}

func (c *client) bob() string {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bobToken == "" {
		res, tok := c.login("bob", Env()["DEMO_BOB_PASSWORD"])
		if res.status != http.StatusOK || tok == "" {
			c.t.Fatalf("bob's login: %d %s", res.status, res.body)
		}
		c.bobToken = tok
	}
	return c.bobToken
}

func (c *client) authorize(req *http.Request, as who) {
	env := Env()
	switch as {
	case asAlice:
		req.Header.Set("Authorization", "Bearer "+env["DEMO_ALICE_TOKEN"])
	case asBob:
		req.Header.Set("Authorization", "Bearer "+c.bob())
	case asSupport:
		req.Header.Set("X-Api-Key", env["DEMO_SUPPORT_KEY"])
	case asAdmin:
		req.SetBasicAuth("admin", env["DEMO_ADMIN_PASSWORD"])
	}
}

func (c *client) raw(method, path string, as who, contentType string, body []byte) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c.authorize(req, as)
	return c.do(req)
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (c *client) get(path string, as who) response {
	c.t.Helper()
	return c.raw("GET", path, as, "", nil)
}

func (c *client) postJSON(path string, as who, v any) response {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.raw("POST", path, as, "application/json", b)
}

// ---- seeded behaviour, request by request ----------------------------------

var denyBody = regexp.MustCompile(`"error":\s*"forbidden"`)
var loginRedirect = regexp.MustCompile(`(?i)/(log-?in|sign-?in|log-?on)\b`)

// expectation of one direct request.
type want struct {
	status int
	// challenge: "yes" a WWW-Authenticate header is required, "no" it must
	// be absent, "" no check.
	challenge string
	softDeny  bool   // the body matches deny.body
	location  string // exact Location, "" none expected
	contains  string // the body contains this
}

func (w want) check(t *testing.T, what string, res response) {
	t.Helper()
	if res.status != w.status {
		t.Errorf("%s: status %d, want %d; body %s", what, res.status, w.status, res.body)
	}
	hasChallenge := res.header.Get("WWW-Authenticate") != ""
	switch w.challenge {
	case "yes":
		if !hasChallenge {
			t.Errorf("%s: no WWW-Authenticate header", what)
		}
	case "no":
		if hasChallenge {
			t.Errorf("%s: WWW-Authenticate %q, want none", what, res.header.Get("WWW-Authenticate"))
		}
	}
	if got := denyBody.Match(res.body); got != w.softDeny {
		t.Errorf("%s: body matches deny.body = %v, want %v; body %s", what, got, w.softDeny, res.body)
	}
	if got := res.header.Get("Location"); got != w.location {
		t.Errorf("%s: Location %q, want %q", what, got, w.location)
	}
	if w.contains != "" && !bytes.Contains(res.body, []byte(w.contains)) {
		t.Errorf("%s: body lacks %q: %s", what, w.contains, res.body)
	}
}

func TestSeededFlaws(t *testing.T) {
	c := newTestServer(t)
	ok := want{status: 200}
	payFrom := func(account int) map[string]any {
		return map[string]any{"accountId": account, "amount": 25, "payee": "DE89370400440532013000"}
	}
	cases := []struct {
		name string
		do   func() response
		want want
	}{
		// 1. BOLA through a path parameter.
		{"BOLA path: alice reads bob's order", func() response { return c.get("/orders/201", asAlice) },
			want{status: 200, contains: `"userId":2`}},
		{"BOLA path: bob reads alice's order", func() response { return c.get("/orders/101", asBob) },
			want{status: 200, contains: `"userId":1`}},
		// 2. BOLA through a query parameter.
		{"BOLA query: alice reads bob's statements", func() response { return c.get("/statements?accountId=2001", asAlice) },
			want{status: 200, contains: `"accountId":2001`}},
		{"BOLA query: bob reads alice's statements", func() response { return c.get("/statements?accountId=1001", asBob) },
			want{status: 200, contains: `"accountId":1001`}},
		// 3. BOLA through a JSON body property.
		{"BOLA body: alice pays from bob's account", func() response { return c.postJSON("/payments", asAlice, payFrom(2001)) },
			want{status: 201, contains: `"accountId":2001`}},
		{"BOLA body: bob pays from alice's account", func() response { return c.postJSON("/payments", asBob, payFrom(1001)) },
			want{status: 201, contains: `"accountId":1001`}},
		// 4. BFLA: customers use the support console.
		{"BFLA: alice lists customers", func() response { return c.get("/support/customers", asAlice) },
			want{status: 200, contains: `"email":"bob@example.com"`}},
		{"BFLA: bob lists customers", func() response { return c.get("/support/customers", asBob) },
			want{status: 200, contains: `"email":"alice@example.com"`}},
		// 5. Unauthenticated access.
		{"unauthenticated: anonymous lists coupons", func() response { return c.get("/coupons", asAnonymous) },
			want{status: 200, contains: "MEMBERS15"}},
		// 6. Lockout of staff.
		{"lockout: support lists all orders", func() response { return c.get("/support/orders", asSupport) },
			want{status: 403, challenge: "no"}},
		{"lockout op still works for admin", func() response { return c.get("/support/orders", asAdmin) }, ok},
		// 7. 401 to an identified caller (the API key is ignored here).
		{"401 to support on settings", func() response { return c.get("/admin/settings", asSupport) },
			want{status: 401, challenge: "yes"}},
		// 8. 401 without WWW-Authenticate.
		{"401 without challenge on GET /orders", func() response { return c.get("/orders", asAnonymous) },
			want{status: 401, challenge: "no"}},
		// 9. 403 to the unauthenticated caller.
		{"403 to anonymous on GET /accounts", func() response { return c.get("/accounts", asAnonymous) },
			want{status: 403, challenge: "no"}},
	}
	for _, tc := range cases {
		tc.want.check(t, tc.name, tc.do())
	}
}

func TestDenialStyles(t *testing.T) {
	c := newTestServer(t)
	anon := want{status: 401, challenge: "yes"}
	forbidden := want{status: 403, challenge: "no"}
	notFound := want{status: 404, challenge: "no"}
	soft := want{status: 200, challenge: "no", softDeny: true}
	redirect := want{status: 302, challenge: "no", location: "/login?next=%2Fadmin%2Fexport"}
	ok := want{status: 200}
	cases := []struct {
		method, path string
		as           who
		want         want
	}{
		// 401 + challenge for the anonymous caller, everywhere but the
		// seeded status-code cases and the unauthenticated flaw.
		{"GET", "/users/me", asAnonymous, anon},
		{"GET", "/users/1", asAnonymous, anon},
		{"GET", "/orders/101", asAnonymous, anon},
		{"DELETE", "/orders/101", asAnonymous, anon},
		{"GET", "/accounts/1001", asAnonymous, anon},
		{"GET", "/statements?accountId=1001", asAnonymous, anon},
		{"GET", "/support/customers", asAnonymous, anon},
		{"GET", "/support/orders", asAnonymous, anon},
		{"GET", "/admin/settings", asAnonymous, anon},
		{"GET", "/admin/export", asAnonymous, anon},

		// 403.
		{"GET", "/support/orders", asAlice, forbidden},
		{"GET", "/admin/settings", asBob, forbidden},
		{"DELETE", "/orders/201", asAlice, forbidden},
		{"DELETE", "/orders/101", asSupport, forbidden},
		{"DELETE", "/orders/201", asAdmin, forbidden},

		// 404 on a foreign object; the owner (and staff) get it.
		{"GET", "/users/2", asAlice, notFound},
		{"GET", "/users/1", asBob, notFound},
		{"GET", "/users/1", asAlice, ok},
		{"GET", "/users/2", asBob, ok},
		{"GET", "/users/2", asSupport, ok},
		{"GET", "/users/1", asAdmin, ok},
		{"GET", "/users/99", asAdmin, notFound},

		// 200 with {"error": "forbidden"} on a foreign account.
		{"GET", "/accounts/2001", asAlice, soft},
		{"GET", "/accounts/1001", asBob, soft},
		{"GET", "/accounts/1001", asAlice, ok},
		{"GET", "/accounts/2001", asSupport, ok},

		// 302 to the sign-in page for signed-in non-admins.
		{"GET", "/admin/export", asAlice, redirect},
		{"GET", "/admin/export", asBob, redirect},
		{"GET", "/admin/export", asSupport, redirect},
		{"GET", "/admin/export", asAdmin, want{status: 200, contains: "orderId,userId"}},
	}
	for _, tc := range cases {
		tc.want.check(t, tc.method+" "+tc.path+" as "+tc.as.String(), c.raw(tc.method, tc.path, tc.as, "", nil))
	}
	if loc := c.get("/admin/export", asAlice).header.Get("Location"); !loginRedirect.MatchString(loc) {
		t.Errorf("Location %q does not match the default deny.redirect", loc)
	}
	if res := c.get("/login", asAnonymous); res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /login: %d %s, want the sign-in page", res.status, res.header.Get("Content-Type"))
	}
}

func TestPublicOperations(t *testing.T) {
	c := newTestServer(t)
	for _, path := range []string{"/health", "/products", "/products/1", "/products?category=books"} {
		for as := asAnonymous; as <= asAdmin; as++ {
			if res := c.get(path, as); res.status != 200 {
				t.Errorf("GET %s as %s: %d, want 200", path, as, res.status)
			}
		}
	}
	// Public operations ignore credentials, even bad ones.
	req, _ := http.NewRequest("GET", c.base+"/products/1", nil)
	req.Header.Set("Authorization", "Bearer nonsense")
	if res := c.do(req); res.status != 200 {
		t.Errorf("GET /products/1 with a bad token: %d, want 200", res.status)
	}
	if res := c.get("/products/42", asAnonymous); res.status != 404 {
		t.Errorf("GET /products/42: %d, want 404", res.status)
	}
	var books []map[string]any
	c.get("/products?category=books", asAnonymous).json(t, &books)
	if len(books) != 1 {
		t.Errorf("category=books: %d products, want 1", len(books))
	}
}

func TestUsersMe(t *testing.T) {
	c := newTestServer(t)
	for as, name := range map[who]string{asAlice: "alice", asBob: "bob", asSupport: "support", asAdmin: "admin"} {
		var u struct {
			Username string `json:"username"`
			Role     string `json:"role"`
		}
		res := c.get("/users/me", as)
		if res.status != 200 {
			t.Fatalf("GET /users/me as %s: %d", as, res.status)
		}
		res.json(t, &u)
		if u.Username != name {
			t.Errorf("GET /users/me as %s: user %q", as, u.Username)
		}
	}
}

func TestOwnersGetTheirOwnObjects(t *testing.T) {
	c := newTestServer(t)
	for _, tc := range []struct {
		path string
		as   who
	}{
		{"/orders/101", asAlice}, {"/orders/201", asBob},
		{"/statements?accountId=1001", asAlice}, {"/statements?accountId=2001", asBob},
		{"/orders", asAlice}, {"/accounts", asBob},
	} {
		if res := c.get(tc.path, tc.as); res.status != 200 {
			t.Errorf("GET %s as %s: %d, want 200", tc.path, tc.as, res.status)
		}
	}
	var orders []struct {
		OrderID int `json:"orderId"`
	}
	c.get("/orders", asBob).json(t, &orders)
	if len(orders) != 1 || orders[0].OrderID != 201 {
		t.Errorf("bob's orders: %+v, want only 201", orders)
	}
	var accounts []map[string]any
	c.get("/accounts", asSupport).json(t, &accounts)
	if len(accounts) != 0 {
		t.Errorf("support's accounts: %v, want none", accounts)
	}
}

func TestPaymentsAndStaff(t *testing.T) {
	c := newTestServer(t)
	pay := map[string]any{"accountId": 1001, "amount": 25, "payee": "DE89370400440532013000"}
	if res := c.postJSON("/payments", asAlice, pay); res.status != 201 {
		t.Errorf("alice pays from her account: %d %s", res.status, res.body)
	}
	for _, as := range []who{asSupport, asAdmin} {
		if res := c.postJSON("/payments", as, pay); res.status != 403 {
			t.Errorf("%s pays: %d, want 403", as, res.status)
		}
	}
	if res := c.postJSON("/payments", asAnonymous, pay); res.status != 401 || res.header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous pays: %d, want 401 with a challenge", res.status)
	}
	// Strict typing: an accountId sent as a string is a bad request, so a
	// scanner that fails to type owned values gets 400 here, not a payment.
	if res := c.postJSON("/payments", asBob, map[string]any{"accountId": "2001", "amount": 1.5, "payee": "X"}); res.status != 400 {
		t.Errorf("accountId as a string: %d %s, want 400", res.status, res.body)
	}
	for body, status := range map[string]int{
		`{`: 400,
		`{"accountId": 2001, "amount": 0, "payee": "X"}`:                    422,
		`{"accountId": 2001, "amount": 5}`:                                  422,
		`{"accountId": 2001, "amount": 5, "payee": "X", "currency": "USD"}`: 422,
		`{"accountId": 9999, "amount": 5, "payee": "X"}`:                    404,
	} {
		if res := c.raw("POST", "/payments", asBob, "application/json", []byte(body)); res.status != status {
			t.Errorf("POST /payments %s: %d, want %d", body, res.status, status)
		}
	}
	// No balance check: the same payment succeeds however often it runs.
	for range 3 {
		if res := c.postJSON("/payments", asBob, map[string]any{"accountId": 2001, "amount": 10000, "payee": "X"}); res.status != 201 {
			t.Fatalf("repeated payment: %d", res.status)
		}
	}
}

func TestCancelOrderIsIdempotent(t *testing.T) {
	c := newTestServer(t)
	for range 2 {
		if res := c.raw("DELETE", "/orders/101", asAlice, "", nil); res.status != 204 {
			t.Fatalf("alice cancels 101: %d %s", res.status, res.body)
		}
	}
	var o struct {
		Status string `json:"status"`
	}
	res := c.get("/orders/101", asAlice)
	res.json(t, &o)
	if res.status != 200 || o.Status != "cancelled" {
		t.Errorf("after cancelling: %d %q", res.status, o.Status)
	}
	if res := c.raw("DELETE", "/orders/101", asBob, "", nil); res.status != 403 {
		t.Errorf("bob cancels alice's cancelled order: %d, want 403", res.status)
	}
	if res := c.raw("DELETE", "/orders/999", asBob, "", nil); res.status != 404 {
		t.Errorf("cancel a missing order: %d, want 404", res.status)
	}
}

// TestPlaceOrder: a customer places an order for themselves and gets it
// back with an id the server chose and its Location; the order is theirs
// (listed, readable, cancellable by them alone). Nobody else places one.
func TestPlaceOrder(t *testing.T) {
	c := newTestServer(t)
	type placed struct {
		OrderID         int64  `json:"orderId"`
		UserID          int64  `json:"userId"`
		Status          string `json:"status"`
		ShippingAddress string `json:"shippingAddress"`
		Items           []struct {
			ProductID int64   `json:"productId"`
			Quantity  int     `json:"quantity"`
			UnitPrice float64 `json:"unitPrice"`
		} `json:"items"`
		Total float64 `json:"total"`
	}
	var ids []int64
	for _, tc := range []struct {
		as     who
		userID int64
		body   map[string]any
		total  float64
	}{
		{asAlice, 1, map[string]any{"productId": 3, "quantity": 2}, 39.98},
		{asBob, 2, map[string]any{"productId": 1, "quantity": 1}, 39.9},
		// The body cannot name another owner: the order is the caller's.
		{asBob, 2, map[string]any{"productId": 2, "quantity": 3, "userId": 1}, 73.5},
	} {
		res := c.postJSON("/orders", tc.as, tc.body)
		var o placed
		res.json(t, &o)
		if res.status != 201 || o.UserID != tc.userID || o.Status != "processing" || o.Total != tc.total || len(o.Items) != 1 || o.ShippingAddress == "" {
			t.Fatalf("%s places %v: %d %s", tc.as, tc.body, res.status, res.body)
		}
		if loc := res.header.Get("Location"); loc != fmt.Sprintf("/orders/%d", o.OrderID) {
			t.Errorf("Location %q for order %d", loc, o.OrderID)
		}
		if o.OrderID < firstOrderMin {
			t.Errorf("new order id %d is among the seeded ones", o.OrderID)
		}
		ids = append(ids, o.OrderID)
		if got := c.get(fmt.Sprintf("/orders/%d", o.OrderID), tc.as); got.status != 200 || !bytes.Contains(got.body, []byte(`"status":"processing"`)) {
			t.Errorf("the owner reads order %d: %d %s", o.OrderID, got.status, got.body)
		}
		var mine []placed
		c.get("/orders", tc.as).json(t, &mine)
		if len(mine) == 0 || mine[0].OrderID != o.OrderID {
			t.Errorf("%s's orders, newest first: %+v; want %d first", tc.as, mine, o.OrderID)
		}
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Errorf("order ids %v repeat", ids)
	}
	path := fmt.Sprintf("/orders/%d", ids[0])
	if res := c.raw("DELETE", path, asBob, "", nil); res.status != 403 {
		t.Errorf("bob cancels alice's new order: %d, want 403", res.status)
	}
	if res := c.raw("DELETE", path, asAlice, "", nil); res.status != 204 {
		t.Errorf("alice cancels her new order: %d, want 204", res.status)
	}

	ok := map[string]any{"productId": 1, "quantity": 1}
	for _, tc := range []struct {
		what string
		as   who
		body any
		want want
	}{
		{"anonymous", asAnonymous, ok, want{status: 401, challenge: "yes"}},
		{"support", asSupport, ok, want{status: 403, contains: `"access_denied"`}},
		{"admin", asAdmin, ok, want{status: 403, contains: `"access_denied"`}},
		{"no such product", asAlice, map[string]any{"productId": 99, "quantity": 1}, want{status: 422}},
		{"quantity 0", asAlice, map[string]any{"productId": 1, "quantity": 0}, want{status: 422}},
		{"quantity too large", asAlice, map[string]any{"productId": 1, "quantity": maxQuantity + 1}, want{status: 422}},
		{"productId as a string", asAlice, map[string]any{"productId": "1", "quantity": 1}, want{status: 400}},
	} {
		tc.want.check(t, "POST /orders "+tc.what, c.postJSON("/orders", tc.as, tc.body))
	}
	if res := c.raw("POST", "/orders", asAlice, "application/json", []byte("{")); res.status != 400 {
		t.Errorf("malformed body: %d, want 400", res.status)
	}
}

// TestOrderIDsAreNotPredictable: each server hands out order ids from its
// own random start, so a config cannot write one down.
func TestOrderIDsAreNotPredictable(t *testing.T) {
	first := map[int64]bool{}
	for range 3 {
		c := newTestServer(t)
		var o struct {
			OrderID int64 `json:"orderId"`
		}
		c.postJSON("/orders", asAlice, map[string]any{"productId": 1, "quantity": 1}).json(t, &o)
		if o.OrderID < firstOrderMin || o.OrderID >= firstOrderMin+firstOrderSpan {
			t.Errorf("first order id %d is outside [%d, %d)", o.OrderID, firstOrderMin, firstOrderMin+firstOrderSpan)
		}
		first[o.OrderID] = true
	}
	if len(first) == 1 {
		t.Errorf("three servers started their order ids at the same %v", first)
	}
}

func TestBadRequests(t *testing.T) {
	c := newTestServer(t)
	for _, path := range []string{"/orders/abc", "/users/0", "/accounts/-1", "/statements", "/statements?accountId=x"} {
		if res := c.get(path, asAdmin); res.status != 400 {
			t.Errorf("GET %s: %d, want 400", path, res.status)
		}
	}
	// Authentication comes before parameter checks.
	if res := c.get("/orders/abc", asAnonymous); res.status != 401 {
		t.Errorf("GET /orders/abc as anonymous: %d, want 401", res.status)
	}
}

// ---- login and credentials --------------------------------------------------

func TestLogin(t *testing.T) {
	c := newTestServer(t)
	env := Env()

	res, tok := c.login("bob", env["DEMO_BOB_PASSWORD"])
	if res.status != 200 || tok == "" {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	var body map[string]any
	res.json(t, &body)
	if body["token_type"] != "Bearer" {
		t.Errorf("token_type %v, want Bearer", body["token_type"])
	}
	_, tok2 := c.login("bob", env["DEMO_BOB_PASSWORD"])
	if tok2 == tok {
		t.Error("two logins gave the same token; tokens must be random")
	}
	if strings.Contains(tok, env["DEMO_BOB_PASSWORD"]) {
		t.Error("the token contains the password")
	}
	for _, tk := range []string{tok, tok2} {
		req, _ := http.NewRequest("GET", c.base+"/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+tk)
		var me struct {
			Username string `json:"username"`
		}
		r := c.do(req)
		r.json(t, &me)
		if r.status != 200 || me.Username != "bob" {
			t.Errorf("GET /users/me with a login token: %d %q", r.status, me.Username)
		}
	}

	// The admin can log in too; alice and support cannot (token, API key).
	if res, _ := c.login("admin", env["DEMO_ADMIN_PASSWORD"]); res.status != 200 {
		t.Errorf("admin login: %d", res.status)
	}
	for _, tc := range []struct{ user, pass string }{
		{"bob", "wrong"}, {"bob", env["DEMO_ADMIN_PASSWORD"]}, {"nobody", "x"},
		{"alice", env["DEMO_ALICE_TOKEN"]}, {"support", env["DEMO_SUPPORT_KEY"]},
	} {
		res, tok := c.login(tc.user, tc.pass)
		if res.status != 401 || tok != "" {
			t.Errorf("login %s/%s: %d, want 401", tc.user, tc.pass, res.status)
		}
		if res.header.Get("WWW-Authenticate") == "" {
			t.Errorf("login %s: 401 without WWW-Authenticate", tc.user)
		}
	}
	for _, body := range []string{`nonsense`, `{}`, `{"username":"bob"}`} {
		if res := c.raw("POST", "/login", asAnonymous, "application/json", []byte(body)); res.status != 400 {
			t.Errorf("login with %s: %d, want 400", body, res.status)
		}
	}

	// A form login works too.
	form := url.Values{"username": {"bob"}, "password": {env["DEMO_BOB_PASSWORD"]}}
	if res := c.raw("POST", "/login", asAnonymous, "application/x-www-form-urlencoded", []byte(form.Encode())); res.status != 200 {
		t.Errorf("form login: %d %s", res.status, res.body)
	}
}

func TestTokensDoNotCrossServers(t *testing.T) {
	a, b := newTestServer(t), newTestServer(t)
	tok := a.bob()
	req, _ := http.NewRequest("GET", b.base+"/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res := b.do(req)
	if res.status != 401 || !strings.Contains(res.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("another server's token: %d %q, want 401 invalid_token", res.status, res.header.Get("WWW-Authenticate"))
	}
	// The static credentials work on every instance.
	for _, as := range []who{asAlice, asSupport, asAdmin} {
		if res := b.get("/users/me", as); res.status != 200 {
			t.Errorf("%s on a second server: %d", as, res.status)
		}
	}
}

func TestBadCredentials(t *testing.T) {
	c := newTestServer(t)
	for name, set := range map[string]func(*http.Request){
		"bad bearer":   func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") },
		"empty bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer ") },
		"bad basic":    func(r *http.Request) { r.SetBasicAuth("admin", "nope") },
		"bad api key":  func(r *http.Request) { r.Header.Set("X-Api-Key", "nope") },
		"odd scheme":   func(r *http.Request) { r.Header.Set("Authorization", "Digest x") },
	} {
		req, _ := http.NewRequest("GET", c.base+"/users/me", nil)
		set(req)
		res := c.do(req)
		if res.status != 401 || res.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %q, want 401 with a challenge", name, res.status, res.header.Get("WWW-Authenticate"))
		}
	}
}

// ---- files ------------------------------------------------------------------

func TestSpecValidates(t *testing.T) {
	data, err := fs.ReadFile(Files, SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	ids := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
			if ids[op.OperationID] {
				t.Errorf("operationId %q is used twice", op.OperationID)
			}
			ids[op.OperationID] = true
			if len(op.Tags) == 0 {
				t.Errorf("%s %s has no tag", method, path)
			}
		}
	}
	if n := len(ids); n < 12 || n > 20 {
		t.Errorf("%d operations, want 12 to 20", n)
	}
}

// demoConfig is the bundled config, as the test reads it.
type demoConfig struct {
	Spec     string         `yaml:"spec"`
	Target   string         `yaml:"target"`
	Profiles yaml.Node      `yaml:"profiles"`
	Vars     map[string]any `yaml:"vars"`
	Policy   []struct {
		Match string    `yaml:"match"`
		Allow yaml.Node `yaml:"allow"`
	} `yaml:"policy"`
	Deny struct {
		Body     string `yaml:"body"`
		Redirect string `yaml:"redirect"`
	} `yaml:"deny"`
	Scan struct {
		Rate        float64  `yaml:"rate"`
		Burst       int      `yaml:"burst"`
		Concurrency int      `yaml:"concurrency"`
		Timeout     string   `yaml:"timeout"`
		Unsafe      bool     `yaml:"unsafe"`
		Exclude     []string `yaml:"exclude"`
		Fresh       []string `yaml:"fresh"`
		Cleanup     *bool    `yaml:"cleanup"`
	} `yaml:"scan"`
}

// modelStep is a profile's set-up or teardown step, as the test reads it.
type modelStep struct {
	Request string         `yaml:"request"`
	JSON    map[string]any `yaml:"json"`
	Expect  []int          `yaml:"expect"`
	// Capture maps a name to a JSONPath ("$.orderId") or to
	// {header: NAME, regex: RE}.
	Capture map[string]any `yaml:"capture"`
}

type demoProfile struct {
	Role string `yaml:"role"`
	Auth struct {
		Bearer string `yaml:"bearer"`
		Basic  *struct {
			Username string `yaml:"username"`
			Password string `yaml:"password"`
		} `yaml:"basic"`
		Header map[string]string `yaml:"header"`
		Login  *struct {
			Request string         `yaml:"request"`
			JSON    map[string]any `yaml:"json"`
			Token   string         `yaml:"token"`
		} `yaml:"login"`
	} `yaml:"auth"`
	Owns     map[string]any `yaml:"owns"`
	Setup    []modelStep    `yaml:"setup"`
	Teardown []modelStep    `yaml:"teardown"`
}

type namedProfile struct {
	name string
	demoProfile
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// loadConfig reads the bundled config with every ${VAR} replaced from Env.
func loadConfig(t testing.TB) (demoConfig, []namedProfile) {
	t.Helper()
	raw, err := fs.ReadFile(Files, ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	env := Env()
	var missing []string
	data := envRef.ReplaceAllFunc(raw, func(m []byte) []byte {
		name := string(envRef.FindSubmatch(m)[1])
		v, ok := env[name]
		if !ok {
			missing = append(missing, name)
		}
		return []byte(v)
	})
	if len(missing) > 0 {
		t.Fatalf("the config uses variables Env() lacks: %v", missing)
	}
	var cfg demoConfig
	if err := yaml.Load(data, &cfg, yaml.WithKnownFields()); err != nil {
		t.Fatalf("the config does not parse: %v", err)
	}
	if cfg.Profiles.Kind != yaml.MappingNode {
		t.Fatalf("profiles is not a mapping")
	}
	var profiles []namedProfile
	for i := 0; i+1 < len(cfg.Profiles.Content); i += 2 {
		p := namedProfile{name: cfg.Profiles.Content[i].Value}
		if err := cfg.Profiles.Content[i+1].Load(&p.demoProfile, yaml.WithKnownFields()); err != nil {
			t.Fatalf("profile %s: %v", p.name, err)
		}
		if p.Role == "" {
			p.Role = p.name
		}
		profiles = append(profiles, p)
	}
	return cfg, profiles
}

func TestConfig(t *testing.T) {
	raw, err := fs.ReadFile(Files, ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range envRef.FindAllSubmatch(raw, -1) {
		used[string(m[1])] = true
	}
	env := Env()
	for name := range used {
		if env[name] == "" {
			t.Errorf("the config uses ${%s}, which Env() does not give", name)
		}
	}
	for name := range env {
		if !used[name] {
			t.Errorf("Env() gives %s, which the config never uses", name)
		}
	}

	cfg, profiles := loadConfig(t)
	if _, err := fs.Stat(Files, cfg.Spec); err != nil || cfg.Spec != SpecFile {
		t.Errorf("spec %q is not the embedded %s: %v", cfg.Spec, SpecFile, err)
	}
	if cfg.Target != "http://127.0.0.1:8080" {
		t.Errorf("target %q", cfg.Target)
	}
	var names, roles []string
	for _, p := range profiles {
		names = append(names, p.name)
		roles = append(roles, p.Role)
	}
	if want := []string{"anonymous", "alice", "bob", "support", "admin"}; !slices.Equal(names, want) {
		t.Errorf("profiles %v, want %v", names, want)
	}
	if want := []string{"anonymous", "user", "user", "staff", "admin"}; !slices.Equal(roles, want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
	if l := profiles[2].Auth.Login; l == nil || l.Request != "POST /login" || l.Token != "$.access_token" {
		t.Errorf("bob's login: %+v", l)
	}
	// alice's and bob's orders come from their set-up steps, the rest of
	// their objects are static: the file shows both.
	for _, p := range profiles[1:3] {
		if _, static := p.Owns["orderId"]; static {
			t.Errorf("%s's orderId is static; it must come from a set-up step", p.name)
		}
		if p.Owns["userId"] == nil || p.Owns["accountId"] == nil {
			t.Errorf("%s's static owns %v lack userId or accountId", p.name, p.Owns)
		}
		if len(p.Setup) != 1 || p.Setup[0].Request != "POST /orders" || p.Setup[0].Capture["orderId"] == nil {
			t.Errorf("%s's set-up %+v: want POST /orders capturing orderId", p.name, p.Setup)
		}
		if len(p.Teardown) != 1 || p.Teardown[0].Request != "DELETE /orders/{orderId}" {
			t.Errorf("%s's teardown %+v: want DELETE /orders/{orderId}", p.name, p.Teardown)
		}
	}
	if cfg.Deny.Body == "" || !regexp.MustCompile(cfg.Deny.Body).MatchString(`{"error": "forbidden"}`) {
		t.Errorf("deny.body %q does not match the soft denial", cfg.Deny.Body)
	}
	if cfg.Deny.Redirect != "" {
		t.Errorf("deny.redirect is set; the demo relies on the default")
	}
	s := cfg.Scan
	if s.Rate != 50 || s.Burst != 5 || s.Concurrency != 4 || s.Timeout != "5s" || !s.Unsafe ||
		!slices.Equal(s.Exclude, []string{"POST /login"}) {
		t.Errorf("scan settings %+v", s)
	}
	if len(cfg.Policy) == 0 {
		t.Error("no policy")
	}
}

// ---- Start -------------------------------------------------------------------

func TestStart(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Scheme != "http" || u.Path != "" || strings.HasSuffix(s.URL, "/") {
		t.Fatalf("URL %q", s.URL)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("URL %q is not 127.0.0.1 on a chosen port", s.URL)
	}
	c := newClient(t, s.URL)
	if res := c.get("/health", asAnonymous); res.status != 200 {
		t.Errorf("GET /health: %d", res.status)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := (&http.Client{Timeout: 2 * time.Second}).Get(s.URL + "/health"); err == nil {
		t.Error("the server still answers after Close")
	}

	// Each Start is a fresh server on its own port.
	s1, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s1.URL == s2.URL {
		t.Errorf("two servers share %s", s1.URL)
	}
}
