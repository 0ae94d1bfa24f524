package demo

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Roles of the demo's users. They match the profiles' roles in the bundled
// config.
const (
	roleUser  = "user"
	roleStaff = "staff"
	roleAdmin = "admin"
)

// challenge is the WWW-Authenticate value of every 401 but the seeded one.
const challenge = `Bearer realm="demo"`

// tokenTTL is how long a token issued by POST /login is valid.
const tokenTTL = time.Hour

// maxBody caps request bodies.
const maxBody = 1 << 20

// Orders placed through POST /orders get ids from a counter that starts at
// a random offset in [firstOrderMin, firstOrderMin+firstOrderSpan) on each
// server, so that no config can know an order's id before it is placed: the
// bundled config's set-up step places one and captures its id. The seeded
// orders (101, 102, 201) are far below.
const (
	firstOrderMin  = 100000
	firstOrderSpan = 800000
)

// maxOrders caps the orders one server holds, so that a client placing
// orders in a loop cannot exhaust the memory of a long-running demo.
const maxOrders = 100000

// maxQuantity is the most items of one product an order may hold.
const maxQuantity = 99

type user struct {
	ID       int64
	Username string
	Name     string
	Email    string
	Role     string
	Address  string
	password string // "" = cannot sign in with a password
}

type product struct {
	ID       int64   `json:"productId"`
	Name     string  `json:"name"`
	Category string  `json:"category"`
	Price    float64 `json:"price"`
	Currency string  `json:"currency"`
}

type orderItem struct {
	ProductID int64   `json:"productId"`
	Quantity  int     `json:"quantity"`
	UnitPrice float64 `json:"unitPrice"`
}

type order struct {
	ID              int64       `json:"orderId"`
	UserID          int64       `json:"userId"`
	Status          string      `json:"status"`
	Items           []orderItem `json:"items"`
	Total           float64     `json:"total"`
	Currency        string      `json:"currency"`
	ShippingAddress string      `json:"shippingAddress"`
}

type account struct {
	ID       int64   `json:"accountId"`
	UserID   int64   `json:"userId"`
	IBAN     string  `json:"iban"`
	Kind     string  `json:"kind"`
	Balance  float64 `json:"balance"`
	Currency string  `json:"currency"`
}

type transaction struct {
	Date        string  `json:"date"`
	Description string  `json:"description"`
	Amount      float64 `json:"amount"`
}

type statement struct {
	Period         string        `json:"period"`
	OpeningBalance float64       `json:"openingBalance"`
	ClosingBalance float64       `json:"closingBalance"`
	Transactions   []transaction `json:"transactions"`
}

type payment struct {
	ID        int64   `json:"paymentId"`
	AccountID int64   `json:"accountId"`
	Amount    float64 `json:"amount"`
	Currency  string  `json:"currency"`
	Payee     string  `json:"payee"`
	Reference string  `json:"reference,omitempty"`
	Status    string  `json:"status"`
}

type coupon struct {
	Code            string `json:"code"`
	DiscountPercent int    `json:"discountPercent"`
	ValidUntil      string `json:"validUntil"`
}

// userView is a user as the API shows it.
type userView struct {
	ID       int64  `json:"userId"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     string `json:"role"`
}

func (u *user) view() userView {
	return userView{ID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email, Role: u.Role}
}

type session struct {
	userID  int64
	expires time.Time
}

// state is one server's in-memory data. Everything mutable is guarded by mu;
// the catalog, users, statements and coupons never change.
type state struct {
	users      map[int64]*user
	products   []product
	statements map[int64][]statement
	coupons    []coupon

	mu          sync.Mutex
	orders      map[int64]*order
	nextOrder   int64
	accounts    map[int64]*account
	payments    []payment
	nextPayment int64
	sessions    map[string]session
}

func newState() *state {
	s := &state{
		users: map[int64]*user{
			1: {ID: 1, Username: "alice", Name: "Alice Andersen", Email: "alice@example.com", Role: roleUser,
				Address: "12 Elm Street, Springfield"},
			2: {ID: 2, Username: "bob", Name: "Bob Brown", Email: "bob@example.com", Role: roleUser,
				Address: "7 Oak Avenue, Shelbyville", password: bobPassword},
			3: {ID: 3, Username: "support", Name: "Sam Support", Email: "support@shop.example", Role: roleStaff},
			4: {ID: 4, Username: "admin", Name: "Ada Admin", Email: "admin@shop.example", Role: roleAdmin,
				password: adminPassword},
		},
		products: []product{
			{ID: 1, Name: "The Go Programming Language", Category: "books", Price: 39.9, Currency: "EUR"},
			{ID: 2, Name: "Retro Arcade Cartridge", Category: "games", Price: 24.5, Currency: "EUR"},
			{ID: 3, Name: "Lo-fi Beats Vinyl", Category: "music", Price: 19.99, Currency: "EUR"},
		},
		statements: map[int64][]statement{
			1001: {{Period: "2026-10", OpeningBalance: 1200, ClosingBalance: 1520, Transactions: []transaction{
				{Date: "2026-10-01", Description: "Salary", Amount: 2400},
				{Date: "2026-10-03", Description: "Rent", Amount: -1650},
				{Date: "2026-10-12", Description: "Demo Shop order 101", Amount: -39.9},
				{Date: "2026-10-20", Description: "Groceries", Amount: -390.1},
			}}},
			2001: {{Period: "2026-10", OpeningBalance: 500, ClosingBalance: 310.25, Transactions: []transaction{
				{Date: "2026-10-01", Description: "Salary", Amount: 1800},
				{Date: "2026-10-02", Description: "Rent", Amount: -1200},
				{Date: "2026-10-14", Description: "Demo Shop order 201", Amount: -24.5},
				{Date: "2026-10-22", Description: "Card payments", Amount: -765.25},
			}}},
		},
		coupons: []coupon{
			{Code: "MEMBERS15", DiscountPercent: 15, ValidUntil: "2026-12-31"},
			{Code: "VINYLWEEK", DiscountPercent: 25, ValidUntil: "2026-12-07"},
		},
		orders: map[int64]*order{
			101: {ID: 101, UserID: 1, Status: "processing", Total: 39.9, Currency: "EUR",
				Items: []orderItem{{ProductID: 1, Quantity: 1, UnitPrice: 39.9}}, ShippingAddress: "12 Elm Street, Springfield"},
			102: {ID: 102, UserID: 1, Status: "shipped", Total: 39.98, Currency: "EUR",
				Items: []orderItem{{ProductID: 3, Quantity: 2, UnitPrice: 19.99}}, ShippingAddress: "12 Elm Street, Springfield"},
			201: {ID: 201, UserID: 2, Status: "processing", Total: 24.5, Currency: "EUR",
				Items: []orderItem{{ProductID: 2, Quantity: 1, UnitPrice: 24.5}}, ShippingAddress: "7 Oak Avenue, Shelbyville"},
		},
		accounts: map[int64]*account{
			1001: {ID: 1001, UserID: 1, IBAN: "DE02100100100000001001", Kind: "checking", Balance: 1520, Currency: "EUR"},
			2001: {ID: 2001, UserID: 2, IBAN: "DE02100100100000002001", Kind: "checking", Balance: 310.25, Currency: "EUR"},
		},
		nextOrder:   firstOrderMin + mrand.Int64N(firstOrderSpan),
		nextPayment: 5001,
		sessions:    map[string]session{},
	}
	return s
}

// NewHandler returns a fresh demo API with fresh in-memory state: tokens
// issued by one handler are unknown to every other.
func NewHandler() http.Handler {
	s := newState()
	mux := http.NewServeMux()

	// catalog
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /products", s.listProducts)
	mux.HandleFunc("GET /products/{productId}", s.getProduct)
	mux.HandleFunc("GET /coupons", s.listCoupons)
	// auth
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	// users
	mux.HandleFunc("GET /users/me", s.getCurrentUser)
	mux.HandleFunc("GET /users/{userId}", s.getUser)
	// orders
	mux.HandleFunc("GET /orders", s.listMyOrders)
	mux.HandleFunc("POST /orders", s.createOrder)
	mux.HandleFunc("GET /orders/{orderId}", s.getOrder)
	mux.HandleFunc("DELETE /orders/{orderId}", s.cancelOrder)
	// accounts
	mux.HandleFunc("GET /accounts", s.listMyAccounts)
	mux.HandleFunc("GET /accounts/{accountId}", s.getAccount)
	mux.HandleFunc("GET /statements", s.listStatements)
	mux.HandleFunc("POST /payments", s.createPayment)
	// support console
	mux.HandleFunc("GET /support/customers", s.listCustomers)
	mux.HandleFunc("GET /support/orders", s.listAllOrders)
	// admin
	mux.HandleFunc("GET /admin/settings", s.getSettings)
	mux.HandleFunc("GET /admin/export", s.exportOrders)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		mux.ServeHTTP(w, r)
	})
}

// ---- authentication -------------------------------------------------------

// authenticate identifies the caller from its credentials: a bearer token
// (alice's personal access token or one issued by POST /login), HTTP basic,
// or, when apiKeys is set, the staff API key in X-Api-Key.
//
// It returns the user (nil for a caller without credentials) and whether the
// credentials presented, if any, are valid.
func (s *state) authenticate(r *http.Request, apiKeys bool) (*user, bool) {
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, cred, _ := strings.Cut(authz, " ")
		cred = strings.TrimSpace(cred)
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			if cred == "" {
				return nil, false
			}
			if secretEqual(cred, aliceToken) {
				return s.users[1], true
			}
			s.mu.Lock()
			sess, ok := s.sessions[cred]
			s.mu.Unlock()
			if !ok || time.Now().After(sess.expires) {
				return nil, false
			}
			return s.users[sess.userID], true
		case strings.EqualFold(scheme, "Basic"):
			name, pass, ok := r.BasicAuth()
			if !ok {
				return nil, false
			}
			if u := s.checkPassword(name, pass); u != nil {
				return u, true
			}
			return nil, false
		default:
			return nil, false
		}
	}
	if apiKeys {
		if key := r.Header.Get("X-Api-Key"); key != "" {
			if secretEqual(key, supportKey) {
				return s.users[3], true
			}
			return nil, false
		}
	}
	return nil, true
}

// checkPassword returns the user whose username and password these are.
func (s *state) checkPassword(name, pass string) *user {
	for _, u := range s.users {
		if u.Username == name && u.password != "" && secretEqual(pass, u.password) {
			return u
		}
	}
	return nil
}

func secretEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// signedIn returns the caller, or answers 401 with a challenge and returns
// nil. This is the check every handler should use.
func (s *state) signedIn(w http.ResponseWriter, r *http.Request) *user {
	u, valid := s.authenticate(r, true)
	switch {
	case !valid:
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "the credentials are invalid or expired")
		return nil
	case u == nil:
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "unauthorized", "sign in first")
		return nil
	}
	return u
}

// ---- catalog --------------------------------------------------------------

func (s *state) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": "1.4.2"})
}

func (s *state) listProducts(w http.ResponseWriter, r *http.Request) {
	category := r.URL.Query().Get("category")
	out := []product{}
	for _, p := range s.products {
		if category == "" || p.Category == category {
			out = append(out, p)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *state) getProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "productId")
	if !ok {
		return
	}
	for _, p := range s.products {
		if p.ID == id {
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	writeError(w, http.StatusNotFound, "not_found", "no such product")
}

// listCoupons is for signed-in customers.
//
// FLAW (unauthenticated access): the handler never checks who is calling.
func (s *state) listCoupons(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.coupons)
}

// ---- auth -----------------------------------------------------------------

// loginPage is where the back office sends callers it will not serve. It is
// not part of the API.
func (s *state) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("<!doctype html>\n<title>Sign in - Demo Shop</title>\n" +
		"<h1>Sign in to the Demo Shop back office</h1>\n" +
		"<form method=\"post\" action=\"/login\">\n" +
		"<input name=\"username\" placeholder=\"username\"> " +
		"<input name=\"password\" type=\"password\" placeholder=\"password\"> " +
		"<button>Sign in</button>\n</form>\n"))
}

// login exchanges a username and password (JSON or a form) for a random
// bearer token valid for an hour on this server only.
func (s *state) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "the form cannot be parsed")
			return
		}
		req.Username, req.Password = r.PostForm.Get("username"), r.PostForm.Get("password")
	default:
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "the body must be JSON: {\"username\": \"...\", \"password\": \"...\"}")
			return
		}
	}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "username and password are required")
		return
	}
	u := s.checkPassword(req.Username, req.Password)
	if u == nil {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
		return
	}
	tok, err := newToken()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "cannot issue a token")
		return
	}
	now := time.Now()
	s.mu.Lock()
	for t, sess := range s.sessions {
		if now.After(sess.expires) {
			delete(s.sessions, t)
		}
	}
	s.sessions[tok] = session{userID: u.ID, expires: now.Add(tokenTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(tokenTTL / time.Second),
	})
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "demo_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// ---- users ----------------------------------------------------------------

func (s *state) getCurrentUser(w http.ResponseWriter, r *http.Request) {
	u := s.signedIn(w, r)
	if u == nil {
		return
	}
	writeJSON(w, http.StatusOK, u.view())
}

// getUser: customers see their own profile, staff and admins everyone's.
// Someone else's profile is answered 404, exactly like a missing one.
func (s *state) getUser(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	id, ok := pathID(w, r, "userId")
	if !ok {
		return
	}
	u := s.users[id]
	if u == nil || (caller.Role == roleUser && u.ID != caller.ID) {
		writeError(w, http.StatusNotFound, "not_found", "no such user")
		return
	}
	writeJSON(w, http.StatusOK, u.view())
}

// ---- orders ---------------------------------------------------------------

// listMyOrders lists the caller's orders, newest first.
//
// FLAW (status code): this handler answers a caller without credentials with
// a 401 of its own and forgets the WWW-Authenticate header.
func (s *state) listMyOrders(w http.ResponseWriter, r *http.Request) {
	caller, valid := s.authenticate(r, true)
	if caller == nil || !valid {
		writeError(w, http.StatusUnauthorized, "unauthorized", "sign in first")
		return
	}
	s.mu.Lock()
	out := []order{}
	for _, o := range s.orders {
		if o.UserID == caller.ID {
			out = append(out, *o)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b order) int { return int(b.ID - a.ID) })
	writeJSON(w, http.StatusOK, out)
}

// createOrder: a signed-in customer places an order for themselves, shipped
// to their address: {"productId": 1, "quantity": 2}. It answers 201 with the
// order, its new id chosen by the server (see firstOrderMin), and a Location
// header. Staff and admins do not shop (403). The order is the caller's,
// whatever the body says: there is no owner property to tamper with.
func (s *state) createOrder(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	if caller.Role != roleUser {
		writeError(w, http.StatusForbidden, "access_denied", "only customers place orders")
		return
	}
	var req struct {
		ProductID int64 `json:"productId"`
		Quantity  int   `json:"quantity"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be a JSON order: "+err.Error())
		return
	}
	var p *product
	for i := range s.products {
		if s.products[i].ID == req.ProductID {
			p = &s.products[i]
		}
	}
	switch {
	case p == nil:
		writeError(w, http.StatusUnprocessableEntity, "invalid", "productId names no product of the catalog")
		return
	case req.Quantity < 1 || req.Quantity > maxQuantity:
		writeError(w, http.StatusUnprocessableEntity, "invalid", fmt.Sprintf("quantity must be between 1 and %d", maxQuantity))
		return
	}
	s.mu.Lock()
	if len(s.orders) >= maxOrders {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the demo shop holds no more orders; restart it")
		return
	}
	o := &order{ID: s.nextOrder, UserID: caller.ID, Status: "processing", Currency: p.Currency,
		Items:           []orderItem{{ProductID: p.ID, Quantity: req.Quantity, UnitPrice: p.Price}},
		Total:           math.Round(p.Price*float64(req.Quantity)*100) / 100,
		ShippingAddress: caller.Address}
	s.nextOrder++
	s.orders[o.ID] = o
	out := *o
	s.mu.Unlock()
	w.Header().Set("Location", "/orders/"+strconv.FormatInt(out.ID, 10))
	writeJSON(w, http.StatusCreated, out)
}

// getOrder: customers should see their own orders only; staff and admins
// every order.
//
// FLAW (BOLA, path parameter): the handler checks that the caller is signed
// in, never that the order is theirs.
func (s *state) getOrder(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	id, ok := pathID(w, r, "orderId")
	if !ok {
		return
	}
	s.mu.Lock()
	o, found := s.orders[id]
	var out order
	if found {
		out = *o
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "not_found", "no such order")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelOrder: only the customer who placed the order cancels it (403 for
// anyone else). Cancelling is idempotent and the order stays readable, so the
// scan's other probes see the same data whenever the owner's DELETE runs.
func (s *state) cancelOrder(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	id, ok := pathID(w, r, "orderId")
	if !ok {
		return
	}
	s.mu.Lock()
	o, found := s.orders[id]
	owner := found && o.UserID == caller.ID
	if owner {
		o.Status = "cancelled"
	}
	s.mu.Unlock()
	switch {
	case !found:
		writeError(w, http.StatusNotFound, "not_found", "no such order")
	case !owner:
		writeError(w, http.StatusForbidden, "access_denied", "only the customer who placed an order can cancel it")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// ---- accounts -------------------------------------------------------------

// listMyAccounts lists the caller's bank accounts.
//
// FLAW (status code): this handler answers a caller without credentials with
// 403 where 401 and a WWW-Authenticate challenge belong.
func (s *state) listMyAccounts(w http.ResponseWriter, r *http.Request) {
	caller, valid := s.authenticate(r, true)
	if caller == nil || !valid {
		writeError(w, http.StatusForbidden, "access_denied", "you may not list accounts")
		return
	}
	s.mu.Lock()
	out := []account{}
	for _, a := range s.accounts {
		if a.UserID == caller.ID {
			out = append(out, *a)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b account) int { return int(a.ID - b.ID) })
	writeJSON(w, http.StatusOK, out)
}

// getAccount: customers see their own accounts, staff and admins every
// account. This legacy endpoint refuses with a 200 whose body is
// {"error": "forbidden"} (the config's deny.body).
func (s *state) getAccount(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	id, ok := pathID(w, r, "accountId")
	if !ok {
		return
	}
	s.mu.Lock()
	a, found := s.accounts[id]
	var out account
	if found {
		out = *a
	}
	s.mu.Unlock()
	switch {
	case !found:
		writeError(w, http.StatusNotFound, "not_found", "no such account")
	case caller.Role == roleUser && out.UserID != caller.ID:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"error": "forbidden"}` + "\n"))
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// listStatements: customers should see their own accounts' statements only.
//
// FLAW (BOLA, query parameter): the handler never checks whose account
// ?accountId= names.
func (s *state) listStatements(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	raw := r.URL.Query().Get("accountId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if raw == "" || err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "the query parameter accountId must be a positive integer")
		return
	}
	s.mu.Lock()
	_, found := s.accounts[id]
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "not_found", "no such account")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accountId": id, "statements": s.statements[id]})
}

// createPayment: customers pay from their own accounts; nobody else pays.
//
// FLAW (BOLA, JSON body property): the handler checks that the caller is a
// customer, never that the accountId in the body is theirs.
func (s *state) createPayment(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	if caller.Role != roleUser {
		writeError(w, http.StatusForbidden, "access_denied", "only customers make payments")
		return
	}
	var req struct {
		AccountID int64   `json:"accountId"`
		Amount    float64 `json:"amount"`
		Currency  string  `json:"currency"`
		Payee     string  `json:"payee"`
		Reference string  `json:"reference"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be a JSON payment: "+err.Error())
		return
	}
	// Strict like a real API: accountId must be a JSON integer, so a
	// scanner that sends "1001" (a string) gets 400, not a payment.
	accountID, amount := req.AccountID, req.Amount
	switch {
	case accountID < 1:
		writeError(w, http.StatusUnprocessableEntity, "invalid", "accountId must be a positive integer")
		return
	case amount < 0.01 || amount > 10000:
		writeError(w, http.StatusUnprocessableEntity, "invalid", "amount must be between 0.01 and 10000")
		return
	case req.Currency != "" && req.Currency != "EUR":
		writeError(w, http.StatusUnprocessableEntity, "invalid", "currency must be EUR")
		return
	case strings.TrimSpace(req.Payee) == "":
		writeError(w, http.StatusUnprocessableEntity, "invalid", "payee is required")
		return
	case len(req.Reference) > 140:
		writeError(w, http.StatusUnprocessableEntity, "invalid", "reference is longer than 140 characters")
		return
	}
	s.mu.Lock()
	a, found := s.accounts[accountID]
	var p payment
	if found {
		// No balance check: the demo never runs out of money, so every
		// payment probe gets the same answer in any order.
		a.Balance -= amount
		p = payment{ID: s.nextPayment, AccountID: accountID, Amount: amount, Currency: "EUR",
			Payee: req.Payee, Reference: req.Reference, Status: "accepted"}
		s.nextPayment++
		s.payments = append(s.payments, p)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "not_found", "no such account")
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// ---- support console ------------------------------------------------------

// listCustomers is for staff and admins.
//
// FLAW (BFLA): the handler checks that the caller is signed in, never its
// role, so any customer can list every customer's contact details.
func (s *state) listCustomers(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	type customer struct {
		userView
		Address string `json:"address"`
	}
	out := []customer{}
	for _, u := range s.users {
		if u.Role == roleUser {
			out = append(out, customer{u.view(), u.Address})
		}
	}
	slices.SortFunc(out, func(a, b customer) int { return int(a.ID - b.ID) })
	writeJSON(w, http.StatusOK, out)
}

// listAllOrders is for staff and admins.
//
// FLAW (lockout): a deploy tightened the check to admins only, so the
// support staff it was built for are refused.
func (s *state) listAllOrders(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	if caller.Role != roleAdmin {
		writeError(w, http.StatusForbidden, "access_denied", "admin role required")
		return
	}
	writeJSON(w, http.StatusOK, s.allOrders())
}

func (s *state) allOrders() []order {
	s.mu.Lock()
	out := make([]order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, *o)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b order) int { return int(a.ID - b.ID) })
	return out
}

// ---- admin ----------------------------------------------------------------

// getSettings is for admins.
//
// FLAW (status code): this endpoint's authentication predates API keys. It
// ignores X-Api-Key, so the support staff's key is treated like no
// credentials and answered 401, as if the caller had not identified itself.
func (s *state) getSettings(w http.ResponseWriter, r *http.Request) {
	caller, valid := s.authenticate(r, false)
	switch {
	case !valid:
		w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "the credentials are invalid or expired")
		return
	case caller == nil:
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "unauthorized", "sign in first")
		return
	case caller.Role != roleAdmin:
		writeError(w, http.StatusForbidden, "access_denied", "admin role required")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"maintenanceMode":  false,
		"paymentProvider":  "demo-pay",
		"maxPaymentAmount": 10000,
		"supportEmail":     "support@shop.example",
	})
}

// exportOrders is for admins. It belongs to the back-office web app, which
// redirects signed-in callers who are not admins to its sign-in page.
func (s *state) exportOrders(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	if caller.Role != roleAdmin {
		w.Header().Set("Location", "/login?next="+url.QueryEscape(r.URL.Path))
		w.WriteHeader(http.StatusFound)
		return
	}
	var b strings.Builder
	b.WriteString("orderId,userId,status,total,currency\n")
	for _, o := range s.allOrders() {
		fmt.Fprintf(&b, "%d,%d,%s,%.2f,%s\n", o.ID, o.UserID, o.Status, o.Total, o.Currency)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="orders.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
}

// ---- helpers --------------------------------------------------------------

// pathID parses the positive integer path parameter name, or answers 400.
func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", name+" must be a positive integer")
		return 0, false
	}
	return id, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error": code, "message": msg})
}
