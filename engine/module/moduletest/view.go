package moduletest

import "github.com/runbook-dev/runbook/engine/module"

// View is a module.View over facts given in the order they would apply,
// as the engine keeps them for the instances a plan depends on: Planned
// returns those that answer the keys asked for (module.FactAnswers). Err, when set, is
// what every question gets (a conflict).
type View struct {
	Facts []module.Fact
	Err   error
}

// Add appends facts, from instance from.
func (v *View) Add(from string, facts ...module.Fact) {
	for _, f := range facts {
		f.From = from
		v.Facts = append(v.Facts, f)
	}
}

// Planned implements module.View.
func (v *View) Planned(keys ...string) ([]module.Fact, error) {
	if v.Err != nil {
		return nil, v.Err
	}
	var out []module.Fact
	for _, f := range v.Facts {
		for _, k := range keys {
			if module.FactAnswers(f.Key, k) {
				out = append(out, f)
				break
			}
		}
	}
	return out, nil
}
