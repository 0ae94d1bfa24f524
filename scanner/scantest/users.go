package scantest

import (
	"net/http"
	"slices"
)

// Roles of the users; they are the profiles' roles in the config.
const (
	roleUser  = "user"
	roleAdmin = "admin"
)

// Anonymous is the name of the profile without credentials.
const Anonymous = "anonymous"

// user is the one identity behind a profile.
type user struct {
	profile  string
	username string
	name     string
	role     string
	item     int64 // the item the user owns
}

// users in the config's column order (anonymous, first, has none).
var users = []user{
	{profile: "bearer", username: "bea", name: "Bea Bearer", role: roleUser, item: 102},
	{profile: "basic", username: "admin", name: "Ada Admin", role: roleAdmin, item: 103},
	{profile: "apikey", username: "kim", name: "Kim Key", role: roleUser, item: 104},
	{profile: "cookie", username: "cody", name: "Cody Cookie", role: roleUser, item: 105},
	{profile: "query", username: "quinn", name: "Quinn Query", role: roleUser, item: 106},
	{profile: "jsonlogin", username: "jay", name: "Jay Json", role: roleUser, item: 107},
	{profile: "formlogin", username: "fran", name: "Fran Form", role: roleUser, item: 108},
	{profile: "headerlogin", username: "hank", name: "Hank Header", role: roleUser, item: 109},
	{profile: "service", username: "scantest-service", name: "Reporting service", role: roleAdmin, item: 110},
	{profile: "dave", username: "dave", name: "Dave Device", role: roleUser, item: 111},
}

// userOf returns the user behind profile, or nil.
func userOf(profile string) *user {
	for i := range users {
		if users[i].profile == profile {
			return &users[i]
		}
	}
	return nil
}

// ownerOf returns the user who owns item id, or nil.
func ownerOf(id int64) *user {
	for i := range users {
		if users[i].item == id {
			return &users[i]
		}
	}
	return nil
}

// Profiles returns the names of the config's profiles in column order,
// "anonymous" first.
func Profiles() []string {
	out := []string{Anonymous}
	for _, u := range users {
		out = append(out, u.profile)
	}
	return out
}

// Role returns profile's role: "user", "admin", or "" for anonymous and
// unknown names.
func Role(profile string) string {
	if u := userOf(profile); u != nil {
		return u.role
	}
	return ""
}

// ItemID returns the id of the item profile owns (its `owns: {itemId: …}`),
// or 0 for anonymous and unknown names.
func ItemID(profile string) int64 {
	if u := userOf(profile); u != nil {
		return u.item
	}
	return 0
}

// Operations of the API as "METHOD /path/template", in the spec's order.
var operations = []string{
	"GET /api/public/info",
	"GET /api/me",
	"GET /api/admin/stats",
	"GET /api/items/{itemId}",
	"GET /api/items/{itemId}/history",
	"POST /api/items/{itemId}/notes",
}

// Operations returns the API's operations as "METHOD /path/template", in
// the spec's order.
func Operations() []string { return slices.Clone(operations) }

// Expected returns the status the server answers to operation method path
// (the spec's path template) called by profile on owner's item (owner is a
// profile name; "" for operations without itemId), as long as no
// credential has expired or been killed, the request carries a valid body,
// and a formlogin session sends its CSRF header on POST. It returns 0 for
// an unknown operation or profile, or a missing or needless owner.
func Expected(method, path, profile, owner string) int {
	op := method + " " + path
	if !slices.Contains(operations, op) {
		return 0
	}
	withItem := path != "/api/public/info" && path != "/api/me" && path != "/api/admin/stats"
	if withItem != (owner != "") || (owner != "" && userOf(owner) == nil) {
		return 0
	}
	if profile != Anonymous && userOf(profile) == nil {
		return 0
	}
	if op == "GET /api/public/info" {
		return http.StatusOK
	}
	if profile == Anonymous {
		return http.StatusUnauthorized
	}
	admin := Role(profile) == roleAdmin
	switch op {
	case "GET /api/me":
		return http.StatusOK
	case "GET /api/admin/stats":
		if admin {
			return http.StatusOK
		}
		return http.StatusForbidden
	case "GET /api/items/{itemId}/history":
		// The seeded flaw: no owner check.
		return http.StatusOK
	case "GET /api/items/{itemId}":
		if admin || owner == profile {
			return http.StatusOK
		}
		return http.StatusNotFound
	default: // POST /api/items/{itemId}/notes
		if admin || owner == profile {
			return http.StatusCreated
		}
		return http.StatusNotFound
	}
}
