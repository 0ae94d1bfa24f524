package fixturetest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestEmptyAtStart: a fresh server has the seeded admin and nothing else:
// alice and bob cannot log in before they register, and no order exists.
func TestEmptyAtStart(t *testing.T) {
	s := startServer(t)
	for _, name := range []string{"alice", "bob"} {
		a := callJSON(t, s, "", "POST", "/api/login", map[string]any{"username": name, "password": s.Password(name)})
		if a.status != 401 || a.errText != "invalid username or password" {
			t.Errorf("%s logging in before registering: %d %s, want 401", name, a.status, a.body)
		}
	}
	admin := login(t, s, "admin", s.Password("admin"))
	if a := callJSON(t, s, admin, "GET", "/api/users/me", nil); a.status != 200 || a.str("username") != "admin" || a.str("role") != "admin" || !uuidRE.MatchString(a.str("id")) {
		t.Errorf("admin's /api/users/me: %d %s", a.status, a.body)
	}
	if a := callJSON(t, s, admin, "GET", "/api/admin/orders", nil); a.status != 200 || strings.TrimSpace(string(a.body)) != `{"orders":[]}` {
		t.Errorf("every order of a fresh server: %d %s, want none", a.status, a.body)
	}
	if c := s.Objects(); c.Orders+c.Items+c.OrdersCreated+c.ItemsCreated != 0 || len(c.ByUser) != 0 || len(c.Live) != 0 {
		t.Errorf("a fresh server's objects: %+v", c)
	}
}

// TestRegisterAndLogin: registering answers 201 with a UUID, then 409 for
// the same name; a login needs the registered password and gives a new
// token each time, every one valid.
func TestRegisterAndLogin(t *testing.T) {
	s := startServer(t)
	pw := s.Password("alice")
	a := callJSON(t, s, "", "POST", "/api/users/register", map[string]any{"username": "alice", "password": pw})
	if a.status != 201 || a.str("username") != "alice" || !uuidRE.MatchString(a.str("id")) {
		t.Fatalf("register alice: %d %s, want 201 with a UUID", a.status, a.body)
	}
	id := a.str("id")
	for _, again := range []map[string]any{
		{"username": "alice", "password": pw},
		{"username": "alice", "password": "another-passw0rd"},
		{"username": "admin", "password": "another-passw0rd"},
	} {
		if a := callJSON(t, s, "", "POST", "/api/users/register", again); a.status != 409 || a.errText != "username taken" {
			t.Errorf("register %v again: %d %s, want 409 username taken", again["username"], a.status, a.body)
		}
	}
	if a := callJSON(t, s, "", "POST", "/api/login", map[string]any{"username": "alice", "password": pw + "x"}); a.status != 401 || a.header.Get("WWW-Authenticate") == "" {
		t.Errorf("a wrong password: %d, WWW-Authenticate %q; want 401 with a challenge", a.status, a.header.Get("WWW-Authenticate"))
	}
	first, second := login(t, s, "alice", pw), login(t, s, "alice", pw)
	if first == second || !strings.HasPrefix(first, "ft_tok_") {
		t.Errorf("two logins gave %q and %q; want two distinct ft_tok_ tokens", first, second)
	}
	for _, tok := range []string{first, second} {
		a := callJSON(t, s, tok, "GET", "/api/users/me", nil)
		if a.status != 200 || a.str("id") != id || a.str("username") != "alice" || a.str("role") != "user" {
			t.Errorf("alice's /api/users/me: %d %s, want id %s role user", a.status, a.body, id)
		}
	}
	// The example credentials of the spec are wrong on purpose, also once
	// the example registration ran.
	callJSON(t, s, "", "POST", "/api/users/register", map[string]any{"username": "carol", "password": "carol-passw0rd"})
	if a := callJSON(t, s, "", "POST", "/api/login", map[string]any{"username": "nobody", "password": "not-the-password"}); a.status != 401 {
		t.Errorf("the spec's example login: %d, want 401", a.status)
	}
}

// TestValidationFirst: a body is checked before the caller's rights (and
// before the object is looked up): a caller who would be refused 403, or
// an order that does not exist, still gets the 400 naming the field.
func TestValidationFirst(t *testing.T) {
	w := newWorld(t)
	alice := w.owns["alice"]
	for _, c := range []struct {
		profile, method, path string
		body                  any
		err                   string
	}{
		{"anonymous", "POST", "/api/users/register", nil, "username is required"},
		{"anonymous", "POST", "/api/users/register", map[string]any{"username": "  ", "password": "long-enough"}, "username must not be blank"},
		{"anonymous", "POST", "/api/users/register", map[string]any{"username": 7, "password": "long-enough"}, "username must be a string"},
		{"anonymous", "POST", "/api/users/register", map[string]any{"username": strings.Repeat("x", 65), "password": "long-enough"}, "username is too long"},
		{"anonymous", "POST", "/api/users/register", map[string]any{"username": "dave"}, "password is required"},
		{"anonymous", "POST", "/api/users/register", map[string]any{"username": "dave", "password": "short"}, "password must be at least 8 characters"},
		{"anonymous", "POST", "/api/login", map[string]any{}, "username is required"},
		{"anonymous", "POST", "/api/login", map[string]any{"username": "alice"}, "password is required"},
		{"bob", "POST", "/api/orders", map[string]any{}, "product is required"},
		{"bob", "POST", "/api/orders", map[string]any{"product": "x"}, "quantity is required"},
		{"bob", "POST", "/api/orders", map[string]any{"product": "x", "quantity": "2"}, "quantity must be an integer"},
		{"bob", "POST", "/api/orders", map[string]any{"product": "x", "quantity": 1.5}, "quantity must be an integer"},
		{"bob", "POST", "/api/orders", map[string]any{"product": "x", "quantity": 0}, "quantity must be at least 1"},
		{"bob", "POST", "/api/orders", map[string]any{"product": "x", "quantity": 2e6}, "quantity must be at most 1000000"},
		// bob may not add to alice's order, and nobody to a missing one:
		// the body is refused first.
		{"bob", "POST", "/api/orders/" + alice["orderId"] + "/items", nil, "sku is required"},
		{"bob", "POST", "/api/orders/" + alice["orderId"] + "/items", map[string]any{"sku": ""}, "sku must not be blank"},
		{"alice", "POST", "/api/orders/00000000-0000-4000-8000-000000000000/items", map[string]any{"sku": 1}, "sku must be a string"},
	} {
		a := w.call(c.profile, c.method, c.path, c.body)
		if a.status != 400 || a.errText != c.err {
			t.Errorf("%s %s %s %v: %d %q, want 400 %q", c.profile, c.method, c.path, c.body, a.status, a.errText, c.err)
		}
	}
	for _, c := range []struct {
		ctype, body string
		status      int
	}{
		{"text/plain", `{"product":"x","quantity":1}`, http.StatusUnsupportedMediaType},
		{"", `{"product":"x","quantity":1}`, http.StatusUnsupportedMediaType},
		{"application/json", `{"product":`, http.StatusBadRequest},
		{"application/json", `["product"]`, http.StatusBadRequest},
		{"application/json", `null`, http.StatusBadRequest},
		{"application/json; charset=utf-8", `{"product":"x","quantity":1}`, http.StatusCreated},
	} {
		if a := call(t, w.s, w.tokens["bob"], "POST", "/api/orders", c.ctype, []byte(c.body)); a.status != c.status {
			t.Errorf("POST /api/orders as %q %s: %d %s, want %d", c.ctype, c.body, a.status, a.body, c.status)
		}
	}
}

// TestAuthentication: no token and a token the server did not issue are
// 401 with a challenge on every protected operation, before the body is
// looked at; register and login need none.
func TestAuthentication(t *testing.T) {
	w := newWorld(t)
	before := len(w.s.Requests())
	for _, op := range operations {
		path := fill(t, op.path, w.owns["alice"])
		a := w.call("anonymous", op.method, path, nil)
		if a.status != 401 || a.header.Get("WWW-Authenticate") != `Bearer realm="fixturetest"` || a.errText != "authentication required" {
			t.Errorf("anonymous %s: %d, WWW-Authenticate %q; want 401 with the challenge", op, a.status, a.header.Get("WWW-Authenticate"))
		}
		a = callJSON(t, w.s, "ft_tok_WRONG", op.method, path, map[string]any{})
		if a.status != 401 || !strings.Contains(a.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("a wrong token on %s: %d, WWW-Authenticate %q; want 401 invalid_token", op, a.status, a.header.Get("WWW-Authenticate"))
		}
		req, _ := http.NewRequest(op.method, w.s.URL+path, nil)
		req.Header.Set("Authorization", "Basic "+w.tokens["alice"])
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("alice's token as Basic on %s: %d, want 401", op, resp.StatusCode)
		}
	}
	for _, r := range w.s.Requests()[before:] {
		if r.Profile != "" || r.Status != 401 {
			t.Errorf("recorded %s %s as %q with %d; want nobody and 401", r.Method, r.Path, r.Profile, r.Status)
		}
	}
	if c := w.s.Objects(); c.OrdersCreated != 2 || c.ItemsCreated != 2 || c.Orders != 2 || c.Items != 2 {
		t.Errorf("refused requests changed the objects: %+v", c)
	}
	// A token does not hurt the open endpoints.
	if a := w.call("alice", "POST", "/api/users/register", map[string]any{"username": "carol", "password": "carol-passw0rd"}); a.status != 201 {
		t.Errorf("register with alice's token: %d, want 201", a.status)
	}
}

// TestMatrix: every protected operation, every signed-in caller, every
// owner's object, with a valid body: the API's real answers, flaws
// included. Each DELETE gets a fresh object, as a scan's probes do.
func TestMatrix(t *testing.T) {
	w := newWorld(t)
	for _, op := range operations {
		for _, object := range objectsOf(op) {
			for _, caller := range signedIn {
				ids := w.owns[object]
				if op.method == "DELETE" {
					ids = w.createOrder(object)
				}
				a := w.call(caller, op.method, fill(t, op.path, ids), op.body)
				if want := op.want(caller, object); a.status != want {
					t.Errorf("%s as %s on %q's object: %d %s, want %d", op, caller, object, a.status, a.body, want)
				}
				if a.status == 403 && a.errText != "forbidden" {
					t.Errorf("%s as %s: 403 %q, want forbidden", op, caller, a.errText)
				}
			}
		}
	}
}

// TestFlaws: the two seeded BOLAs, with their effect. bob deletes alice's
// order, which takes its items with it; alice reads bob's item, the same
// item bob reads; neither reads nor adds to the other's order.
func TestFlaws(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.owns["alice"], w.owns["bob"]

	item := fill(t, "/api/orders/{orderId}/items/{itemId}", bob)
	own, other := w.call("bob", "GET", item, nil), w.call("alice", "GET", item, nil)
	if own.status != 200 || other.status != 200 || string(own.body) != string(other.body) || own.str("sku") != SetupSKU || own.str("orderId") != bob["orderId"] {
		t.Errorf("bob's item: bob %d %s, alice %d %s; want the same 200 for both (the nested BOLA)", own.status, own.body, other.status, other.body)
	}
	if a := w.call("alice", "GET", "/api/orders/"+bob["orderId"], nil); a.status != 403 {
		t.Errorf("alice reading bob's order: %d, want 403", a.status)
	}

	if a := w.call("bob", "DELETE", "/api/orders/"+alice["orderId"], nil); a.status != 204 || len(a.body) != 0 {
		t.Fatalf("bob deleting alice's order: %d %s, want 204 (the BOLA)", a.status, a.body)
	}
	if a := w.call("alice", "GET", "/api/orders/"+alice["orderId"], nil); a.status != 404 || a.errText != "no such order" {
		t.Errorf("alice's order after bob deleted it: %d %s, want 404", a.status, a.body)
	}
	for _, caller := range signedIn {
		if a := w.call(caller, "GET", fill(t, "/api/orders/{orderId}/items/{itemId}", alice), nil); a.status != 404 {
			t.Errorf("%s reading the item of the deleted order: %d, want 404", caller, a.status)
		}
	}
	if a := w.call("alice", "DELETE", "/api/orders/"+alice["orderId"], nil); a.status != 404 {
		t.Errorf("deleting a deleted order: %d, want 404", a.status)
	}
}

// TestNotFound: unknown ids and an item addressed through another order
// are 404, for the owner and the admin alike; the body is still checked
// first.
func TestNotFound(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.owns["alice"], w.owns["bob"]
	missing := "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"
	for _, c := range []struct {
		method, path string
		body         any
		err          string
	}{
		{"GET", "/api/orders/" + missing, nil, "no such order"},
		{"GET", "/api/orders/not-a-uuid", nil, "no such order"},
		{"DELETE", "/api/orders/" + missing, nil, "no such order"},
		{"POST", "/api/orders/" + missing + "/items", map[string]any{"sku": "A1"}, "no such order"},
		{"GET", "/api/orders/" + alice["orderId"] + "/items/" + missing, nil, "no such item"},
		{"GET", "/api/orders/" + alice["orderId"] + "/items/" + bob["itemId"], nil, "no such item"},
		{"GET", "/api/orders/" + bob["orderId"] + "/items/" + alice["itemId"], nil, "no such item"},
		{"DELETE", "/api/orders/" + bob["orderId"] + "/items/" + alice["itemId"], nil, "no such item"},
		{"DELETE", "/api/orders/" + missing + "/items/" + alice["itemId"], nil, "no such order"},
	} {
		for _, caller := range []string{"alice", "admin"} {
			if a := w.call(caller, c.method, c.path, c.body); a.status != 404 || a.errText != c.err {
				t.Errorf("%s %s as %s: %d %q, want 404 %q", c.method, c.path, caller, a.status, a.errText, c.err)
			}
		}
	}
	if c := w.s.Objects(); c.Orders != 2 || c.Items != 2 {
		t.Errorf("after misses: %d orders and %d items, want 2 and 2", c.Orders, c.Items)
	}
}

// TestCreated: creates answer 201 with a random UUID, the object's
// representation and its Location; the ids differ between two servers
// that were sent the same requests.
func TestCreated(t *testing.T) {
	w1, w2 := newWorld(t), newWorld(t)
	seen := map[string]bool{}
	for _, w := range []*world{w1, w2} {
		for _, owner := range []string{"alice", "bob"} {
			for _, id := range w.owns[owner] {
				if !uuidRE.MatchString(id) || seen[id] {
					t.Errorf("id %q: not a fresh v4 UUID", id)
				}
				seen[id] = true
			}
		}
	}
	a := w1.call("alice", "POST", "/api/orders", map[string]any{"product": "Coffee beans", "quantity": 2})
	id := a.str("id")
	if a.status != 201 || a.header.Get("Location") != "/api/orders/"+id || a.str("owner") != "alice" || a.str("product") != "Coffee beans" || a.json["quantity"] != 2.0 {
		t.Errorf("a new order: %d, Location %q, %s", a.status, a.header.Get("Location"), a.body)
	}
	if got := w1.call("alice", "GET", "/api/orders/"+id, nil); string(got.body) != string(a.body) {
		t.Errorf("the order read back: %s, want what creating it answered: %s", got.body, a.body)
	}
	a = w1.call("admin", "POST", "/api/orders/"+id+"/items", map[string]any{"sku": "A1"})
	item := a.str("id")
	if a.status != 201 || a.header.Get("Location") != "/api/orders/"+id+"/items/"+item || a.str("orderId") != id || a.str("sku") != "A1" || !uuidRE.MatchString(item) {
		t.Errorf("admin adding an item to alice's order: %d, Location %q, %s", a.status, a.header.Get("Location"), a.body)
	}
	a = w1.call("admin", "GET", "/api/admin/orders", nil)
	orders, _ := a.json["orders"].([]any)
	if a.status != 200 || len(orders) != 3 {
		t.Fatalf("every order: %d %s, want 3", a.status, a.body)
	}
	if last, _ := orders[2].(map[string]any); last["id"] != id {
		t.Errorf("the newest order is not last: %v", orders)
	}
}

// TestObjects: Objects counts what exists and what was ever created, by
// creator; deleting an order deletes its items; Requests tells what each
// request created.
func TestObjects(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.owns["alice"], w.owns["bob"]
	extra := w.call("admin", "POST", "/api/orders/"+alice["orderId"]+"/items", map[string]any{"sku": "A1"})
	mine := w.call("bob", "POST", "/api/orders", map[string]any{"product": "Coffee beans", "quantity": 2})

	c := w.s.Objects()
	want := Counts{Orders: 3, Items: 3, OrdersCreated: 3, ItemsCreated: 3, ByUser: map[string]UserCounts{
		"alice": {Orders: 1, Items: 1, OrdersCreated: 1, ItemsCreated: 1},
		"bob":   {Orders: 2, Items: 1, OrdersCreated: 2, ItemsCreated: 1},
		"admin": {Items: 1, ItemsCreated: 1},
	}}
	checkCounts(t, "after set-up", c, want)
	wantLive := []Object{
		{KindOrder, alice["orderId"], "", "alice", "alice", SetupProduct},
		{KindItem, alice["itemId"], alice["orderId"], "alice", "alice", SetupSKU},
		{KindOrder, bob["orderId"], "", "bob", "bob", SetupProduct},
		{KindItem, bob["itemId"], bob["orderId"], "bob", "bob", SetupSKU},
		{KindItem, extra.str("id"), alice["orderId"], "alice", "admin", "A1"},
		{KindOrder, mine.str("id"), "", "bob", "bob", "Coffee beans"},
	}
	if len(c.Live) != len(wantLive) {
		t.Fatalf("Live: %+v\nwant %+v", c.Live, wantLive)
	}
	for i := range wantLive {
		if c.Live[i] != wantLive[i] {
			t.Errorf("Live[%d] = %+v, want %+v", i, c.Live[i], wantLive[i])
		}
	}

	// Deleting alice's order (bob may: the flaw) takes both its items;
	// deleting bob's item leaves his order.
	if a := w.call("bob", "DELETE", "/api/orders/"+alice["orderId"], nil); a.status != 204 {
		t.Fatalf("bob deleting alice's order: %d", a.status)
	}
	if a := w.call("bob", "DELETE", fill(t, "/api/orders/{orderId}/items/{itemId}", bob), nil); a.status != 204 {
		t.Fatalf("bob deleting his item: %d", a.status)
	}
	checkCounts(t, "after the deletes", w.s.Objects(), Counts{Orders: 2, Items: 0, OrdersCreated: 3, ItemsCreated: 3, ByUser: map[string]UserCounts{
		"alice": {OrdersCreated: 1, ItemsCreated: 1},
		"bob":   {Orders: 2, OrdersCreated: 2, ItemsCreated: 1},
		"admin": {ItemsCreated: 1},
	}})

	// Two registrations, two orders and two items of the set-up, admin's
	// item and bob's second order.
	var created []string
	for _, r := range w.s.Requests() {
		if (r.Created != "") != (r.Status == 201) {
			t.Errorf("%s %s -> %d recorded Created %q", r.Method, r.Path, r.Status, r.Created)
		}
		if r.Created != "" {
			created = append(created, r.Profile+" "+r.Method+" "+r.Path+" "+r.Created)
		}
	}
	wantCreated := []string{
		"alice POST /api/orders " + alice["orderId"],
		"alice POST /api/orders/" + alice["orderId"] + "/items " + alice["itemId"],
		"bob POST /api/orders " + bob["orderId"],
		"bob POST /api/orders/" + bob["orderId"] + "/items " + bob["itemId"],
		"admin POST /api/orders/" + alice["orderId"] + "/items " + extra.str("id"),
		"bob POST /api/orders " + mine.str("id"),
	}
	if len(created) != 8 || !slices.Equal(created[2:], wantCreated) || !strings.HasPrefix(created[0], " POST /api/users/register ") {
		t.Errorf("Created:\n%s\nwant two registrations and\n%s", strings.Join(created, "\n"), strings.Join(wantCreated, "\n"))
	}

	c = w.s.Objects()
	c.ByUser["alice"] = UserCounts{}
	c.Live = append(c.Live, Object{})
	if again := w.s.Objects(); again.ByUser["alice"].OrdersCreated != 1 || len(again.Live) != 2 {
		t.Errorf("Objects returned the server's own state")
	}
}

func checkCounts(t *testing.T, when string, got, want Counts) {
	t.Helper()
	if got.Orders != want.Orders || got.Items != want.Items || got.OrdersCreated != want.OrdersCreated || got.ItemsCreated != want.ItemsCreated {
		t.Errorf("%s: %d orders, %d items, %d and %d created; want %d, %d, %d, %d", when,
			got.Orders, got.Items, got.OrdersCreated, got.ItemsCreated, want.Orders, want.Items, want.OrdersCreated, want.ItemsCreated)
	}
	if len(got.ByUser) != len(want.ByUser) {
		t.Errorf("%s: ByUser %+v, want %+v", when, got.ByUser, want.ByUser)
	}
	for name, w := range want.ByUser {
		if got.ByUser[name] != w {
			t.Errorf("%s: ByUser[%s] = %+v, want %+v", when, name, got.ByUser[name], w)
		}
	}
}

// TestRequests: every request is recorded with its body, who sent it and
// what it got; the copies are the caller's to change.
func TestRequests(t *testing.T) {
	s := startServer(t)
	pw := s.Password("bob")
	callJSON(t, s, "", "POST", "/api/users/register", map[string]any{"username": "bob", "password": pw})
	tok := login(t, s, "bob", pw)
	call(t, s, tok, "POST", "/api/orders?dryRun=1", "application/json", []byte(`{"product":"x","quantity":1}`))
	call(t, s, tok, "GET", "/api/admin/orders", "", nil)
	call(t, s, "", "GET", "/api/users/me", "", nil)
	reqs := s.Requests()
	want := []struct {
		method, path, query, profile string
		status                       int
	}{
		{"POST", "/api/users/register", "", "", 201},
		{"POST", "/api/login", "", "", 200},
		{"POST", "/api/orders", "dryRun=1", "bob", 201},
		{"GET", "/api/admin/orders", "", "bob", 403},
		{"GET", "/api/users/me", "", "", 401},
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests recorded, want %d", len(reqs), len(want))
	}
	for i, w := range want {
		r := reqs[i]
		if r.Method != w.method || r.Path != w.path || r.RawQuery != w.query || r.Profile != w.profile || r.Status != w.status || r.At.IsZero() {
			t.Errorf("request %d: %s %s?%s by %q -> %d; want %+v", i, r.Method, r.Path, r.RawQuery, r.Profile, r.Status, w)
		}
	}
	if string(reqs[2].Body) != `{"product":"x","quantity":1}` || reqs[2].Header.Get("Authorization") != "Bearer "+tok {
		t.Errorf("the order's request: body %s, Authorization %q", reqs[2].Body, reqs[2].Header.Get("Authorization"))
	}
	reqs[2].Body[0] = 'X'
	reqs[2].Header.Set("Authorization", "changed")
	if again := s.Requests(); again[2].Body[0] != '{' || again[2].Header.Get("Authorization") == "changed" {
		t.Errorf("Requests returned the server's own records")
	}
}

// TestEnv: one random password per user, different on every server, a
// fresh copy each call; the admin's works at once.
func TestEnv(t *testing.T) {
	s1, s2 := startServer(t), startServer(t)
	env := s1.Env()
	if len(env) != 3 {
		t.Fatalf("Env has %d entries, want 3: %v", len(env), sortedKeys(env))
	}
	for name, profile := range map[string]string{EnvAlicePassword: "alice", EnvBobPassword: "bob", EnvAdminPassword: "admin"} {
		v := env[name]
		if !strings.HasPrefix(v, "ft-"+profile+"-") || len(v) != len("ft-"+profile+"-")+26 {
			t.Errorf("%s = %q, want ft-%s- and 26 random characters", name, v, profile)
		}
		if v == s2.Env()[name] {
			t.Errorf("%s is the same on two servers", name)
		}
		if s1.Password(profile) != v {
			t.Errorf("Password(%s) is not %s", profile, name)
		}
	}
	env[EnvAlicePassword] = "changed"
	if s1.Env()[EnvAlicePassword] == "changed" {
		t.Errorf("Env returned the server's own map")
	}
	if s1.Password("anonymous") != "" || s1.Password("carol") != "" {
		t.Errorf("Password of someone without one is not empty")
	}
	login(t, s1, "admin", s1.Password("admin"))
	if a := callJSON(t, s1, "", "POST", "/api/login", map[string]any{"username": "admin", "password": s2.Password("admin")}); a.status != 401 {
		t.Errorf("another server's admin password: %d, want 401", a.status)
	}
}

// TestUnknownRoute: JSON 404 for paths the API does not have, 405 with
// Allow for another method.
func TestUnknownRoute(t *testing.T) {
	w := newWorld(t)
	if a := w.call("alice", "GET", "/api/nothing", nil); a.status != 404 || a.errText != "no such endpoint" {
		t.Errorf("GET /api/nothing: %d %q", a.status, a.errText)
	}
	a := w.call("alice", "PUT", "/api/orders/"+w.owns["alice"]["orderId"], map[string]any{"product": "x"})
	if a.status != 405 || !strings.Contains(a.header.Get("Allow"), "DELETE") || a.errText != "method not allowed" {
		t.Errorf("PUT on an order: %d, Allow %q, %q; want 405, GET and DELETE, method not allowed", a.status, a.header.Get("Allow"), a.errText)
	}
}

// TestClose: Close stops the server, twice is fine, Requests and Objects
// still work.
func TestClose(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	callJSON(t, s, "", "POST", "/api/users/register", map[string]any{"username": "alice", "password": s.Password("alice")})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close again: %v", err)
	}
	if _, err := client.Get(s.URL + "/api/users/me"); err == nil {
		t.Errorf("the server still answers after Close")
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests after Close, want 1", n)
	}
	if c := s.Objects(); c.Orders != 0 {
		t.Errorf("Objects after Close: %+v", c)
	}
}
