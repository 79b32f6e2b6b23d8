package container

import (
	"slices"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
)

func TestExecArgv(t *testing.T) {
	c := Wrap(nil, Spec{Name: "trove_api", User: "trove"})
	got := c.execArgv(&transport.Cmd{
		Argv:  []string{"trove-manage", "--config-file", "/etc/trove/trove.conf", "db_upgrade"},
		Dir:   "/var/lib/trove",
		Env:   map[string]string{"B": "secret value", "A": "x"},
		Stdin: strings.NewReader(""),
	})
	want := []string{"docker", "exec", "--interactive", "--user", "trove", "--workdir", "/var/lib/trove", "--env", "A", "--env", "B",
		"trove_api", "trove-manage", "--config-file", "/etc/trove/trove.conf", "db_upgrade"}
	if !slices.Equal(got, want) {
		t.Errorf("argv\n%q\nwant\n%q", got, want)
	}
	for _, a := range got {
		if strings.Contains(a, "secret") {
			t.Errorf("an environment value is on the runtime's command line: %q", got)
		}
	}
	got = Wrap(nil, Spec{Name: "c1", Runtime: "/usr/bin/podman"}).execArgv(&transport.Cmd{Argv: []string{"id"}})
	if !slices.Equal(got, []string{"/usr/bin/podman", "exec", "c1", "id"}) {
		t.Errorf("argv %q", got)
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range []Spec{{Name: "trove_api"}, {Name: "a.b-c_1", Runtime: "podman", User: "1000:1000"}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	for _, bad := range []Spec{{}, {Name: "-it"}, {Name: "a b"}, {Name: "x;rm"}, {Name: "c", Runtime: "--help"}, {Name: "c", Runtime: "docker -H x"}, {Name: "c", User: "--privileged"}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
