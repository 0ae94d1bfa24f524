package profiles

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Grants of the oauth2 auth kind.
const (
	GrantClientCredentials = "client_credentials"
	GrantPassword          = "password"
)

// oauth2Flow obtains an access token from an OAuth2 token endpoint: the
// client credentials grant, or the resource-owner password grant (which
// uses the refresh token it got, when it got one).
type oauth2Flow struct {
	profile   string
	grant     string
	tokenURL  *url.URL
	clientID  string
	secret    Secret
	scopes    []string
	authStyle oauth2.AuthStyle
	params    url.Values
	username  string
	password  Secret
	redactor  *Redactor

	mu      sync.Mutex
	refresh string
}

var _ fetcher = (*oauth2Flow)(nil)

func (o *oauth2Flow) describe() string {
	return fmt.Sprintf("oauth2 %s grant at POST %s", o.grant, o.tokenURL)
}

func (o *oauth2Flow) origins() []*url.URL { return []*url.URL{o.tokenURL} }

func (o *oauth2Flow) captures() []string { return []string{"token"} }

// doerTransport sends the oauth2 package's requests through the scan's
// Doer: they pay the rate limit and obey the origin rules.
type doerTransport struct{ doer Doer }

func (t doerTransport) RoundTrip(req *http.Request) (*http.Response, error) { return t.doer.Do(req) }

func (o *oauth2Flow) fetch(ctx context.Context, doer Doer, _ *url.URL) (map[string]string, time.Duration, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{
		Transport:     doerTransport{doer},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	})
	var tok *oauth2.Token
	var err error
	switch o.grant {
	case GrantPassword:
		tok, err = o.passwordToken(ctx)
	default:
		cc := clientcredentials.Config{
			ClientID: o.clientID, ClientSecret: o.secret.Reveal(), TokenURL: o.tokenURL.String(),
			Scopes: o.scopes, EndpointParams: o.params, AuthStyle: o.authStyle,
		}
		tok, err = cc.Token(ctx)
	}
	if err != nil {
		return nil, 0, o.explain(err)
	}
	if tok.AccessToken == "" {
		return nil, 0, &LoginError{Profile: o.profile, Step: "oauth2", Msg: fmt.Sprintf("the token response from %s has no access_token", o.tokenURL)}
	}
	if tt := tok.Type(); !strings.EqualFold(tt, "Bearer") {
		return nil, 0, &LoginError{Profile: o.profile, Step: "oauth2", Msg: fmt.Sprintf("the token from %s is of type %q; authzscan sends Bearer tokens", o.tokenURL, tt)}
	}
	if tok.RefreshToken != "" {
		o.redactor.Add(tok.RefreshToken, "${"+envName(o.profile, "refresh_token")+"}")
		o.mu.Lock()
		o.refresh = tok.RefreshToken
		o.mu.Unlock()
	}
	var lifetime time.Duration
	if !tok.Expiry.IsZero() {
		lifetime = time.Until(tok.Expiry)
	}
	return map[string]string{"token": tok.AccessToken}, lifetime, nil
}

// passwordToken uses the refresh token of the last grant when there is
// one, and the password otherwise (or when the refresh is refused).
func (o *oauth2Flow) passwordToken(ctx context.Context) (*oauth2.Token, error) {
	conf := oauth2.Config{ClientID: o.clientID, ClientSecret: o.secret.Reveal(), Scopes: o.scopes,
		Endpoint: oauth2.Endpoint{TokenURL: o.tokenURL.String(), AuthStyle: o.authStyle}}
	o.mu.Lock()
	refresh := o.refresh
	o.mu.Unlock()
	if refresh != "" {
		old := &oauth2.Token{RefreshToken: refresh, Expiry: time.Unix(1, 0)}
		if tok, err := conf.TokenSource(ctx, old).Token(); err == nil {
			return tok, nil
		}
	}
	return conf.PasswordCredentialsToken(ctx, o.username, o.password.Reveal())
}

// explain turns an oauth2 error into one line naming the endpoint, what it
// answered and what to fix, without the response body (it may echo
// credentials).
func (o *oauth2Flow) explain(err error) error {
	var re *oauth2.RetrieveError
	var th *ThrottledError
	msg := ""
	if errors.As(err, &th) {
		msg = fmt.Sprintf("the token endpoint %s %v", o.tokenURL, th)
	} else if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		msg = fmt.Sprintf("the token endpoint %s answered %d", o.tokenURL, status)
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
			if re.ErrorDescription != "" {
				msg += " (" + capLine(re.ErrorDescription, 200) + ")"
			}
		}
		switch re.ErrorCode {
		case "invalid_client", "unauthorized_client":
			msg += "; check client_id, client_secret and auth_style"
		case "invalid_grant":
			msg += "; check the username and password"
		case "invalid_scope":
			msg += "; check scopes"
		default:
			msg += "; check the oauth2 block of the profile"
		}
	} else {
		msg = fmt.Sprintf("the token request to %s failed: %v", o.tokenURL, err)
	}
	return &LoginError{Profile: o.profile, Step: "oauth2", Msg: o.redactor.Redact(msg), Err: err}
}

// capLine keeps the first max bytes of s on one line.
func capLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
