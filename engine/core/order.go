package core

import (
	"sort"
	"sync"

	"github.com/runbook-dev/runbook/engine/event"
)

// resultOrder makes the result lines of a run come in an order that does
// not depend on timing: the instances of a task in host order, the
// for_each items of an instance in key order. An instance's lines are
// held while an instance of the same task on an earlier host has not
// finished, and an item's while an earlier item of the same instance
// has not; the first unfinished instance of a task and, within it, the
// next item in order are shown at once, so a rolling upgrade still
// reports each step as it ends. Only the order of TaskFinished events
// changes; the recap is counted when they happen.
type resultOrder struct {
	mu    sync.Mutex
	sink  event.Sink
	tasks map[string]*taskLines
}

type taskLines struct {
	index map[string]int // host -> position among the task's instances
	next  int            // the first instance not done
	nodes []*nodeLines
}

type nodeLines struct {
	done bool
	keys map[string]int // for_each key -> position; nil without for_each
	next int            // the next key position to show
	held []event.TaskFinished
}

func newResultOrder(sink event.Sink, nodes map[string][]*node) *resultOrder {
	o := &resultOrder{sink: sink, tasks: make(map[string]*taskLines, len(nodes))}
	for addr, ns := range nodes {
		tl := &taskLines{index: make(map[string]int, len(ns)), nodes: make([]*nodeLines, len(ns))}
		for i, n := range ns {
			tl.index[n.host.Name] = i
			tl.nodes[i] = &nodeLines{}
		}
		o.tasks[addr] = tl
	}
	return o
}

func (o *resultOrder) lines(task, host string) (*taskLines, int, bool) {
	tl := o.tasks[task]
	if tl == nil {
		return nil, 0, false
	}
	i, ok := tl.index[host]
	return tl, i, ok
}

// items tells the for_each keys of n's instance, in the order they run.
func (o *resultOrder) items(n *node, keys []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tl, i, ok := o.lines(n.task.Addr(), n.host.Name)
	if !ok {
		return
	}
	nl := tl.nodes[i]
	nl.keys = make(map[string]int, len(keys))
	for k, key := range keys {
		nl.keys[key] = k
	}
}

// emit shows ev now, or holds it until what comes before it is shown.
func (o *resultOrder) emit(ev event.TaskFinished) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tl, i, ok := o.lines(ev.Task, ev.Host)
	if !ok {
		o.sink.Emit(ev)
		return
	}
	nl := tl.nodes[i]
	nl.held = append(nl.held, ev)
	if i == tl.next {
		o.flushReady(nl)
	}
}

// done marks n's instance finished: its held lines, and those of the
// instances after it that are done too, are shown.
func (o *resultOrder) done(n *node) {
	if n.barrier != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	tl, i, ok := o.lines(n.task.Addr(), n.host.Name)
	if !ok {
		return
	}
	tl.nodes[i].done = true
	o.advance(tl)
}

func (o *resultOrder) advance(tl *taskLines) {
	for tl.next < len(tl.nodes) && tl.nodes[tl.next].done {
		o.flushAll(tl.nodes[tl.next])
		tl.next++
	}
	if tl.next < len(tl.nodes) {
		o.flushReady(tl.nodes[tl.next])
	}
}

// flushReady shows the held lines of the first unfinished instance that
// are next in key order (all of them without for_each).
func (o *resultOrder) flushReady(nl *nodeLines) {
	for progress := true; progress; {
		progress = false
		for j := 0; j < len(nl.held); j++ {
			ev := nl.held[j]
			pos, keyed := nl.keys[ev.Key]
			if nl.keys != nil && keyed && pos != nl.next {
				continue
			}
			if keyed {
				nl.next++
			}
			o.sink.Emit(ev)
			nl.held = append(nl.held[:j], nl.held[j+1:]...)
			progress = true
			break
		}
	}
}

// flushAll shows every held line of a finished instance, in key order.
func (o *resultOrder) flushAll(nl *nodeLines) {
	sort.SliceStable(nl.held, func(a, b int) bool {
		pa, oka := nl.keys[nl.held[a].Key]
		pb, okb := nl.keys[nl.held[b].Key]
		if oka && okb {
			return pa < pb
		}
		return nl.held[a].Key < nl.held[b].Key
	})
	for _, ev := range nl.held {
		o.sink.Emit(ev)
	}
	nl.held = nil
}

// flush shows whatever is still held (instances the walk never reached),
// before the run's end is reported.
func (o *resultOrder) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	addrs := make([]string, 0, len(o.tasks))
	for a := range o.tasks {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		for _, nl := range o.tasks[a].nodes {
			o.flushAll(nl)
		}
	}
}
