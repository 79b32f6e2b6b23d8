package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/internal/labtest"
)

// TestTroveUpgradeRunbookOnLab runs the shipped runbooks/trove-upgrade with
// the real binary against the lab (lab/up.sh systemd openstack): two
// controllers with a real systemd, and Keystone, Glance and Trove (fake
// mode). What it checks is read independently of the runbook: Keystone
// tokens and plain HTTP for Glance and Trove, OpenSSH for the controllers.
//
//   - check mode changes nothing: Glance images, Trove instances, backups and
//     datastore versions, the controllers' trove.conf and the start times of
//     their devstack@tr-* units are the same before and after;
//   - a run upgrades the test's own instances (fresh names each time) to the
//     new version (read back through the API), registers the version with the
//     uploaded image, sets the option in trove.conf and restarts the units;
//   - a second run changes nothing (the runbook documents no always-changing
//     step) and restarts nothing.
//
// The instances it made are deleted at the end; the Glance image, the
// datastore version's new image and the trove.conf options stay (the demo
// and other runs share them, and a second run of anything leaves them).
func TestTroveUpgradeRunbookOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("lab end-to-end test (about 2 minutes)")
	}
	lab := needTroveLab(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	rbDir := filepath.Join(root, "runbooks", "trove-upgrade")
	inv := lab.inventory(t, root)
	lab.provideImage(t)

	stamp := time.Now().Unix() % 1000000
	names := []string{fmt.Sprintf("rbe2e-%d-a", stamp), fmt.Sprintf("rbe2e-%d-b", stamp)}
	namesHCL := `["` + strings.Join(names, `","`) + `"]`
	t.Cleanup(func() { lab.deleteInstances(t, names) })
	// A value of this run only, so that the config step and the restart
	// really happen in this run whatever ran before.
	marker := fmt.Sprintf("%d", 600+stamp%1000)
	oldV, newV := lab.env["LAB_DATASTORE_VERSION"], lab.env["LAB_DATASTORE_UPGRADE_VERSION"]

	env := []string{"OS_CLIENT_CONFIG_FILE=" + lab.env["LAB_OS_CLOUDS_YAML"], "OS_CLIENT_SECURE_FILE=" + lab.env["LAB_OS_SECURE_YAML"]}
	args := func(cmd string) []string {
		return []string{cmd, "--json", "-i", inv,
			"--var-file", filepath.Join(rbDir, "vars", "lab.hcl"),
			"--var", "image_cache=" + filepath.Join(lab.dir, "trove-image-cache") + "/",
			"--var", "trove_api_url=" + lab.env["LAB_TROVE_BASE_URL"] + "/",
			"--var", "instance_names=" + namesHCL,
			"--var", `conf_default={ control_exchange = "trove", agent_call_high_timeout = "` + marker + `" }`,
			rbDir}
	}

	seed := run(t, env, "run", "--json", "-i", inv, "--var", "names="+namesHCL, "--var", "flavor="+lab.env["LAB_FLAVOR_ID"],
		"--var", "datastore_version="+oldV, filepath.Join(rbDir, "lab-seed"))
	if seed.code != 2 {
		t.Fatalf("seeding %v: exit %d\n%s%s", names, seed.code, seed.stdout, seed.stderr)
	}
	for _, n := range names {
		if i := lab.instance(t, n); i.Datastore.Version != oldV {
			t.Fatalf("seeded %s is on %q, want %q", n, i.Datastore.Version, oldV)
		}
	}

	// Check mode.
	before := lab.snapshot(t, names)
	chk := run(t, env, args("check")...)
	if chk.code != 2 {
		t.Fatalf("check: exit %d, want 2\n%s%s", chk.code, chk.stdout, chk.stderr)
	}
	st := chk.finished()
	for _, n := range names {
		if got := st["task.upgrade_version["+n+"]@localhost"]; got != "would_change" {
			t.Errorf("check: upgrade_version[%s] is %q, want would_change", n, got)
		}
	}
	for _, h := range lab.hosts {
		if got := st["task.conf_default@"+h]; got != "would_change" {
			t.Errorf("check: conf_default on %s is %q, want would_change (a fresh option value)", h, got)
		}
	}
	if d := lab.snapshot(t, names).diff(before); d != "" {
		t.Fatalf("check mode changed the lab: %s", d)
	}

	// The run.
	start := time.Now()
	page := filepath.Join(t.TempDir(), "trove-upgrade.html")
	runArgs := args("run")
	r1 := run(t, env, append([]string{runArgs[0], "--report", page}, runArgs[1:]...)...)
	if r1.code != 2 {
		t.Fatalf("run: exit %d, want 2\n%s%s", r1.code, r1.stdout, r1.stderr)
	}
	// The run's report page, in a real Chromium: every task instance of
	// the run with its status and duration.
	checkReportPage(t, page, r1, 0)
	t.Logf("run: %s", time.Since(start).Round(time.Second))
	st = r1.finished()
	for _, n := range names {
		if got := st["task.upgrade_version["+n+"]@localhost"]; got != "changed" {
			t.Errorf("run: upgrade_version[%s] is %q, want changed", n, got)
		}
		i := lab.instance(t, n)
		if i.Datastore.Version != newV || (i.Status != "ACTIVE" && i.OperatingStatus != "HEALTHY") {
			t.Errorf("after the run %s is %s/%s on %s, want ACTIVE/HEALTHY on %s", n, i.Status, i.OperatingStatus, i.Datastore.Version, newV)
		}
	}
	imageID := lab.imageID(t, "trove-guest-zed-ubuntu-bionic-dev")
	if got := lab.versionImage(t, newV); got != imageID {
		t.Errorf("datastore version %s has image %q, want the uploaded %q", newV, got, imageID)
	}
	afterRun := lab.snapshot(t, names)
	for i, h := range lab.hosts {
		if conf := lab.ssh(t, i, "cat /etc/trove/trove.conf"); !strings.Contains(conf, "agent_call_high_timeout = "+marker) {
			t.Errorf("trove.conf on %s lacks agent_call_high_timeout = %s", h, marker)
		}
		if afterRun.Units[h] == before.Units[h] {
			t.Errorf("units on %s were not restarted: %s", h, afterRun.Units[h])
		}
	}

	// Again: nothing to do.
	r2 := run(t, env, args("run")...)
	if r2.code != 0 {
		t.Fatalf("second run: exit %d, want 0; changed: %v\n%s", r2.code, r2.withStatus("changed"), r2.stderr)
	}
	if ch := r2.withStatus("changed"); len(ch) > 0 {
		t.Errorf("second run changed %v", ch)
	}
	again := lab.snapshot(t, names)
	for _, h := range lab.hosts {
		if again.Units[h] != afterRun.Units[h] || again.Conf[h] != afterRun.Conf[h] {
			t.Errorf("second run touched %s: units %s -> %s", h, afterRun.Units[h], again.Units[h])
		}
	}
}

// TestTroveBackupRestoreOnLab runs the backup-restore path (guests of
// Ussuri or older) on a fresh instance of the lab:
//
//   - with verify_data = "api" (trove_instance action = "contents"): the
//     lab's fake guest restores no data, so the restored instance reports
//     none of the old one's databases and users; the verification must say
//     so, the rescue must delete the half-made instance, and the run must
//     fail (exit 1) with the old instance and its backup untouched;
//   - with verify_data = "none": backup COMPLETED, a new instance NAME-zed on
//     the new version, HEALTHY; the old one still on the old version;
//   - again: nothing to do (backup and restore are found by name).
func TestTroveBackupRestoreOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("lab end-to-end test (about 1 minute)")
	}
	lab := needTroveLab(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	rbDir := filepath.Join(root, "runbooks", "trove-upgrade")
	inv := lab.inventory(t, root)
	lab.provideImage(t)
	oldV, newV := lab.env["LAB_DATASTORE_VERSION"], lab.env["LAB_DATASTORE_UPGRADE_VERSION"]

	name := fmt.Sprintf("rbe2e-%d-r", time.Now().Unix()%1000000)
	restored, backup := name+"-zed", name+"-before-zed"
	t.Cleanup(func() {
		lab.deleteInstances(t, []string{name, restored})
		lab.deleteBackups(t, backup)
	})
	env := []string{"OS_CLIENT_CONFIG_FILE=" + lab.env["LAB_OS_CLOUDS_YAML"], "OS_CLIENT_SECURE_FILE=" + lab.env["LAB_OS_SECURE_YAML"]}
	args := func(verify string) []string {
		return []string{"run", "--json", "-i", inv,
			"--var-file", filepath.Join(rbDir, "vars", "lab.hcl"),
			"--var", "image_cache=" + filepath.Join(lab.dir, "trove-image-cache") + "/",
			"--var", "trove_api_url=" + lab.env["LAB_TROVE_BASE_URL"] + "/",
			"--var", `instance_names=["` + name + `"]`,
			"--var", "upgrade_mode=backup-restore",
			"--var", "verify_data=" + verify,
			rbDir}
	}
	seed := run(t, env, "run", "--json", "-i", inv, "--var", `names=["`+name+`"]`, "--var", "flavor="+lab.env["LAB_FLAVOR_ID"],
		"--var", "datastore_version="+oldV, filepath.Join(rbDir, "lab-seed"))
	if seed.code != 2 {
		t.Fatalf("seeding %s: exit %d\n%s%s", name, seed.code, seed.stdout, seed.stderr)
	}
	old := lab.instance(t, name)

	// verify_data = "api" reads databases and users through
	// trove_instance's contents action (no openstack CLI needed).
	r := run(t, env, args("api")...)
	st := r.finished()
	if r.code != 1 || st["task.verify_restored["+name+"]@localhost"] != "failed" ||
		st["task.delete_half_made["+restored+"]@localhost"] != "changed" || st["task.restore_not_verified@localhost"] != "failed" {
		t.Fatalf("verify_data=api on a fake restore: exit %d, want 1 with verify_restored failed, delete_half_made changed, restore_not_verified failed; got %v\n%s", r.code, st, r.stderr)
	}
	for _, i := range lab.instances(t) {
		if i.Name == restored {
			t.Errorf("the half-made %s (%s) was not deleted", restored, i.Status)
		}
	}
	if got := lab.instance(t, name); got.ID != old.ID || got.Datastore.Version != oldV {
		t.Errorf("the old instance changed: %+v", got)
	}
	if st := lab.backupStatus(t, backup); st != "COMPLETED" {
		t.Errorf("backup %s is %q after the rescue, want COMPLETED", backup, st)
	}
	r = run(t, env, args("none")...)
	if r.code != 2 {
		t.Fatalf("backup-restore: exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := lab.backupStatus(t, backup); st != "COMPLETED" {
		t.Errorf("backup %s is %q, want COMPLETED", backup, st)
	}
	if got := lab.instance(t, restored); got.Datastore.Version != newV || (got.Status != "ACTIVE" && got.OperatingStatus != "HEALTHY") {
		t.Errorf("restored %s is %s/%s on %s, want ACTIVE/HEALTHY on %s", restored, got.Status, got.OperatingStatus, got.Datastore.Version, newV)
	}
	if got := lab.instance(t, name); got.ID != old.ID || got.Datastore.Version != oldV {
		t.Errorf("the old instance changed: %+v", got)
	}
	r = run(t, env, args("none")...)
	if r.code != 0 {
		t.Fatalf("backup-restore again: exit %d, want 0; changed %v\n%s", r.code, r.withStatus("changed"), r.stderr)
	}
}

// troveLab is what the test needs of lab/openstack and lab/systemd.
type troveLab struct {
	dir   string
	env   map[string]string // both parts' env files
	hosts []string          // controller names, as in inventories/lab.hcl
	addrs []string
	http  *http.Client
}

func needTroveLab(t *testing.T) *troveLab {
	t.Helper()
	l := &troveLab{dir: labtest.Dir(), env: map[string]string{}, http: &http.Client{Timeout: 30 * time.Second}}
	for _, part := range []string{"openstack", "systemd"} {
		for k, v := range labtest.Env(t, part) {
			l.env[k] = v
		}
	}
	l.hosts = strings.Split(l.env["LAB_SYSTEMD_HOSTS"], ",")
	l.addrs = strings.Split(l.env["LAB_SYSTEMD_ADDRESSES"], ",")
	if len(l.hosts) < 2 || len(l.addrs) != len(l.hosts) || l.hosts[0] != "sd01" || l.hosts[1] != "sd02" {
		t.Fatalf("inventories/lab.hcl expects the systemd lab's sd01 and sd02, the lab has %v", l.hosts)
	}
	l.hosts, l.addrs = l.hosts[:2], l.addrs[:2]
	return l
}

// inventory returns inventories/lab.hcl, or a copy with this lab folder and
// checkout in place of the defaults it is written for.
func (l *troveLab) inventory(t *testing.T, root string) string {
	t.Helper()
	src := filepath.Join(root, "inventories", "lab.hcl")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(strings.ReplaceAll(string(b), "/tmp/runbook-lab", l.dir), "/work/main", root)
	// The systemd hosts' addresses of this lab slot (lab/slot.sh).
	for i, a := range l.addrs {
		s = strings.ReplaceAll(s, fmt.Sprintf(`"10.233.0.%d"`, 11+i), `"`+a+`"`)
	}
	if s == string(b) {
		return src
	}
	p := filepath.Join(t.TempDir(), "lab.hcl")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// provideImage puts the lab's small image where trovestack would write the
// guest image (trovestack needs diskimage-builder and the internet).
func (l *troveLab) provideImage(t *testing.T) {
	t.Helper()
	dst := filepath.Join(l.dir, "trove-images", "trove-guest-zed-ubuntu-bionic-dev.raw")
	if _, err := os.Stat(dst); err == nil {
		return
	}
	b, err := os.ReadFile(filepath.Join(l.dir, "openstack", "glance", "fake-guest.img"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// token returns a Keystone token scoped to the user's own project.
func (l *troveLab) token(t *testing.T, user string) string {
	t.Helper()
	pw, err := os.ReadFile(l.env["LAB_"+strings.ToUpper(user)+"_PASSWORD_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": user, "domain": map[string]string{"name": "Default"}, "password": strings.TrimSpace(string(pw))}}},
		"scope": map[string]any{"project": map[string]any{"name": user, "domain": map[string]string{"name": "Default"}}},
	}}
	b, _ := json.Marshal(body)
	resp, err := l.http.Post(l.env["LAB_KEYSTONE_URL"]+"/auth/tokens", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 201 {
		t.Fatalf("keystone token for %s: %s", user, resp.Status)
	}
	return resp.Header.Get("X-Subject-Token")
}

func (l *troveLab) get(t *testing.T, user, url string, out any) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	req.Header.Set("X-Auth-Token", l.token(t, user))
	req.Header.Set("Accept", "application/json")
	resp, err := l.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

type troveInstance struct {
	ID, Name, Status string
	OperatingStatus  string `json:"operating_status"`
	Datastore        struct{ Type, Version string }
}

func (l *troveLab) instances(t *testing.T) []troveInstance {
	t.Helper()
	var out struct{ Instances []troveInstance }
	if c := l.get(t, "demo", l.env["LAB_TROVE_URL"]+"/instances", &out); c != 200 {
		t.Fatalf("trove instance list: %d", c)
	}
	return out.Instances
}

func (l *troveLab) instance(t *testing.T, name string) troveInstance {
	t.Helper()
	for _, i := range l.instances(t) {
		if i.Name == name {
			return i
		}
	}
	t.Fatalf("no Trove instance named %s", name)
	return troveInstance{}
}

func (l *troveLab) deleteInstances(t *testing.T, names []string) {
	for _, i := range l.instances(t) {
		for _, n := range names {
			if i.Name != n {
				continue
			}
			req, _ := http.NewRequest(http.MethodDelete, l.env["LAB_TROVE_URL"]+"/instances/"+i.ID, nil)
			req.Header.Set("X-Auth-Token", l.token(t, "demo"))
			if resp, err := l.http.Do(req); err != nil {
				t.Errorf("deleting %s: %v", n, err)
			} else {
				resp.Body.Close()
				if resp.StatusCode != 202 && resp.StatusCode != 404 {
					t.Errorf("deleting %s: %s", n, resp.Status)
				}
			}
		}
	}
}

type troveBackup struct {
	ID, Name, Status string
	Instance         string `json:"instance_id"`
}

func (l *troveLab) backups(t *testing.T) []troveBackup {
	t.Helper()
	var out struct{ Backups []troveBackup }
	if c := l.get(t, "demo", l.env["LAB_TROVE_URL"]+"/backups", &out); c != 200 {
		t.Fatalf("trove backup list: %d", c)
	}
	return out.Backups
}

func (l *troveLab) backupStatus(t *testing.T, name string) string {
	t.Helper()
	for _, b := range l.backups(t) {
		if b.Name == name {
			return b.Status
		}
	}
	return ""
}

func (l *troveLab) deleteBackups(t *testing.T, name string) {
	for _, b := range l.backups(t) {
		if b.Name != name {
			continue
		}
		req, _ := http.NewRequest(http.MethodDelete, l.env["LAB_TROVE_URL"]+"/backups/"+b.ID, nil)
		req.Header.Set("X-Auth-Token", l.token(t, "demo"))
		if resp, err := l.http.Do(req); err != nil {
			t.Errorf("deleting backup %s: %v", name, err)
		} else {
			resp.Body.Close()
		}
	}
}

func (l *troveLab) imageID(t *testing.T, name string) string {
	t.Helper()
	var out struct {
		Images []struct{ ID, Name, Status string }
	}
	if c := l.get(t, "admin", l.env["LAB_GLANCE_URL"]+"/v2/images?name="+name, &out); c != 200 {
		t.Fatalf("glance image list: %d", c)
	}
	for _, i := range out.Images {
		if i.Name == name && i.Status == "active" {
			return i.ID
		}
	}
	t.Fatalf("no active Glance image %s", name)
	return ""
}

type mgmtVersion struct {
	ID, Name, Image string
	Datastore       string `json:"datastore_name"`
	Active, Default bool
}

func (l *troveLab) versions(t *testing.T) []mgmtVersion {
	t.Helper()
	var out struct {
		Versions []mgmtVersion `json:"versions"`
	}
	url := l.env["LAB_TROVE_BASE_URL"] + "/v1.0/" + l.env["LAB_ADMIN_PROJECT_ID"] + "/mgmt/datastore-versions"
	if c := l.get(t, "admin", url, &out); c != 200 {
		t.Fatalf("GET %s: %d", url, c)
	}
	return out.Versions
}

func (l *troveLab) versionImage(t *testing.T, version string) string {
	t.Helper()
	for _, v := range l.versions(t) {
		if v.Name == version && v.Datastore == l.env["LAB_DATASTORE"] {
			return v.Image
		}
	}
	t.Fatalf("no datastore version %s", version)
	return ""
}

// ssh runs a command on a controller with OpenSSH, host key checked.
func (l *troveLab) ssh(t *testing.T, i int, cmd string) string {
	t.Helper()
	out, err := exec.Command("ssh", "-i", l.env["LAB_SYSTEMD_KEY"], "-o", "UserKnownHostsFile="+l.env["LAB_SYSTEMD_KNOWN_HOSTS"],
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-F", "none",
		l.env["LAB_SYSTEMD_USER"]+"@"+l.addrs[i], cmd).Output()
	if err != nil {
		t.Fatalf("ssh %s %q: %v", l.hosts[i], cmd, err)
	}
	return string(out)
}

// troveSnap is everything check mode must leave alone. Other tests share
// the lab's clouds, so it holds only what this runbook could touch: guest
// images of its name, the test's own instances and their backups, the
// datastore's versions, and the controllers.
type troveSnap struct {
	Images, Instances, Backups, Versions string
	Conf, Units                          map[string]string // per controller: sha256 of trove.conf; ActiveEnterTimestamps
}

// diff names what differs from before, "" when nothing does.
func (s troveSnap) diff(before troveSnap) string {
	var out []string
	for _, f := range []struct{ name, was, now string }{
		{"Glance images", before.Images, s.Images}, {"Trove instances", before.Instances, s.Instances},
		{"Trove backups", before.Backups, s.Backups}, {"datastore versions", before.Versions, s.Versions},
	} {
		if f.was != f.now {
			out = append(out, fmt.Sprintf("%s:\n  before %s\n  after  %s", f.name, f.was, f.now))
		}
	}
	for h := range before.Conf {
		if before.Conf[h] != s.Conf[h] {
			out = append(out, fmt.Sprintf("trove.conf on %s: sha256 %s -> %s", h, before.Conf[h], s.Conf[h]))
		}
		if before.Units[h] != s.Units[h] {
			out = append(out, fmt.Sprintf("units on %s: %q -> %q", h, before.Units[h], s.Units[h]))
		}
	}
	return strings.Join(out, "\n")
}

func (l *troveLab) snapshot(t *testing.T, names []string) troveSnap {
	t.Helper()
	s := troveSnap{Conf: map[string]string{}, Units: map[string]string{}}
	var imgs struct {
		Images []struct{ ID, Name, Status, Checksum, Visibility string }
	}
	if c := l.get(t, "admin", l.env["LAB_GLANCE_URL"]+"/v2/images?limit=1000", &imgs); c != 200 {
		t.Fatalf("glance image list: %d", c)
	}
	var keep []any
	for _, i := range imgs.Images {
		if strings.HasPrefix(i.Name, "trove-guest-") {
			keep = append(keep, i)
		}
	}
	s.Images = sortedJSON(keep)
	mine := map[string]bool{}
	var ins []string
	for _, i := range l.instances(t) {
		for _, n := range names {
			if i.Name == n || strings.HasPrefix(i.Name, n+"-") {
				mine[i.ID] = true
				ins = append(ins, i.ID+" "+i.Name+" "+i.Status+" "+i.Datastore.Version)
			}
		}
	}
	s.Instances = sortedJSON(ins)
	keep = nil
	for _, b := range l.backups(t) {
		if mine[b.Instance] {
			keep = append(keep, b)
		}
	}
	s.Backups = sortedJSON(keep)
	keep = nil
	for _, v := range l.versions(t) {
		if v.Datastore == l.env["LAB_DATASTORE"] {
			keep = append(keep, v)
		}
	}
	s.Versions = sortedJSON(keep)
	for i, h := range l.hosts {
		s.Conf[h] = strings.Fields(l.ssh(t, i, "sha256sum /etc/trove/trove.conf") + " -")[0]
		s.Units[h] = strings.TrimSpace(l.ssh(t, i, "systemctl show -p ActiveEnterTimestamp devstack@tr-api devstack@tr-cond devstack@tr-tmgr"))
	}
	return s
}

func sortedJSON[T any](xs []T) string {
	var out []string
	for _, x := range xs {
		b, _ := json.Marshal(x)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
