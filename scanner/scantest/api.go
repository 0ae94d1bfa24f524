package scantest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxNoteLength is the longest note text, in characters.
const maxNoteLength = 500

// note is one note on an item.
type note struct {
	ItemID int64  `json:"itemId"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

// itemView is an item as the API shows it.
type itemView struct {
	ID      int64  `json:"itemId"`
	Owner   string `json:"owner"`
	Title   string `json:"title"`
	Created string `json:"created"`
}

// historyEntry is one event of an item's history.
type historyEntry struct {
	At    string `json:"at"`
	Event string `json:"event"`
	By    string `json:"by"`
}

// apiHandler routes the API origin: the sign-in endpoints and the API.
func (s *Server) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("POST /auth/login", s.jsonLogin)
	mux.HandleFunc("GET /auth/form", s.formPage)
	mux.HandleFunc("POST /auth/form", s.formLogin)
	mux.HandleFunc("POST /auth/token", s.headerLogin)

	mux.HandleFunc("GET /api/public/info", s.publicInfo)
	mux.HandleFunc("GET /api/me", s.me)
	mux.HandleFunc("GET /api/admin/stats", s.adminStats)
	mux.HandleFunc("GET /api/items/{itemId}", s.getItem)
	mux.HandleFunc("GET /api/items/{itemId}/history", s.itemHistory)
	mux.HandleFunc("POST /api/items/{itemId}/notes", s.addNote)
	return mux
}

// publicInfo is open to everyone; it does not look at credentials.
func (s *Server) publicInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"service": "scantest",
		"version": "1.0.0",
		"auth":    []string{"bearer", "basic", "apiKey", "cookie", "query", "login", "session", "oauth2"},
	})
}

// me is the liveness check: who the caller is.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p := s.signedIn(w, r)
	if p == nil {
		return
	}
	u := p.user
	// Like many real whoami endpoints, this one echoes the credentials the
	// caller presented — in the body and in a header — so tests prove the
	// scanner scrubs secrets, issued ones included, from response evidence.
	seen := map[string]any{}
	for _, h := range []string{"Authorization", "X-Api-Key", "X-Auth-Token", "X-CSRF-Token"} {
		if v := r.Header.Get(h); v != "" {
			seen[h] = v
		}
	}
	cookies := map[string]string{}
	for _, c := range r.Cookies() {
		cookies[c.Name] = c.Value
	}
	if len(cookies) > 0 {
		seen["cookies"] = cookies
	}
	if q := r.URL.Query(); len(q) > 0 {
		seen["query"] = q
	}
	if v := r.Header.Get("Authorization"); v != "" {
		w.Header().Set("X-Debug-Authorization", v)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"username":    u.username,
		"name":        u.name,
		"role":        u.role,
		"profile":     u.profile,
		"itemId":      u.item,
		"credentials": seen,
	})
}

// adminStats is for admins.
func (s *Server) adminStats(w http.ResponseWriter, r *http.Request) {
	p := s.signedIn(w, r)
	if p == nil {
		return
	}
	if p.user.role != roleAdmin {
		writeError(w, http.StatusForbidden, "forbidden", "admin role required")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": len(users), "items": len(users)})
}

// findItem answers 400 for a bad itemId and 404 for an item that does not
// exist or that the caller may not see (which hides that it exists), and
// returns the item's owner otherwise. Owners and admins see an item.
func findItem(w http.ResponseWriter, r *http.Request, caller *user, checkOwner bool) *user {
	id, err := strconv.ParseInt(r.PathValue("itemId"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "itemId must be a positive integer")
		return nil
	}
	owner := ownerOf(id)
	if owner == nil || (checkOwner && caller.role != roleAdmin && owner != caller) {
		writeError(w, http.StatusNotFound, "not_found", "no such item")
		return nil
	}
	return owner
}

func view(owner *user) itemView {
	return itemView{ID: owner.item, Owner: owner.username, Title: owner.name + "'s notebook",
		Created: "2026-01-02T03:04:05Z"}
}

// getItem: owners and admins.
func (s *Server) getItem(w http.ResponseWriter, r *http.Request) {
	p := s.signedIn(w, r)
	if p == nil {
		return
	}
	owner := findItem(w, r, p.user, true)
	if owner == nil {
		return
	}
	writeJSON(w, http.StatusOK, view(owner))
}

// itemHistory should be for owners and admins, like getItem.
//
// FLAW (BOLA): the handler checks that the caller is signed in and that the
// item exists, never that it is the caller's.
func (s *Server) itemHistory(w http.ResponseWriter, r *http.Request) {
	p := s.signedIn(w, r)
	if p == nil {
		return
	}
	owner := findItem(w, r, p.user, false)
	if owner == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"itemId": owner.item, "history": []historyEntry{
		{At: "2026-01-02T03:04:05Z", Event: "created", By: owner.username},
		{At: "2026-01-03T10:00:00Z", Event: "renamed", By: owner.username},
	}})
}

// addNote: owners and admins add a note, {"text": "..."}. Notes are
// answered, not kept, so that every answer of the API is the same in any
// order of requests.
func (s *Server) addNote(w http.ResponseWriter, r *http.Request) {
	p := s.signedIn(w, r)
	if p == nil {
		return
	}
	owner := findItem(w, r, p.user, true)
	if owner == nil {
		return
	}
	if mediaType(r) != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the note as application/json")
		return
	}
	var req struct {
		Text *string `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", `the body must be JSON: {"text": "..."}`)
		return
	}
	switch {
	case req.Text == nil || strings.TrimSpace(*req.Text) == "":
		writeError(w, http.StatusUnprocessableEntity, "invalid", "text is required")
		return
	case utf8.RuneCountInString(*req.Text) > maxNoteLength:
		writeError(w, http.StatusUnprocessableEntity, "invalid", "text is longer than 500 characters")
		return
	}
	writeJSON(w, http.StatusCreated, note{ItemID: owner.item, Author: p.user.username, Text: *req.Text})
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
