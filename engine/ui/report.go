package ui

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
)

// Timed is an event with the time it happened (as a journal recorded it).
type Timed struct {
	Time  time.Time
	Event event.Event
}

// ReportInput is what a report page is drawn from: one run's events, in
// the order they happened (the journal's record of the run).
type ReportInput struct {
	RunID   string
	Runbook string
	Check   bool
	Events  []Timed
}

//go:embed report.html.tmpl
var reportTemplate string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":         formatDuration,
	"addr":        instanceAddr,
	"word":        statusWord,
	"pct":         func(f float64) string { return fmt.Sprintf("%.3f%%", f) },
	"clock":       func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") },
	"since":       func(t, from time.Time) string { return "+" + formatDuration(t.Sub(from)) },
	"class":       StatusClass,
	"lanesHeight": func(lanes int) int { return lanes*18 + 4 },
	"laneTop":     func(lane int) int { return lane*18 + 2 },
	"deref":       func(p *int) int { return *p },
	"barWidth": func(d time.Duration, tasks []*reportTask) string {
		if len(tasks) == 0 || tasks[0].Longest <= 0 {
			return "0px"
		}
		return fmt.Sprintf("%dpx", max(1, int(150*float64(d)/float64(tasks[0].Longest))))
	},
}).Parse(reportTemplate))

// reportInstance is one finished task instance on the page.
type reportInstance struct {
	Task, Key, Host string
	Status          event.Status
	Start, End      time.Time
	Duration        time.Duration
	Reason          string
	RC              *int
	Stderr          string
	Diff            []event.Diff
	Notified        []string
	Left, Width     float64 // position on the host's timeline, in percent
	Lane            int     // row of the host's timeline the bar is on
}

// reportTask is one task's line in the table of durations.
type reportTask struct {
	Task      string
	Instances int
	Total     time.Duration
	Longest   time.Duration
	Statuses  map[event.Status]int
}

// reportHost is one host's timeline.
type reportHost struct {
	Name      string
	Instances []*reportInstance
	Recap     event.HostRecap
	Lanes     int
}

type reportPage struct {
	ReportInput
	Start, End time.Time
	Duration   time.Duration
	ExitCode   *int
	Error      string
	Summary    string
	Hosts      []*reportHost
	Instances  []*reportInstance // every finished instance, in order of finishing
	Tasks      []*reportTask     // slowest first
	Failures   []*reportInstance
	Diffs      []*reportInstance
	Warnings   []string
	Statuses   []event.Status // the statuses present, for the legend and filter
	Ticks      []tick
	Planned    int // task instances in the plan (for_each items not counted)
}

type tick struct {
	Left  float64
	Label string
}

// WriteReport writes a self-contained HTML page of a run: a timeline per
// host with a bar per task instance coloured by status, the tasks by time
// taken (the slowest first, like Ansible's profile_tasks), every instance
// with its status and duration, failures with the tail of stderr, diffs,
// warnings and the recap. It needs no network: styles and the small script
// that filters by status are inline. Events are written as recorded, so
// sensitive values are already masked (the engine masks before emitting).
func WriteReport(w io.Writer, in ReportInput) error {
	return reportTmpl.Execute(w, buildReport(in))
}

func buildReport(in ReportInput) *reportPage {
	p := &reportPage{ReportInput: in}
	started := map[instance]time.Time{}
	hosts := map[string]*reportHost{}
	host := func(name string) *reportHost {
		if name == "" {
			name = "localhost"
		}
		h := hosts[name]
		if h == nil {
			h = &reportHost{Name: name, Recap: event.HostRecap{Host: name}}
			hosts[name] = h
		}
		return h
	}
	tasks := map[string]*reportTask{}
	seen := map[event.Status]bool{}
	var t tally
	for _, te := range in.Events {
		switch e := te.Event.(type) {
		case event.RunStarted:
			if p.Start.IsZero() {
				p.Start = e.Time
				if p.Start.IsZero() {
					p.Start = te.Time
				}
			}
			p.Planned = e.Tasks
			for _, h := range e.Hosts {
				host(h)
			}
		case event.TaskStarted:
			started[instance{e.Task, e.Key, e.Host}] = e.Time
		case event.TaskFinished:
			in := &reportInstance{
				Task: e.Task, Key: e.Key, Host: e.Host, Status: e.Status, End: te.Time, Duration: e.Duration,
				Reason: e.Reason, RC: e.RC, Stderr: e.Stderr, Diff: e.Diff, Notified: e.Notified,
			}
			if in.Host == "" {
				in.Host = "localhost"
			}
			// Lines may be recorded a little after the instance ended (the
			// engine shows results in host and key order): when the start
			// is known, the end is the start plus the duration.
			in.Start = in.End.Add(-e.Duration)
			if s, ok := started[instance{e.Task, e.Key, e.Host}]; ok && !s.IsZero() && !s.After(in.End) {
				in.Start, in.End = s, s.Add(e.Duration)
			}
			p.Instances = append(p.Instances, in)
			h := host(in.Host)
			h.Instances = append(h.Instances, in)
			t.add(in.Host, e.Status)
			seen[e.Status] = true
			rt := tasks[e.Task]
			if rt == nil {
				rt = &reportTask{Task: e.Task, Statuses: map[event.Status]int{}}
				tasks[e.Task] = rt
			}
			rt.Instances++
			rt.Total += e.Duration
			rt.Longest = max(rt.Longest, e.Duration)
			rt.Statuses[e.Status]++
			switch {
			case e.Status == event.StatusFailed || e.Status == event.StatusUnreachable || e.Status == event.StatusIgnored:
				p.Failures = append(p.Failures, in)
			}
			if len(e.Diff) > 0 {
				p.Diffs = append(p.Diffs, in)
			}
		case event.Warning:
			p.Warnings = append(p.Warnings, e.Message)
		case event.RunFinished:
			code := e.ExitCode
			p.ExitCode, p.Error = &code, e.Error
			p.End = te.Time
			if !p.Start.IsZero() && e.Duration > 0 && p.Start.Add(e.Duration).After(p.End) {
				p.End = p.Start.Add(e.Duration)
			}
			for _, r := range e.Recap {
				host(r.Host).Recap = r
			}
		}
	}
	if p.Start.IsZero() && len(in.Events) > 0 {
		p.Start = in.Events[0].Time
	}
	for _, i := range p.Instances {
		if i.Start.Before(p.Start) {
			p.Start = i.Start
		}
		if i.End.After(p.End) {
			p.End = i.End
		}
	}
	p.Duration = p.End.Sub(p.Start)
	span := float64(max(p.Duration, time.Millisecond))
	for _, i := range p.Instances {
		i.Left = 100 * float64(i.Start.Sub(p.Start)) / span
		i.Width = 100 * float64(i.End.Sub(i.Start)) / span
	}
	for k := 0; k <= 4; k++ {
		p.Ticks = append(p.Ticks, tick{Left: float64(k) * 25, Label: "+" + formatDuration(time.Duration(float64(k)/4*span))})
	}
	// A host's recap comes from the run's end when it has one, else from
	// what the page counted.
	counted := map[string]event.HostRecap{}
	for _, r := range t.recap() {
		counted[r.Host] = r
	}
	for _, h := range hosts {
		if p.ExitCode == nil {
			h.Recap = counted[h.Name]
			h.Recap.Host = h.Name
		}
		packLanes(h, time.Duration(span/120))
		p.Hosts = append(p.Hosts, h)
	}
	slices.SortFunc(p.Hosts, func(a, b *reportHost) int { return cmp.Compare(a.Name, b.Name) })
	for _, rt := range tasks {
		p.Tasks = append(p.Tasks, rt)
	}
	slices.SortFunc(p.Tasks, func(a, b *reportTask) int {
		return cmp.Or(cmp.Compare(b.Longest, a.Longest), cmp.Compare(b.Total, a.Total), cmp.Compare(a.Task, b.Task))
	})
	for _, st := range []event.Status{event.StatusOK, event.StatusChanged, event.StatusWouldChange, event.StatusUnpredictable,
		event.StatusFailed, event.StatusUnreachable, event.StatusIgnored, event.StatusRescued, event.StatusSkipped} {
		if seen[st] {
			p.Statuses = append(p.Statuses, st)
		}
	}
	var recap []event.HostRecap
	for _, h := range p.Hosts {
		recap = append(recap, h.Recap)
	}
	hm := &Human{style: styler{}}
	p.Summary = hm.summary(recap, in.Check)
	return p
}

// statusClass is the CSS class of a status (would_change -> would-change).
func (i *reportInstance) Class() string { return strings.ReplaceAll(string(i.Status), "_", "-") }

// Label is the instance's address, with its for_each key.
func (i *reportInstance) Label() string { return instanceAddr(i.Task, i.Key) }

// StatusList reads "2 ok, 1 changed" for a task's instances.
func (t *reportTask) StatusList() string {
	keys := make([]string, 0, len(t.Statuses))
	for st, n := range t.Statuses {
		keys = append(keys, fmt.Sprintf("%d %s", n, statusWord(st)))
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// Mean is the mean duration of a task's instances.
func (t *reportTask) Mean() time.Duration {
	if t.Instances == 0 {
		return 0
	}
	return t.Total / time.Duration(t.Instances)
}

// StatusClass is the CSS class of a status.
func StatusClass(st event.Status) string { return strings.ReplaceAll(string(st), "_", "-") }

// packLanes puts a host's bars on lanes so that none overlaps another:
// each bar takes the first lane free at its start.
func packLanes(h *reportHost, gap time.Duration) {
	sorted := slices.Clone(h.Instances)
	slices.SortStableFunc(sorted, func(a, b *reportInstance) int { return a.Start.Compare(b.Start) })
	var ends []time.Time
	for _, i := range sorted {
		lane := -1
		for l, end := range ends {
			if !end.After(i.Start) {
				lane = l
				break
			}
		}
		if lane < 0 {
			lane = len(ends)
			ends = append(ends, time.Time{})
		}
		// A bar is drawn at least a few pixels wide: keep short ones from
		// touching by reserving a sliver of the timeline after each.
		ends[lane] = i.End.Add(gap)
		i.Lane = lane
	}
	h.Lanes = max(1, len(ends))
}
