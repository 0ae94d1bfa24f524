package compare

import (
	"regexp"
	"strconv"
	"strings"
)

// The top-level keys of a JSON object that classify it, folded by normKey.
var (
	// errorKeys say an error when they hold anything but null, false, 0,
	// "", "ok", "success" or "none".
	errorKeys = set("error", "errors", "err", "errorcode", "errormessage", "errordescription",
		"errortype", "errordetail", "errordetails", "fault", "exception", "errmsg", "errcode")
	// successKeys say an error when they are false.
	successKeys = set("success", "ok", "succeeded", "successful", "issuccess")
	// statusKeys hold a status: a number (an error when 400–599) or a
	// status word is bookkeeping, any other value is content ("code":
	// "ABC123" of a coupon).
	statusKeys = set("status", "code", "statuscode", "httpstatus", "httpstatuscode", "httpcode",
		"responsecode", "resultcode", "state")
	// messageKeys hold text: a status word is bookkeeping, any other value
	// is content (a note's "title" and "description" are its data).
	messageKeys = set("message", "msg", "messages", "detail", "details", "title", "description",
		"reason", "type", "hint", "info", "statusmessage", "statustext", "statusdescription")
	// signalTextKeys are the messageKeys whose error text ("Not Found",
	// "you do not have permission…") is an error signal.
	signalTextKeys = set("message", "msg", "messages", "detail", "details", "reason",
		"statusmessage", "statustext", "statusdescription")
	// metaKeys are envelope bookkeeping, never the object's own data:
	// request and trace ids, pagination, hypermedia links, API metadata.
	metaKeys = set("requestid", "traceid", "correlationid", "spanid", "timestamp", "servertime",
		"instance", "documentationurl", "docurl", "helpurl", "moreinfo", "links", "link", "meta",
		"jsonapi", "pagination", "paging", "page", "pages", "pageinfo", "perpage", "pagesize",
		"pagenumber", "pageindex", "pagecount", "totalpages", "total", "totalcount", "totalitems",
		"totalelements", "totalresults", "totalrecords", "totalhits", "count", "offset", "limit",
		"next", "nextpage", "nexturl", "nextcursor", "nextpagetoken", "nextlink", "prev",
		"previous", "prevpage", "prevcursor", "cursor", "hasmore", "hasnext", "hasprevious",
		"hasnextpage", "first", "last", "size", "sort", "pageable", "numberofelements", "empty",
		"took", "timedout", "url", "href", "self", "uri", "object", "kind", "apiversion",
		"generatedat", "path")
	// envelopeKeys wrap the object itself: {"data": {…}}. When the only
	// data is under one of them, the object inside is classified.
	envelopeKeys = set("data", "result", "response", "payload", "body", "content", "value",
		"item", "record", "entity", "resource")
	// statusWords are status values, not content; errorWords the ones
	// that say an error.
	statusWords = set("ok", "success", "successful", "succeeded", "done", "completed",
		"accepted", "nocontent", "true", "false", "fail", "failed", "failure", "error", "ko",
		"denied", "forbidden", "unauthorized", "unauthorised", "notfound", "invalid", "rejected")
	errorWords = set("false", "fail", "failed", "failure", "error", "ko", "denied", "forbidden",
		"unauthorized", "unauthorised", "notfound", "invalid", "rejected")
)

// set makes a set of strings.
func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// jsonKind classifies a JSON body by its leaves.
func jsonKind(leaves map[string]string) Kind {
	content := false
	for _, v := range leaves {
		if !emptyLeaf(v) {
			content = true
			break
		}
	}
	if !content {
		return Empty
	}
	if v, ok := leaves[Root]; ok { // a scalar body
		if isString(v) && isErrorText(scalar(v)) {
			return ErrorShaped
		}
		return Data
	}
	for p := range leaves {
		if strings.HasPrefix(p, "$[") && !strings.HasPrefix(p, `$["`) { // an array
			return Data
		}
		break
	}
	return objectKind(leaves, Root, 0)
}

// group is what an object's member holds.
type group struct {
	content bool   // a leaf below it is not empty
	direct  string // its canonical text when it is a leaf, else ""
}

// objectKind classifies the object at path prefix. depth counts the
// envelopes already opened.
func objectKind(leaves map[string]string, prefix string, depth int) Kind {
	groups := map[string]*group{}
	for p, v := range leaves {
		if len(p) <= len(prefix) || !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := p[len(prefix):]
		if rest[0] != '.' && !strings.HasPrefix(rest, `["`) {
			continue // prefix is an array here, or a longer key
		}
		n := firstSegmentLen(rest)
		seg := rest[:n]
		g := groups[seg]
		if g == nil {
			g = &group{}
			groups[seg] = g
		}
		if !emptyLeaf(v) {
			g.content = true
		}
		if n == len(rest) {
			g.direct = v
		}
	}
	var errSignal, msgContent bool
	var dataSegs []string
	for seg, g := range groups {
		if !g.content {
			continue
		}
		key := ""
		if s := segments(seg); len(s) == 1 {
			key = s[0].key
		}
		nk := normKey(key)
		switch {
		case errorKeys[nk]:
			if !noError(g.direct) {
				errSignal = true
			}
		case successKeys[nk]:
			if g.direct == "false" || statusWord(g.direct) == "false" || g.direct == "0" {
				errSignal = true
			}
		case statusKeys[nk]:
			if code, ok := httpStatus(g.direct); ok {
				if code >= 400 && code <= 599 {
					errSignal = true
				}
			} else if w := statusWord(g.direct); w != "" {
				if errorWords[w] {
					errSignal = true
				}
			} else if !isNumber(g.direct) {
				msgContent = true
			}
		case messageKeys[nk]:
			switch w := statusWord(g.direct); {
			case w != "":
				if errorWords[w] {
					errSignal = true
				}
			case signalTextKeys[nk] && isString(g.direct) && isErrorText(scalar(g.direct)):
				errSignal = true
			default:
				msgContent = true
			}
		case metaKeys[nk]:
		case envelopeKeys[nk] && isString(g.direct) && statusWord(g.direct) != "":
			// {"result": "error"}: a status word, not the object.
			if errorWords[statusWord(g.direct)] {
				errSignal = true
			}
		default:
			dataSegs = append(dataSegs, seg)
		}
	}
	if len(dataSegs) > 0 {
		if len(dataSegs) == 1 && depth < 2 && groups[dataSegs[0]].direct == "" {
			if s := segments(dataSegs[0]); len(s) == 1 && envelopeKeys[normKey(s[0].key)] {
				inner := prefix + dataSegs[0]
				if _, isArray := firstChild(leaves, inner); !isArray {
					switch k := objectKind(leaves, inner, depth+1); {
					case k == ErrorShaped, k == Empty && errSignal:
						return ErrorShaped
					case k == Empty:
						return Empty
					}
				}
			}
		}
		return Data
	}
	switch {
	case errSignal:
		return ErrorShaped
	case msgContent:
		return Data
	default:
		return Empty
	}
}

// firstChild reports whether the container at path p has a member, and
// whether p is an array.
func firstChild(leaves map[string]string, p string) (found, isArray bool) {
	for q := range leaves {
		if len(q) > len(p) && strings.HasPrefix(q, p) {
			if q[len(p)] == '[' && !strings.HasPrefix(q[len(p):], `["`) {
				return true, true
			}
			if q[len(p)] == '.' || q[len(p)] == '[' {
				found = true
			}
		}
	}
	return found, false
}

// firstSegmentLen is the length of the first segment of rest, which
// starts with '.' or '['.
func firstSegmentLen(rest string) int {
	if rest[0] == '.' {
		for j := 1; j < len(rest); j++ {
			if rest[j] == '.' || rest[j] == '[' {
				return j
			}
		}
		return len(rest)
	}
	if strings.HasPrefix(rest, `["`) {
		return min(skipQuoted(rest, 1)+1, len(rest))
	}
	if j := strings.IndexByte(rest, ']'); j >= 0 {
		return j + 1
	}
	return len(rest)
}

// noError reports whether an error key's canonical value says there is
// no error (false, 0, "", "ok", "success", "none", "no error").
func noError(canon string) bool {
	switch canon {
	case "false", "0", "null": // "" is a container with content
		return true
	}
	if isString(canon) {
		switch normKey(scalar(canon)) {
		case "", "ok", "success", "none", "noerror", "false", "0":
			return true
		}
	}
	return false
}

// statusWord is the folded status word a canonical leaf holds ("ok",
// "notfound", "false"), or "".
func statusWord(canon string) string {
	if canon == "true" || canon == "false" {
		return canon
	}
	if !isString(canon) {
		return ""
	}
	if w := normKey(scalar(canon)); statusWords[w] {
		return w
	}
	return ""
}

// httpStatus reads a numeric status: a JSON integer or a string of
// digits.
func httpStatus(canon string) (int, bool) {
	s := canon
	if isString(canon) {
		s = strings.TrimSpace(scalar(canon))
	}
	if !allDigits(s) || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// The pieces of an HTML or XML page that classify it.
var (
	titleRe    = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	h1Re       = regexp.MustCompile(`(?is)<h1[^>]*>(.*?)</h1>`)
	tagRe      = regexp.MustCompile(`(?s)<[^>]*>`)
	passwordRe = regexp.MustCompile(`(?i)<input[^>]*type\s*=\s*["']?password`)
	rootTagRe  = regexp.MustCompile(`^(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<([A-Za-z_][\w:.-]*)`)
	xmlErrors  = set("error", "errors", "errorresponse", "fault", "soapfault", "problem")
)

// textKind classifies a non-JSON body (trimmed, not empty).
func textKind(contentType, text string) Kind {
	if text == "" {
		return Empty
	}
	ct := strings.ToLower(contentType)
	head := strings.ToLower(text[:min(len(text), 512)])
	m := rootTagRe.FindStringSubmatch(text[:min(len(text), 4096)])
	// An XML document (by its content type or declaration) whose root is
	// not <html> is not a page, even with a <title> element in it.
	xmlDoc := m != nil && !strings.EqualFold(m[1], "html") &&
		(strings.Contains(ct, "xml") || strings.HasPrefix(head, "<?xml"))
	if strings.Contains(ct, "html") || strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		(!xmlDoc && (strings.Contains(head, "<head") || strings.Contains(head, "<title"))) {
		return htmlKind(text)
	}
	if m != nil {
		name := m[1]
		if i := strings.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if xmlErrors[normKey(name)] {
			return ErrorShaped
		}
		return Data
	}
	if isErrorText(text) {
		return ErrorShaped
	}
	return Data
}

// htmlKind classifies an HTML page: an error or login page when its title
// or first heading says so, or it asks for a password; a page with
// neither and at most 200 bytes of visible text is classified by that
// text.
func htmlKind(page string) Kind {
	if passwordRe.MatchString(page) {
		return ErrorShaped
	}
	found := false
	for _, re := range []*regexp.Regexp{titleRe, h1Re} {
		if m := re.FindStringSubmatch(page); m != nil {
			found = true
			t := tagRe.ReplaceAllString(m[1], " ")
			if hasPhrase(t, errorPhrases) || hasPhrase(t, loginPhrases) {
				return ErrorShaped
			}
		}
	}
	if !found {
		if visible := strings.Join(strings.Fields(tagRe.ReplaceAllString(page, " ")), " "); visible == "" {
			return Empty
		} else if isErrorText(visible) {
			return ErrorShaped
		}
	}
	return Data
}
