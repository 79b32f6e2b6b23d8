package pkg

import (
	"bufio"
	"bytes"
	"context"
	"strings"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// aptEnv keeps apt, dpkg and debconf from asking anything, and their
// messages predictable.
var aptEnv = map[string]string{"LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive", "NEEDRESTART_MODE": "a", "APT_LISTCHANGES_FRONTEND": "none"}

// installed is what dpkg says about a package.
type installed struct {
	status  string // dpkg's db:Status-Abbrev, e.g. "ii ", "rc "
	version string
}

// ok reports whether the package is installed and configured (or only
// waiting for triggers).
func (i *installed) ok() bool {
	if i == nil || len(i.status) < 2 {
		return false
	}
	switch i.status[1] {
	case 'i', 'W', 't':
		return true
	}
	return false
}

// configOnly reports whether only the package's config files remain.
func (i *installed) configOnly() bool { return i != nil && len(i.status) >= 2 && i.status[1] == 'c' }

// baseName strips an architecture qualifier: "libc6:i386" -> "libc6".
func baseName(name string) string {
	n, _, _ := strings.Cut(name, ":")
	return n
}

// dpkgQuery returns what dpkg knows about the packages, by base name.
// Packages dpkg has never heard of are simply missing from the map.
func dpkgQuery(ctx context.Context, conn transport.Conn, names []string) (map[string]*installed, error) {
	argv := append([]string{"dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\t${Version}\n", "--"}, names...)
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: aptEnv})
	if err != nil {
		return nil, err
	}
	// Exit status 1 means some package is unknown to dpkg; the others
	// are still printed.
	if res.RC != 0 && !(res.RC == 1 && strings.Contains(string(res.Stderr), "no packages found matching")) {
		return nil, &module.CommandError{Argv: argv[:2], RC: res.RC, Stderr: string(res.Stderr), Msg: "reading installed packages"}
	}
	out := map[string]*installed{}
	sc := bufio.NewScanner(bytes.NewReader(res.Stdout))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			continue
		}
		i := &installed{status: f[1], version: f[2]}
		// A multi-arch package may be listed once per architecture:
		// keep an installed one.
		if prev, ok := out[f[0]]; !ok || !prev.ok() {
			out[f[0]] = i
		}
	}
	return out, nil
}

// policy is what apt-cache policy says about a package.
type policy struct {
	candidate string   // "" for "(none)"
	versions  []string // the version table
}

// aptPolicy returns apt's candidates, by name as asked. A package apt
// does not know is missing from the map.
func aptPolicy(ctx context.Context, conn transport.Conn, names []string) (map[string]*policy, error) {
	argv := append([]string{"apt-cache", "policy", "--"}, names...)
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: aptEnv})
	if err != nil {
		return nil, err
	}
	if res.RC != 0 {
		return nil, &module.CommandError{Argv: argv[:2], RC: res.RC, Stderr: string(res.Stderr), Msg: "reading apt's candidates"}
	}
	return parsePolicy(res.Stdout), nil
}

func parsePolicy(out []byte) map[string]*policy {
	pols := map[string]*policy{}
	var cur *policy
	inTable := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
		case !strings.HasPrefix(line, " "):
			cur = &policy{}
			pols[strings.TrimSuffix(line, ":")] = cur
			inTable = false
		case cur == nil:
		case strings.HasPrefix(line, "  Candidate:"):
			c := strings.TrimSpace(strings.TrimPrefix(line, "  Candidate:"))
			if c != "(none)" {
				cur.candidate = c
			}
		case strings.HasPrefix(line, "  Version table:"):
			inTable = true
		case inTable && (strings.HasPrefix(line, " *** ") || strings.HasPrefix(line, "     ")) && !strings.HasPrefix(line, "      "):
			if f := strings.Fields(strings.TrimPrefix(line, " *** ")); len(f) > 0 {
				cur.versions = append(cur.versions, f[0])
			}
		}
	}
	return pols
}
