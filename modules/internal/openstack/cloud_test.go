package openstack_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/db/v1/datastores"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
)

func datastoresHandler(fc *openstacktest.Cloud) {
	fc.Mux.HandleFunc(fc.DatabasePath("datastores"), func(w http.ResponseWriter, r *http.Request) {
		if !fc.Authorized(w, r) {
			return
		}
		openstacktest.JSON(w, 200, `{"datastores": [{"id": "d1", "name": "mysql", "default_version": "v1", "versions": []}]}`)
	})
}

func listDatastores(t *testing.T, c *openstack.Cloud) error {
	t.Helper()
	db, err := c.Database()
	if err != nil {
		t.Fatal(err)
	}
	_, err = datastores.List(db).AllPages(context.Background())
	return openstack.Wrap("listing datastores", err)
}

func TestConnectReusesOneLoginConcurrently(t *testing.T) {
	fc := openstacktest.New(t)
	datastoresHandler(fc)
	var wg sync.WaitGroup
	clouds := make([]*openstack.Cloud, 8)
	for i := range clouds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name})
			if err != nil {
				t.Error(err)
			}
			clouds[i] = c
		}()
	}
	wg.Wait()
	for _, c := range clouds {
		if c != clouds[0] {
			t.Fatal("concurrent Connects returned different clients")
		}
	}
	if err := listDatastores(t, clouds[0]); err != nil {
		t.Fatal(err)
	}
	if n := fc.Tokens.Load(); n != 1 {
		t.Errorf("%d logins for 8 concurrent tasks, want 1", n)
	}
	// Another interface is another client (and another login).
	c2, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name, Interface: "internal"})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := c2.Database()
	if !strings.HasSuffix(db.Endpoint, "/internal/") {
		t.Errorf("interface internal: endpoint %s", db.Endpoint)
	}
}

func TestReauthOnceOn401(t *testing.T) {
	fc := openstacktest.New(t)
	datastoresHandler(fc)
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name})
	if err != nil {
		t.Fatal(err)
	}
	fc.Valid.Store("tok-2") // the first token expired
	if err := listDatastores(t, c); err != nil {
		t.Fatalf("after token expiry: %v", err)
	}
	if n := fc.Tokens.Load(); n != 2 {
		t.Errorf("%d logins, want 2 (one re-authentication)", n)
	}
	// A token refused even after re-authenticating fails, once.
	fc.Valid.Store("never")
	err = listDatastores(t, c)
	if err == nil || openstack.StatusOf(err) != 401 {
		t.Fatalf("want a 401 error, got %v", err)
	}
	if n := fc.Tokens.Load(); n != 3 {
		t.Errorf("%d logins, want 3 (re-authenticate once, not in a loop)", n)
	}
}

func TestWrongPasswordIsClearAndSecretFree(t *testing.T) {
	fc := openstacktest.New(t)
	fc.RejectLogins.Store(true)
	_, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name})
	if err == nil {
		t.Fatal("login accepted")
	}
	msg := err.Error()
	for _, want := range []string{"cloud fake", "401 Unauthorized", "requires authentication", "req-login-refused", "check the user name, password"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, openstacktest.Password) {
		t.Fatalf("error shows the password: %s", msg)
	}
	// A failed login is not cached.
	fc.RejectLogins.Store(false)
	if _, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name}); err != nil {
		t.Fatalf("after fixing the password: %v", err)
	}
}

func TestServerErrorCarriesRequestID(t *testing.T) {
	fc := openstacktest.New(t)
	fc.Mux.HandleFunc(fc.DatabasePath("datastores"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-boom-42")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		w.Write([]byte(`{"computeFault": {"code": 500, "message": "The server has either erred or is incapable of performing the requested operation."}}`))
	})
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name})
	if err != nil {
		t.Fatal(err)
	}
	err = listDatastores(t, c)
	want := "listing datastores: 500 Internal Server Error: The server has either erred or is incapable of performing the requested operation. (GET " + fc.DatabaseURL() + "datastores, request id req-boom-42)"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

func TestNoCloudNamed(t *testing.T) {
	t.Setenv("OS_CLOUD", "")
	t.Setenv("OS_AUTH_URL", "")
	openstack.Forget()
	_, err := openstack.Connect(context.Background(), openstack.Params{})
	if err == nil || !strings.Contains(err.Error(), "no cloud named") {
		t.Fatalf("got %v", err)
	}
	dir := t.TempDir()
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(dir, "clouds.yaml"))
	_, err = openstack.Connect(context.Background(), openstack.Params{Cloud: "nope"})
	if err == nil || !strings.Contains(err.Error(), "no clouds.yaml found") {
		t.Fatalf("got %v", err)
	}
	os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte("clouds:\n  other: {}\n"), 0o600)
	_, err = openstack.Connect(context.Background(), openstack.Params{Cloud: "nope"})
	if err == nil || !strings.Contains(err.Error(), `cloud "nope" not found`) {
		t.Fatalf("got %v", err)
	}
}

func TestEnvironmentVariables(t *testing.T) {
	fc := openstacktest.New(t)
	datastoresHandler(fc)
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(t.TempDir(), "none.yaml"))
	t.Setenv("OS_AUTH_URL", fc.Endpoint()+"v3")
	t.Setenv("OS_USERNAME", "tester")
	t.Setenv("OS_PASSWORD", openstacktest.Password)
	t.Setenv("OS_PROJECT_NAME", "testproject")
	t.Setenv("OS_USER_DOMAIN_NAME", "Default")
	t.Setenv("OS_PROJECT_DOMAIN_NAME", "Default")
	t.Setenv("OS_REGION_NAME", "RegionOne")
	c, err := openstack.Connect(context.Background(), openstack.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "env" {
		t.Errorf("name %q", c.Name)
	}
	if err := listDatastores(t, c); err != nil {
		t.Fatal(err)
	}
}

func TestTroveFakeAuthType(t *testing.T) {
	fc := openstacktest.New(t)
	var gotToken, gotPath string
	fc.Mux.HandleFunc("/v1.0/demo/datastores", func(w http.ResponseWriter, r *http.Request) {
		gotToken, gotPath = r.Header.Get("X-Auth-Token"), r.URL.Path
		openstacktest.JSON(w, 200, `{"datastores": []}`)
	})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte("clouds:\n  tf:\n    auth_type: trove-fake\n    auth:\n      project_id: demo\n    database_endpoint_override: "+fc.Endpoint()+"v1.0/$(project_id)s/\n"), 0o600)
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(dir, "clouds.yaml"))
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: "tf"})
	if err != nil {
		t.Fatal(err)
	}
	if err := listDatastores(t, c); err != nil {
		t.Fatal(err)
	}
	if gotToken != "demo" || gotPath != "/v1.0/demo/datastores" {
		t.Errorf("token %q path %q, want demo and /v1.0/demo/datastores", gotToken, gotPath)
	}
	if fc.Tokens.Load() != 0 {
		t.Error("trove-fake logged in to Keystone")
	}
	if _, err := c.Image(); err == nil || !strings.Contains(err.Error(), "only the database service") {
		t.Errorf("image through trove-fake: %v", err)
	}
	// Without project_id it is refused, not silently something else.
	os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte("clouds:\n  tf2:\n    auth_type: trove-fake\n    database_endpoint_override: http://127.0.0.1:1/\n"), 0o600)
	if _, err := openstack.Connect(context.Background(), openstack.Params{Cloud: "tf2"}); err == nil || !strings.Contains(err.Error(), "needs auth.project_id") {
		t.Errorf("got %v", err)
	}
}

func TestUnknownRegionIsClear(t *testing.T) {
	fc := openstacktest.New(t)
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name, Region: "Nowhere"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Database()
	if err == nil || !strings.Contains(err.Error(), `cloud fake: no database (Trove) endpoint in the catalog (region "Nowhere", interface public)`) {
		t.Fatalf("got %v", err)
	}
}

func TestGlobalRequestIDWhenTheServiceSendsNone(t *testing.T) {
	fc := openstacktest.New(t)
	var sent string
	fc.Mux.HandleFunc(fc.DatabasePath("datastores"), func(w http.ResponseWriter, r *http.Request) {
		sent = r.Header.Get("X-Openstack-Request-Id")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		w.Write([]byte(`{"badRequest": {"code": 400, "message": "nope"}}`))
	})
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: fc.Name})
	if err != nil {
		t.Fatal(err)
	}
	err = listDatastores(t, c)
	if !strings.HasPrefix(sent, "req-") || len(sent) != 40 {
		t.Fatalf("sent request id %q", sent)
	}
	if err == nil || !strings.HasSuffix(err.Error(), ", global request id "+sent+")") {
		t.Fatalf("got %v", err)
	}
}
