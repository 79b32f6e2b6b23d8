package openstack_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/db/v1/datastores"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/labenv"
)

func TestLabConnect(t *testing.T) {
	env := labenv.OpenStack(t)
	openstack.Forget()
	ctx := context.Background()
	c, err := openstack.Connect(ctx, openstack.Params{Cloud: env["LAB_OS_CLOUD_DEMO"]})
	if err != nil {
		t.Fatal(err)
	}
	again, err := openstack.Connect(ctx, openstack.Params{Cloud: env["LAB_OS_CLOUD_DEMO"]})
	if err != nil || again != c {
		t.Fatalf("second Connect: %p vs %p, %v: the connection is not reused", again, c, err)
	}
	img, err := c.Image()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := images.Get(ctx, img, env["LAB_IMAGE_ID"]).Extract(); err != nil {
		t.Fatalf("glance: %v", openstack.Wrap("getting lab image", err))
	}
	tc, err := openstack.Connect(ctx, openstack.Params{Cloud: env["LAB_TROVE_CLOUD_DEMO"]})
	if err != nil {
		t.Fatal(err)
	}
	db, err := tc.Database()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := datastores.List(db).AllPages(ctx)
	if err != nil {
		t.Fatalf("trove: %v", openstack.Wrap("listing datastores", err))
	}
	ds, _ := datastores.ExtractDatastores(pages)
	found := false
	for _, d := range ds {
		found = found || d.Name == env["LAB_DATASTORE"]
	}
	if !found {
		t.Errorf("datastore %s not listed: %+v", env["LAB_DATASTORE"], ds)
	}
}

func TestLabWrongPassword(t *testing.T) {
	env := labenv.OpenStack(t)
	openstack.Forget()
	dir := t.TempDir()
	clouds := "clouds:\n  bad:\n    auth:\n      auth_url: " + env["LAB_KEYSTONE_URL"] +
		"\n      username: demo\n      password: not-the-password-x9\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n"
	if err := os.WriteFile(dir+"/clouds.yaml", []byte(clouds), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OS_CLIENT_CONFIG_FILE", dir+"/clouds.yaml")
	_, err := openstack.Connect(context.Background(), openstack.Params{Cloud: "bad"})
	if err == nil {
		t.Fatal("wrong password accepted")
	}
	msg := err.Error()
	if strings.Contains(msg, "not-the-password-x9") {
		t.Fatalf("error shows the password: %s", msg)
	}
	for _, want := range []string{"cloud bad", "401", "request id req-"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	t.Log(msg)
}

// TestLabReauthAfterRevokedToken revokes the demo token in Keystone; the
// next call gets a 401, logs in again once and succeeds.
func TestLabReauthAfterRevokedToken(t *testing.T) {
	env := labenv.OpenStack(t)
	openstack.Forget()
	ctx := context.Background()
	demo, err := openstack.Connect(ctx, openstack.Params{Cloud: env["LAB_OS_CLOUD_DEMO"], Interface: "internal"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := openstack.Connect(ctx, openstack.Params{Cloud: env["LAB_OS_CLOUD_ADMIN"]})
	if err != nil {
		t.Fatal(err)
	}
	pc := openstack.ProviderOf(demo)
	old := pc.Token()
	apc := openstack.ProviderOf(admin)
	resp, err := apc.Request(ctx, "DELETE", env["LAB_KEYSTONE_URL"]+"/auth/tokens", &gophercloud.RequestOpts{
		MoreHeaders: map[string]string{"X-Subject-Token": old}, OkCodes: []int{204}})
	if err != nil {
		t.Fatalf("revoking the token: %v", openstack.Wrap("revoke", err))
	}
	resp.Body.Close()
	img, err := demo.Image()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := images.Get(ctx, img, env["LAB_IMAGE_ID"]).Extract(); err != nil {
		t.Fatalf("after revocation: %v", openstack.Wrap("getting lab image", err))
	}
	if pc.Token() == old {
		t.Fatal("token unchanged: no re-authentication happened")
	}
}
