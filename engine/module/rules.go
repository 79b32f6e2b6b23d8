package module

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// A Rule is a check of a module's arguments that needs only their values:
// one of a set of words, a format (a duration, a file mode, an absolute
// path), arguments that exclude or need each other. A module declares its
// rules once, in Schema.Rules; the engine runs them at load time on the
// arguments whose values are known then (so `runbook validate` reports
// them before any host is touched), and again on each instance's
// arguments before Plan, so Plan and Apply only ever see arguments that
// pass. The rules also appear on the module's reference page.
//
// Check gets the module block decoded against the schema: an object that
// may hold unknown values (not known before the run); a rule skips what it
// cannot know yet.
type Rule interface {
	Check(args cty.Value) []*ArgError
	// Doc is one line for the reference page.
	Doc() string
	// Broken returns arguments (HCL expressions by argument name) that
	// break the rule, for the conformance test that every declared rule
	// is exercised through validation. sample gives a valid expression of
	// an argument's type.
	Broken(sample func(attr string) string) map[string]string
}

// Validator is implemented by a module whose arguments need a check that
// rules cannot express (a template whose references must be defined).
// The engine calls it where it runs the rules, with the same partly
// unknown arguments.
type Validator interface {
	Validate(req *ValidateRequest) []*ArgError
}

// ValidateRequest is what a Validator checks.
type ValidateRequest struct {
	// Args is the decoded module block; values not known before the run
	// are unknown, and a Validator skips them.
	Args cty.Value
	// BaseDir is the runbook's folder, for control-node files named by a
	// relative path.
	BaseDir string
}

// ArgError is an argument that breaks a rule. The engine turns it into a
// diagnostic at the argument's source range (the module block's when the
// argument is missing).
type ArgError struct {
	Path    cty.Path // the argument: a GetAttrStep, then steps into its value
	Summary string   // e.g. "Invalid value for state"
	Detail  string   // a sentence or two, ending with a full stop
}

func (e *ArgError) Error() string { return e.Summary + ": " + e.Detail }

// CheckArgs runs m's rules, then its Validator, on args: what the engine
// does at load time and before each Plan.
func CheckArgs(m Module, req *ValidateRequest) []*ArgError {
	var errs []*ArgError
	if s := m.Schema(); s != nil {
		for _, r := range s.Rules {
			errs = append(errs, r.Check(req.Args)...)
		}
	}
	if v, ok := m.(Validator); ok && len(errs) == 0 {
		errs = append(errs, v.Validate(req)...)
	}
	return errs
}

// AttrPath is the path of a top-level argument.
func AttrPath(name string) cty.Path { return cty.GetAttrPath(name) }

// attr returns the value at a dotted path ("wait.timeout") of args, and
// its cty.Path; null when an object on the way is null or lacks it.
func attr(args cty.Value, dotted string) (cty.Value, cty.Path) {
	var p cty.Path
	v := args
	for _, name := range strings.Split(dotted, ".") {
		p = p.GetAttr(name)
		if !v.IsKnown() {
			return cty.DynamicVal, p
		}
		if v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
			return cty.NullVal(cty.DynamicPseudoType), p
		}
		v = v.GetAttr(name)
	}
	v, _ = v.UnmarkDeep()
	return v, p
}

// set says whether an argument is given: yes, no, or not known yet.
func set(args cty.Value, name string) (isSet, known bool) {
	v, _ := attr(args, name)
	if !v.IsKnown() {
		return false, false
	}
	return !v.IsNull(), true
}

func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return joinOr(q)
}

func joinOr(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func joinAnd(words []string) string {
	if len(words) < 2 {
		return joinOr(words)
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// OneOf: the string argument at path is one of values.
func OneOf(path string, values ...string) Rule { return oneOf{path, values} }

type oneOf struct {
	path   string
	values []string
}

func (r oneOf) Check(args cty.Value) []*ArgError {
	v, p := attr(args, r.path)
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String || slices.Contains(r.values, v.AsString()) {
		return nil
	}
	return []*ArgError{{Path: p, Summary: "Invalid value for " + r.path,
		Detail: fmt.Sprintf("%s must be %s, not %q.", r.path, quoteAll(r.values), v.AsString())}}
}

func (r oneOf) Doc() string { return fmt.Sprintf("`%s` is %s.", r.path, quoteAll(r.values)) }

func (r oneOf) Broken(func(string) string) map[string]string {
	return nested(r.path, `"not-one-of-these"`)
}

// nested writes expr at a dotted path as an HCL expression for Broken:
// "wait.timeout" -> wait = { timeout = expr }.
func nested(path, expr string) map[string]string {
	parts := strings.Split(path, ".")
	for i := len(parts) - 1; i > 0; i-- {
		expr = fmt.Sprintf("{ %s = %s }", parts[i], expr)
	}
	return map[string]string{parts[0]: expr}
}

// A Format is a kind of string an argument must be.
type Format struct {
	Name  string             // for messages: "a duration like \"30s\""
	Check func(string) error // nil when s is well-formed
	Bad   string             // a value that is not, for the conformance test
}

// Formatted: the string at path (or each string of a list or set there)
// is of format f.
func Formatted(path string, f Format) Rule { return formatted{path, f} }

type formatted struct {
	path string
	f    Format
}

func (r formatted) Check(args cty.Value) []*ArgError {
	v, p := attr(args, r.path)
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	check := func(s string, p cty.Path) *ArgError {
		if err := r.f.Check(s); err != nil {
			return &ArgError{Path: p, Summary: "Invalid value for " + r.path,
				Detail: fmt.Sprintf("%s must be %s: %s.", r.path, r.f.Name, strings.TrimSuffix(err.Error(), "."))}
		}
		return nil
	}
	var errs []*ArgError
	switch {
	case v.Type() == cty.String:
		if e := check(v.AsString(), p); e != nil {
			errs = append(errs, e)
		}
	case v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			ep := p
			if k.Type() == cty.Number {
				ep = p.Index(k)
			}
			if e.IsNull() {
				errs = append(errs, &ArgError{Path: ep, Summary: "Invalid value for " + r.path,
					Detail: fmt.Sprintf("%s holds a null; each element must be %s.", r.path, r.f.Name)})
				continue
			}
			if !e.IsKnown() || e.Type() != cty.String {
				continue
			}
			if err := check(e.AsString(), ep); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

func (r formatted) Doc() string { return fmt.Sprintf("`%s` is %s.", r.path, r.f.Name) }

func (r formatted) Broken(sample func(string) string) map[string]string {
	return nested(r.path, listIfList(sample, r.path, fmt.Sprintf("%q", r.f.Bad)))
}

// listIfList wraps expr in a list when the argument at path is a list
// (its sample is one), for Broken.
func listIfList(sample func(string) string, path, expr string) string {
	if !strings.Contains(path, ".") && strings.HasPrefix(sample(path), "[") {
		return "[" + expr + "]"
	}
	return expr
}

// InRange: the number at path is from lo to hi (inclusive); whole makes
// it a whole number too.
func InRange(path string, lo, hi float64, whole bool) Rule { return inRange{path, lo, hi, whole} }

type inRange struct {
	path   string
	lo, hi float64
	whole  bool
}

func (r inRange) Check(args cty.Value) []*ArgError {
	v, p := attr(args, r.path)
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	check := func(v cty.Value, p cty.Path) *ArgError {
		if !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
			return nil
		}
		bf := v.AsBigFloat()
		f, _ := bf.Float64()
		if !bf.IsInf() && f >= r.lo && f <= r.hi && (!r.whole || bf.IsInt()) {
			return nil
		}
		return &ArgError{Path: p, Summary: "Invalid value for " + r.path,
			Detail: fmt.Sprintf("%s must be %s, not %s.", r.path, r.want(), bf.Text('g', 10))}
	}
	if v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType() {
		var errs []*ArgError
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if err := check(e, p.Index(k)); err != nil {
				errs = append(errs, err)
			}
		}
		return errs
	}
	if err := check(v, p); err != nil {
		return []*ArgError{err}
	}
	return nil
}

func (r inRange) want() string {
	kind := "a number"
	if r.whole {
		kind = "a whole number"
	}
	return fmt.Sprintf("%s from %s to %s", kind, big.NewFloat(r.lo).Text('g', 10), big.NewFloat(r.hi).Text('g', 10))
}

func (r inRange) Doc() string { return fmt.Sprintf("`%s` is %s.", r.path, r.want()) }

func (r inRange) Broken(sample func(string) string) map[string]string {
	return nested(r.path, listIfList(sample, r.path, big.NewFloat(r.hi+1).Text('g', 10)))
}

// Required: every one of attrs is given.
func Required(attrs ...string) Rule { return required(attrs) }

type required []string

func (r required) Check(args cty.Value) []*ArgError {
	var errs []*ArgError
	for _, a := range r {
		if isSet, known := set(args, a); known && !isSet {
			errs = append(errs, &ArgError{Path: AttrPath(a), Summary: "Missing argument " + a,
				Detail: fmt.Sprintf("%s is required here.", a)})
		}
	}
	return errs
}

func (r required) Doc() string { return fmt.Sprintf("%s required.", joinAnd(backquote(r))) }

func (r required) Broken(func(string) string) map[string]string { return map[string]string{} }

// Forbidden: none of attrs is given (used under When); false counts as
// not given.
func Forbidden(attrs ...string) Rule { return forbidden(attrs) }

type forbidden []string

// on says whether an argument is given and not false.
func on(args cty.Value, name string) bool {
	v, _ := attr(args, name)
	return v.IsKnown() && !v.IsNull() && !(v.Type() == cty.Bool && v.False())
}

func (r forbidden) Check(args cty.Value) []*ArgError {
	var errs []*ArgError
	for _, a := range r {
		if on(args, a) {
			errs = append(errs, &ArgError{Path: AttrPath(a), Summary: "Argument " + a + " does not go here",
				Detail: fmt.Sprintf("%s does not go with the other arguments given.", a)})
		}
	}
	return errs
}

func (r forbidden) Doc() string { return fmt.Sprintf("%s not allowed.", joinOr(backquote(r))) }

func (r forbidden) Broken(sample func(string) string) map[string]string {
	return map[string]string{r[0]: sample(r[0])}
}

func backquote(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "`" + w + "`"
	}
	return out
}

// ExactlyOneOf: one of attrs is given, not two.
func ExactlyOneOf(attrs ...string) Rule { return count{attrs, 1, 1} }

// AtMostOneOf: at most one of attrs is given.
func AtMostOneOf(attrs ...string) Rule { return count{attrs, 0, 1} }

// AtLeastOneOf: one or more of attrs is given.
func AtLeastOneOf(attrs ...string) Rule { return count{attrs, 1, len(attrs)} }

type count struct {
	attrs    []string
	min, max int
}

func (r count) Check(args cty.Value) []*ArgError {
	surely, maybe := 0, 0
	var given []string
	for _, a := range r.attrs {
		isSet, known := set(args, a)
		if isSet {
			surely++
			given = append(given, a)
		}
		if isSet || !known {
			maybe++
		}
	}
	names := joinOr(r.attrs)
	switch {
	case surely > r.max:
		return []*ArgError{{Path: AttrPath(given[r.max]), Summary: "Conflicting arguments",
			Detail: fmt.Sprintf("Give only one of %s, not %s.", names, joinAnd(given))}}
	case maybe < r.min:
		return []*ArgError{{Summary: "Missing argument",
			Detail: fmt.Sprintf("Give %s.", r.doc(r.attrs))}}
	}
	return nil
}

func (r count) doc(attrs []string) string {
	names := joinOr(attrs)
	switch {
	case r.min == 1 && r.max == 1:
		return "exactly one of " + names
	case r.min == 0:
		return "at most one of " + names
	}
	return "at least one of " + names
}

func (r count) Doc() string { return upper(r.doc(backquote(r.attrs))) + "." }

func (r count) Broken(sample func(string) string) map[string]string {
	out := map[string]string{}
	if r.max < len(r.attrs) {
		for _, a := range r.attrs[:r.max+1] {
			out[a] = sample(a)
		}
	}
	return out // none given breaks min >= 1
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Requires: when attr is given, so is each of others.
func Requires(attr string, others ...string) Rule { return requires{attr, others} }

type requires struct {
	attr   string
	others []string
}

func (r requires) Check(args cty.Value) []*ArgError {
	if isSet, _ := set(args, r.attr); !isSet {
		return nil
	}
	var errs []*ArgError
	for _, o := range r.others {
		if isSet, known := set(args, o); known && !isSet {
			errs = append(errs, &ArgError{Path: AttrPath(r.attr), Summary: "Missing argument " + o,
				Detail: fmt.Sprintf("%s goes with %s: give %s too.", r.attr, joinAnd(r.others), o)})
		}
	}
	return errs
}

func (r requires) Doc() string {
	return fmt.Sprintf("`%s` goes with %s.", r.attr, joinAnd(backquote(r.others)))
}

func (r requires) Broken(sample func(string) string) map[string]string {
	return map[string]string{r.attr: sample(r.attr)}
}

// When applies rules only when the string argument attr is one of values
// ("" stands for not given). Unless applies them when it is none of them.
func When(attr string, values []string, rules ...Rule) Rule {
	return when{attr: attr, values: values, rules: rules}
}

// Unless is When with the condition reversed.
func Unless(attr string, values []string, rules ...Rule) Rule {
	return when{attr: attr, values: values, rules: rules, not: true}
}

type when struct {
	attr   string
	values []string
	rules  []Rule
	not    bool
}

func (r when) holds(args cty.Value) bool {
	v, _ := attr(args, r.attr)
	if !v.IsKnown() {
		return false
	}
	s := ""
	if !v.IsNull() {
		if v.Type() != cty.String {
			return false
		}
		s = v.AsString()
	}
	return slices.Contains(r.values, s) != r.not
}

func (r when) cond(quote string) string {
	var vs []string
	for _, v := range r.values {
		if v == "" {
			vs = append(vs, "not given")
			continue
		}
		vs = append(vs, fmt.Sprintf("%q", v))
	}
	verb := "when"
	if r.not {
		verb = "unless"
	}
	return fmt.Sprintf("%s %s%s%s is %s", verb, quote, r.attr, quote, joinOr(vs))
}

func (r when) Check(args cty.Value) []*ArgError {
	if !r.holds(args) {
		return nil
	}
	return checkUnder(r.rules, args, r.cond(""), nil)
}

// checkUnder runs rules that apply under a condition, naming it in each
// error (and giving errors without a path the one of the condition).
func checkUnder(rules []Rule, args cty.Value, cond string, path cty.Path) []*ArgError {
	var errs []*ArgError
	for _, rule := range rules {
		for _, e := range rule.Check(args) {
			if len(e.Path) == 0 {
				e.Path = path
			}
			e.Detail = strings.TrimSuffix(e.Detail, ".") + " (" + cond + ")."
			errs = append(errs, e)
		}
	}
	return errs
}

// brokenUnder merges what breaks each of rules.
func brokenUnder(rules []Rule, sample func(string) string) map[string]string {
	out := map[string]string{}
	for _, rule := range rules {
		for k, v := range rule.Broken(sample) {
			out[k] = v
		}
	}
	return out
}

func (r when) Doc() string {
	var docs []string
	for _, rule := range r.rules {
		docs = append(docs, strings.TrimSuffix(rule.Doc(), "."))
	}
	return upper(r.cond("`")) + ": " + strings.Join(docs, "; ") + "."
}

func (r when) Broken(sample func(string) string) map[string]string {
	out := brokenUnder(r.rules, sample)
	switch {
	case !r.not && r.values[0] != "":
		out[r.attr] = fmt.Sprintf("%q", r.values[0])
	case !r.not:
		delete(out, r.attr)
	case !slices.Contains(r.values, ""):
		delete(out, r.attr) // not given is none of the values
	default:
		out[r.attr] = `"none-of-these"`
	}
	return out
}

// WhenOn applies rules only when attr is given and not false (a flag that
// is on).
func WhenOn(attr string, rules ...Rule) Rule { return whenOn{attr, rules} }

type whenOn struct {
	attr  string
	rules []Rule
}

func (r whenOn) Check(args cty.Value) []*ArgError {
	if !on(args, r.attr) {
		return nil
	}
	return checkUnder(r.rules, args, "with "+r.attr, AttrPath(r.attr))
}

func (r whenOn) Doc() string {
	var docs []string
	for _, rule := range r.rules {
		docs = append(docs, strings.TrimSuffix(rule.Doc(), "."))
	}
	return fmt.Sprintf("With `%s`: %s.", r.attr, strings.Join(docs, "; "))
}

func (r whenOn) Broken(sample func(string) string) map[string]string {
	out := brokenUnder(r.rules, sample)
	out[r.attr] = sample(r.attr)
	return out
}

// Explain gives a rule's errors a detail of the module's own, where the
// generic one would not say why.
func Explain(detail string, r Rule) Rule { return explained{r, detail} }

type explained struct {
	Rule
	detail string
}

func (r explained) Check(args cty.Value) []*ArgError {
	errs := r.Rule.Check(args)
	for _, e := range errs {
		e.Detail = r.detail
	}
	return errs
}

// Custom is a rule a module writes itself: its check, its line on the
// reference page, and arguments (HCL expressions) that break it, for the
// conformance test.
type Custom struct {
	Summary  string
	Example  map[string]string
	CheckArg func(args cty.Value) []*ArgError
}

func (r Custom) Check(args cty.Value) []*ArgError             { return r.CheckArg(args) }
func (r Custom) Doc() string                                  { return r.Summary }
func (r Custom) Broken(func(string) string) map[string]string { return r.Example }
