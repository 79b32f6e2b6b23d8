package core

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// The ranges of numeric meta-arguments, checked where they are read (at
// load when the value is known, again when the run reads it), so that no
// value loops, overflows or silently means something else.
const (
	maxRetries  = 10000
	maxDuration = 10 * 365 * 24 * time.Hour
)

// wholeNumber reads v as a whole number from lo to hi.
func wholeNumber(v cty.Value, lo, hi int64) (int64, error) {
	v, _ = v.UnmarkDeep()
	nv, err := convert.Convert(v, cty.Number)
	if err != nil || nv.IsNull() || !nv.IsKnown() {
		return 0, fmt.Errorf("must be a whole number from %d to %d", lo, hi)
	}
	f := nv.AsBigFloat()
	if f.IsInf() || !f.IsInt() {
		return 0, fmt.Errorf("must be a whole number from %d to %d, not %s", lo, hi, f.Text('g', 10))
	}
	i, acc := f.Int64()
	if acc != big.Exact || i < lo || i > hi {
		return 0, fmt.Errorf("must be a whole number from %d to %d, not %s", lo, hi, f.Text('g', 10))
	}
	return i, nil
}

// percentage reads v as a number from 0 to 100.
func percentage(v cty.Value) (float64, error) {
	v, _ = v.UnmarkDeep()
	nv, err := convert.Convert(v, cty.Number)
	if err != nil || nv.IsNull() || !nv.IsKnown() {
		return 0, fmt.Errorf("must be a percentage from 0 to 100")
	}
	f := nv.AsBigFloat()
	p, _ := f.Float64()
	if f.IsInf() || math.IsNaN(p) || p < 0 || p > 100 {
		return 0, fmt.Errorf("must be a percentage from 0 to 100, not %s", f.Text('g', 10))
	}
	return p, nil
}

// durationOf reads "90s", "20m", "1h30m" or a number of seconds, from 0 to
// maxDuration.
func durationOf(v cty.Value) (time.Duration, error) {
	v, _ = v.UnmarkDeep()
	tooLong := fmt.Errorf("a duration can be at most %s", maxDuration)
	switch v.Type() {
	case cty.Number:
		if v.IsNull() || !v.IsKnown() {
			break
		}
		bf := v.AsBigFloat()
		if bf.Sign() < 0 {
			return 0, fmt.Errorf("a duration cannot be negative")
		}
		f, _ := bf.Float64()
		if bf.IsInf() || f > maxDuration.Seconds() {
			return 0, tooLong
		}
		return time.Duration(f * float64(time.Second)), nil
	case cty.String:
		if v.IsNull() || !v.IsKnown() {
			break
		}
		d, err := time.ParseDuration(v.AsString())
		if err != nil {
			if strings.Contains(err.Error(), "invalid duration") || strings.Contains(err.Error(), "unknown unit") || strings.Contains(err.Error(), "missing unit") {
				return 0, fmt.Errorf("%q is not a duration like \"90s\", \"20m\" or \"1h30m\"", v.AsString())
			}
			return 0, tooLong // overflow
		}
		if d < 0 {
			return 0, fmt.Errorf("a duration cannot be negative")
		}
		if d > maxDuration {
			return 0, tooLong
		}
		return d, nil
	}
	return 0, fmt.Errorf("a duration is a string like \"20m\" or a number of seconds, not %s", v.Type().FriendlyName())
}

// batchSize reads one element of serial for a number of hosts: a whole
// number of hosts (more than there are means all of them) or a
// percentage like "25%" (at least one host).
func batchSize(v cty.Value, hosts int) (int, error) {
	v, _ = v.UnmarkDeep()
	bad := fmt.Errorf("serial takes a number of hosts (1 or more), a percentage like \"25%%\", or a list of them like [1, \"25%%\", \"100%%\"]")
	if v.IsNull() || !v.IsKnown() {
		return 0, bad
	}
	if v.Type() == cty.String {
		if s, ok := strings.CutSuffix(v.AsString(), "%"); ok {
			nv, err := convert.Convert(cty.StringVal(s), cty.Number)
			if err != nil {
				return 0, bad
			}
			f, _ := nv.AsBigFloat().Float64()
			if !(f > 0 && f <= 100) {
				return 0, fmt.Errorf("a serial percentage must be more than 0%% and at most 100%%, not %s%%", s)
			}
			return max(1, int(math.Floor(f*float64(hosts)/100))), nil
		}
	}
	nv, err := convert.Convert(v, cty.Number)
	if err != nil || nv.IsNull() {
		return 0, bad
	}
	f := nv.AsBigFloat()
	if f.IsInf() && f.Sign() > 0 {
		return max(hosts, 1), nil
	}
	if !f.IsInt() || f.Sign() <= 0 {
		return 0, fmt.Errorf("a serial batch is a whole number of hosts, 1 or more, not %s", f.Text('g', 10))
	}
	if i, acc := f.Int64(); acc == big.Exact && i < int64(max(hosts, 1)) {
		return int(i), nil
	}
	return max(hosts, 1), nil
}
