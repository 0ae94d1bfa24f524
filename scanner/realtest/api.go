package realtest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// firstCreatedID is the id of the first note or user the API creates; the
// seeded notes and tickets have smaller ids.
const firstCreatedID = 1000

// minPassword is the shortest password the API takes, in characters.
const minPassword = 8

// maxField caps the string fields the API takes, in characters.
const maxField = 500

// closeConfirmation is what POST /api/account/close wants in `confirm`.
const closeConfirmation = "CLOSE"

// seeded notes and tickets: id -> owner. They never change.
var (
	seededNotes = map[int64]string{101: "alice", 202: "bob"}
	tickets     = map[int64]string{7: "alice", 8: "bob"}
)

// apiHandler routes the API. Every handler authenticates first (an
// authentication middleware would), then validates the body, then finds
// the object, and only then decides authorization — the order of most
// real frameworks, and the reason a scanner that sends an empty body never
// sees the authorization decision.
func (s *Server) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/users/{username}", s.getUser)
	mux.HandleFunc("PUT /api/users/{username}/password", s.changePassword)
	mux.HandleFunc("PUT /api/users/{username}/email", s.changeEmail)
	mux.HandleFunc("POST /api/notes", s.createNote)
	mux.HandleFunc("PATCH /api/notes/{noteId}", s.updateNote)
	mux.HandleFunc("POST /api/admin/users", s.createUser)
	mux.HandleFunc("PUT /api/admin/settings", s.updateSettings)
	mux.HandleFunc("POST /api/account/close", s.closeAccount)
	mux.HandleFunc("POST /api/tickets/{ticketId}/comments", s.addComment)
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

// getUser: the caller's own profile, or anyone's for an admin.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	target := findUser(w, r)
	if target == nil {
		return
	}
	if caller != target && caller.role != roleAdmin {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"username": target.username, "role": target.role, "email": target.email})
}

// changePassword should be for the user themselves and admins.
//
// FLAW (BOLA): the handler checks the token and the body, never that the
// caller is the user whose password it sets. The password is answered,
// not kept: bearer tokens do not depend on it.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	pw, problem := stringField(body, "password")
	if problem == "" && utf8.RuneCountInString(pw) < minPassword {
		problem = "password must be at least 8 characters"
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	if findUser(w, r) == nil {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// changeEmail: the user themselves and admins.
func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	email, problem := stringField(body, "email")
	if local, domain, ok := strings.Cut(email, "@"); problem == "" && (!ok || local == "" || domain == "") {
		problem = "email must be an address like name@example.com"
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	target := findUser(w, r)
	if target == nil {
		return
	}
	if caller != target && caller.role != roleAdmin {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// createNote: every signed-in user; the note is the caller's.
func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	title, problem := stringField(body, "title")
	if problem == "" {
		problem = optionalString(body, "body")
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.notes[id] = caller.username
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "owner": caller.username, "title": title})
}

// noteOwner returns the owner of note id, "" when there is none.
func (s *Server) noteOwner(id int64) string {
	if owner, ok := seededNotes[id]; ok {
		return owner
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notes[id]
}

// updateNote should be for the note's owner and admins.
//
// FLAW (BOLA): the handler finds the note and never compares its owner
// with the caller. The new title is answered, not kept, so that every
// answer is the same in any order of requests.
func (s *Server) updateNote(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	title, problem := stringField(body, "title")
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("noteId"), 10, 64)
	owner := ""
	if err == nil {
		owner = s.noteOwner(id)
	}
	if owner == "" {
		writeError(w, http.StatusNotFound, "no such note")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "owner": owner, "title": title})
}

// createUser should be for admins.
//
// FLAW (BFLA): the handler checks the token and the body, never the
// caller's role. The user is answered, not kept: it gets no credentials and
// never changes a seeded user, whatever its username.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if s.signedIn(w, r) == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	username, problem := stringField(body, "username")
	role := ""
	if problem == "" {
		role, problem = stringField(body, "role")
		if problem == "" && role != roleUser && role != roleAdmin {
			problem = "role must be user or admin"
		}
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "username": username, "role": role})
}

// updateSettings: admins. The settings are answered, not kept (maintenance
// mode never closes the API).
func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	problem := ""
	maintenance, ok := body["maintenance"].(bool)
	switch {
	case body["maintenance"] == nil:
		problem = "maintenance is required"
	case !ok:
		problem = "maintenance must be true or false"
	default:
		problem = optionalString(body, "message")
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	if caller.role != roleAdmin {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	message, _ := body["message"].(string)
	writeJSON(w, http.StatusOK, map[string]any{"maintenance": maintenance, "message": message})
}

// closeAccount closes the caller's own account; every signed-in user may.
//
// THE TRAP: a missing or wrong confirmation is refused 403 before
// authorization is even considered, so a scanner that sends an empty body
// sees every user refused — a lockout that is not one. The account is
// answered closed, never closed: the caller's token keeps working.
func (s *Server) closeAccount(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	body := readJSON(w, r)
	if body == nil {
		return
	}
	if confirm, _ := body["confirm"].(string); confirm != closeConfirmation {
		writeError(w, http.StatusForbidden, "confirmation required")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"username": caller.username, "status": "closed"})
}

// addComment: the ticket's owner and admins. It takes the comment as JSON
// or as a form, as frameworks that bind either do.
func (s *Server) addComment(w http.ResponseWriter, r *http.Request) {
	caller := s.signedIn(w, r)
	if caller == nil {
		return
	}
	var body map[string]any
	if mediaType(r) == "application/x-www-form-urlencoded" {
		body = readForm(w, r)
	} else {
		body = readJSON(w, r)
	}
	if body == nil {
		return
	}
	comment, problem := stringField(body, "comment")
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("ticketId"), 10, 64)
	owner := ""
	if err == nil {
		owner = tickets[id]
	}
	if owner == "" {
		writeError(w, http.StatusNotFound, "no such ticket")
		return
	}
	if caller.username != owner && caller.role != roleAdmin {
		writeError(w, http.StatusForbidden, "forbidden")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"ticketId": id, "author": caller.username, "comment": comment})
}

// findUser answers 404 for a username nobody has and returns the user
// otherwise.
func findUser(w http.ResponseWriter, r *http.Request) *user {
	u := userNamed(r.PathValue("username"))
	if u == nil {
		writeError(w, http.StatusNotFound, "no such user")
	}
	return u
}

// ---- bodies -----------------------------------------------------------------

func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return strings.ToLower(mt)
}

// readJSON decodes a JSON object body; an empty body is an empty object
// (its fields are then reported missing, one by one). It answers 415 for a
// body of another media type and 400 for one that is not a JSON object,
// and returns nil then.
func readJSON(w http.ResponseWriter, r *http.Request) map[string]any {
	data := readAll(r)
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

// readForm decodes an application/x-www-form-urlencoded body into strings.
func readForm(w http.ResponseWriter, r *http.Request) map[string]any {
	values, err := url.ParseQuery(string(readAll(r)))
	if err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a valid form")
		return nil
	}
	body := map[string]any{}
	for k, v := range values {
		body[k] = v[0]
	}
	return body
}

func readAll(r *http.Request) []byte {
	var b bytes.Buffer
	if r.Body != nil {
		_, _ = b.ReadFrom(r.Body) // the recorder has read it already
	}
	return b.Bytes()
}

// stringField returns body[name] and, when it is no usable string, the
// problem to answer with: missing, not a string, blank or too long.
func stringField(body map[string]any, name string) (string, string) {
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
	case utf8.RuneCountInString(s) > maxField:
		return "", name + " is longer than 500 characters"
	}
	return s, ""
}

// optionalString is the problem with an optional string field, "" when it
// is absent or fine.
func optionalString(body map[string]any, name string) string {
	v, present := body[name]
	if !present || v == nil {
		return ""
	}
	s, ok := v.(string)
	switch {
	case !ok:
		return name + " must be a string"
	case utf8.RuneCountInString(s) > maxField:
		return name + " is longer than 500 characters"
	}
	return ""
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
