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
	"math"
	"slices"
	"sort"
	"strings"
)

// Graph is a directed graph whose edge From -> To means "To depends on
// From" (From must finish before To starts).
//
// Vertices are numbered in insertion order and edges kept as adjacency
// lists of those numbers, so that graphs of tens of thousands of task
// instances and hundreds of thousands of edges build quickly.
type Graph[V comparable] struct {
	order  []V
	index  map[V]int32
	down   [][]int32 // From -> dependents
	up     [][]int32 // To -> dependencies
	nEdges int

	// Duplicate edges are found with marks: mark[i] == markGen when i ->
	// markTo is an edge. Edges are added in bursts to one vertex (all the
	// dependencies of an instance), so the marks are rebuilt from up[to]
	// only when the burst moves to another vertex.
	mark    []int32
	markTo  int32
	markGen int32
}

// New returns an empty graph.
func New[V comparable]() *Graph[V] {
	return &Graph[V]{index: map[V]int32{}, markTo: -1}
}

// add returns v's number, adding v when it is new.
func (g *Graph[V]) add(v V) int32 {
	if i, ok := g.index[v]; ok {
		return i
	}
	i := int32(len(g.order))
	g.index[v] = i
	g.order = append(g.order, v)
	g.down = append(g.down, nil)
	g.up = append(g.up, nil)
	g.mark = append(g.mark, 0)
	return i
}

// Grow makes room for n more vertices, so that building a large graph
// does not grow its tables again and again.
func (g *Graph[V]) Grow(n int) {
	if len(g.index) == 0 {
		g.index = make(map[V]int32, n)
	}
	g.order = slices.Grow(g.order, n)
	g.down = slices.Grow(g.down, n)
	g.up = slices.Grow(g.up, n)
	g.mark = slices.Grow(g.mark, n)
}

// Add adds a vertex; adding one twice is a no-op.
func (g *Graph[V]) Add(v V) { g.add(v) }

// Has reports whether v is in the graph.
func (g *Graph[V]) Has(v V) bool { _, ok := g.index[v]; return ok }

// AddID adds v (when new) and returns its number, for ConnectID.
func (g *Graph[V]) AddID(v V) int { return int(g.add(v)) }

// Connect adds the edge dep -> v (v depends on dep), adding missing vertices.
func (g *Graph[V]) Connect(dep, v V) { g.connect(g.add(dep), g.add(v)) }

// ConnectID is Connect for vertices numbered by AddID: it saves looking
// both up, which counts when a graph has hundreds of thousands of edges.
func (g *Graph[V]) ConnectID(dep, v int) { g.connect(int32(dep), int32(v)) }

func (g *Graph[V]) connect(i, j int32) {
	if g.hasEdge(i, j) {
		return
	}
	g.nEdges++
	g.down[i] = append(g.down[i], j)
	g.up[j] = append(g.up[j], i)
	g.mark[i] = g.markGen // hasEdge made j the marked vertex
}

// hasEdge reports whether from -> to is an edge, marking to's
// dependencies first when to is not the marked vertex.
func (g *Graph[V]) hasEdge(from, to int32) bool {
	if to != g.markTo {
		if g.markGen == math.MaxInt32 {
			clear(g.mark)
			g.markGen = 0
		}
		g.markGen++
		g.markTo = to
		for _, x := range g.up[to] {
			g.mark[x] = g.markGen
		}
	}
	return g.mark[from] == g.markGen
}

// isEdge reports whether from -> to is an edge, without touching the marks.
func (g *Graph[V]) isEdge(from, to int32) bool {
	for _, x := range g.up[to] {
		if x == from {
			return true
		}
	}
	return false
}

// Vertices returns the vertices in insertion order.
func (g *Graph[V]) Vertices() []V { return append([]V(nil), g.order...) }

// Len is the number of vertices.
func (g *Graph[V]) Len() int { return len(g.order) }

// EdgeCount is the number of edges.
func (g *Graph[V]) EdgeCount() int { return g.nEdges }

func (g *Graph[V]) vertices(idx []int32) []V {
	if len(idx) == 0 {
		return nil
	}
	out := make([]V, len(idx))
	for n, i := range idx {
		out[n] = g.order[i]
	}
	return out
}

// DependsOn returns v's direct dependencies, in the order they were added.
func (g *Graph[V]) DependsOn(v V) []V {
	i, ok := g.index[v]
	if !ok {
		return nil
	}
	return g.vertices(g.up[i])
}

// Dependents returns the vertices that directly depend on v, in the order
// they were added.
func (g *Graph[V]) Dependents(v V) []V {
	i, ok := g.index[v]
	if !ok {
		return nil
	}
	return g.vertices(g.down[i])
}

// Cycles returns every cycle of the graph, each as a path of vertices that
// starts and ends at the same vertex (a -> b -> a), in a stable order. Self
// edges are cycles of length one (a -> a).
func (g *Graph[V]) Cycles() [][]V {
	// Tarjan's strongly connected components, then one concrete cycle per
	// component.
	n := len(g.order)
	var (
		idx     int32
		stack   []int32
		on      = make([]bool, n)
		indices = make([]int32, n)
		low     = make([]int32, n)
		sccs    [][]int32
	)
	for i := range indices {
		indices[i] = -1
	}
	var strong func(v int32)
	strong = func(v int32) {
		indices[v] = idx
		low[v] = idx
		idx++
		stack = append(stack, v)
		on[v] = true
		for _, w := range g.down[v] {
			if indices[w] < 0 {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], indices[w])
			}
		}
		if low[v] == indices[v] {
			var scc []int32
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
	for v := range g.order {
		if indices[v] < 0 {
			strong(int32(v))
		}
	}
	var cycles [][]int32
	for _, scc := range sccs {
		if len(scc) == 1 {
			if !g.isEdge(scc[0], scc[0]) {
				continue
			}
		}
		cycles = append(cycles, g.cycleIn(scc))
	}
	sort.SliceStable(cycles, func(i, j int) bool { return cycles[i][0] < cycles[j][0] })
	var out [][]V
	for _, c := range cycles {
		out = append(out, g.vertices(c))
	}
	return out
}

// cycleIn finds one concrete cycle through the earliest vertex of a
// strongly connected component, by breadth-first search inside it.
func (g *Graph[V]) cycleIn(scc []int32) []int32 {
	in := map[int32]bool{}
	start := scc[0]
	for _, v := range scc {
		in[v] = true
		start = min(start, v)
	}
	prev := map[int32]int32{}
	queue := []int32{start}
	seen := map[int32]bool{start: true}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.down[v] {
			if !in[w] {
				continue
			}
			if w == start {
				path := []int32{start}
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
	return []int32{start, start}
}

// TopoOrder returns the vertices so that every dependency comes before its
// dependents, ties broken by insertion order. It fails if there is a cycle.
func (g *Graph[V]) TopoOrder() ([]V, error) {
	indeg := make([]int, len(g.order))
	var ready []int32
	for v := range g.order {
		indeg[v] = len(g.up[v])
		if indeg[v] == 0 {
			ready = append(ready, int32(v))
		}
	}
	out := make([]V, 0, len(g.order))
	for len(ready) > 0 {
		v := ready[0]
		ready = ready[1:]
		out = append(out, g.order[v])
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
	for i, v := range g.order {
		for _, w := range g.down[i] {
			fmt.Fprintf(&b, "  %q -> %q;\n", name(v), name(g.order[w]))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
