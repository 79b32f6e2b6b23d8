package module

import (
	"fmt"
	"strings"
)

// A check plans every instance without applying any, so a plan that reads
// the host would see it as it is before the run, not as the instances
// before it would leave it. The host view closes that gap: a plan that
// would change the host says what it would leave there (PlanResponse.
// Planned, as Facts), and the plans of the instances that depend on it
// read those facts before the host (Request.View).
//
// The engine keeps the facts per host and orders them by the instance
// graph only: a plan sees the facts of the instances it depends on,
// directly or not, on the same host (and container), never those of
// unrelated instances. It knows nothing of what a fact means: the modules
// that read and write the same things share one package that does (the
// file modules and the systemd module share modules/internal/hostfs).

// Fact is one thing a plan says Apply would leave on the host: a file's
// new content, a directory, a unit's new state.
type Fact struct {
	// Key names what the fact is about, as slash-separated parts, the
	// first of them a namespace: "file/srv/app/app.conf", "unit/app.service".
	// A fact speaks for the keys under its own too: removing
	// "file/srv/app" removes "file/srv/app/app.conf", a daemon-reload
	// ("unit") concerns every "unit/...".
	Key string
	// Value is the planned state, in a type the namespace's owner defines
	// (the engine only stores and orders it).
	Value any
	// From is the instance whose plan made the fact ("task.appdir@sd01",
	// "task.x[key]@sd01"); the engine fills it in.
	From string
}

// View is the host as the instances a plan depends on would leave it, in a
// check. It is nil in a run (every such instance has applied: the host is
// the truth) and when none of them would change anything.
type View interface {
	// Planned returns the facts recorded for each key and for the keys
	// above it (and, for a key written with a final "/", for the keys
	// under it too: "file/etc/systemd/system/" asks for every unit file
	// planned there), once each, in the order their instances would apply
	// (a fact of an instance comes after the facts of the instances it
	// depends on). A reader takes the last fact that decides what it
	// asks. A *ConflictError says two of them come from instances the
	// graph does not order, so the host's state after both cannot be
	// known.
	Planned(keys ...string) ([]Fact, error)
}

// FactAnswers reports whether a fact with key f answers the question key,
// as View.Planned asks it.
func FactAnswers(f, key string) bool {
	if under, ok := strings.CutSuffix(key, "/"); ok && under != "" && !strings.HasSuffix(under, "/") {
		return FactKeyAbove(f, under) || FactKeyAbove(under, f)
	}
	return FactKeyAbove(f, key)
}

// ConflictError says what a plan would read depends on the order of two
// instances that the graph leaves unordered.
type ConflictError struct {
	Key    string
	First  string // instance names
	Second string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s and %s both plan changes to %q, in no set order (add depends_on to order them)", e.First, e.Second, e.Key)
}

// FactKeyAbove reports whether key a is b or one of the keys above it
// ("file/srv" is above "file/srv/app", not above "file/srvx").
func FactKeyAbove(a, b string) bool {
	return a == b || (strings.HasPrefix(b, a) && (strings.HasSuffix(a, "/") || b[len(a)] == '/'))
}
