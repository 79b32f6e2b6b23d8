package wait_for

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// kind is what is waited for.
type kind int

const (
	kindPort kind = iota
	kindURL
	kindPath
)

type params struct {
	kind     kind
	from     string // "host" or "control"
	address  string
	port     int
	url      string
	status   []int
	body     *regexp.Regexp
	insecure bool
	path     string
	re       *regexp.Regexp
	// want is the state to reach: "open"/"closed" for a port,
	// "present"/"absent" for a path, "open" for a URL.
	want     string
	timeout  time.Duration
	interval time.Duration
}

// parse reads arguments that passed the module's rules (the engine checks
// them before Plan).
func parse(args cty.Value) (*params, error) {
	p := &params{from: str(args, "from"), timeout: 60 * time.Second, interval: time.Second, address: str(args, "address")}
	switch {
	case !attr(args, "port").IsNull():
		p.kind = kindPort
		i, _ := attr(args, "port").AsBigFloat().Int64()
		p.port = int(i)
	case str(args, "url") != "":
		p.kind, p.url = kindURL, str(args, "url")
	case str(args, "path") != "":
		p.kind, p.path = kindPath, str(args, "path")
	default:
		return nil, errors.New("set exactly one of port, url and path: what to wait for")
	}
	if p.address == "" {
		p.address = "127.0.0.1"
	}
	if v := attr(args, "status"); !v.IsNull() {
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); !e.IsNull() {
				i, _ := e.AsBigFloat().Int64()
				p.status = append(p.status, int(i))
			}
		}
	}
	if p.kind == kindURL && len(p.status) == 0 {
		p.status = []int{200}
	}
	var err error
	if s := str(args, "body"); s != "" {
		if p.body, err = regexp.Compile(s); err != nil {
			return nil, fmt.Errorf("body = %q: %w", s, err)
		}
	}
	if v := attr(args, "insecure"); !v.IsNull() {
		p.insecure = v.True()
	}
	if s := str(args, "regexp"); s != "" {
		if p.re, err = regexp.Compile(s); err != nil {
			return nil, fmt.Errorf("regexp = %q: %w", s, err)
		}
	}
	p.want = str(args, "state")
	switch p.kind {
	case kindPort:
		if p.want == "closed" || p.want == "stopped" {
			p.want = "closed"
		} else {
			p.want = "open"
		}
	case kindPath:
		if p.want == "absent" && p.re != nil {
			p.want = "absent" // the regexp must no longer match
		} else if p.want != "absent" {
			p.want = "present"
		}
	case kindURL:
		p.want = "open"
	}
	if p.from == "" {
		p.from = "host"
	}
	if s := str(args, "timeout"); s != "" {
		p.timeout, _ = time.ParseDuration(s)
	}
	if s := str(args, "interval"); s != "" {
		p.interval, _ = time.ParseDuration(s)
	}
	if p.interval <= 0 {
		return nil, errors.New("interval must be more than 0")
	}
	return p, nil
}

// what names the condition for messages: "127.0.0.1:5000 to be open".
func (p *params) what() string {
	switch p.kind {
	case kindPort:
		return p.address + ":" + strconv.Itoa(p.port) + " to be " + p.want
	case kindURL:
		s := p.url + " to answer " + statusList(p.status)
		if p.body != nil {
			s += " with a body matching " + strconv.Quote(p.body.String())
		}
		return s
	default:
		switch {
		case p.re != nil && p.want == "absent":
			return p.path + " to no longer match " + strconv.Quote(p.re.String())
		case p.re != nil:
			return p.path + " to match " + strconv.Quote(p.re.String())
		}
		return p.path + " to be " + p.want
	}
}

func statusList(s []int) string {
	out := ""
	for i, c := range s {
		if i > 0 {
			out += " or "
		}
		out += strconv.Itoa(c)
	}
	return out
}

func attr(obj cty.Value, name string) cty.Value {
	if obj.IsNull() || !obj.Type().IsObjectType() || !obj.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return obj.GetAttr(name)
}

func str(obj cty.Value, name string) string {
	v := attr(obj, name)
	if v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}
