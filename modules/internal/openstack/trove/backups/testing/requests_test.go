package testing

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/pagination"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	fake "github.com/gophercloud/gophercloud/v2/testhelper/client"

	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/backups"
)

func TestCreate(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/backups", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "POST")
		th.TestHeader(t, r, "X-Auth-Token", fake.TokenID)
		th.TestJSONRequest(t, r, createRequest)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, createResponse)
	})
	b, err := backups.Create(context.TODO(), fake.ServiceClient(fakeServer), backups.CreateOpts{Name: "nightly", Instance: "i1", Description: "before upgrade"}).Extract()
	th.AssertNoErr(t, err)
	th.AssertEquals(t, "b1", b.ID)
	th.AssertEquals(t, "NEW", b.Status)
}

func TestCreateNeedsName(t *testing.T) {
	_, err := backups.CreateOpts{Instance: "i1"}.ToBackupCreateMap()
	th.AssertErr(t, err)
}

func TestGet(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/backups/b1", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, getResponse)
	})
	b, err := backups.Get(context.TODO(), fake.ServiceClient(fakeServer), "b1").Extract()
	th.AssertNoErr(t, err)
	th.AssertDeepEquals(t, &backups.Backup{
		ID: "b1", Name: "nightly", LocationRef: "http://swift/v1/AUTH_p/database_backups/b1.xbstream.gz.enc",
		InstanceID: "i1", ProjectID: "p", Size: 0.14, Status: "COMPLETED",
		Datastore: &backups.Datastore{Type: "mysql", Version: "5.7.29", VersionID: "v1"},
		Created:   time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		Updated:   time.Date(2024, 5, 1, 10, 1, 30, 0, time.UTC),
	}, b)
}

// TestListFollowsNextLinkOnOwnHost checks paging by instance, and that a
// "next" link Trove wrote with another scheme and host is followed on the
// client's own endpoint.
func TestListFollowsNextLinkOnOwnHost(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/backups", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		if r.URL.Query().Get("instance_id") != "i1" {
			t.Errorf("query %s lacks instance_id=i1", r.URL.RawQuery)
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("marker") == "" {
			fmt.Fprintf(w, `{"backups": [%s], "links": [{"rel": "next", "href": "https://trove.example:8779/v1.0/p/backups?instance_id=i1&limit=1&marker=b1"}]}`, backupJSON)
			return
		}
		fmt.Fprint(w, `{"backups": [{"id": "b2", "name": "second", "status": "NEW"}], "links": []}`)
	})
	var ids []string
	err := backups.List(fake.ServiceClient(fakeServer), backups.ListOpts{InstanceID: "i1"}).EachPage(context.TODO(), func(_ context.Context, page pagination.Page) (bool, error) {
		bs, err := backups.ExtractBackups(page)
		for _, b := range bs {
			ids = append(ids, b.ID)
		}
		return true, err
	})
	th.AssertNoErr(t, err)
	th.AssertDeepEquals(t, []string{"b1", "b2"}, ids)
}

func TestDelete(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/backups/b1", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "DELETE")
		w.WriteHeader(http.StatusAccepted)
	})
	th.AssertNoErr(t, backups.Delete(context.TODO(), fake.ServiceClient(fakeServer), "b1").ExtractErr())
}
