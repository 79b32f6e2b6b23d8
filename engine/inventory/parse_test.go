package inventory

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

func jsonOf(v cty.Value) string {
	b, _ := json.Marshal(CtyToGo(v))
	return string(b)
}

// TestINIValue checks Ansible's reading of INI values (ast.literal_eval,
// else the text).
func TestINIValue(t *testing.T) {
	cases := map[string]string{
		`22`:                    `22`,
		`-3`:                    `-3`,
		`0x1F`:                  `31`,
		`1_000`:                 `1000`,
		`007`:                   `"007"`, // not a Python literal
		`1.5`:                   `1.5`,
		`1e3`:                   `1000`,
		`True`:                  `true`,
		`true`:                  `"true"`,
		`yes`:                   `"yes"`,
		`None`:                  `null`,
		`10.0.0.1`:              `"10.0.0.1"`,
		`'single'`:              `"single"`,
		`"dou\"ble"`:            `"dou\"ble"`,
		`'a' "b"`:               `"ab"`,
		`r'\d+'`:                `"\\d+"`,
		`['a', 1, [True]]`:      `["a",1,[true]]`,
		`('x',)`:                `["x"]`,
		`(5)`:                   `5`,
		`{'k': 'v', 'n': 2,}`:   `{"k":"v","n":2}`,
		`{}`:                    `{}`,
		`{1, 2}`:                `[1,2]`,
		`['unclosed'`:           `"['unclosed'"`,
		`/etc/trove/trove.conf`: `"/etc/trove/trove.conf"`,
		`a b`:                   `"a b"`,
		`'\x41\u00e9'`:          `"Aé"`,
		`[1,]`:                  `[1]`,
		`-`:                     `"-"`,
		`1__0`:                  `"1__0"`,
	}
	for in, want := range cases {
		if got := jsonOf(iniValue(in)); got != want {
			t.Errorf("iniValue(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestShlexSplit(t *testing.T) {
	cases := []struct{ in, want string }{
		{`h1 a=1 b=2`, `h1|a=1|b=2`},
		{`h1 motd="hello world" x='y z'`, `h1|motd=hello world|x=y z`},
		{`h1 a=1 # comment b=2`, `h1|a=1`},
		{`h1 a=1#c`, `h1|a=1`},
		{`h1 p="a\"b"`, `h1|p=a"b`},
		{`h1 p='a\b'`, `h1|p=a\b`},
		{`h1 p=a\ b`, `h1|p=a b`},
		{`  h1   `, `h1`},
	}
	for _, c := range cases {
		toks, err := shlexSplit(c.in)
		if err != nil {
			t.Errorf("%s: %s", c.in, err.msg)
			continue
		}
		var got []string
		for _, tk := range toks {
			got = append(got, tk.text)
		}
		if strings.Join(got, "|") != c.want {
			t.Errorf("shlexSplit(%s) = %s, want %s", c.in, strings.Join(got, "|"), c.want)
		}
	}
	if _, err := shlexSplit(`h1 a="open`); err == nil || err.col != 5 {
		t.Errorf("unclosed quote: %+v", err)
	}
	// token offsets point at the token's first byte in the line
	toks, _ := shlexSplit(`  ctl1   k="v w"`)
	if toks[0].col != 2 || toks[1].col != 9 || toks[1].end != 16 {
		t.Errorf("offsets: %+v", toks)
	}
}

func TestExpandHostPattern(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ctl1", "ctl1"},
		{"ctl[1:3]", "ctl1,ctl2,ctl3"},
		{"ctl[01:03]", "ctl01,ctl02,ctl03"},
		{"n[0:10:5]", "n0,n5,n10"},
		{"[:2]x", "0x,1x,2x"},
		{"db-[a:c]", "db-a,db-b,db-c"},
		{"r[1:2]-[a:b]", "r1-a,r1-b,r2-a,r2-b"},
		{"ctl[1:2]:2222", "ctl1,ctl2 port 2222"},
		{"10.0.0.1:22", "10.0.0.1 port 22"},
		{"[fe80::1]:2222", "fe80::1 port 2222"},
		{"fe80::1", "fe80::1"},
		{"host.example.com", "host.example.com"},
		{"ctl[01:3]", "error: equal-length"},
		{"ctl[3:1:0]", "error: step"},
		{"ctl[1:]", "error: end value"},
		{"ctl[c:a]", "error: begin <= end"},
		{"ctl[1:x]", "error: numbers or single letters"},
		{"ctl:99999", "error: out of range"},
		{"x[0:99999999]", "error: more than"},
		{"x[0:99][0:999]", "error: more than"},
	}
	for _, c := range cases {
		names, port, err := expandHostPattern(c.in)
		got := strings.Join(names, ",")
		if port != nil {
			got += " port " + itoa(*port)
		}
		if err != "" {
			got = "error: " + err
		}
		if strings.HasPrefix(c.want, "error: ") {
			if !strings.Contains(got, strings.TrimPrefix(c.want, "error: ")) {
				t.Errorf("expandHostPattern(%s) = %s, want %s", c.in, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("expandHostPattern(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestSSHArgs(t *testing.T) {
	cases := []struct {
		args string
		want string // jump hops / hkc / known hosts / key / port / user
	}{
		{`-o ProxyJump=ops@bastion:2222`, `jump=ops@bastion:2222`},
		{`-J a@b,c`, `jump=a@b|c`},
		{`-Jbastion`, `jump=bastion`},
		{`-oProxyJump=ssh://x@y:1`, `jump=x@y:1`},
		{`-o ProxyCommand="ssh -W %h:%p -q root@10.0.0.1"`, `jump=root@10.0.0.1`},
		{`-o ProxyCommand="ssh -l admin -p 2200 -W %h:%p gw"`, `jump=admin@gw:2200`},
		{`-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null`, `hkc=off known=/dev/null`},
		{`-o StrictHostKeyChecking=accept-new`, `hkc=accept-new`},
		{`-o "StrictHostKeyChecking yes"`, `hkc=strict`},
		{`-i /k -p 2022 -l bob -o ForwardAgent=yes`, `key=/k port=2022 user=bob`},
		{`-o ProxyJump=none`, `jump=`},
	}
	for _, c := range cases {
		b := newBuilder(context.Background(), nil)
		var cn conn
		b.applySSHArgs(&cn, "ansible_ssh_common_args", c.args, hcl.Range{})
		var parts []string
		if cn.JumpSet {
			var hops []string
			for _, j := range cn.Jump {
				hops = append(hops, j.Value)
			}
			parts = append(parts, "jump="+strings.Join(hops, "|"))
		}
		if cn.HostKeyChecking != nil {
			parts = append(parts, "hkc="+string(*cn.HostKeyChecking))
		}
		if cn.KnownHosts != nil {
			parts = append(parts, "known="+*cn.KnownHosts)
		}
		if cn.PrivateKey != nil {
			parts = append(parts, "key="+*cn.PrivateKey)
		}
		if cn.Port != nil {
			parts = append(parts, "port="+itoa(*cn.Port))
		}
		if cn.User != nil {
			parts = append(parts, "user="+*cn.User)
		}
		if got := strings.Join(parts, " "); got != c.want {
			t.Errorf("%s: got %q, want %q (diags %v)", c.args, got, c.want, b.diags)
		}
	}
	b := newBuilder(context.Background(), nil)
	var cn conn
	b.applySSHArgs(&cn, "ansible_ssh_common_args", `-o ProxyCommand="nc -x proxy %h %p"`, hcl.Range{})
	if len(b.diags) != 1 || b.diags[0].Severity != hcl.DiagWarning || cn.JumpSet {
		t.Errorf("an unknown ProxyCommand should warn and set nothing: %v", b.diags)
	}
}

func TestAnsibleConnectionVars(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hosts.yml": `
all:
  hosts:
    a:
      ansible_ssh_host: old.example
      ansible_host: new.example
      ansible_port: "2022"
      ansible_become: "yes"
      ansible_become_user: postgres
      ansible_ssh_private_key_file: ~/.ssh/lab
      ansible_host_key_checking: false
      ansible_timeout: 7
      ansible_connection: smart
    b:
      ansible_host: "{{ lookup('env', 'B') }}"
    c:
      ansible_connection: local
`})
	inv, diags := Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a := inv.Hosts["a"]
	ep := a.Endpoint
	if ep.Address != "new.example" || ep.Port != 2022 || !a.Become || a.BecomeUser != "postgres" ||
		!strings.HasSuffix(ep.PrivateKey, "/.ssh/lab") || strings.HasPrefix(ep.PrivateKey, "~") ||
		ep.HostKeyChecking != transport.HostKeyOff || ep.ConnectTimeout.Seconds() != 7 || ep.Transport != "ssh" {
		t.Errorf("a: %+v become %v %q", ep, a.Become, a.BecomeUser)
	}
	if b := inv.Hosts["b"]; b.Endpoint.Address != "b" {
		t.Errorf("a templated ansible_host must not be used: %q", b.Endpoint.Address)
	}
	warned := false
	for _, d := range diags {
		if d.Summary == "Templated connection variable ignored" && d.Subject != nil && d.Subject.Start.Line == 15 {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning at the templated ansible_host: %v", diags)
	}
	if c := inv.Hosts["c"]; c.Endpoint.Transport != "local" {
		t.Errorf("c: transport %q", c.Endpoint.Transport)
	}
}

func TestYAMLScalars(t *testing.T) {
	dir := writeFiles(t, map[string]string{"inv.yml": `
all:
  vars:
    plain_yes: yes
    quoted_yes: "yes"
    off_: Off
    int_: 42
    big: 123456789012345678901234567890
    hex: 0x1F
    float_: 2.5
    inf: .inf
    null_: ~
    str_tag: !!str 12
    unsafe: !unsafe "{{ not evaluated }}"
    list: [1, two, {three: 3}]
    empty_map: {}
    empty_list: []
    folded: >
      a
      b
  hosts:
    h:
`})
	inv, diags := Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := map[string]string{
		"plain_yes": `true`, "quoted_yes": `"yes"`, "off_": `false`, "int_": `42`,
		"big": `123456789012345678901234567890`, "hex": `31`, "float_": `2.5`, "inf": `".inf"`,
		"null_": `null`, "str_tag": `"12"`, "unsafe": `"{{ not evaluated }}"`,
		"list": `[1,"two",{"three":3}]`, "empty_map": `{}`, "empty_list": `[]`, "folded": `"a b\n"`,
	}
	vars := inv.Hosts["h"].Vars
	for k, w := range want {
		if got := jsonOf(vars[k]); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
}

func TestYAMLAliasBomb(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("all:\n  vars:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		sb.WriteString("    a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("*a" + itoa(i-1))
		}
		sb.WriteString("]\n")
	}
	dir := writeFiles(t, map[string]string{"bomb.yml": sb.String()})
	_, diags := Load(dir)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "too large") {
		t.Fatalf("an alias bomb must be refused, got %v", diags)
	}
}

func TestLoadErrorsWithoutFile(t *testing.T) {
	_, diags := Load("testdata/does-not-exist.hcl")
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "does-not-exist.hcl") {
		t.Fatalf("want an error naming the file, got %v", diags)
	}
}

func TestNoPaths(t *testing.T) {
	inv, diags := Load()
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if len(inv.Hosts) != 1 || !inv.Hosts["localhost"].Implicit || len(inv.Groups["all"].Hosts) != 0 {
		t.Fatalf("want only the implicit localhost: %+v", inv.Hosts)
	}
	if got := inv.GroupNames(); strings.Join(got, ",") != "all,ungrouped" {
		t.Errorf("groups %v", got)
	}
	if g, ok := inv.Group("all"); !ok || g.Name != "all" {
		t.Errorf("Group(all) = %v %v", g, ok)
	}
}

func TestFilesForDiagnostics(t *testing.T) {
	inv, diags := Load("testdata/invalid/ini_bad_port.ini")
	if !diags.HasErrors() {
		t.Fatal("want errors")
	}
	var sb strings.Builder
	w := hcl.NewDiagnosticTextWriter(&sb, inv.Files(), 80, false)
	if err := w.WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "db1   ansible_port=ssh") {
		t.Errorf("the snippet of the INI line is missing:\n%s", sb.String())
	}
}
