package testing

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	gcdb "github.com/gophercloud/gophercloud/v2/openstack/db/v1/databases"
	gcinstances "github.com/gophercloud/gophercloud/v2/openstack/db/v1/instances"
	gcusers "github.com/gophercloud/gophercloud/v2/openstack/db/v1/users"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	fake "github.com/gophercloud/gophercloud/v2/testhelper/client"

	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
)

const instanceJSON = `{"instance": {
  "id": "i1", "name": "db1", "status": "ACTIVE", "operating_status": "HEALTHY",
  "links": [], "flavor": {"id": "10", "links": []},
  "datastore": {"type": "mysql", "version": "5.7.29", "version_number": "5.7.29"},
  "region": "RegionOne", "volume": {"size": 2, "used": 0.1},
  "addresses": [{"address": "10.0.0.5", "type": "private", "network": "n1"}], "ip": ["10.0.0.5"],
  "created": "2024-05-01T10:00:00", "updated": "2024-05-01T10:00:09"
}}`

func TestCreateWithRestorePoint(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/instances", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "POST")
		th.TestJSONRequest(t, r, `{"instance": {
		  "name": "db2", "flavorRef": "10", "volume": {"size": 2},
		  "datastore": {"type": "mysql", "version": "5.7.29"},
		  "databases": [{"name": "app"}],
		  "users": [{"name": "app", "password": "pw", "databases": [{"name": "app"}]}],
		  "nics": [{"net-id": "n1"}],
		  "restorePoint": {"backupRef": "b1"}}}`)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, instanceJSON)
	})
	opts := instances.CreateOpts{
		CreateOpts: gcinstances.CreateOpts{
			Name: "db2", FlavorRef: "10", Size: 2,
			Datastore: &gcinstances.DatastoreOpts{Type: "mysql", Version: "5.7.29"},
			Databases: gcdb.BatchCreateOpts{{Name: "app"}},
			Users:     gcusers.BatchCreateOpts{{Name: "app", Password: "pw", Databases: gcdb.BatchCreateOpts{{Name: "app"}}}},
			Networks:  []gcinstances.NetworkOpts{{UUID: "n1"}},
		},
		RestorePoint: &instances.RestorePoint{BackupRef: "b1"},
	}
	inst, err := instances.Create(context.TODO(), fake.ServiceClient(fakeServer), opts).Extract()
	th.AssertNoErr(t, err)
	th.AssertEquals(t, "HEALTHY", inst.OperatingStatus)
	th.AssertEquals(t, "5.7.29", inst.Datastore.Version)
	th.AssertEquals(t, 2, inst.Volume.Size)
	th.AssertEquals(t, "10.0.0.5", inst.Addresses[0].Address)
}

func TestGetFault(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/instances/i1", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"instance": {"id": "i1", "name": "db1", "status": "ERROR", "fault": {"message": "No valid host was found.", "created": "2024-05-01T10:00:00", "details": ""}}}`)
	})
	inst, err := instances.Get(context.TODO(), fake.ServiceClient(fakeServer), "i1").Extract()
	th.AssertNoErr(t, err)
	th.AssertEquals(t, "ERROR", inst.Status)
	th.AssertEquals(t, "No valid host was found.", inst.Fault.Message)
}

func TestUpgrade(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/instances/i1", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "PATCH")
		th.TestJSONRequest(t, r, `{"instance": {"datastore_version": "5.7.30"}}`)
		w.WriteHeader(http.StatusAccepted)
	})
	th.AssertNoErr(t, instances.Upgrade(context.TODO(), fake.ServiceClient(fakeServer), "i1", instances.UpgradeOpts{DatastoreVersion: "5.7.30"}).ExtractErr())
	_, err := instances.UpgradeOpts{}.ToInstanceUpgradeMap()
	th.AssertErr(t, err)
}

func TestList(t *testing.T) {
	fakeServer := th.SetupHTTP()
	defer fakeServer.Teardown()
	fakeServer.Mux.HandleFunc("/instances", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"instances": [{"id": "i1", "name": "db1", "status": "ACTIVE"}, {"id": "i2", "name": "db2", "status": "BUILD"}]}`)
	})
	pages, err := instances.List(fake.ServiceClient(fakeServer), nil).AllPages(context.TODO())
	th.AssertNoErr(t, err)
	is, err := instances.ExtractInstances(pages)
	th.AssertNoErr(t, err)
	th.AssertEquals(t, 2, len(is))
	th.AssertEquals(t, "BUILD", is[1].Status)
}
