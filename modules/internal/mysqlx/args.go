package mysqlx

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/args"
)

// ConnSpec returns the connection arguments every mysql module takes, to
// add to its own hcldec.ObjectSpec.
func ConnSpec() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"from":            &hcldec.AttrSpec{Name: "from", Type: cty.String},
		"login_host":      &hcldec.AttrSpec{Name: "login_host", Type: cty.String},
		"login_port":      &hcldec.AttrSpec{Name: "login_port", Type: cty.Number},
		"login_user":      &hcldec.AttrSpec{Name: "login_user", Type: cty.String},
		"login_password":  &hcldec.AttrSpec{Name: "login_password", Type: cty.String},
		"login_socket":    &hcldec.AttrSpec{Name: "login_socket", Type: cty.String},
		"database":        &hcldec.AttrSpec{Name: "database", Type: cty.String},
		"tls":             &hcldec.AttrSpec{Name: "tls", Type: cty.String},
		"tls_ca":          &hcldec.AttrSpec{Name: "tls_ca", Type: cty.String},
		"defaults_file":   &hcldec.AttrSpec{Name: "defaults_file", Type: cty.String},
		"connect_timeout": &hcldec.AttrSpec{Name: "connect_timeout", Type: cty.String},
	}
}

// Merge returns a spec holding the attributes of all specs.
func Merge(specs ...hcldec.ObjectSpec) hcldec.ObjectSpec { return args.Merge(specs...) }

// ConnDoc documents the connection arguments, for the modules' reference
// pages.
const ConnDoc = "| `from` | string | no | Where the SQL runs from: `host` (default) runs the `mysql` client on the task's host through its connection; `control` connects from the machine running runbook with Go's MySQL driver. |\n" +
	"| `login_host` | string | no | Server address. Default: the local socket through the host (`mysql`'s own default), `127.0.0.1` from the control node. |\n" +
	"| `login_port` | number | no | Server port (default 3306). |\n" +
	"| `login_user` | string | no | User. Default: the option files' (`~/.my.cnf`), else the client's default (through the host) or `root` (from the control node). |\n" +
	"| `login_password` | string | no | Password; always treated as sensitive. Never on a command line: through the host it is written to a 0600 option file in a private temporary directory that is removed afterwards. |\n" +
	"| `login_socket` | string | no | Unix socket path (on the host, or on the control node with `from = \"control\"`). |\n" +
	"| `database` | string | no | Default database of the session. |\n" +
	"| `tls` | string | no | `false`, `true` (verify the server's certificate), `skip-verify` or `preferred`. Default: the client's default (through the host), `false` from the control node. |\n" +
	"| `tls_ca` | string | no | CA certificate file to verify the server with (on the host, or on the control node). Implies `tls = \"true\"`. |\n" +
	"| `defaults_file` | string | no | A MySQL option file on the host (e.g. `/etc/mysql/debian.cnf`) to read credentials from; through the host only. |\n" +
	"| `connect_timeout` | string | no | How long to wait for the connection (default `10s`). |\n"

// Target says which server to reach, as whom, and from where.
type Target struct {
	From         string // "host" or "control"
	Host         string
	Port         int
	User         string
	Password     string // sensitive
	Socket       string
	Database     string
	TLS          string
	TLSCA        string
	DefaultsFile string
	Timeout      time.Duration

	// HostName is the inventory host the task runs on, for messages.
	HostName string
}

// Server names the server for messages: "127.0.0.1:3306 via ctl1".
func (t *Target) Server() string {
	s := "local socket"
	switch {
	case t.Socket != "":
		s = t.Socket
	case t.Host != "":
		port := t.Port
		if port == 0 {
			port = 3306
		}
		s = t.Host + ":" + strconv.Itoa(port)
	}
	if t.From == "control" {
		return s + " (from the control node)"
	}
	return s + " via " + t.HostName
}

// TargetFrom reads the connection arguments of req.
func TargetFrom(req *module.Request) (*Target, error) {
	a := req.Args
	t := &Target{
		From:         Str(a, "from"),
		Host:         Str(a, "login_host"),
		User:         Str(a, "login_user"),
		Password:     Str(a, "login_password"),
		Socket:       Str(a, "login_socket"),
		Database:     Str(a, "database"),
		TLS:          Str(a, "tls"),
		TLSCA:        Str(a, "tls_ca"),
		DefaultsFile: Str(a, "defaults_file"),
		Timeout:      10 * time.Second,
		HostName:     req.Host.Name,
	}
	if t.HostName == "" {
		t.HostName = "localhost"
	}
	switch t.From {
	case "":
		t.From = "host"
	case "host", "control":
	default:
		return nil, fmt.Errorf("from = %q: must be host or control", t.From)
	}
	if p := attr(a, "login_port"); !p.IsNull() {
		bf := p.AsBigFloat()
		if !bf.IsInt() || bf.Sign() <= 0 || bf.Cmp(big.NewFloat(65535)) > 0 {
			return nil, fmt.Errorf("login_port = %s: must be a port number", bf.Text('f', -1))
		}
		i, _ := bf.Int64()
		t.Port = int(i)
	}
	switch t.TLS {
	case "", "false", "true", "skip-verify", "preferred":
	default:
		return nil, fmt.Errorf("tls = %q: must be false, true, skip-verify or preferred", t.TLS)
	}
	if t.TLSCA != "" && (t.TLS == "" || t.TLS == "preferred") {
		t.TLS = "true"
	}
	if t.TLSCA != "" && (t.TLS == "false" || t.TLS == "skip-verify") {
		return nil, fmt.Errorf("tls_ca is set but tls = %q does not verify the server", t.TLS)
	}
	if t.DefaultsFile != "" && t.From == "control" {
		return nil, fmt.Errorf("defaults_file is read by the mysql client on the host: it needs from = \"host\"")
	}
	if s := Str(a, "connect_timeout"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("connect_timeout = %q: not a duration (e.g. \"10s\")", s)
		}
		t.Timeout = d
	}
	return t, nil
}

func attr(obj cty.Value, name string) cty.Value { return args.Attr(obj, name) }

// Str returns a string argument, "" when null or absent.
func Str(obj cty.Value, name string) string { return args.Str(obj, name) }

// Bool returns a bool argument; ok is false when it is null or absent.
func Bool(obj cty.Value, name string) (value, ok bool) { return args.BoolOK(obj, name) }

// Strings returns a list of strings argument, nil when null.
func Strings(obj cty.Value, name string) []string { return args.Strings(obj, name) }
