package fixturetest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"math"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// minPassword is the shortest password the API takes, in characters.
const minPassword = 8

// maxUsername caps usernames, maxField the other string fields, in
// characters.
const (
	maxUsername = 64
	maxField    = 500
)

// maxQuantity caps an order's quantity.
const maxQuantity = 1_000_000

// apiHandler routes the API. Every protected handler authenticates first
// (an authentication middleware would), then validates the body, then finds
// the object, and only then decides authorization; the open ones (register,
// login) validate the body first.
func (s *Server) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/users/register", s.register)
	mux.HandleFunc("POST /api/login", s.login)
	mux.HandleFunc("GET /api/users/me", s.me)
	mux.HandleFunc("POST /api/orders", s.createOrder)
	mux.HandleFunc("GET /api/orders/{orderId}", s.getOrder)
	mux.HandleFunc("DELETE /api/orders/{orderId}", s.deleteOrderHandler)
	mux.HandleFunc("POST /api/orders/{orderId}/items", s.createItem)
	mux.HandleFunc("GET /api/orders/{orderId}/items/{itemId}", s.getItem)
	mux.HandleFunc("DELETE /api/orders/{orderId}/items/{itemId}", s.deleteItemHandler)
	mux.HandleFunc("GET /api/admin/orders", s.adminOrders)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := mux.Handler(r); pattern == "" {
			// No route: the mux's own answer (404, or 405 with Allow) in
			// JSON, like the rest of the API.
			probe := &headerOnly{header: http.Header{}}
			h.ServeHTTP(probe, r)
			if probe.status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", probe.header.Get("Allow"))
				writeError(w, http.StatusMethodNotAllowed, "method not allowed")
				return
			}
			writeError(w, http.StatusNotFound, "no such endpoint")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// headerOnly keeps the status and header of an answer and drops its body.
type headerOnly struct {
	header http.Header
	status int
}

func (w *headerOnly) Header() http.Header         { return w.header }
func (w *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerOnly) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// ---- users --------------------------------------------------------------------

// register creates a user with role user. Open to everyone.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	body := readJSON(w, r)
	if body == nil {
		return
	}
	username, problem := stringField(body, "username", maxUsername)
	password := ""
	if problem == "" {
		password, problem = stringField(body, "password", maxField)
		if problem == "" && utf8.RuneCountInString(password) < minPassword {
			problem = "password must be at least 8 characters"
		}
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	s.mu.Lock()
	if s.users[username] != nil {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "username taken")
		return
	}
	u := &user{id: newUUID(), username: username, password: password, role: RoleUser}
	s.users[username] = u
	s.mu.Unlock()
	s.noteRequest(r, func(rec *Request) { rec.Created = u.id })
	writeJSON(w, http.StatusCreated, map[string]any{"id": u.id, "username": u.username})
}

// login issues a new bearer token for a username and its password. Open to
// everyone; earlier tokens stay valid.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	body := readJSON(w, r)
	if body == nil {
		return
	}
	username, problem := stringField(body, "username", maxUsername)
	password := ""
	if problem == "" {
		password, problem = stringField(body, "password", maxField)
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	s.mu.Lock()
	u := s.users[username]
	if u == nil || subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) != 1 {
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "invalid username or password")
		return
	}
	token := newSecret("ft_tok_")
	s.tokens[token] = u
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token": token})
}

// me: every signed-in user, about themselves.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": caller.id, "username": caller.username, "role": caller.role})
}

// ---- orders -------------------------------------------------------------------

func orderJSON(o *order) map[string]any {
	return map[string]any{"id": o.id, "owner": o.owner, "product": o.product, "quantity": o.quantity}
}

func itemJSON(it *item) map[string]any {
	return map[string]any{"id": it.id, "orderId": it.orderID, "sku": it.sku}
}

// createOrder: every signed-in user; the order is the caller's.
func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	product, problem := stringField(body, "product", maxField)
	var quantity int64
	if problem == "" {
		quantity, problem = quantityField(body)
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	o := s.addOrder(caller.username, product, quantity)
	s.noteRequest(r, func(rec *Request) { rec.Created = o.id })
	w.Header().Set("Location", "/api/orders/"+o.id)
	writeJSON(w, http.StatusCreated, orderJSON(o))
}

// order finds the path's order and answers 404 when there is none.
func (s *Server) order(w http.ResponseWriter, r *http.Request) *order {
	o := s.findOrder(r.PathValue("orderId"))
	if o == nil {
		writeError(w, http.StatusNotFound, "no such order")
	}
	return o
}

// mayChange: an order's owner and admins.
func mayChange(caller *user, o *order) bool {
	return caller.username == o.owner || caller.role == RoleAdmin
}

// getOrder: the order's owner and admins; others 403.
func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	o := s.order(w, r)
	if o == nil {
		return
	}
	if !mayChange(caller, o) {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	writeJSON(w, http.StatusOK, orderJSON(o))
}

// deleteOrderHandler should be for the order's owner and admins.
//
// FLAW (BOLA): the handler finds the order and never compares its owner
// with the caller: any signed-in user deletes anyone's order, and its
// items with it.
func (s *Server) deleteOrderHandler(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	if !s.deleteOrder(r.PathValue("orderId")) {
		writeError(w, http.StatusNotFound, "no such order")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// createItem: the order's owner and admins; others 403.
func (s *Server) createItem(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	sku, problem := stringField(body, "sku", maxField)
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	o := s.order(w, r)
	if o == nil {
		return
	}
	if !mayChange(caller, o) {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	it := s.addItem(o.id, caller.username, sku)
	if it == nil { // deleted meanwhile
		writeError(w, http.StatusNotFound, "no such order")
		return
	}
	s.noteRequest(r, func(rec *Request) { rec.Created = it.id })
	w.Header().Set("Location", "/api/orders/"+o.id+"/items/"+it.id)
	writeJSON(w, http.StatusCreated, itemJSON(it))
}

// item finds the path's order and its item, and answers 404 when either
// is missing (an item of another order is missing from this one).
func (s *Server) item(w http.ResponseWriter, r *http.Request) (*order, *item) {
	o := s.order(w, r)
	if o == nil {
		return nil, nil
	}
	it := s.findItem(o.id, r.PathValue("itemId"))
	if it == nil {
		writeError(w, http.StatusNotFound, "no such item")
		return nil, nil
	}
	return o, it
}

// getItem should be for the order's owner and admins.
//
// FLAW (BOLA, nested): the handler checks that the item belongs to the
// order in the path and never that the order belongs to the caller: any
// signed-in user reads anyone's item.
func (s *Server) getItem(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	_, it := s.item(w, r)
	if it == nil {
		return
	}
	writeJSON(w, http.StatusOK, itemJSON(it))
}

// deleteItemHandler: the order's owner and admins; others 403.
func (s *Server) deleteItemHandler(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	o, it := s.item(w, r)
	if it == nil {
		return
	}
	if !mayChange(caller, o) {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	if !s.deleteItem(o.id, it.id) {
		writeError(w, http.StatusNotFound, "no such item")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// adminOrders: admins, every order; users 403.
func (s *Server) adminOrders(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	if caller.role != RoleAdmin {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	list := []map[string]any{}
	for _, o := range s.allOrders() {
		list = append(list, orderJSON(&o))
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": list})
}

// ---- bodies -------------------------------------------------------------------

func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return strings.ToLower(mt)
}

// readJSON decodes a JSON object body; an empty body is an empty object
// (its fields are then reported missing, one by one). It answers 415 for a
// body of another media type and 400 for one that is not a JSON object,
// and returns nil then.
func readJSON(w http.ResponseWriter, r *http.Request) map[string]any {
	var b bytes.Buffer
	if r.Body != nil {
		_, _ = b.ReadFrom(r.Body) // the recorder has read it already
	}
	data := b.Bytes()
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}
	}
	if mt := mediaType(r); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		writeError(w, http.StatusUnsupportedMediaType, "the body must be application/json")
		return nil
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil || body == nil {
		writeError(w, http.StatusBadRequest, "the body must be a JSON object")
		return nil
	}
	return body
}

// stringField returns body[name] and, when it is no usable string, the
// problem to answer with: missing, not a string, blank or longer than max
// characters.
func stringField(body map[string]any, name string, max int) (string, string) {
	v, present := body[name]
	if !present || v == nil {
		return "", name + " is required"
	}
	s, ok := v.(string)
	switch {
	case !ok:
		return "", name + " must be a string"
	case strings.TrimSpace(s) == "":
		return "", name + " must not be blank"
	case utf8.RuneCountInString(s) > max:
		return "", name + " is too long"
	}
	return s, ""
}

// quantityField returns body's quantity and, when it is no whole number
// from 1 to maxQuantity, the problem to answer with.
func quantityField(body map[string]any) (int64, string) {
	v, present := body["quantity"]
	if !present || v == nil {
		return 0, "quantity is required"
	}
	f, ok := v.(float64)
	switch {
	case !ok || f != math.Trunc(f):
		return 0, "quantity must be an integer"
	case f < 1:
		return 0, "quantity must be at least 1"
	case f > maxQuantity:
		return 0, "quantity must be at most 1000000"
	}
	return int64(f), ""
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

// writeError answers {"error": msg}; msg names the field at fault.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
