package standins_test

import (
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/runbook-dev/runbook/internal/labtest"
)

// TestTroveLifecycle drives an instance's life through Trove's API, for each
// Trove release of the lab (the two run side by side): create with a
// database and a user, a row written at the address Trove reports, the
// options the guest received, a backup stored in Swift, a restore that has
// the row, a datastore upgrade and a rebuild that keep it, a restart of
// Trove's services that the instances survive; and each fault the lab can
// switch on, caught: a restore that loses a row, a rebuild to an image
// Glance does not have, a rebuild and an upgrade that end in ERROR, a server
// that fails to boot, a 500 on create that leaves no instance behind.
func TestTroveLifecycle(t *testing.T) {
	for _, rel := range []string{"18", "23"} {
		t.Run("trove"+rel, func(t *testing.T) {
			t.Parallel()
			lifecycle(t, newLab(t, rel))
		})
	}
}

func lifecycle(t *testing.T, l *lab) {
	version, upgradeTo := l.env["LAB_DATASTORE_VERSION"], l.env["LAB_DATASTORE_UPGRADE_VERSION"]

	// create, with a database and a user, public (a floating IP)
	a := l.mustCreate(createOpts{name: l.prefix + "-a", version: version, withData: true, public: true})
	a = l.waitHealthy(a.ID)
	l.exec(a, "CREATE TABLE Persons (id INT PRIMARY KEY, name VARCHAR(50))", "INSERT INTO Persons VALUES (1, 'Alice')")
	want := []string{"1:Alice"}
	if pub := a.addressOf("public"); pub == "" {
		t.Errorf("public instance %s has no public address: %+v", a.Name, a.Addresses)
	} else if got := l.query(instance{Name: a.Name, IP: []string{pub}}, "u1", "lab-pw-1", "testdb",
		"SELECT COUNT(*) FROM Persons"); got != "1" {
		t.Errorf("public instance %s at its public address %s: %s rows", a.Name, pub, got)
	}

	// the guest got the files Trove wrote for it, as Trove wrote them
	srv := l.server(a.ID)
	files := l.guestFiles(srv.ID)
	info := files["/etc/trove/conf.d/guest_info.conf"]
	for _, line := range []string{"guest_id=" + a.ID, "datastore_manager=mysql", "datastore_version=" + version,
		"instance_rpc_encr_key=<redacted>"} {
		if !strings.Contains(info, line) {
			t.Errorf("guest_info.conf of %s lacks %q:\n%s", a.Name, line, info)
		}
	}
	guestConf := files["/etc/trove/conf.d/trove-guestagent.conf"]
	for _, line := range []string{"control_exchange = trove", "[mysql]", "docker_image = mariadb", "report_interval = 10"} {
		if !strings.Contains(guestConf, line) {
			t.Errorf("trove-guestagent.conf of %s lacks %q:\n%s", a.Name, line, guestConf)
		}
	}
	if strings.Contains(guestConf, "rabbit://lab:") && !strings.Contains(guestConf, "rabbit://lab:<redacted>@") {
		t.Errorf("the lab API shows the RabbitMQ password of %s's guest", a.Name)
	}

	// databases, users and root through Trove's API exist in the instance's MariaDB
	l.manage(a)

	// a backup is a real dump, stored as an object in Swift; mariadbd dies
	// as the dump starts (dump_crash) and is started again, as Trove's
	// container restart policy does, and the dump is made once more
	l.arm("dump_crash", a.ID)
	bk, location := l.backup(a.ID, l.prefix+"-b")
	if !l.fired("dump_crash", a.ID) {
		t.Errorf("dump_crash armed for %s did not fire", a.Name)
	}
	object := bk + ".sql.gz"
	if !slices.Contains(l.swiftObjects("database_backups"), object) || !strings.HasSuffix(location, "/database_backups/"+object) {
		t.Fatalf("backup %s: object %s not in Swift's database_backups (location %s): %v", bk, object, location,
			l.swiftObjects("database_backups"))
	}
	// restored, it has the row (started now, checked after the upgrade)
	r := l.mustCreate(createOpts{name: l.prefix + "-r", version: version, backup: bk})

	// a datastore upgrade keeps the data
	l.upgrade(a.ID, upgradeTo)
	a = l.waitLeftHealthy(a.ID)
	if a.Datastore.Version != upgradeTo {
		t.Errorf("after the upgrade %s runs %s, want %s", a.Name, a.Datastore.Version, upgradeTo)
	}
	if got := l.persons(a); !slices.Equal(got, want) {
		t.Errorf("after the upgrade %s has rows %v, want %v", a.Name, got, want)
	}
	r = l.waitHealthy(r.ID)
	if got := l.persons(r); !slices.Equal(got, want) {
		t.Errorf("restored %s has rows %v, want %v", r.Name, got, want)
	}

	// a rebuild records the new image and keeps the data; the guest gets fresh files
	image2 := l.env["LAB_IMAGE2_ID"]
	l.action(a.ID, map[string]any{"rebuild": map[string]any{"image_id": image2}})
	a = l.waitLeftHealthy(a.ID)
	if s := l.server(a.ID); s.Image.ID != image2 {
		t.Errorf("after the rebuild the server of %s runs image %s, want %s", a.Name, s.Image.ID, image2)
	}
	if got := l.persons(a); !slices.Equal(got, want) {
		t.Errorf("after the rebuild %s has rows %v, want %v", a.Name, got, want)
	}
	if f := l.guestFiles(srv.ID); !strings.Contains(f["/etc/trove/conf.d/trove-guestagent.conf"], "docker_image = mariadb") {
		t.Errorf("after the rebuild the guest of %s has no trove-guestagent.conf: %v", a.Name, f)
	}

	// instances survive a restart of Trove's services, and report to the new conductor
	restarted := time.Now().UTC()
	l.restartTrove()
	for _, id := range []string{a.ID, r.ID} {
		l.wait(id, "HEALTHY with a heartbeat after the restart", 2*time.Minute, func(i instance) bool {
			at, err := time.Parse("2006-01-02T15:04:05", i.Updated)
			return i.healthy() && err == nil && at.After(restarted)
		})
	}

	// restart, flavor and volume resize, reboot: back to HEALTHY with the data
	l.instanceAction(r.ID, map[string]any{"restart": map[string]any{}})
	r = l.waitLeftHealthy(r.ID)
	l.instanceAction(r.ID, map[string]any{"resize": map[string]any{"flavorRef": l.env["LAB_FLAVOR_RESIZE_ID"]}})
	r = l.waitLeftHealthy(r.ID)
	l.instanceAction(r.ID, map[string]any{"resize": map[string]any{"volume": map[string]any{"size": 2}}})
	r = l.waitLeftHealthy(r.ID)
	l.action(r.ID, map[string]any{"reboot": map[string]any{}})
	r = l.waitLeftHealthy(r.ID)
	if got := l.persons(r); !slices.Equal(got, want) {
		t.Errorf("after restart, resizes and reboot %s has rows %v, want %v", r.Name, got, want)
	}
	if s := l.server(r.ID); s.Flavor.ID != l.env["LAB_FLAVOR_RESIZE_ID"] {
		t.Errorf("after the resize the server of %s has flavor %s, want %s", r.Name, s.Flavor.ID, l.env["LAB_FLAVOR_RESIZE_ID"])
	}

	// fault: a guest that loses a row on restore; the row count tells
	l.arm("restore_lose_row", l.prefix+"-lost")
	lost := l.mustCreate(createOpts{name: l.prefix + "-lost", version: version, backup: bk})
	lost = l.waitHealthy(lost.ID)
	if got := l.persons(lost); slices.Equal(got, want) || !l.fired("restore_lose_row", lost.ID) {
		t.Errorf("restore_lose_row armed: restored %s has rows %v (source %v), fired %v", lost.Name, got, want,
			l.fired("restore_lose_row", lost.ID))
	}

	// fault: an upgrade that fails in the guest leaves the instance in ERROR
	l.arm("upgrade_error", lost.ID)
	l.upgrade(lost.ID, upgradeTo)
	l.waitError(lost.ID)

	// a rebuild to an image Glance does not have: the server goes to ERROR
	missing := "00000000-0000-4000-8000-00000000dead"
	l.action(r.ID, map[string]any{"rebuild": map[string]any{"image_id": missing}})
	l.waitError(r.ID)
	if s := l.server(r.ID); s.Status != "ERROR" || s.Image.ID != missing || !strings.Contains(s.Fault.Message, missing) {
		t.Errorf("rebuild of %s to a missing image: server %s image %s fault %q", r.Name, s.Status, s.Image.ID, s.Fault.Message)
	}

	// fault: a rebuild that fails on the compute host, whatever the image
	l.arm("rebuild_error", srv.ID)
	l.action(a.ID, map[string]any{"rebuild": map[string]any{"image_id": l.env["LAB_IMAGE_ID"]}})
	l.waitError(a.ID)

	// fault: a server that fails to boot
	l.arm("boot_error", l.prefix+"-boot")
	b := l.mustCreate(createOpts{name: l.prefix + "-boot", version: version})
	l.waitError(b.ID)

	// fault: Trove answers 500 on create (Nova fails on the flavor), and no instance is left behind
	flavor := l.flavor(l.prefix + "-500")
	l.arm("api_500", flavor)
	name500 := l.prefix + "-500"
	if inst, err := l.create(createOpts{name: name500, version: version, flavor: flavor}); !gophercloud.ResponseCodeIs(err, http.StatusInternalServerError) {
		l.delete(inst.ID)
		t.Errorf("api_500 armed: create answered %v, want HTTP 500", err)
	}
	for _, i := range l.list() {
		if i.Name == name500 {
			t.Errorf("a create that answered 500 left instance %s (%s)", i.ID, i.Status)
		}
	}

	// deleting the backup removes its object from Swift
	if _, err := l.trove.Delete(l.ctx(), l.trove.ServiceURL("backups", bk), &gophercloud.RequestOpts{OkCodes: []int{202}}); err != nil {
		t.Fatalf("delete backup %s: %v", bk, err)
	}
	deadline := time.Now().Add(time.Minute)
	for slices.Contains(l.swiftObjects("database_backups"), object) {
		if time.Now().After(deadline) {
			t.Fatalf("backup %s deleted, its object %s is still in Swift", bk, object)
		}
		time.Sleep(2 * time.Second)
	}
}

// manage creates, lists and deletes databases and users through Trove and
// checks each in the instance's MariaDB; root enabled through Trove logs in.
func (l *lab) manage(a instance) {
	t := l.t
	l.post(l.trove.ServiceURL("instances", a.ID, "databases"), map[string]any{"databases": []map[string]any{{"name": "db2"}}}, 202)
	l.post(l.trove.ServiceURL("instances", a.ID, "users"), map[string]any{"users": []map[string]any{
		{"name": "u2", "password": "lab-pw-2", "databases": []map[string]any{{"name": "db2"}}}}}, 202)
	var dbs struct{ Databases []struct{ Name string } }
	var users struct {
		Users []struct {
			Name      string
			Databases []struct{ Name string }
		}
	}
	l.getJSON(l.trove.ServiceURL("instances", a.ID, "databases"), &dbs)
	l.getJSON(l.trove.ServiceURL("instances", a.ID, "users"), &users)
	names := []string{}
	for _, d := range dbs.Databases {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"db2", "testdb"}) {
		t.Errorf("Trove lists databases %v of %s, want [db2 testdb]", names, a.Name)
	}
	grants := map[string]int{}
	for _, u := range users.Users {
		grants[u.Name] = len(u.Databases)
	}
	if grants["u1"] != 1 || grants["u2"] != 1 || len(grants) != 2 {
		t.Errorf("Trove lists users %+v of %s, want u1 and u2 with one database each", users.Users, a.Name)
	}
	if got := l.query(a, "u2", "lab-pw-2", "db2", "SELECT DATABASE()"); got != "db2" {
		t.Errorf("u2 in db2 on %s: %q", a.Name, got)
	}
	var root struct {
		User struct{ Name, Password string }
	}
	l.postJSON(l.trove.ServiceURL("instances", a.ID, "root"), nil, &root, 200)
	if got := l.query(a, "root", root.User.Password, "", "SELECT CURRENT_USER()"); got != "root@%" {
		t.Errorf("root enabled through Trove on %s logs in as %q", a.Name, got)
	}
	l.del(l.trove.ServiceURL("instances", a.ID, "users", "u2"))
	l.del(l.trove.ServiceURL("instances", a.ID, "databases", "db2"))
	deadline := time.Now().Add(time.Minute)
	for {
		left := l.query(a, "root", root.User.Password, "",
			"SELECT CONCAT((SELECT COUNT(*) FROM mysql.user WHERE User = 'u2'), (SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'db2'))")
		if left == "00" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("user u2 / database db2 deleted through Trove are still on %s (%s)", a.Name, left)
		}
		time.Sleep(time.Second)
	}
}

// TestPythonUnits runs the stand-ins' Python unit tests with each Trove
// release's own Python and Trove: the guest's RPC wire format against
// Trove's serializers, the fault switches.
func TestPythonUnits(t *testing.T) {
	env := labtest.Env(t, "trove-standins")
	t.Run("trove18", func(t *testing.T) {
		out, err := exec.Command("/usr/bin/python3", "-m", "unittest", "discover", "-s", "tests").CombinedOutput()
		if err != nil {
			t.Fatalf("python unit tests (Trove 18): %v\n%s", err, out)
		}
	})
	t.Run("trove23", func(t *testing.T) {
		if !strings.Contains(env["LAB_STANDINS_RELEASES"], "23") {
			labtest.Absent(t, "the stand-ins lab has no Trove 23")
		}
		// the trixie root sees only the lab folder: run a copy of the code from there
		dir := env["LAB_STANDINS_DIR"] + "/pytest"
		script := "rm -rf " + dir + " && mkdir -p " + dir + " && cp -r standins tests " + dir + "/"
		if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		out, err := exec.Command("./in-release.sh", "23", "/bin/sh", "-c",
			"cd "+dir+" && python3 -m unittest discover -s tests").CombinedOutput()
		if err != nil {
			t.Fatalf("python unit tests (Trove 23): %v\n%s", err, out)
		}
	})
}
