package reports

import (
	"sort"

	"github.com/authzscan/authzscan/scanner"
	"github.com/authzscan/authzscan/scanner/judge"
)

// sarifRuleDoc describes one finding kind as a SARIF rule.
//
// SecuritySeverity follows the judge's severity for the kind
// (docs/decisions.md: unauthenticated critical; bola and bfla high;
// lockout medium; status-code low) on GitHub's scale: over 9.0 critical,
// 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
type sarifRuleDoc struct {
	kind             scanner.Kind
	name             string
	severity         scanner.Severity
	securitySeverity string
	short, full      string
	helpText         string
	helpMarkdown     string
	helpURI          string
	tags             []string
}

// sarifRuleDocs are the rules every report.sarif lists, whatever it
// found, so that code scanning knows them all and an empty run closes
// every fixed alert.
var sarifRuleDocs = []sarifRuleDoc{
	{
		kind:             judge.KindBOLA,
		name:             "BrokenObjectLevelAuthorization",
		severity:         judge.SeverityHigh,
		securitySeverity: "8.1",
		short:            "Broken object level authorization (BOLA / IDOR)",
		full: "An identity read or changed another identity's object: the API accepted an object id the caller does not own " +
			"and answered with success where the policy expects a refusal.",
		helpText: `What it means: authzscan called this operation as one profile with an object id (path, query or body parameter) that belongs to another profile, and the API answered with success. The policy says the caller may only reach its own objects, or none.

Why it matters: object ids are easy to guess or collect (sequential numbers, ids in URLs and logs). Any authenticated user can read or change other users' data one id at a time. This is the most common and most damaging API flaw (OWASP API Security Top 10 2023, API1).

How to fix it: check ownership on every request that takes an object id, on the server, after loading the object and before returning or changing it: compare the object's owner (or tenant) with the caller from the verified credentials, never with an id sent by the client. Put the check in one place (a data-access layer or middleware) rather than in each handler, and answer 403 (or 404, if the object's existence is itself secret). Re-run the scan: the cell must become a refusal.

Reproduce: the result's curl property replays the request with secrets as ${VAR} placeholders.

References: OWASP API1:2023 Broken Object Level Authorization; CWE-639 Authorization Bypass Through User-Controlled Key; CWE-285 Improper Authorization.`,
		helpMarkdown: `## Broken object level authorization (BOLA / IDOR)

**What it means.** authzscan called this operation as one profile with an object id (path, query or body parameter) that belongs to *another* profile, and the API answered with success. The policy says the caller may only reach its own objects, or none.

**Why it matters.** Object ids are easy to guess or collect (sequential numbers, ids in URLs and logs). Any authenticated user can read or change other users' data one id at a time. This is the most common and most damaging API flaw (OWASP API Security Top 10 2023, API1).

**How to fix it.**

- Check ownership on every request that takes an object id, on the server, after loading the object and before returning or changing it.
- Compare the object's owner (or tenant) with the caller taken from the verified credentials, never with an id sent by the client.
- Put the check in one place (a data-access layer or middleware) rather than in each handler.
- Answer ` + "`403`" + ` (or ` + "`404`" + ` when the object's existence is itself secret), then re-run the scan: the cell must become a refusal.

**Reproduce.** The result's ` + "`curl`" + ` property replays the request, with secrets as ` + "`${VAR}`" + ` placeholders.

**References.**
[OWASP API1:2023 Broken Object Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/) ·
[CWE-639](https://cwe.mitre.org/data/definitions/639.html) ·
[CWE-285](https://cwe.mitre.org/data/definitions/285.html)`,
		helpURI: "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
		tags:    []string{"security", "authorization", "api", "bola", "idor", "OWASP-API1:2023", "CWE-639", "CWE-285"},
	},
	{
		kind:             judge.KindBFLA,
		name:             "BrokenFunctionLevelAuthorization",
		severity:         judge.SeverityHigh,
		securitySeverity: "8.1",
		short:            "Broken function level authorization (BFLA)",
		full: "An identity used a function its role is not allowed to use: an operation reserved to other roles " +
			"(administration, support, another tenant's staff) answered with success.",
		helpText: `What it means: authzscan called this operation with a profile whose role the policy does not allow here, and the API answered with success. A function meant for other roles (administration, support, back office) is open to this one.

Why it matters: attackers look for such functions by changing the method (GET to DELETE), the path (/users to /admin/users) or a parameter; one reachable administrative function can expose every user's data or hand over the service (OWASP API Security Top 10 2023, API5).

How to fix it: deny by default and grant each operation to the roles that need it, in one authorization layer that every route goes through (a middleware or a policy engine), keyed on the role from the verified credentials. Do not rely on the client hiding a button or on an "admin" path prefix. Check that every method of a path is covered, not only GET. Re-run the scan: the cell must become a refusal.

Reproduce: the result's curl property replays the request with secrets as ${VAR} placeholders.

References: OWASP API5:2023 Broken Function Level Authorization; CWE-285 Improper Authorization.`,
		helpMarkdown: `## Broken function level authorization (BFLA)

**What it means.** authzscan called this operation with a profile whose *role* the policy does not allow here, and the API answered with success. A function meant for other roles (administration, support, back office) is open to this one.

**Why it matters.** Attackers look for such functions by changing the method (` + "`GET`" + ` to ` + "`DELETE`" + `), the path (` + "`/users`" + ` to ` + "`/admin/users`" + `) or a parameter; one reachable administrative function can expose every user's data or hand over the service (OWASP API Security Top 10 2023, API5).

**How to fix it.**

- Deny by default, and grant each operation to the roles that need it.
- Enforce it in one authorization layer that every route goes through (a middleware or a policy engine), keyed on the role from the verified credentials.
- Do not rely on the client hiding a button, or on an "admin" path prefix.
- Cover every method of a path, not only ` + "`GET`" + `; then re-run the scan: the cell must become a refusal.

**Reproduce.** The result's ` + "`curl`" + ` property replays the request, with secrets as ` + "`${VAR}`" + ` placeholders.

**References.**
[OWASP API5:2023 Broken Function Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/) ·
[CWE-285](https://cwe.mitre.org/data/definitions/285.html)`,
		helpURI: "https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",
		tags:    []string{"security", "authorization", "api", "bfla", "OWASP-API5:2023", "CWE-285"},
	},
	{
		kind:             judge.KindUnauthenticated,
		name:             "UnauthenticatedAccess",
		severity:         judge.SeverityCritical,
		securitySeverity: "9.1",
		short:            "Protected operation reachable without credentials",
		full: "A request with no credentials at all got a success from an operation that requires authentication " +
			"(by the policy, or by the spec's security requirements).",
		helpText: `What it means: authzscan called this operation as the anonymous profile, with no credentials at all, and the API answered with success. The policy (or the operation's security requirement in the spec) says callers must authenticate.

Why it matters: anyone on the network can call it: no account, no token, nothing to revoke and often nothing in the logs that ties the call to a person. Data or actions behind it are public (OWASP API Security Top 10 2023, API2).

How to fix it: require authentication by default for every route, in middleware that runs before the handler, and list the few public operations explicitly. Make sure the check runs for every method and every path variant (trailing slash, case, encoded characters, API versions), and that a missing or invalid credential gets 401 with a WWW-Authenticate header. Keep the spec's security requirements in step with the code. Re-run the scan: the anonymous cell must become a refusal.

Reproduce: the result's curl property replays the request; it carries no credentials.

References: OWASP API2:2023 Broken Authentication; CWE-306 Missing Authentication for Critical Function.`,
		helpMarkdown: `## Protected operation reachable without credentials

**What it means.** authzscan called this operation as the *anonymous* profile, with no credentials at all, and the API answered with success. The policy (or the operation's ` + "`security`" + ` requirement in the spec) says callers must authenticate.

**Why it matters.** Anyone on the network can call it: no account, no token, nothing to revoke, and often nothing in the logs that ties the call to a person. Data or actions behind it are public (OWASP API Security Top 10 2023, API2).

**How to fix it.**

- Require authentication by default for every route, in middleware that runs before the handler, and list the few public operations explicitly.
- Make sure the check runs for every method and every path variant (trailing slash, case, encoded characters, API versions).
- Answer a missing or invalid credential with ` + "`401`" + ` and a ` + "`WWW-Authenticate`" + ` header.
- Keep the spec's ` + "`security`" + ` requirements in step with the code; then re-run the scan: the anonymous cell must become a refusal.

**Reproduce.** The result's ` + "`curl`" + ` property replays the request; it carries no credentials.

**References.**
[OWASP API2:2023 Broken Authentication](https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/) ·
[CWE-306](https://cwe.mitre.org/data/definitions/306.html)`,
		helpURI: "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
		tags:    []string{"security", "authentication", "authorization", "api", "OWASP-API2:2023", "CWE-306"},
	},
	{
		kind:             judge.KindLockout,
		name:             "AuthorizationLockout",
		severity:         judge.SeverityMedium,
		securitySeverity: "5.3",
		short:            "Allowed caller refused (lockout)",
		full: "An identity the policy allows here was refused (a deny status, a redirect to a login page or a refusal in the body): " +
			"legitimate users are locked out of the operation.",
		helpText: `What it means: authzscan called this operation with a profile the policy allows here, and the API refused it (a deny status such as 401 or 403, a redirect to a login page, or a deny.body match).

Why it matters: a wrong refusal is the other half of broken access control. It usually comes from a deploy that changed a role mapping, a scope, a route guard or a gateway rule, and the same change often opens something elsewhere. For users it is an outage of that function.

How to fix it: find the change that introduced the refusal (compare with the last report where this cell passed, using --baseline or authzscan diff), then fix the grant in the authorization layer or the role mapping. If the refusal is intended, change the policy in authzscan.yaml instead, so that the scan expects it.

Reproduce: the result's curl property replays the request with secrets as ${VAR} placeholders.

References: CWE-285 Improper Authorization.`,
		helpMarkdown: `## Allowed caller refused (lockout)

**What it means.** authzscan called this operation with a profile the policy *allows* here, and the API refused it (a deny status such as ` + "`401`" + ` or ` + "`403`" + `, a redirect to a login page, or a ` + "`deny.body`" + ` match).

**Why it matters.** A wrong refusal is the other half of broken access control. It usually comes from a deploy that changed a role mapping, a scope, a route guard or a gateway rule, and the same change often opens something elsewhere. For users it is an outage of that function.

**How to fix it.**

- Find the change that introduced the refusal: compare with the last report where this cell passed (` + "`--baseline`" + `, ` + "`authzscan diff`" + `).
- Fix the grant in the authorization layer or the role mapping.
- If the refusal is intended, change the ` + "`policy`" + ` in ` + "`authzscan.yaml`" + ` instead, so that the scan expects it.

**Reproduce.** The result's ` + "`curl`" + ` property replays the request, with secrets as ` + "`${VAR}`" + ` placeholders.

**References.**
[CWE-285](https://cwe.mitre.org/data/definitions/285.html)`,
		helpURI: "https://cwe.mitre.org/data/definitions/285.html",
		tags:    []string{"security", "authorization", "api", "lockout", "CWE-285"},
	},
	{
		kind:             judge.KindStatusCode,
		name:             "StatusCodeMisuse",
		severity:         judge.SeverityLow,
		securitySeverity: "3.1",
		short:            "Refusal with the wrong status code",
		full: "The API refused with a misleading status: 401 to a caller whose credentials were valid, " +
			"401 without a WWW-Authenticate header, or 403 where 401 and WWW-Authenticate belong.",
		helpText: `What it means: the refusal itself was right, but its status code was not. 401 Unauthorized means "no valid credentials: authenticate" and must carry a WWW-Authenticate header; 403 Forbidden means "your credentials are fine, but you may not do this". authzscan saw 401 sent to a caller with valid credentials, 401 without WWW-Authenticate, or 403 to a caller with no credentials.

Why it matters: clients act on the code. A 401 to a logged-in user makes clients drop a valid session or loop on re-login; a 403 without credentials hides that logging in would help. Mixed codes also make monitoring and scanners unable to tell an expired session from a denied one.

How to fix it: answer a missing, expired or invalid credential with 401 and a WWW-Authenticate header naming the scheme (for example "Bearer"), and a valid credential without the right with 403. Decide it in the one layer that authenticates, not in each handler.

References: RFC 9110 sections 15.5.2 (401 Unauthorized), 15.5.4 (403 Forbidden) and 11.6.1 (WWW-Authenticate); CWE-393 Return of Wrong Status Code.`,
		helpMarkdown: `## Refusal with the wrong status code

**What it means.** The refusal itself was right, but its status code was not. ` + "`401 Unauthorized`" + ` means "no valid credentials: authenticate" and must carry a ` + "`WWW-Authenticate`" + ` header; ` + "`403 Forbidden`" + ` means "your credentials are fine, but you may not do this". authzscan saw one of:

- ` + "`401`" + ` sent to a caller with valid credentials;
- ` + "`401`" + ` without ` + "`WWW-Authenticate`" + `;
- ` + "`403`" + ` to a caller with no credentials.

**Why it matters.** Clients act on the code. A ` + "`401`" + ` to a logged-in user makes clients drop a valid session or loop on re-login; a ` + "`403`" + ` without credentials hides that logging in would help. Mixed codes also keep monitoring and scanners from telling an expired session from a denied one.

**How to fix it.** Answer a missing, expired or invalid credential with ` + "`401`" + ` and a ` + "`WWW-Authenticate`" + ` header naming the scheme (for example ` + "`Bearer`" + `), and a valid credential without the right with ` + "`403`" + `. Decide it in the one layer that authenticates, not in each handler.

**References.**
[RFC 9110 §15.5.2 401 Unauthorized](https://www.rfc-editor.org/rfc/rfc9110#name-401-unauthorized) ·
[§15.5.4 403 Forbidden](https://www.rfc-editor.org/rfc/rfc9110#name-403-forbidden) ·
[§11.6.1 WWW-Authenticate](https://www.rfc-editor.org/rfc/rfc9110#name-www-authenticate) ·
[CWE-393](https://cwe.mitre.org/data/definitions/393.html)`,
		helpURI: "https://www.rfc-editor.org/rfc/rfc9110#name-401-unauthorized",
		tags:    []string{"security", "authentication", "api", "http", "CWE-393"},
	},
}

// sarifRules returns the rules of a log that reports the given kinds:
// every documented kind, plus a generic rule for any kind this version
// does not know (a report.json from a newer authzscan), sorted by id.
// index maps a kind to its rule's position.
func sarifRules(kinds []scanner.Kind) (rules []sarifRule, index map[scanner.Kind]int) {
	docs := make(map[scanner.Kind]sarifRuleDoc, len(sarifRuleDocs))
	for _, d := range sarifRuleDocs {
		docs[d.kind] = d
	}
	for _, k := range kinds {
		if _, ok := docs[k]; !ok {
			docs[k] = unknownRuleDoc(k)
		}
	}
	ids := make([]string, 0, len(docs))
	for k := range docs {
		ids = append(ids, string(k))
	}
	sort.Strings(ids)
	index = make(map[scanner.Kind]int, len(ids))
	for i, id := range ids {
		d := docs[scanner.Kind(id)]
		index[d.kind] = i
		rules = append(rules, sarifRule{
			ID:                   id,
			Name:                 d.name,
			ShortDescription:     sarifMessage{Text: d.short},
			FullDescription:      sarifMessage{Text: d.full},
			Help:                 sarifMultiformat{Text: d.helpText, Markdown: d.helpMarkdown},
			HelpURI:              d.helpURI,
			DefaultConfiguration: sarifConfiguration{Level: sarifLevel(d.severity)},
			Properties:           sarifRuleProperty{Tags: d.tags, SecuritySeverity: d.securitySeverity},
		})
	}
	return rules, index
}

// unknownRuleDoc describes a kind this version has no text for. It is
// rated medium: unknown is not harmless, and not proven critical.
func unknownRuleDoc(k scanner.Kind) sarifRuleDoc {
	text := "authzscan reported a finding of kind \"" + string(k) + "\", which this version of authzscan does not describe. " +
		"Read the result's message and evidence, or render the report with the authzscan version that wrote it."
	return sarifRuleDoc{
		kind:             k,
		name:             "UnknownFinding",
		severity:         judge.SeverityMedium,
		securitySeverity: "5.0",
		short:            "Finding of kind " + string(k),
		full:             text,
		helpText:         text,
		tags:             []string{"security", "api"},
	}
}
