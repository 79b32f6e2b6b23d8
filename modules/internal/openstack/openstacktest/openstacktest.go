// Package openstacktest serves a fake cloud for module tests, in the manner
// of gophercloud's testhelper: one local HTTP server (th.FakeServer) that
// answers Keystone v3 token requests with a catalog pointing the image and
// database services back at itself, and a clouds.yaml + secure.yaml naming it.
// Tests register the service handlers they need on Mux.
//
// It is imported by tests only.
package openstacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	th "github.com/gophercloud/gophercloud/v2/testhelper"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
)

// Project is the fake cloud's project id.
const Project = "fakeproject"

// Password is the fake cloud's password (in secure.yaml).
const Password = "s3cret-fake-pw"

// Cloud is a fake cloud.
type Cloud struct {
	th.FakeServer
	// Name is the cloud's name in the written clouds.yaml.
	Name string
	// Tokens counts token requests (logins).
	Tokens atomic.Int32
	// RejectLogins makes Keystone answer 401 to logins.
	RejectLogins atomic.Bool
	tokenSeq     atomic.Int32
	// Valid is the token the services accept; "" accepts any.
	Valid atomic.Value
}

// New starts a fake cloud, writes its clouds.yaml/secure.yaml into a temp
// dir, points OS_CLIENT_CONFIG_FILE at it and clears the connection cache.
func New(t testing.TB) *Cloud {
	t.Helper()
	c := &Cloud{FakeServer: th.SetupHTTP(), Name: "fake"}
	t.Cleanup(c.Teardown)
	c.Valid.Store("")
	c.Mux.HandleFunc("/v3/auth/tokens", c.tokens)
	c.Mux.HandleFunc("/v3/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	// Glance's version document, for gophercloud's version discovery.
	c.Mux.HandleFunc("/image/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/image/" && r.URL.Path != "/image/internal/" {
			http.NotFound(w, r)
			return
		}
		JSON(w, 300, `{"versions": [{"id": "v2.16", "status": "CURRENT", "links": [{"rel": "self", "href": "`+c.ImageURL()+`v2/"}]}]}`)
	})
	dir := t.TempDir()
	clouds := fmt.Sprintf(`clouds:
  fake:
    auth:
      auth_url: %sv3
      username: tester
      project_name: testproject
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
`, c.Endpoint())
	write(t, filepath.Join(dir, "clouds.yaml"), clouds)
	write(t, filepath.Join(dir, "secure.yaml"), "clouds:\n  fake:\n    auth:\n      password: "+Password+"\n")
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(dir, "clouds.yaml"))
	t.Setenv("OS_CLOUD", "")
	openstack.Forget()
	t.Cleanup(openstack.Forget)
	return c
}

func write(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ImageURL and DatabaseURL are the service endpoints in the catalog.
func (c *Cloud) ImageURL() string    { return c.Endpoint() + "image/" }
func (c *Cloud) DatabaseURL() string { return c.Endpoint() + "database/v1.0/" + Project + "/" }

// ComputeURL is the fake Nova's endpoint (served by NewTrove: the servers
// of its instances).
func (c *Cloud) ComputeURL() string { return c.Endpoint() + "compute/v2.1/" }

// ImagePath and DatabasePath prefix paths for Mux handlers.
func (c *Cloud) ImagePath(p string) string    { return "/image/v2/" + p }
func (c *Cloud) DatabasePath(p string) string { return "/database/v1.0/" + Project + "/" + p }

// Authorized reports whether r carries a token the cloud accepts, and
// answers 401 when it does not.
func (c *Cloud) Authorized(w http.ResponseWriter, r *http.Request) bool {
	want, _ := c.Valid.Load().(string)
	if tok := r.Header.Get("X-Auth-Token"); tok == "" || (want != "" && tok != want) {
		w.Header().Set("X-Openstack-Request-Id", "req-unauthorized")
		http.Error(w, `{"error": {"code": 401, "message": "The request you have made requires authentication."}}`, http.StatusUnauthorized)
		return false
	}
	return true
}

func (c *Cloud) tokens(w http.ResponseWriter, r *http.Request) {
	c.Tokens.Add(1)
	var body struct {
		Auth struct {
			Identity struct {
				Password struct {
					User struct {
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
		} `json:"auth"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	w.Header().Set("Content-Type", "application/json")
	if c.RejectLogins.Load() || body.Auth.Identity.Password.User.Password != Password {
		w.Header().Set("X-Openstack-Request-Id", "req-login-refused")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
		return
	}
	tok := fmt.Sprintf("tok-%d", c.tokenSeq.Add(1))
	w.Header().Set("X-Subject-Token", tok)
	w.WriteHeader(http.StatusCreated)
	ep := func(url string) string {
		return fmt.Sprintf(`[{"id":"e1","interface":"public","region":"RegionOne","region_id":"RegionOne","url":%q},
		                     {"id":"e2","interface":"internal","region":"RegionOne","region_id":"RegionOne","url":%q}]`, url, url+"internal/")
	}
	fmt.Fprintf(w, `{"token": {"expires_at": "2999-01-01T00:00:00.000000Z", "issued_at": "2020-01-01T00:00:00.000000Z",
	  "methods": ["password"], "user": {"id": "u1", "name": "tester", "domain": {"id": "default", "name": "Default"}},
	  "project": {"id": %q, "name": "testproject", "domain": {"id": "default", "name": "Default"}},
	  "catalog": [
	    {"id": "s1", "type": "image", "name": "glance", "endpoints": %s},
	    {"id": "s2", "type": "database", "name": "trove", "endpoints": %s},
	    {"id": "s3", "type": "compute", "name": "nova", "endpoints": %s}
	  ]}}`, Project, ep(c.ImageURL()), ep(c.DatabaseURL()), ep(c.ComputeURL()))
}

// JSON writes v with status and a request id.
func JSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Openstack-Request-Id", "req-fake-0001")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}
