package dag

import (
	"context"
	"sync"
)

// VisitFunc is called once per vertex, after every dependency's visit has
// returned. It runs concurrently with other visits.
type VisitFunc[V comparable] func(ctx context.Context, v V)

// Walk visits every vertex of an acyclic graph, each only after all of its
// dependencies, running up to parallel visits at once (parallel < 1 means
// no bound). When ctx is cancelled, vertices not yet started are still
// handed to visit (so callers can record them as not run) but visit sees a
// cancelled ctx. Walk returns when every visit has returned.
//
// Walk does not interpret outcomes: a caller that wants dependents of a
// failed vertex skipped keeps that state itself and checks it in visit.
//
// Walk returns the vertices it never visited, in insertion order: none
// for an acyclic graph; for a graph with a cycle, every vertex on it and
// every vertex that depends on one, which callers must report rather than
// drop.
func Walk[V comparable](ctx context.Context, g *Graph[V], parallel int, visit VisitFunc[V]) []V {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		pending = make([]int, len(g.order))
		visited = make([]bool, len(g.order))
		sem     chan struct{}
	)
	if parallel > 0 {
		sem = make(chan struct{}, parallel)
	}
	// start runs v in a goroutine of its own. When a visit makes vertices
	// ready, the goroutine goes on with the first of them itself and
	// starts the others: a chain of vertices (one host's tasks) runs on one
	// goroutine, whose stack has already grown to what a visit needs,
	// instead of a new goroutine per vertex.
	var start func(v int32)
	start = func(v int32) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if sem != nil {
					select {
					case sem <- struct{}{}:
					case <-ctx.Done():
						// Still visit, so the caller can record it; without a
						// slot the visit must not do real work, and ctx tells
						// it so.
						sem <- struct{}{}
					}
				}
				visit(ctx, g.order[v])
				if sem != nil {
					<-sem
				}
				var next []int32
				mu.Lock()
				visited[v] = true
				for _, w := range g.down[v] {
					pending[w]--
					if pending[w] == 0 {
						next = append(next, w)
					}
				}
				mu.Unlock()
				if len(next) == 0 {
					return
				}
				for _, w := range next[1:] {
					start(w)
				}
				v = next[0]
			}
		}()
	}
	mu.Lock()
	var roots []int32
	for v := range g.order {
		pending[v] = len(g.up[v])
		if pending[v] == 0 {
			roots = append(roots, int32(v))
		}
	}
	mu.Unlock()
	for _, v := range roots {
		start(v)
	}
	wg.Wait()
	var missed []V
	for v, ok := range visited {
		if !ok {
			missed = append(missed, g.order[v])
		}
	}
	return missed
}
