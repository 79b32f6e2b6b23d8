package testing

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	th "github.com/gophercloud/gophercloud/v2/testhelper"
	fake "github.com/gophercloud/gophercloud/v2/testhelper/client"

	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/mgmt"
)

func TestRebuild(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/mgmt/instances/i1/action", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "POST")
		th.TestJSONRequest(t, r, `{"rebuild": {"image_id": "img2"}}`)
		w.WriteHeader(http.StatusAccepted)
	})
	th.AssertNoErr(t, mgmt.Rebuild(context.TODO(), fake.ServiceClient(fakeServer), "i1", mgmt.RebuildOpts{ImageID: "img2"}).ExtractErr())
	_, err := mgmt.RebuildOpts{}.ToRebuildMap()
	th.AssertErr(t, err)
}

func TestDatastoreVersions(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/mgmt/datastore-versions", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"versions": [{"id": "v1", "name": "5.7.29", "version": "5.7.29", "datastore_id": "d1", "datastore_name": "mysql",
			  "datastore_manager": "mysql", "image": "img1", "image_tags": [], "packages": [""], "active": true, "default": true}]}`)
		case "POST":
			th.TestJSONRequest(t, r, `{"version": {"name": "5.7.30", "datastore_name": "mysql", "datastore_manager": "mysql", "image": "img2", "packages": [], "active": true, "default": false}}`)
			w.WriteHeader(http.StatusAccepted)
		default:
			t.Errorf("method %s", r.Method)
		}
	})
	fakeServer.Mux.HandleFunc("/mgmt/datastore-versions/v1", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "PATCH")
		th.TestJSONRequest(t, r, `{"image": "img2", "active": false}`)
		w.WriteHeader(http.StatusAccepted)
	})
	sc := fake.ServiceClient(fakeServer)
	pages, err := mgmt.ListDatastoreVersions(sc).AllPages(context.TODO())
	th.AssertNoErr(t, err)
	vs, err := mgmt.ExtractDatastoreVersions(pages)
	th.AssertNoErr(t, err)
	th.AssertEquals(t, "img1", vs[0].Image)
	th.AssertEquals(t, true, vs[0].Default)
	th.AssertNoErr(t, mgmt.CreateDatastoreVersion(context.TODO(), sc, mgmt.CreateDatastoreVersionOpts{
		Name: "5.7.30", DatastoreName: "mysql", DatastoreManager: "mysql", Image: "img2", Active: true}).ExtractErr())
	img, active := "img2", false
	th.AssertNoErr(t, mgmt.UpdateDatastoreVersion(context.TODO(), sc, "v1", mgmt.UpdateDatastoreVersionOpts{Image: &img, Active: &active}).ExtractErr())
}

func TestGetInstance(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/mgmt/instances/i1", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"instance": {"id": "i1", "name": "db1", "status": "REBUILD", "tenant_id": "p", "server": {"id": "s1", "status": "REBUILD"}}}`)
	})
	inst, err := mgmt.GetInstance(context.TODO(), fake.ServiceClient(fakeServer), "i1").Extract()
	th.AssertNoErr(t, err)
	th.AssertEquals(t, "REBUILD", inst.Status)
	th.AssertEquals(t, "p", inst.TenantID)
}
