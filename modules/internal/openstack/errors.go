package openstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// APIError is a failed API call, with what the API itself said about it.
type APIError struct {
	Op        string // what the module was doing: `creating Trove instance "db1"`
	Method    string
	URL       string
	Status    int
	Message   string // the API's own message, as it sent it
	RequestID string // X-Openstack-Request-Id (or the compute/Glance equivalent)
	// GlobalRequestID is the id runbook sent with the request, shown when
	// the service answered without one (find it in the service's log).
	GlobalRequestID string
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	fmt.Fprintf(&b, " (%s %s", e.Method, e.URL)
	if e.RequestID != "" {
		fmt.Fprintf(&b, ", request id %s", e.RequestID)
	} else if e.GlobalRequestID != "" {
		fmt.Fprintf(&b, ", global request id %s", e.GlobalRequestID)
	}
	b.WriteString(")")
	return b.String()
}

// IsNotFound reports whether err is an API 404.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// StatusOf returns the HTTP status of a failed API call, or 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	if u, ok := unexpected(err); ok {
		return u.Actual
	}
	return 0
}

// Wrap describes a failed API call: op says what was being done. An
// unexpected HTTP status becomes an *APIError with the API's message and
// request id; other errors are wrapped with op.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return err
	}
	if u, ok := unexpected(err); ok {
		return &APIError{
			Op:              op,
			Method:          u.Method,
			URL:             u.URL,
			Status:          u.Actual,
			Message:         apiMessage(u.Body),
			RequestID:       requestID(u.ResponseHeader),
			GlobalRequestID: u.ResponseHeader.Get(globalIDHeader),
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func unexpected(err error) (gophercloud.ErrUnexpectedResponseCode, bool) {
	var v gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &v) {
		return v, true
	}
	var p *gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	var ra *gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &ra) {
		return unexpected(ra.ErrOriginal)
	}
	var rv gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &rv) {
		return unexpected(rv.ErrOriginal)
	}
	return gophercloud.ErrUnexpectedResponseCode{}, false
}

func requestID(h http.Header) string {
	for _, k := range []string{"X-Openstack-Request-Id", "X-Compute-Request-Id", "X-Request-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// apiMessage extracts the human message of an OpenStack error body:
// {"badRequest": {"message": ...}} (Trove, Nova), {"error": {"message": ...}}
// (Keystone), {"message": ...}, or Glance's text/HTML page.
func apiMessage(body []byte) string {
	body = []byte(strings.TrimSpace(string(body)))
	if len(body) == 0 {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		var top struct {
			Message string `json:"message"`
			Title   string `json:"title"`
		}
		if json.Unmarshal(body, &top) == nil && top.Message != "" {
			return firstParagraph(top.Message)
		}
		for _, raw := range obj {
			var inner struct {
				Message string `json:"message"`
				Title   string `json:"title"`
			}
			if json.Unmarshal(raw, &inner) == nil && inner.Message != "" {
				return firstParagraph(inner.Message)
			}
		}
		return shorten(string(body))
	}
	// Glance answers with "400 Bad Request\n\nthe message\n\n" or HTML.
	text := htmlTag.ReplaceAllString(string(body), " ")
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(lines) == 0 && looksLikeStatusLine(l) {
			continue
		}
		lines = append(lines, l)
	}
	return shorten(strings.Join(lines, " "))
}

func looksLikeStatusLine(l string) bool {
	return len(l) > 4 && l[0] >= '1' && l[0] <= '5' && l[3] == ' ' && http.StatusText(atoi3(l)) == strings.TrimSpace(l[4:])
}

func atoi3(s string) int {
	n := 0
	for _, c := range s[:3] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// firstParagraph keeps what comes before the first blank line (Glance
// appends the whole JSON schema to a validation message), without markup.
func firstParagraph(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if i := strings.Index(strings.TrimSpace(s), "\n\n"); i > 0 {
		s = strings.TrimSpace(s)[:i]
	}
	return shorten(htmlTag.ReplaceAllString(s, " "))
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}

// authError describes a failed login without echoing anything sensitive: the
// message names the cloud and Keystone's answer, never the credentials.
func authError(cloud, authURL string, err error) error {
	e := Wrap(fmt.Sprintf("cloud %s: authenticating at %s", cloud, authURL), err)
	if StatusOf(err) == http.StatusUnauthorized {
		return fmt.Errorf("%w (check the user name, password or token of cloud %s)", e, cloud)
	}
	return e
}

// Redact replaces every occurrence of the given secrets in err's message
// with "(sensitive)". An API may echo a request's values in its answer
// (a rejected password, say); such an answer must not reach the operator.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	out := msg
	for _, s := range secrets {
		if len(s) >= 3 {
			out = strings.ReplaceAll(out, s, "(sensitive)")
		}
	}
	if out == msg {
		return err
	}
	return &redacted{msg: out, err: err}
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }

// Unwrap keeps errors.As working (status, type); the wrapped error's own
// message still holds the secret, so callers print Error(), never the
// unwrapped value.
func (r *redacted) Unwrap() error { return r.err }
