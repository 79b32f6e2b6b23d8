// Package dag owns a generic directed acyclic graph: vertices, edges, cycle
// detection that reports whole cycles, a DOT writer, and a concurrent walker
// that visits every vertex after all of its dependencies.
//
// It knows nothing about runbooks: vertices are any comparable values. The
// walker does not judge results either; callers decide what a dependency's
// failure means for the vertices that follow it.
package dag

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Graph is a directed graph whose edge From -> To means "To depends on
// From" (From must finish before To starts).
type Graph[V comparable] struct {
	order []V
	index map[V]int
	down  map[V][]V // From -> dependents
	up    map[V][]V // To -> dependencies
	edges map[[2]V]bool
}

// New returns an empty graph.
func New[V comparable]() *Graph[V] {
	return &Graph[V]{index: map[V]int{}, down: map[V][]V{}, up: map[V][]V{}, edges: map[[2]V]bool{}}
}

// Add adds a vertex; adding one twice is a no-op.
func (g *Graph[V]) Add(v V) {
	if _, ok := g.index[v]; ok {
		return
	}
	g.index[v] = len(g.order)
	g.order = append(g.order, v)
}

// Has reports whether v is in the graph.
func (g *Graph[V]) Has(v V) bool { _, ok := g.index[v]; return ok }

// Connect adds the edge dep -> v (v depends on dep), adding missing vertices.
func (g *Graph[V]) Connect(dep, v V) {
	g.Add(dep)
	g.Add(v)
	k := [2]V{dep, v}
	if g.edges[k] {
		return
	}
	g.edges[k] = true
	g.down[dep] = append(g.down[dep], v)
	g.up[v] = append(g.up[v], dep)
}

// Vertices returns the vertices in insertion order.
func (g *Graph[V]) Vertices() []V { return append([]V(nil), g.order...) }

// Len is the number of vertices.
func (g *Graph[V]) Len() int { return len(g.order) }

// EdgeCount is the number of edges.
func (g *Graph[V]) EdgeCount() int { return len(g.edges) }

// DependsOn returns v's direct dependencies.
func (g *Graph[V]) DependsOn(v V) []V { return g.up[v] }

// Dependents returns the vertices that directly depend on v.
func (g *Graph[V]) Dependents(v V) []V { return g.down[v] }

// Cycles returns every cycle of the graph, each as a path of vertices that
// starts and ends at the same vertex (a -> b -> a), in a stable order. Self
// edges are cycles of length one (a -> a).
func (g *Graph[V]) Cycles() [][]V {
	// Tarjan's strongly connected components, iteratively enough for the
	// sizes runbooks have; then one concrete cycle per component.
	var (
		idx     = 0
		stack   []V
		on      = map[V]bool{}
		indices = map[V]int{}
		low     = map[V]int{}
		sccs    [][]V
	)
	var strong func(v V)
	strong = func(v V) {
		indices[v] = idx
		low[v] = idx
		idx++
		stack = append(stack, v)
		on[v] = true
		for _, w := range g.down[v] {
			if _, seen := indices[w]; !seen {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], indices[w])
			}
		}
		if low[v] == indices[v] {
			var scc []V
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			sccs = append(sccs, scc)
		}
	}
	for _, v := range g.order {
		if _, seen := indices[v]; !seen {
			strong(v)
		}
	}
	var cycles [][]V
	for _, scc := range sccs {
		if len(scc) == 1 && !g.edges[[2]V{scc[0], scc[0]}] {
			continue
		}
		cycles = append(cycles, g.cycleIn(scc))
	}
	sort.SliceStable(cycles, func(i, j int) bool { return g.index[cycles[i][0]] < g.index[cycles[j][0]] })
	return cycles
}

// cycleIn finds one concrete cycle through the earliest vertex of a
// strongly connected component, by breadth-first search inside it.
func (g *Graph[V]) cycleIn(scc []V) []V {
	in := map[V]bool{}
	start := scc[0]
	for _, v := range scc {
		in[v] = true
		if g.index[v] < g.index[start] {
			start = v
		}
	}
	prev := map[V]V{}
	queue := []V{start}
	seen := map[V]bool{start: true}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.down[v] {
			if !in[w] {
				continue
			}
			if w == start {
				path := []V{start}
				for at := v; at != start; at = prev[at] {
					path = append(path, at)
				}
				// path is start, v, ..., reversed after start; fix order.
				for i, j := 1, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return append(path, start)
			}
			if !seen[w] {
				seen[w] = true
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return []V{start, start}
}

// TopoOrder returns the vertices so that every dependency comes before its
// dependents, ties broken by insertion order. It fails if there is a cycle.
func (g *Graph[V]) TopoOrder() ([]V, error) {
	indeg := make(map[V]int, len(g.order))
	for _, v := range g.order {
		indeg[v] = len(g.up[v])
	}
	var ready, out []V
	for _, v := range g.order {
		if indeg[v] == 0 {
			ready = append(ready, v)
		}
	}
	for len(ready) > 0 {
		v := ready[0]
		ready = ready[1:]
		out = append(out, v)
		for _, w := range g.down[v] {
			indeg[w]--
			if indeg[w] == 0 {
				ready = append(ready, w)
			}
		}
	}
	if len(out) != len(g.order) {
		return nil, fmt.Errorf("graph has a cycle")
	}
	return out, nil
}

// WriteDOT writes the graph in Graphviz DOT format, naming vertices with
// name and giving them optional attributes.
func (g *Graph[V]) WriteDOT(w io.Writer, name func(V) string, attrs func(V) string) error {
	var b strings.Builder
	b.WriteString("digraph runbook {\n  rankdir = \"LR\";\n  node [shape = box];\n")
	for _, v := range g.order {
		a := ""
		if attrs != nil {
			if s := attrs(v); s != "" {
				a = " [" + s + "]"
			}
		}
		fmt.Fprintf(&b, "  %q%s;\n", name(v), a)
	}
	for _, v := range g.order {
		for _, w := range g.down[v] {
			fmt.Fprintf(&b, "  %q -> %q;\n", name(v), name(w))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
