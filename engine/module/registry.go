package module

import (
	"fmt"
	"sort"
)

// Registry maps module names (the block type inside a task) to modules.
type Registry struct {
	mods map[string]Module
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{mods: map[string]Module{}} }

// Register adds a module under name; registering a name twice panics, as it
// is a programming error in the command that assembles the registry.
func (r *Registry) Register(name string, m Module) {
	if _, dup := r.mods[name]; dup {
		panic(fmt.Sprintf("module %q registered twice", name))
	}
	r.mods[name] = m
}

// Get returns the module registered under name.
func (r *Registry) Get(name string) (Module, bool) {
	m, ok := r.mods[name]
	return m, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.mods))
	for n := range r.mods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
