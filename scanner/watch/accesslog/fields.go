package accesslog

import (
	"fmt"
	"strings"
)

// role is what a JSON field means to an Entry.
type role uint8

const (
	roleTime role = iota
	roleMethod
	rolePath
	roleRequest // a whole request line, "GET /x HTTP/1.1"
	roleStatus
	roleClient
	roleUser
	roleEvent      // "event": "deploy" makes the line a deploy marker
	roleNote       // a deploy marker's note
	roleDeployTime // a deploy marker's time when the format's time field is absent
	numRoles
)

// numUserRoles ends the roles --fields can name.
const numUserRoles = roleEvent

// roleNames are the --fields keys, by role.
var roleNames = [numUserRoles]string{
	roleTime:    "time",
	roleMethod:  "method",
	rolePath:    "path",
	roleRequest: "request",
	roleStatus:  "status",
	roleClient:  "client",
	roleUser:    "user",
}

// fieldKeys lists the --fields keys for error messages.
const fieldKeys = "time, method, path, status, client, user, request"

// fieldsExample is a complete --fields value, shown in errors as the fix.
const fieldsExample = "time=ts,method=verb,path=uri,status=code,client=ip,user=uid"

// mapping is, per role, the JSON keys that may hold it (dotted for nested
// objects), most preferred first: a line's first present key wins.
type mapping [numRoles][]string

// parseFields reads a --fields value, `time=ts,method=verb,…`, into the
// keys it sets; the roles it leaves out are nil.
func parseFields(s string) (mapping, error) {
	var m mapping
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return m, fmt.Errorf("fields: %q has no value (write key=name, for example %s)", capString(item), fieldsExample)
		}
		r, known := roleOf(k)
		if !known {
			return m, fmt.Errorf("fields: unknown key %q in %q (keys: %s)", capString(k), capString(item), fieldKeys)
		}
		if m[r] != nil {
			return m, fmt.Errorf("fields: key %q is given twice (keep one %s=…)", k, k)
		}
		for seg := range strings.SplitSeq(v, ".") {
			if seg == "" {
				return m, fmt.Errorf("fields: %s=%q has an empty name between dots (write nested names as request.method)", k, capString(v))
			}
		}
		m[r] = []string{v}
	}
	return m, nil
}

func roleOf(k string) (role, bool) {
	for r, n := range roleNames {
		if n == k {
			return role(r), true
		}
	}
	return 0, false
}

// presets are the JSON formats' own mappings; --fields overrides them key
// by key.
var presets = map[string]mapping{
	FormatNginxJSON: {
		roleTime:    {"time_iso8601", "time_local", "msec", "@timestamp", "timestamp", "time"},
		roleMethod:  {"request_method", "method"},
		rolePath:    {"request_uri", "uri", "path"},
		roleRequest: {"request"},
		roleStatus:  {"status"},
		roleClient:  {"remote_addr", "client_ip", "client"},
		roleUser:    {"remote_user", "user"},
	},
	FormatCaddy: {
		roleTime:   {"ts"},
		roleMethod: {"request.method"},
		rolePath:   {"request.uri"},
		roleStatus: {"status"},
		roleClient: {"request.client_ip", "request.remote_ip"},
		roleUser:   {"user_id"},
	},
	FormatJSON: {},
}

// resolveMapping applies the --fields overrides to format's preset, adds
// the deploy-marker keys, and checks that the result can make an Entry.
func resolveMapping(format string, over mapping) (mapping, error) {
	m := presets[format]
	for r, keys := range over {
		if keys != nil {
			m[r] = keys
		}
	}
	if format == FormatJSON {
		var missing []string
		if m[roleTime] == nil {
			missing = append(missing, "time")
		}
		if m[roleStatus] == nil {
			missing = append(missing, "status")
		}
		switch {
		case m[roleMethod] != nil && m[rolePath] == nil:
			return m, fmt.Errorf("fields: method=%s needs path=FIELD too (or give request=FIELD for a field holding \"GET /x HTTP/1.1\")", m[roleMethod][0])
		case m[rolePath] != nil && m[roleMethod] == nil:
			return m, fmt.Errorf("fields: path=%s needs method=FIELD too (or give request=FIELD for a field holding \"GET /x HTTP/1.1\")", m[rolePath][0])
		case m[rolePath] == nil && m[roleRequest] == nil:
			missing = append(missing, "method and path (or request)")
		}
		if len(missing) > 0 {
			return m, fmt.Errorf("fields: --format json needs %s (for example --fields %s)", strings.Join(missing, ", "), fieldsExample)
		}
	}
	m[roleEvent] = []string{"event"}
	m[roleNote] = []string{"note"}
	m[roleDeployTime] = []string{"time", "ts"}
	return m, nil
}
