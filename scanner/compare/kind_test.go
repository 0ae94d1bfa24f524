package compare

import (
	"strings"
	"testing"
)

// Parse classifies real-world bodies: error envelopes of many APIs, empty
// envelopes, error and login pages, XML error documents and short error
// texts are not data; records whose fields look like an envelope's are.
func TestParseKindRealWorld(t *testing.T) {
	t.Parallel()
	const (
		js      = "application/json"
		problem = "application/problem+json"
		html    = "text/html; charset=utf-8"
		xml     = "application/xml"
		plain   = "text/plain; charset=utf-8"
	)
	tests := []struct {
		name string
		ct   string
		body string
		want Kind
	}{
		// JSON error envelopes.
		{"bare error", js, `{"error":"not found"}`, ErrorShaped},
		{"error true with message", js, `{"error":true,"message":"Not found"}`, ErrorShaped},
		{"success false", js, `{"success":false,"message":"You cannot view this note"}`, ErrorShaped},
		{"success false with neutral message", js, `{"success":false,"message":"Please try again"}`, ErrorShaped},
		{"success false with null data", js, `{"success":false,"data":null,"message":"Unauthorized"}`, ErrorShaped},
		{"status 404 number", js, `{"status":404,"message":"Note 1042 does not exist"}`, ErrorShaped},
		{"status 403 string", js, `{"status":"403","message":"nope"}`, ErrorShaped},
		{"status word and message (jsend error)", js, `{"status":"error","message":"Unable to read the record"}`, ErrorShaped},
		{"status NOT_FOUND", js, `{"status":"NOT_FOUND","message":"No such entity"}`, ErrorShaped},
		{"spring boot", js, `{"timestamp":"2024-05-01T10:00:00.000+00:00","status":404,"error":"Not Found","message":"No message available","path":"/api/notes/1042"}`, ErrorShaped},
		{"nestjs", js, `{"statusCode":403,"message":"Forbidden resource","error":"Forbidden"}`, ErrorShaped},
		{"errors list of objects", js, `{"errors":[{"status":"404","title":"Not Found","detail":"note 1042"}]}`, ErrorShaped},
		{"errors list of strings", js, `{"errors":["record not found"]}`, ErrorShaped},
		{"rails validation errors", js, `{"errors":{"id":["is invalid"]}}`, ErrorShaped},
		{"code and message", js, `{"code":404,"message":"Not Found"}`, ErrorShaped},
		{"code word", js, `{"code":"NOT_FOUND","message":"the note is gone"}`, ErrorShaped},
		{"error code and message keys", js, `{"errorCode":"E404","errorMessage":"Resource not found"}`, ErrorShaped},
		{"slack", js, `{"ok":false,"error":"channel_not_found"}`, ErrorShaped},
		{"stripe", js, `{"error":{"code":"resource_missing","message":"No such customer: 'cus_123'","type":"invalid_request_error"}}`, ErrorShaped},
		{"google", js, `{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}`, ErrorShaped},
		{"azure", js, `{"error":{"code":"ResourceNotFound","message":"The Resource 'x' was not found."}}`, ErrorShaped},
		{"aws json", js, `{"__type":"AccessDeniedException","message":"User is not authorized to perform this action"}`, ErrorShaped},
		{"api gateway", js, `{"message":"Forbidden"}`, ErrorShaped},
		{"laravel", js, `{"message":"Unauthenticated."}`, ErrorShaped},
		{"drf not found", js, `{"detail":"Not found."}`, ErrorShaped},
		{"apigee fault", js, `{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}`, ErrorShaped},
		{"rfc 7807", problem, `{"type":"https://example.com/probs/forbidden","title":"Forbidden","status":403,"detail":"Note 1042 belongs to another user","instance":"/notes/1042"}`, ErrorShaped},
		{"rfc 7807 without status", problem, `{"type":"https://example.com/probs/not-found","title":"Not Found"}`, ErrorShaped},
		{"graphql null data and errors", js, `{"data":null,"errors":[{"message":"Not authorised","path":["note"],"extensions":{"code":"FORBIDDEN"}}]}`, ErrorShaped},
		{"graphql null field and errors", js, `{"data":{"note":null},"errors":[{"message":"note not found"}]}`, ErrorShaped},
		{"error in the data envelope", js, `{"success":true,"data":{"error":"access denied"}}`, ErrorShaped},
		{"error beside an empty list", js, `{"error":"forbidden","items":[],"total":0}`, ErrorShaped},
		{"result word error", js, `{"result":"error","message":"Record not found"}`, ErrorShaped},
		{"response word failure", js, `{"response":"failure","reason":"no access"}`, ErrorShaped},
		{"xssi guarded error", js, ")]}'\n{\"error\":\"forbidden\"}", ErrorShaped},
		{"json string error", js, `"Access denied"`, ErrorShaped},

		// JSON without data.
		{"success with null data", js, `{"data":null,"success":true}`, Empty},
		{"empty page", js, `{"items":[],"total":0}`, Empty},
		{"drf empty page", js, `{"count":0,"next":null,"previous":null,"results":[]}`, Empty},
		{"spring empty page", js, `{"content":[],"totalElements":0,"totalPages":0,"size":20,"empty":true,"first":true,"last":true}`, Empty},
		{"empty data with meta", js, `{"data":[],"meta":{"total":0,"page":1}}`, Empty},
		{"ok alone", js, `{"ok":true}`, Empty},
		{"message success", js, `{"message":"Success","data":{}}`, Empty},
		{"status ok", js, `{"status":"ok"}`, Empty},
		{"status 200 with null result", js, `{"status":200,"result":null}`, Empty},
		{"result word success with null data", js, `{"result":"success","data":null}`, Empty},
		{"null error and empty data", js, `{"error":null,"data":{}}`, Empty},

		// JSON data whose fields look like an envelope's.
		{"record with title, description, status and code", js, `{"id":1042,"title":"Quarterly report","description":"Numbers for Q3","status":"active","code":"ABC123"}`, Data},
		{"title and description only", js, `{"title":"Grocery list","description":"milk, eggs"}`, Data},
		{"status active only", js, `{"status":"active"}`, Data},
		{"coupon", js, `{"code":"ABC123","discount":10}`, Data},
		{"movie titled not found", js, `{"title":"Not Found","year":2010}`, Data},
		{"message with an id", js, `{"message":"Your order has shipped","orderId":1042}`, Data},
		{"policy description mentioning denial", js, `{"description":"Permission denied for guests"}`, Data},
		{"invoice type and status", js, `{"type":"invoice","status":"paid","amount":120}`, Data},
		{"errors counter", js, `{"errors":0,"warnings":2,"name":"build 7"}`, Data},
		{"error rate", js, `{"errorRate":0.5}`, Data},
		{"address state", js, `{"state":"CA","city":"Oakland"}`, Data},
		{"job that failed", js, `{"id":"job-7","state":"failed"}`, Data},
		{"success with user", js, `{"success":true,"message":"ok","user":{"id":1042}}`, Data},
		{"status 200 with data", js, `{"status":200,"data":{"id":1042,"name":"Alice"}}`, Data},
		{"jsend success", js, `{"status":"success","data":{"note":{"id":1042,"text":"hi"}}}`, Data},
		{"result word beside data", js, `{"result":"ok","data":{"id":1042,"name":"Alice"}}`, Data},
		{"boolean value", js, `{"value":false}`, Data},
		{"detail object", js, `{"detail":{"id":1042,"name":"Alice"}}`, Data},
		{"data beside empty errors", js, `{"data":{"id":1042},"errors":[]}`, Data},
		{"graphql data", js, `{"data":{"note":{"id":"1042","text":"hi"}}}`, Data},
		{"list of records with errors inside", js, `[{"id":1,"error":"none yet"}]`, Data},
		{"long message is content", js, `{"message":"` + strings.Repeat("the error handling chapter explains retries ", 6) + `"}`, Data},

		// HTML.
		{"nginx 404", html, "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", ErrorShaped},
		{"apache 403", html, `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1><p>You don't have permission to access this resource.</p></body></html>`, ErrorShaped},
		{"express error", html, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><pre>Cannot GET /api/notes/1042</pre></body></html>`, ErrorShaped},
		{"iis 401", html, `<html><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head><body></body></html>`, ErrorShaped},
		{"login page title", html, `<!doctype html><html><head><title>Log in to Acme</title></head><body><form></form></body></html>`, ErrorShaped},
		{"login form without telling title", html, `<html><head><title>Acme</title></head><body><form method="post"><input name="user"><input type='password' name="pw"></form></body></html>`, ErrorShaped},
		{"heading says sign in", html, `<html><body><h1>Sign in</h1><p>to continue</p></body></html>`, ErrorShaped},
		{"html served as json", js, `<html><head><title>502 Bad Gateway</title></head><body></body></html>`, ErrorShaped},
		{"html data page", html, `<html><head><title>Invoice #1042</title></head><body><p>Total: 120 EUR</p></body></html>`, Data},
		{"html without title, long text", html, "<html><body><p>" + strings.Repeat("Our error budget policy explains retries. ", 8) + "</p></body></html>", Data},
		{"html without title or text", html, `<html><body><div id="root"></div></body></html>`, Empty},

		// XML.
		{"s3 error", xml, `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>X</RequestId></Error>`, ErrorShaped},
		{"aws error response", "text/xml", `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Code>NoSuchEntity</Code></Error></ErrorResponse>`, ErrorShaped},
		{"xml problem", "application/problem+xml", `<?xml version="1.0"?><!-- rfc 7807 --><problem xmlns="urn:ietf:rfc:7807"><title>Forbidden</title></problem>`, ErrorShaped},
		{"soap fault root", "text/xml", `<soapenv:Fault><faultcode>Client</faultcode></soapenv:Fault>`, ErrorShaped},
		{"xml record", xml, `<?xml version="1.0"?><note id="1042"><text>hi</text></note>`, Data},
		{"xml record with an error title", "application/atom+xml", `<feed><title>Error handling</title></feed>`, Data},
		{"xml declaration and an error title", plain, `<?xml version="1.0"?><note><title>Not found</title></note>`, Data},
		{"xhtml error page", "", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>404 Not Found</title></head></html>`, ErrorShaped},
		{"xml record that mentions an error", xml, `<note><title>Error handling</title></note>`, Data},

		// Short texts.
		{"not found", plain, "Not Found", ErrorShaped},
		{"go 404", plain, "404 page not found\n", ErrorShaped},
		{"forbidden", plain, "Forbidden", ErrorShaped},
		{"unauthorized", plain, "Unauthorized", ErrorShaped},
		{"internal server error", plain, "Internal Server Error", ErrorShaped},
		{"too many requests", plain, "Too Many Requests", ErrorShaped},
		{"cloudflare", plain, "error code: 1020", ErrorShaped},
		{"express text", "", "Cannot GET /api/notes/1042", ErrorShaped},
		// A body cut short is text: what the text says classifies it.
		{"truncated json error", js, `{"error":"forbid`, ErrorShaped},
		{"truncated json record", js, `{"id":1042,"name":"Ali`, Data},
		{"short error text at the cap", plain, strings.Repeat("x", maxShortText-len(" not found")) + " not found", ErrorShaped},
		{"error text past the cap", plain, strings.Repeat("x", maxShortText+1-len(" not found")) + " not found", Data},
		{"csv", "text/csv", "id,name\n1042,alice", Data},
		{"word inside a word", plain, "errorless", Data},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := Parse(tc.ct, []byte(tc.body))
			if d.Kind != tc.want {
				t.Errorf("Parse(%q, %q).Kind = %q; want %q (json %v)", tc.ct, tc.body, d.Kind, tc.want, d.JSON)
			}
		})
	}
}
