package wait_for

import (
	"errors"
	"fmt"
	"math/big"
	"net/url"
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

func parse(args cty.Value) (*params, error) {
	p := &params{from: str(args, "from"), timeout: 60 * time.Second, interval: time.Second}
	n := 0
	if v := attr(args, "port"); !v.IsNull() {
		n++
		p.kind = kindPort
		bf := v.AsBigFloat()
		if !bf.IsInt() || bf.Sign() <= 0 || bf.Cmp(big.NewFloat(65535)) > 0 {
			return nil, fmt.Errorf("port = %s: must be a port number (1-65535)", bf.Text('f', -1))
		}
		i, _ := bf.Int64()
		p.port = int(i)
	}
	if s := str(args, "url"); s != "" {
		n++
		p.kind = kindURL
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("url = %q: must be an http:// or https:// URL", s)
		}
		p.url = s
	}
	if s := str(args, "path"); s != "" {
		n++
		p.kind = kindPath
		p.path = s
	}
	if n != 1 {
		return nil, errors.New("set exactly one of port, url and path: what to wait for")
	}
	p.address = str(args, "address")
	if p.address != "" && p.kind != kindPort {
		return nil, errors.New("address goes with port")
	}
	if p.address == "" {
		p.address = "127.0.0.1"
	}
	if v := attr(args, "status"); !v.IsNull() {
		if p.kind != kindURL {
			return nil, errors.New("status goes with url")
		}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				return nil, errors.New("status: null element")
			}
			i, _ := e.AsBigFloat().Int64()
			if i < 100 || i > 599 {
				return nil, fmt.Errorf("status %d is not an HTTP status", i)
			}
			p.status = append(p.status, int(i))
		}
	}
	if p.kind == kindURL && len(p.status) == 0 {
		p.status = []int{200}
	}
	if s := str(args, "body"); s != "" {
		if p.kind != kindURL {
			return nil, errors.New("body goes with url (use regexp with path)")
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("body = %q: %w", s, err)
		}
		p.body = re
	}
	if v := attr(args, "insecure"); !v.IsNull() {
		p.insecure = v.True()
	}
	if s := str(args, "regexp"); s != "" {
		if p.kind != kindPath {
			return nil, errors.New("regexp goes with path (use body with url)")
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("regexp = %q: %w", s, err)
		}
		p.re = re
	}
	p.want = str(args, "state")
	switch p.kind {
	case kindPort:
		switch p.want {
		case "", "open", "started":
			p.want = "open"
		case "closed", "stopped":
			p.want = "closed"
		default:
			return nil, fmt.Errorf("state = %q: a port is open or closed", p.want)
		}
	case kindPath:
		switch p.want {
		case "", "present":
			p.want = "present"
		case "absent":
			if p.re != nil {
				p.want = "absent" // the regexp must no longer match
			}
		default:
			return nil, fmt.Errorf("state = %q: a path is present or absent", p.want)
		}
	case kindURL:
		if p.want != "" && p.want != "open" {
			return nil, fmt.Errorf("state = %q: a url can only be waited for to answer (leave state unset)", p.want)
		}
		p.want = "open"
	}
	switch p.from {
	case "":
		p.from = "host"
	case "host", "control":
	default:
		return nil, fmt.Errorf("from = %q: must be host or control", p.from)
	}
	var err error
	if p.timeout, err = duration(args, "timeout", p.timeout); err != nil {
		return nil, err
	}
	if p.interval, err = duration(args, "interval", p.interval); err != nil {
		return nil, err
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

func duration(obj cty.Value, name string, def time.Duration) (time.Duration, error) {
	s := str(obj, name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s = %q: not a duration (e.g. \"30s\", \"5m\")", name, s)
	}
	return d, nil
}
