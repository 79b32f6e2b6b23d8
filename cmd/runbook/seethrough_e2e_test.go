package main

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The check that sees through its own plan, end to end on the systemd lab:
// a check of a runbook whose later tasks read what earlier ones would
// leave (a directory then files in it, a unit file then the unit...) must
// predict the run exactly, diffs included, on fresh hosts and on hosts
// where part of it already exists.

// truthOf is what a check or a run said about every instance: its status
// and its diff (as JSON).
type truthOf struct {
	status map[string]string
	diff   map[string]string
	from   map[string][]string // predicted_from
}

func (r runOut) truth() truthOf {
	out := truthOf{status: r.finished(), diff: map[string]string{}, from: map[string][]string{}}
	for _, ev := range r.events {
		if ev["type"] != "task_finished" {
			continue
		}
		id := ev["task"].(string) + "@" + ev["host"].(string)
		if d, ok := ev["diff"]; ok {
			b, _ := json.Marshal(d)
			out.diff[id] = string(b)
		}
		if f, ok := ev["predicted_from"].([]any); ok {
			for _, x := range f {
				out.from[id] = append(out.from[id], x.(string))
			}
		}
	}
	return out
}

// reasonOf is the reason an instance ("task.x@h") finished with.
func (r runOut) reasonOf(id string) any {
	for _, ev := range r.events {
		if ev["type"] == "task_finished" && ev["task"].(string)+"@"+ev["host"].(string) == id {
			return ev["reason"]
		}
	}
	return nil
}

// checkPredictsRun fails the test where the check and the run that
// followed it disagree: every instance the check said would change
// changed, with the same diff; every one it found up to date was; nothing
// was left unpredicted; the run did nothing the check did not announce.
func checkPredictsRun(t *testing.T, label string, check, run runOut) {
	t.Helper()
	c, r := check.truth(), run.truth()
	want := map[string]string{"would_change": "changed", "ok": "ok", "skipped": "skipped"}
	for id, st := range c.status {
		if st == "unpredictable" {
			t.Errorf("%s: check could not predict %s: %v", label, id, check.reasonOf(id))
			continue
		}
		if got := r.status[id]; got != want[st] {
			t.Errorf("%s: check said %s for %s, the run did %q", label, st, id, got)
		}
		if st == "would_change" && c.diff[id] != r.diff[id] {
			t.Errorf("%s: the diff of %s differs\ncheck: %s\nrun:   %s", label, id, c.diff[id], r.diff[id])
		}
	}
	for id, st := range r.status {
		if _, ok := c.status[id]; !ok && st != "skipped" {
			t.Errorf("%s: the run did %s for %s, which the check did not mention", label, st, id)
		}
	}
}

// truthHostState is what a check must leave alone on a host.
func (l *systemdLab) truthHostState(t *testing.T, host, dir string, units ...string) string {
	t.Helper()
	return l.sh(t, host, `d=$1; shift
find "$d" /etc/systemd/system -path '/etc/systemd/system/*' ! -name 'rb-*' -prune -o -printf '%p %y %m %u %g %s %T@\n' 2>/dev/null | sort
find "$d" -type f -exec sha256sum {} + 2>/dev/null | sort
for u in "$@"; do systemctl show -p ActiveState,UnitFileState,InvocationID "$u"; done
grep -c . /etc/hosts`, append([]string{dir}, units...)...)
}

// The truth runbook's cases; each host gets a starting point.
const (
	truthDir = "/srv/rb-truth"
	svcUnit  = "rb-truth-svc.service"
	hndUnit  = "rb-truth-hnd.service"
)

const truthCleanup = `systemctl disable --now rb-truth-svc.service rb-truth-hnd.service >/dev/null 2>&1
rm -rf /srv/rb-truth /etc/systemd/system/rb-truth-svc.service /etc/systemd/system/rb-truth-hnd.service
systemctl daemon-reload; systemctl reset-failed rb-truth-svc.service rb-truth-hnd.service 2>/dev/null; true`

// truthPartial are hosts where part of each case already exists.
var truthPartial = map[string]string{
	// The directory with another mode, its subdirectory missing; the
	// unit file as asked but the unit stopped and disabled; the file to
	// remove and recreate already as it will be; the copy's file with the
	// line the lineinfile adds; the template's file with the ini's option;
	// the handler's unit as asked and running (so nothing notifies it).
	"A": `set -e
mkdir -p /srv/rb-truth && chmod 0700 /srv/rb-truth
printf '[Unit]\nDescription=runbook truth test\n[Service]\nType=exec\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n' > /etc/systemd/system/rb-truth-svc.service
printf 'stamp\n' > /srv/rb-truth/stamp
printf 'A=1\nB=2\n' > /srv/rb-truth/env
printf '[server]\nlisten = 0.0.0.0:8080\ndebug = false\n' > /srv/rb-truth/server.ini
printf '[Unit]\nDescription=runbook truth test, restarted by a handler\n[Service]\nType=exec\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/rb-truth-hnd.service
systemctl daemon-reload && systemctl start rb-truth-hnd.service`,
	// The subdirectory with another mode and old files in it; the unit
	// running and enabled from an older unit file (so the new one needs
	// a daemon-reload); a directory tree where the file to recreate goes;
	// old content in the copy's and the template's files; the handler's
	// unit running from an older file.
	"B": `set -e
mkdir -p /srv/rb-truth/app/conf.d && chmod 0755 /srv/rb-truth/app/conf.d
printf 'old\n' > /srv/rb-truth/app/conf.d/main.conf
printf '[server]\nport = 8080\n' > /srv/rb-truth/app/conf.d/app.ini
printf '[Unit]\nDescription=runbook truth test (old)\n[Service]\nType=exec\nExecStart=/bin/sleep 100000\n[Install]\nWantedBy=multi-user.target\n' > /etc/systemd/system/rb-truth-svc.service
mkdir -p /srv/rb-truth/stamp/inner && printf 'x\n' > /srv/rb-truth/stamp/inner/x
printf 'A=0\n' > /srv/rb-truth/env
printf 'junk\n' > /srv/rb-truth/server.ini
printf '[Unit]\nDescription=old\n[Service]\nType=exec\nExecStart=/bin/sleep 100000\n' > /etc/systemd/system/rb-truth-hnd.service
systemctl daemon-reload && systemctl enable --now rb-truth-svc.service 2>/dev/null && systemctl start rb-truth-hnd.service`,
}

// TestCheckPredictsTheRunThroughItsPlan runs the truth runbook: check,
// run, and again, on one fresh host and one where part of every case
// exists, then the other way round with other parts. Each time the check
// must predict the run instance by instance, diffs included, and leave
// the hosts as they were.
func TestCheckPredictsTheRunThroughItsPlan(t *testing.T) {
	lab := needSystemdLab(t)
	if len(lab.hosts) < 2 {
		t.Skip("the systemd lab has one host; this test wants two")
	}
	h1, h2 := lab.hosts[0], lab.hosts[1]
	cleanup := func() {
		for _, h := range lab.hosts {
			lab.sh(t, h, truthCleanup)
		}
	}
	t.Cleanup(cleanup)
	args := []string{"--json", "--diff", "-i", lab.inventory, "--limit", h1 + "," + h2, "testdata/truth"}
	for _, sc := range []struct {
		name  string
		setup map[string]string // host -> truthPartial key ("" fresh)
	}{
		{"fresh and partial A", map[string]string{h1: "", h2: "A"}},
		{"partial B and fresh", map[string]string{h1: "B", h2: ""}},
	} {
		cleanup()
		for h, part := range sc.setup {
			if part != "" {
				lab.sh(t, h, truthPartial[part])
			}
		}
		for round := 1; round <= 2; round++ {
			label := sc.name + ", round " + string(rune('0'+round))
			before := map[string]string{}
			for _, h := range lab.hosts {
				before[h] = lab.truthHostState(t, h, truthDir, svcUnit, hndUnit)
			}
			check := run(t, nil, append([]string{"check"}, args...)...)
			if check.code != exitChanges {
				t.Fatalf("%s: check exit %d\n%s%s", label, check.code, check.stdout, check.stderr)
			}
			for _, h := range lab.hosts {
				if after := lab.truthHostState(t, h, truthDir, svcUnit, hndUnit); after != before[h] {
					t.Fatalf("%s: the check changed %s:\nbefore\n%s\nafter\n%s", label, h, before[h], after)
				}
			}
			r := run(t, nil, append([]string{"run"}, args...)...)
			if r.code != exitChanges {
				t.Fatalf("%s: run exit %d\n%s%s", label, r.code, r.stdout, r.stderr)
			}
			checkPredictsRun(t, label, check, r)
			if round == 1 {
				truthRoundOne(t, sc.name, sc.setup, h1, h2, check.truth())
			}
		}
	}
}

// truthRoundOne checks what the first check of a scenario said where the
// cases differ between a fresh host and a partial one, and which planned
// changes each prediction rests on: the point of the test is that these
// are predictions, not guesses.
func truthRoundOne(t *testing.T, name string, setup map[string]string, h1, h2 string, c truthOf) {
	t.Helper()
	for _, h := range []string{h1, h2} {
		at := func(tasks ...string) []string {
			var out []string
			for _, task := range tasks {
				out = append(out, "task."+task+"@"+h)
			}
			return out
		}
		// instance -> status, and the instances its prediction rests on.
		type want struct {
			status string
			from   []string
		}
		var wants map[string]want
		switch setup[h] {
		case "": // fresh: every plan after conf_dir reads the directories it makes
			wants = map[string]want{
				"task.conf_dir": {"would_change", nil}, "task.conf_main": {"would_change", at("conf_dir")},
				"task.conf_ini": {"would_change", at("conf_dir")}, "task.unit_file": {"would_change", nil},
				"task.unit_up": {"would_change", at("unit_file")}, "task.stamp_gone": {"ok", at("conf_dir")},
				"task.stamp_new": {"would_change", at("conf_dir")}, "task.env_file": {"would_change", at("conf_dir")},
				"task.env_line": {"would_change", at("conf_dir", "env_file")}, "task.tpl_file": {"would_change", at("conf_dir")},
				"task.tpl_ini": {"would_change", at("conf_dir", "tpl_file")}, "task.handled_unit": {"would_change", nil},
				"handler.restart_handled": {"would_change", at("handled_unit")},
			}
		case "A":
			wants = map[string]want{
				"task.conf_dir": {"would_change", nil}, "task.conf_main": {"would_change", at("conf_dir")},
				"task.conf_ini": {"would_change", at("conf_dir")},
				// The unit file is as asked: the unit's plan reads the host.
				"task.unit_file": {"ok", nil}, "task.unit_up": {"would_change", nil},
				// Removed, then made again as it was.
				"task.stamp_gone": {"would_change", nil}, "task.stamp_new": {"would_change", at("stamp_gone")},
				"task.env_file": {"would_change", nil}, "task.env_line": {"would_change", at("env_file")},
				"task.tpl_file": {"would_change", nil}, "task.tpl_ini": {"would_change", at("tpl_file")},
				// As asked and running: nothing notifies the handler.
				"task.handled_unit": {"ok", nil},
			}
		case "B":
			wants = map[string]want{
				// Only the mode of the directory changes, above main.conf.
				"task.conf_dir": {"would_change", nil}, "task.conf_main": {"would_change", at("conf_dir")},
				"task.conf_ini": {"ok", at("conf_dir")},
				// Running from an older file: the new one needs a reload.
				"task.unit_file": {"would_change", nil}, "task.unit_up": {"would_change", at("unit_file")},
				"task.stamp_gone": {"would_change", nil}, "task.stamp_new": {"would_change", at("stamp_gone")},
				"task.env_file": {"would_change", nil}, "task.env_line": {"would_change", at("env_file")},
				"task.tpl_file": {"would_change", nil}, "task.tpl_ini": {"would_change", at("tpl_file")},
				"task.handled_unit": {"would_change", nil}, "handler.restart_handled": {"would_change", at("handled_unit")},
			}
		}
		for task, w := range wants {
			id := task + "@" + h
			if got := c.status[id]; got != w.status {
				t.Errorf("%s: check said %q for %s, want %q", name, got, id, w.status)
			}
			if got := c.from[id]; !reflect.DeepEqual(got, w.from) {
				t.Errorf("%s: %s predicted from %v, want %v", name, id, got, w.from)
			}
		}
		if setup[h] == "B" && !strings.Contains(c.diff["task.unit_up@"+h], "daemon-reload") {
			t.Errorf("%s: unit_up@%s does not plan the daemon-reload the new unit file needs: %s", name, h, c.diff["task.unit_up@"+h])
		}
	}
}

// The runbook on fresh systemd hosts: a directory, a template and
// an ini file in it, a unit file, the unit started and enabled, a handler
// restarting it, a command with creates and a line in /etc/hosts. Before
// the check could see through its plan, 10 of its 16 instances were
// "cannot predict"; now none is, the run does exactly what the check
// said, with the same diffs, and a second run changes nothing.
func TestCheckPredictsAFirstDeployment(t *testing.T) {
	lab := needSystemdLab(t)
	clean := `systemctl disable --now rb-app.service >/dev/null 2>&1
rm -rf /srv/rb-app /etc/systemd/system/rb-app.service
sed -i '/\srb-app$/d' /etc/hosts
systemctl daemon-reload; systemctl reset-failed rb-app.service 2>/dev/null; true`
	for _, h := range lab.hosts {
		lab.sh(t, h, clean)
	}
	t.Cleanup(func() {
		for _, h := range lab.hosts {
			lab.sh(t, h, clean)
		}
	})
	args := []string{"--json", "--diff", "-i", lab.inventory, "testdata/seethrough"}

	before := map[string]string{}
	for _, h := range lab.hosts {
		before[h] = lab.truthHostState(t, h, "/srv/rb-app", "rb-app.service")
	}
	check := run(t, nil, append([]string{"check"}, args...)...)
	if check.code != exitChanges {
		t.Fatalf("check exit %d\n%s%s", check.code, check.stdout, check.stderr)
	}
	for _, h := range lab.hosts {
		if after := lab.truthHostState(t, h, "/srv/rb-app", "rb-app.service"); after != before[h] {
			t.Fatalf("the check changed %s:\nbefore\n%s\nafter\n%s", h, before[h], after)
		}
	}
	if u := check.withStatus("unpredictable"); len(u) != 0 {
		t.Errorf("check could not predict %v", u)
	}
	tasks := []string{"task.appdir", "task.app_conf", "task.app_ini", "task.unit_file", "task.service", "handler.restart", "task.seed", "task.hosts_entry"}
	var all []string
	for _, task := range tasks {
		for _, h := range lab.hosts {
			all = append(all, task+"@"+h)
		}
	}
	sort.Strings(all)
	if got := check.withStatus("would_change"); !reflect.DeepEqual(got, all) {
		t.Errorf("would change %v, want %v", got, all)
	}
	h := lab.hosts[0]
	for id, want := range map[string][]string{
		"task.app_conf": {"task.appdir@" + h}, "task.service": {"task.unit_file@" + h},
		"handler.restart": {"task.unit_file@" + h, "task.service@" + h},
	} {
		if got := check.truth().from[id+"@"+h]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s@%s predicted from %v, want %v", id, h, got, want)
		}
	}
	human := run(t, nil, "check", "--diff", "-i", lab.inventory, "--limit", h, "testdata/seethrough")
	for _, want := range []string{
		"would create /srv/rb-app/app.conf; after task.appdir",
		"+listen = 0.0.0.0:8080",
		"enable rb-app.service; start rb-app.service; after task.unit_file",
		"restart rb-app.service; after task.unit_file, task.service",
	} {
		if !strings.Contains(human.stdout, want) {
			t.Errorf("check --diff lacks %q:\n%s", want, human.stdout)
		}
	}

	first := run(t, nil, append([]string{"run"}, args...)...)
	if first.code != exitChanges {
		t.Fatalf("run exit %d\n%s%s", first.code, first.stdout, first.stderr)
	}
	checkPredictsRun(t, "first deployment", check, first)
	for _, h := range lab.hosts {
		if got := lab.sh(t, h, `systemctl is-active rb-app.service; systemctl is-enabled rb-app.service; cat /srv/rb-app/app.conf /srv/rb-app/seed; grep -c 'rb-app$' /etc/hosts`); got != "active\nenabled\n# rb-app, written by runbook\nlisten = 0.0.0.0:8080\nworkers = 2\nseeded\n1\n" {
			t.Errorf("%s after the run:\n%s", h, got)
		}
	}
	again := run(t, nil, append([]string{"run"}, args...)...)
	if again.code != exitOK || len(again.withStatus("changed")) != 0 {
		t.Errorf("second run: exit %d, changed %v", again.code, again.withStatus("changed"))
	}
	if recheck := run(t, nil, append([]string{"check"}, args...)...); recheck.code != exitOK {
		t.Errorf("check after the run: exit %d\n%s", recheck.code, recheck.stdout)
	}
}
