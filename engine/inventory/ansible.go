package inventory

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// Ansible's connection vars, set in any layer (inventory file, group_vars,
// host_vars, even an HCL vars map), become connection settings at that
// layer's precedence. The vars stay vars too, as in Ansible.
//
// Older ansible_ssh_* spellings are read first so the newer ones win in
// the same layer.
var ansibleConnVars = []string{
	"ansible_ssh_host", "ansible_host",
	"ansible_ssh_port", "ansible_port",
	"ansible_ssh_user", "ansible_user",
	"ansible_private_key_file", "ansible_ssh_private_key_file",
	"ansible_connection",
	"ansible_become", "ansible_become_user",
	"ansible_ssh_host_key_checking", "ansible_host_key_checking",
	"ansible_ssh_timeout", "ansible_timeout",
	"ansible_ssh_common_args", "ansible_ssh_extra_args",
}

// derivedConn returns the layer's settings: its ansible_* vars, then its
// explicit settings over them. Diagnostics are reported once per layer.
func (b *builder) derivedConn(l *layer) *conn {
	if l.derivedDone {
		return l.derived
	}
	l.derivedDone = true
	c := &conn{}
	for _, name := range ansibleConnVars {
		v, ok := l.vars[name]
		if !ok || v.IsNull() {
			continue
		}
		rng := l.ranges[name]
		b.applyAnsibleVar(c, name, v, rng)
	}
	c.override(&l.conn)
	l.derived = c
	return c
}

func (b *builder) applyAnsibleVar(c *conn, name string, v cty.Value, rng hcl.Range) {
	bad := func(want string) {
		b.errorf(rng.Ptr(), "Invalid "+name, fmt.Sprintf("%s must be %s, not %s.", name, want, ctyShort(v)))
	}
	if v.Type() == cty.String && strings.Contains(v.AsString(), "{{") {
		b.warnf(rng.Ptr(), "Templated connection variable ignored",
			fmt.Sprintf("%s is a Jinja2 template, which runbook does not evaluate; it is kept as a var but not used to connect.", name))
		return
	}
	switch name {
	case "ansible_host", "ansible_ssh_host":
		if s, ok := ctyString(v); ok && s != "" {
			c.Address = &s
		} else {
			bad("a host name or address")
		}
	case "ansible_port", "ansible_ssh_port":
		if p, ok := ctyPort(v); ok {
			c.Port = &p
		} else {
			bad("a port number from 1 to 65535")
		}
	case "ansible_user", "ansible_ssh_user":
		if s, ok := ctyString(v); ok {
			c.User = &s
		} else {
			bad("a user name")
		}
	case "ansible_ssh_private_key_file", "ansible_private_key_file":
		if s, ok := ctyString(v); ok {
			s = expandHome(s)
			c.PrivateKey = &s
		} else {
			bad("a file path")
		}
	case "ansible_connection":
		s, _ := ctyString(v)
		switch s {
		case "local":
			c.Transport = ptr("local")
		case "ssh", "smart", "paramiko", "paramiko_ssh":
			c.Transport = ptr("ssh")
		default:
			b.errorf(rng.Ptr(), "Unsupported ansible_connection",
				fmt.Sprintf("ansible_connection %s is not supported; runbook connects with ssh or local.", ctyShort(v)))
		}
	case "ansible_become":
		if t, ok := ctyBool(v); ok {
			c.Become = &t
		} else {
			bad("a boolean")
		}
	case "ansible_become_user":
		if s, ok := ctyString(v); ok {
			c.BecomeUser = &s
		} else {
			bad("a user name")
		}
	case "ansible_host_key_checking", "ansible_ssh_host_key_checking":
		if t, ok := ctyBool(v); ok {
			k := transport.HostKeyStrict
			if !t {
				k = transport.HostKeyOff
			}
			c.HostKeyChecking = &k
		} else {
			bad("a boolean")
		}
	case "ansible_timeout", "ansible_ssh_timeout":
		if f, ok := ctyNumber(v); ok && f > 0 {
			d := time.Duration(f * float64(time.Second))
			c.ConnectTimeout = &d
		} else {
			bad("a number of seconds")
		}
	case "ansible_ssh_common_args", "ansible_ssh_extra_args":
		if s, ok := ctyString(v); ok {
			b.applySSHArgs(c, name, s, rng)
		} else {
			bad("a string of ssh arguments")
		}
	}
}

// applySSHArgs reads the ssh options runbook understands from
// ansible_ssh_common_args: -J / ProxyJump, a ProxyCommand of the form
// `ssh -W %h:%p [user@]bastion`, StrictHostKeyChecking,
// UserKnownHostsFile, -i, -p, -l. Other options are ignored.
func (b *builder) applySSHArgs(c *conn, name, args string, rng hcl.Range) {
	toks, err := shlexSplit(args)
	if err != nil {
		b.errorf(rng.Ptr(), "Invalid "+name, "ssh arguments: "+err.msg)
		return
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.text
	}
	next := func(i *int) (string, bool) {
		if *i+1 < len(words) {
			*i++
			return words[*i], true
		}
		return "", false
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-J" || strings.HasPrefix(w, "-J"):
			val := strings.TrimPrefix(w, "-J")
			if val == "" {
				val, _ = next(&i)
			}
			b.setJumps(c, val, rng)
		case w == "-i":
			if v, ok := next(&i); ok {
				v = expandHome(v)
				c.PrivateKey = &v
			}
		case w == "-p":
			if v, ok := next(&i); ok {
				if p, err := strconv.Atoi(v); err == nil && p > 0 && p < 65536 {
					c.Port = &p
				}
			}
		case w == "-l":
			if v, ok := next(&i); ok {
				c.User = &v
			}
		case w == "-o" || strings.HasPrefix(w, "-o"):
			opt := strings.TrimPrefix(w, "-o")
			if opt == "" {
				opt, _ = next(&i)
			}
			key, val, found := strings.Cut(opt, "=")
			if !found {
				key, val, _ = strings.Cut(opt, " ")
			}
			key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
			switch key {
			case "proxyjump":
				b.setJumps(c, val, rng)
			case "proxycommand":
				if j, ok := proxyCommandJump(val); ok {
					b.setJumps(c, j, rng)
				} else {
					b.warnf(rng.Ptr(), "ProxyCommand ignored",
						fmt.Sprintf("%s: only a ProxyCommand of the form \"ssh -W %%h:%%p [user@]bastion\" is understood; use ProxyJump (-J) instead.", name))
				}
			case "stricthostkeychecking":
				k := transport.HostKeyStrict
				switch strings.ToLower(val) {
				case "no", "off":
					k = transport.HostKeyOff
				case "accept-new":
					k = transport.HostKeyAcceptNew
				}
				c.HostKeyChecking = &k
			case "userknownhostsfile":
				v := expandHome(strings.Fields(val + " ")[0])
				c.KnownHosts = &v
			case "port":
				if p, err := strconv.Atoi(val); err == nil && p > 0 && p < 65536 {
					c.Port = &p
				}
			case "user":
				c.User = &val
			case "identityfile":
				v := expandHome(val)
				c.PrivateKey = &v
			}
		}
	}
}

func (b *builder) setJumps(c *conn, chain string, rng hcl.Range) {
	if strings.EqualFold(chain, "none") || chain == "" {
		c.Jump, c.JumpSet = nil, true
		return
	}
	c.JumpSet = true
	c.Jump = nil
	for _, hop := range strings.Split(chain, ",") {
		hop = strings.TrimPrefix(strings.TrimSpace(hop), "ssh://")
		if hop != "" {
			c.Jump = append(c.Jump, jumpRef{Value: hop, Range: rng})
		}
	}
}

// proxyCommandJump turns `ssh [-q] [-p P] [-l U] -W %h:%p [U@]H` into a
// ProxyJump hop.
func proxyCommandJump(cmd string) (string, bool) {
	toks, err := shlexSplit(cmd)
	if err != nil || len(toks) < 3 || !strings.HasSuffix(toks[0].text, "ssh") {
		return "", false
	}
	var user, port, dest string
	sawW := false
	for i := 1; i < len(toks); i++ {
		w := toks[i].text
		switch {
		case w == "-W" && i+1 < len(toks):
			i++
			sawW = true
		case (w == "-p" || w == "-l" || w == "-i" || w == "-o" || w == "-F") && i+1 < len(toks):
			i++
			switch w {
			case "-p":
				port = toks[i].text
			case "-l":
				user = toks[i].text
			}
		case strings.HasPrefix(w, "-"):
		default:
			if dest != "" {
				return "", false // a remote command: not a plain -W proxy
			}
			dest = w
		}
	}
	if !sawW || dest == "" {
		return "", false
	}
	if user != "" && !strings.Contains(dest, "@") {
		dest = user + "@" + dest
	}
	if port != "" {
		dest += ":" + port
	}
	return dest, true
}

func ctyString(v cty.Value) (string, bool) {
	switch v.Type() {
	case cty.String:
		return v.AsString(), true
	case cty.Number:
		return v.AsBigFloat().Text('f', -1), true
	}
	return "", false
}

func ctyNumber(v cty.Value) (float64, bool) {
	switch v.Type() {
	case cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f, true
	case cty.String:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.AsString()), 64)
		return f, err == nil
	}
	return 0, false
}

func ctyPort(v cty.Value) (int, bool) {
	switch v.Type() {
	case cty.Number:
		return portValue(v)
	case cty.String:
		p, err := strconv.Atoi(strings.TrimSpace(v.AsString()))
		if err != nil || p < 1 || p > 65535 {
			return 0, false
		}
		return p, true
	}
	return 0, false
}

// ctyBool reads a boolean as Ansible's boolean() filter does.
func ctyBool(v cty.Value) (bool, bool) {
	switch v.Type() {
	case cty.Bool:
		return v.True(), true
	case cty.Number:
		bf := v.AsBigFloat()
		if bf.Cmp(big.NewFloat(1)) == 0 {
			return true, true
		}
		if bf.Sign() == 0 {
			return false, true
		}
	case cty.String:
		switch strings.ToLower(strings.TrimSpace(v.AsString())) {
		case "y", "yes", "on", "1", "true", "t":
			return true, true
		case "n", "no", "off", "0", "false", "f":
			return false, true
		}
	}
	return false, false
}

// ctyShort renders a value for a message, without dumping large ones.
func ctyShort(v cty.Value) string {
	switch v.Type() {
	case cty.String:
		s := v.AsString()
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return strconv.Quote(s)
	case cty.Number:
		return v.AsBigFloat().Text('g', -1)
	case cty.Bool:
		return strconv.FormatBool(v.True())
	}
	return "a " + v.Type().FriendlyName()
}
