package openstack

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
)

func TestAPIMessage(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"trove", `{"badRequest": {"code": 400, "message": "Flavor 99 could not be found."}}`, "Flavor 99 could not be found."},
		{"keystone", `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`, "The request you have made requires authentication."},
		{"top", `{"message": "nope"}`, "nope"},
		{"glance text", "400 Bad Request\n\nInvalid disk format 'qcow3' for image.\n\n   ", "Invalid disk format 'qcow3' for image."},
		{"glance html", "<html><head><title>409 Conflict</title></head><body><h1>409 Conflict</h1>Image status transition from active to deactivated is not allowed<br /><br /></body></html>", "409 Conflict 409 Conflict Image status transition from active to deactivated is not allowed"},
		{"empty", "", ""},
		{"json without message", `{"x": 1}`, `{"x": 1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := apiMessage([]byte(tc.body)); got != tc.want {
				t.Errorf("got %q want %q", got, tc.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	h := http.Header{}
	h.Set("X-Openstack-Request-Id", "req-1")
	base := gophercloud.ErrUnexpectedResponseCode{Method: "POST", URL: "http://x/instances", Actual: 400, Body: []byte(`{"badRequest": {"message": "bad flavor"}}`), ResponseHeader: h}
	for _, err := range []error{base, &base, gophercloud.ErrErrorAfterReauthentication{ErrOriginal: base}} {
		got := Wrap("creating instance \"db1\"", err)
		want := `creating instance "db1": 400 Bad Request: bad flavor (POST http://x/instances, request id req-1)`
		if got.Error() != want {
			t.Errorf("got %s", got)
		}
		if StatusOf(got) != 400 || IsNotFound(got) {
			t.Errorf("status of %v", got)
		}
	}
	if Wrap("x", nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
	other := errors.New("dial tcp: refused")
	if got := Wrap("listing", other); got.Error() != "listing: dial tcp: refused" || !errors.Is(got, other) {
		t.Errorf("got %v", got)
	}
}

func TestAPIMessageGlanceSchema(t *testing.T) {
	body := `{"message": "Provided object does not match schema 'image': 'qcow3' is not one of [None, 'ami', 'qcow2']\n\nFailed validating 'enum' in schema:\n    {'a': 1}<br /><br />\n\n", "code": "400 Bad Request", "title": "Bad Request"}`
	want := "Provided object does not match schema 'image': 'qcow3' is not one of [None, 'ami', 'qcow2']"
	if got := apiMessage([]byte(body)); got != want {
		t.Errorf("got %q", got)
	}
}

func TestRedact(t *testing.T) {
	h := http.Header{}
	base := gophercloud.ErrUnexpectedResponseCode{Method: "POST", URL: "http://x/instances", Actual: 400,
		Body: []byte(`{"badRequest": {"message": "Password 'hunter2-pw' is too weak"}}`), ResponseHeader: h}
	err := Redact(Wrap("creating", base), "hunter2-pw", "")
	if err.Error() != `creating: 400 Bad Request: Password '(sensitive)' is too weak (POST http://x/instances)` {
		t.Errorf("got %s", err)
	}
	if StatusOf(err) != 400 {
		t.Error("status lost")
	}
	if Redact(nil, "x") != nil {
		t.Error("Redact(nil)")
	}
}
