package dag

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func build(edges ...[2]string) *Graph[string] {
	g := New[string]()
	for _, e := range edges {
		g.Connect(e[0], e[1])
	}
	return g
}

func TestConnectDedupAndOrder(t *testing.T) {
	g := New[string]()
	g.Add("a")
	g.Add("a")
	g.Connect("a", "b")
	g.Connect("a", "b")
	g.Connect("c", "b")
	g.Connect("a", "d")
	if g.Len() != 4 || g.EdgeCount() != 3 {
		t.Fatalf("Len %d EdgeCount %d, want 4 and 3", g.Len(), g.EdgeCount())
	}
	if got := g.Vertices(); !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("Vertices = %v", got)
	}
	if got := g.DependsOn("b"); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Errorf("DependsOn(b) = %v", got)
	}
	if got := g.Dependents("a"); !reflect.DeepEqual(got, []string{"b", "d"}) {
		t.Errorf("Dependents(a) = %v", got)
	}
	// Duplicates are found when bursts to other vertices come between.
	g.Connect("c", "d")
	g.Connect("a", "b")
	g.Connect("b", "d")
	g.Connect("a", "d")
	g.Connect("c", "b")
	if g.EdgeCount() != 5 {
		t.Errorf("EdgeCount %d after interleaved duplicates, want 5", g.EdgeCount())
	}
	if got := g.DependsOn("d"); !reflect.DeepEqual(got, []string{"a", "c", "b"}) {
		t.Errorf("DependsOn(d) = %v", got)
	}
	if g.DependsOn("zz") != nil || g.Dependents("zz") != nil || g.Has("zz") || !g.Has("d") {
		t.Error("unknown vertex must have no edges and not be in the graph")
	}
}

func TestCycles(t *testing.T) {
	tests := []struct {
		name  string
		edges [][2]string
		want  [][]string
	}{
		{"none", [][2]string{{"a", "b"}, {"b", "c"}, {"a", "c"}}, nil},
		{"two", [][2]string{{"a", "b"}, {"b", "a"}}, [][]string{{"a", "b", "a"}}},
		{"three", [][2]string{{"a", "b"}, {"b", "c"}, {"c", "a"}, {"x", "a"}}, [][]string{{"a", "b", "c", "a"}}},
		{"self", [][2]string{{"x", "y"}, {"y", "y"}}, [][]string{{"y", "y"}}},
		{"two separate", [][2]string{{"p", "q"}, {"q", "p"}, {"a", "b"}, {"b", "a"}}, [][]string{{"p", "q", "p"}, {"a", "b", "a"}}},
		{"shortest through earliest", [][2]string{{"a", "b"}, {"b", "c"}, {"c", "d"}, {"d", "a"}, {"b", "a"}}, [][]string{{"a", "b", "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := build(tt.edges...).Cycles()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Cycles() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTopoOrder(t *testing.T) {
	g := build([2]string{"c", "d"}, [2]string{"a", "d"}, [2]string{"b", "c"})
	got, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	// Insertion order is c, d, a, b: a and b are ready first, then c, then d.
	if want := []string{"a", "b", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("TopoOrder = %v, want %v", got, want)
	}
	pos := map[string]int{}
	for i, v := range got {
		pos[v] = i
	}
	for _, v := range g.Vertices() {
		for _, w := range g.Dependents(v) {
			if pos[v] >= pos[w] {
				t.Errorf("%s comes after its dependent %s in %v", v, w, got)
			}
		}
	}
	if _, err := build([2]string{"a", "b"}, [2]string{"b", "a"}).TopoOrder(); err == nil {
		t.Error("TopoOrder of a cycle: want an error")
	}
}

func TestWalkOrderAndParallelism(t *testing.T) {
	g := New[int]()
	// A layered graph: every vertex of layer k depends on every vertex of
	// layer k-1.
	const layers, width, bound = 5, 8, 3
	for k := 1; k < layers; k++ {
		for i := 0; i < width; i++ {
			for j := 0; j < width; j++ {
				g.Connect((k-1)*width+j, k*width+i)
			}
		}
	}
	var mu sync.Mutex
	done := map[int]bool{}
	running, peak := 0, 0
	// Every visit holds its slot until the test lets it go. The test lets
	// one go when as many visits run as the bound allows (after a pause in
	// which, without the bound, the rest of the first layer's 8 vertices
	// would start too), or when no visit has started for a while (the end
	// of a layer).
	const total = layers * width
	release := make(chan struct{})
	arrived := make(chan struct{}, total)
	go func() {
		for n := 0; n < total; n++ {
			for {
				mu.Lock()
				r := running
				mu.Unlock()
				if r >= bound {
					time.Sleep(20 * time.Millisecond)
					break
				}
				select {
				case <-arrived:
					continue
				case <-time.After(50 * time.Millisecond):
				}
				mu.Lock()
				r = running
				mu.Unlock()
				if r > 0 {
					break
				}
			}
			release <- struct{}{}
		}
	}()
	missed := Walk(context.Background(), g, bound, func(_ context.Context, v int) {
		mu.Lock()
		for _, d := range g.DependsOn(v) {
			if !done[d] {
				t.Errorf("%d visited before its dependency %d", v, d)
			}
		}
		if done[v] {
			t.Errorf("%d visited twice", v)
		}
		running++
		peak = max(peak, running)
		mu.Unlock()
		arrived <- struct{}{}
		<-release
		mu.Lock()
		running--
		done[v] = true
		mu.Unlock()
	})
	if len(done) != total || len(missed) != 0 {
		t.Errorf("visited %d vertices, want %d; missed %v", len(done), layers*width, missed)
	}
	if peak > bound {
		t.Errorf("%d visits ran at once, want at most %d", peak, bound)
	}
}

// TestWalkReportsUnvisited: a cycle leaves its vertices, and everything
// after them, unvisited; Walk returns them instead of dropping them.
func TestWalkReportsUnvisited(t *testing.T) {
	g := build([2]string{"root", "a"}, [2]string{"a", "b"}, [2]string{"b", "a"}, [2]string{"b", "after"}, [2]string{"root", "free"})
	var mu sync.Mutex
	var seen []string
	missed := Walk(context.Background(), g, 0, func(_ context.Context, v string) {
		mu.Lock()
		seen = append(seen, v)
		mu.Unlock()
	})
	sort.Strings(seen)
	if !reflect.DeepEqual(seen, []string{"free", "root"}) {
		t.Errorf("visited %v, want [free root]", seen)
	}
	if !reflect.DeepEqual(missed, []string{"a", "b", "after"}) {
		t.Errorf("Walk returned %v as unvisited, want [a b after]", missed)
	}
}

func TestWriteDOT(t *testing.T) {
	g := build([2]string{"a", "b"})
	var b strings.Builder
	if err := g.WriteDOT(&b, func(s string) string { return "task." + s }, func(s string) string {
		if s == "a" {
			return `color = "red"`
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"task.a" [color = "red"];`, `"task.b";`, `"task.a" -> "task.b";`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("DOT lacks %s:\n%s", want, b.String())
		}
	}
}

// BenchmarkConnect builds a graph shaped like a runbook's instance graph:
// 1,000 tasks on 40 hosts, each instance depending on the previous task's
// instance on its host and on every instance of a task five back.
func BenchmarkConnect(b *testing.B) {
	type node struct{ task, host int }
	const tasks, hosts = 1000, 40
	nodes := make([][]*node, tasks)
	for i := range nodes {
		for h := 0; h < hosts; h++ {
			nodes[i] = append(nodes[i], &node{i, h})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		g := New[*node]()
		for i := range nodes {
			for h, n := range nodes[i] {
				g.Add(n)
				if i > 0 {
					g.Connect(nodes[i-1][h], n)
				}
				if i > 5 && i%5 == 0 {
					for _, d := range nodes[i-5] {
						g.Connect(d, n)
					}
				}
			}
		}
		if g.EdgeCount() == 0 {
			b.Fatal("no edges")
		}
	}
}

// TestWalkChains: independent chains (one host's tasks), where a visit's
// goroutine goes on with the next vertex of its chain; every vertex is
// visited once, after its dependency, within the bound, and a walk
// cancelled halfway still hands every vertex to visit.
func TestWalkChains(t *testing.T) {
	const chains, length, bound = 20, 20, 3
	g := New[int]()
	for c := 0; c < chains; c++ {
		for i := 1; i < length; i++ {
			g.Connect(c*length+i-1, c*length+i)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	done := map[int]bool{}
	cancelledSeen, running, peak := 0, 0, 0
	missed := Walk(ctx, g, bound, func(ctx context.Context, v int) {
		mu.Lock()
		if v%length > 0 && !done[v-1] {
			t.Errorf("%d visited before %d", v, v-1)
		}
		if done[v] {
			t.Errorf("%d visited twice", v)
		}
		running++
		peak = max(peak, running)
		if ctx.Err() != nil {
			cancelledSeen++
		}
		mu.Unlock()
		time.Sleep(100 * time.Microsecond)
		mu.Lock()
		running--
		done[v] = true
		if len(done) == chains*length/2 {
			cancel()
		}
		mu.Unlock()
	})
	if len(done) != chains*length || len(missed) != 0 {
		t.Errorf("visited %d vertices, want %d; missed %v", len(done), chains*length, missed)
	}
	if peak > bound {
		t.Errorf("%d visits ran at once, want at most %d", peak, bound)
	}
	if cancelledSeen == 0 {
		t.Error("no visit saw the cancelled context")
	}
}
