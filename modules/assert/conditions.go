package assert

import (
	"fmt"
	"sort"
	"strings"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
)

// condition is one decoded element of conditions.
type condition struct {
	ok      bool
	message string
}

// conditionsRule checks the shape of conditions before Plan and at load
// time, where parts of it may still be unknown (those parts are checked
// later).
var conditionsRule = module.Custom{
	Summary: "`conditions` is a list of `{ condition = BOOL, message = STRING }` (message optional).",
	Example: map[string]string{"conditions": `[{ condition = true, mesage = "x" }]`},
	CheckArg: func(args cty.Value) []*module.ArgError {
		v := args.GetAttr("conditions")
		if !v.IsKnown() {
			return nil
		}
		var errs []*module.ArgError
		for _, msg := range check(v, true) {
			errs = append(errs, &module.ArgError{Path: cty.GetAttrPath("conditions"), Summary: msg.summary, Detail: msg.detail})
		}
		return errs
	},
}

// decode reads conditions for Plan; v is wholly known by then.
func decode(v cty.Value) ([]condition, error) {
	v, _ = v.UnmarkDeep()
	if probs := check(v, false); len(probs) > 0 {
		return nil, fmt.Errorf("%s: %s", probs[0].summary, probs[0].detail)
	}
	var out []condition
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		c := condition{ok: ev.GetAttr("condition").True()}
		if ev.Type().HasAttribute("message") {
			if m := ev.GetAttr("message"); !m.IsNull() {
				c.message = m.AsString()
			}
		}
		out = append(out, c)
	}
	return out, nil
}

type problem struct{ summary, detail string }

const shapeHint = `Write conditions = [{ condition = BOOL, message = "what is wrong" }, ...]; message is optional.`

// check returns what is wrong with the shape of v. With allowUnknown,
// unknown parts pass (decode time); without, they are problems too.
func check(v cty.Value, allowUnknown bool) []problem {
	if v.IsNull() {
		return []problem{{"Invalid conditions", "conditions is null. " + shapeHint}}
	}
	ty := v.Type()
	if !ty.IsListType() && !ty.IsTupleType() {
		return []problem{{"Invalid conditions", fmt.Sprintf("conditions must be a list, not %s. %s", ty.FriendlyName(), shapeHint)}}
	}
	if !v.IsKnown() {
		if allowUnknown {
			return nil
		}
		return []problem{{"Unknown conditions", "conditions is not known yet"}}
	}
	if v.LengthInt() == 0 {
		return []problem{{"Invalid conditions", "conditions is empty: give at least one. " + shapeHint}}
	}
	var probs []problem
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		probs = append(probs, checkElement(i, ev, allowUnknown)...)
	}
	return probs
}

func checkElement(i int, ev cty.Value, allowUnknown bool) []problem {
	where := fmt.Sprintf("conditions[%d]", i)
	if !ev.IsKnown() {
		if allowUnknown {
			return nil
		}
		return []problem{{"Unknown condition", where + " is not known yet"}}
	}
	if ev.IsNull() || !ev.Type().IsObjectType() {
		name := "null"
		if !ev.IsNull() {
			name = ev.Type().FriendlyName()
		}
		return []problem{{"Invalid condition", fmt.Sprintf("%s must be an object, not %s. %s", where, name, shapeHint)}}
	}
	var probs []problem
	var extra []string
	for name := range ev.Type().AttributeTypes() {
		if name != "condition" && name != "message" {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		detail := fmt.Sprintf("%s has an attribute %q; only condition and message are allowed.", where, name)
		if strings.HasPrefix(name, "mes") || strings.HasPrefix(name, "msg") || name == "error_message" || name == "fail_msg" {
			detail += " Did you mean message?"
		}
		probs = append(probs, problem{"Unsupported condition attribute", detail})
	}
	if !ev.Type().HasAttribute("condition") {
		probs = append(probs, problem{"Missing condition", where + " has no condition. " + shapeHint})
	} else if p := checkAttr(where, ev.GetAttr("condition"), "condition", cty.Bool, false, allowUnknown); p != nil {
		probs = append(probs, *p)
	}
	if ev.Type().HasAttribute("message") {
		if p := checkAttr(where, ev.GetAttr("message"), "message", cty.String, true, allowUnknown); p != nil {
			probs = append(probs, *p)
		}
	}
	return probs
}

// checkAttr checks that v is a value of type want. No conversion: a
// condition must really be a bool (a string "false" would read as true).
func checkAttr(where string, v cty.Value, name string, want cty.Type, nullOK, allowUnknown bool) *problem {
	if !v.IsKnown() {
		if allowUnknown {
			return nil
		}
		return &problem{"Unknown " + name, fmt.Sprintf("%s.%s is not known yet", where, name)}
	}
	if v.IsNull() {
		if nullOK {
			return nil
		}
		return &problem{"Invalid " + name, fmt.Sprintf("%s.%s is null; it must be a %s.", where, name, want.FriendlyName())}
	}
	if !v.Type().Equals(want) {
		return &problem{"Invalid " + name, fmt.Sprintf("%s.%s must be a %s, not %s.", where, name, want.FriendlyName(), v.Type().FriendlyName())}
	}
	return nil
}
