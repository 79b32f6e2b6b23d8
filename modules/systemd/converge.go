package systemd

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// convergeScript is a run's plan and apply in one command (Converge): it
// reads the units' state once, as Plan reads it, and prints it; then, when
// every unit is loaded, it enables or disables ($2: "yes", "no" or "") and
// starts, stops or restarts ($1) each unit once, as Plan and Apply would
// decide from that state, marking each step with $3 ("did", or "failed"
// and the exit status); then it reads the units again, or says "same" when
// it did nothing. A unit that is not loaded changes nothing: it prints "$3
// plan" and the module plans as usual (for the plan's own error). The rest
// of the arguments are the units; $4 the properties to read.
const convergeScript = `state=$1 en=$2 m=$3 props=$4
shift 4
set -f
out=$(systemctl show --property="$props" -- "$@") || exit
printf '%s\n' "$out" "$m before"
seen= todo= later= id= ls= as= fs=
while IFS= read -r line; do
  case $line in
  Id=*) id=${line#Id=} ;;
  LoadState=*) ls=${line#LoadState=} ;;
  ActiveState=*) as=${line#ActiveState=} ;;
  UnitFileState=*) fs=${line#UnitFileState=} ;;
  '')
    if [ -n "$id" ]; then
      if [ "$ls" != loaded ]; then printf '%s\n' "$m plan"; exit 0; fi
      case " $seen " in
      *" $id "*) ;;
      *)
        seen="$seen $id"
        case $en:$fs in
        yes:disabled) todo="$todo enable:$id" ;;
        no:enabled | no:enabled-runtime) todo="$todo disable:$id" ;;
        esac
        case $state:$as in
        started:active | started:reloading | started:activating) ;;
        started:*) later="$later start:$id" ;;
        stopped:active | stopped:reloading | stopped:activating) later="$later stop:$id" ;;
        restarted:*) later="$later restart:$id" ;;
        esac
        ;;
      esac
    fi
    id= ls= as= fs=
    ;;
  esac
done <<EOF
$out

EOF
did=
for a in $todo $later; do
  v=${a%%:*} u=${a#*:}
  systemctl "$v" -- "$u" || { rc=$?; printf '%s\n' "$m failed $v $u"; exit $rc; }
  printf '%s\n' "$m did $v $u"
  did=1
done
if [ -z "$did" ]; then printf '%s\n' "$m same"; exit 0; fi
printf '%s\n' "$m after"
systemctl show --property="$props" -- "$@"`

// oneStep reports whether Converge can do p in one command: plain unit
// names, started, stopped or restarted, enabled or not. A glob, a
// daemon-reload, a reload and a wait plan and apply as usual.
func oneStep(p *params) bool {
	if p.daemonReload || p.wait != nil || p.state == StateReloaded {
		return false
	}
	for _, pat := range p.patterns {
		if isGlob(pat) || isTemplate(pat) {
			return false
		}
	}
	return true
}

// Converge reads the units and changes what Plan would say, in one command
// (module.Converger): a run's start of a stopped unit costs one round trip
// instead of three.
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	p, err := parse(req.Args)
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Err: err}
	}
	if !oneStep(p) {
		return module.ConvergeByPlan(ctx, m, req)
	}
	host := req.Host.Name
	names := p.patterns
	en := ""
	if p.enabled != nil {
		en = map[bool]string{true: "yes", false: "no"}[*p.enabled]
	}
	marker := "runbook-converge-" + hostfs.Nonce()
	argv := append([]string{"/bin/sh", "-c", convergeScript, "sh", string(p.state), en, marker, strings.Join(showProps, ",")}, names...)
	res, err := req.Conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Err: err}
	}
	parts := splitMarked(res.Stdout, marker)
	if _, ok := parts["plan"]; ok {
		// A unit is not loaded: nothing was done; the plan says why.
		return module.ConvergeByPlan(ctx, m, req)
	}
	beforeOut, ok := parts["before"]
	if !ok {
		return &module.ConvergeResponse{Action: module.Change, Err: &module.CommandError{
			Argv: []string{"systemctl", "show", "--"}, RC: res.RC, Stderr: string(res.Stderr), Msg: "reading unit state on " + host}}
	}
	before := parseShow(beforeOut)
	if len(before) != len(names) {
		return &module.ConvergeResponse{Action: module.Change, Err: fmt.Errorf("on %s: systemctl show returned %d units for %d names", host, len(before), len(names))}
	}
	pl, err := decide(p, names, before, host)
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Err: err}
	}
	byName := map[string]*unit{}
	for i, n := range names {
		byName[n] = before[i]
	}
	changed := false
	for _, d := range parts.lines("did") {
		verb, name, _ := strings.Cut(d, " ")
		id := name
		if u := byName[name]; u != nil {
			id = u.ID
		}
		if req.Output != nil {
			req.Output("stdout", verb+" "+id)
		}
		changed = true
	}
	if f := parts.lines("failed"); len(f) > 0 {
		verb, name, _ := strings.Cut(f[0], " ")
		id := name
		if u := byName[name]; u != nil {
			id = u.ID
		}
		ce := &module.CommandError{Argv: []string{"systemctl", verb, "--", id}, RC: res.RC, Stderr: string(res.Stderr)}
		if verb == "enable" || verb == "disable" {
			ce.Msg = verb + " " + id + " on " + host
			return &module.ConvergeResponse{Action: module.Change, Changed: changed, Diff: pl.diff(), Err: ce}
		}
		return &module.ConvergeResponse{Action: module.Change, Changed: changed, Diff: pl.diff(),
			Err: &UnitError{Unit: id, Host: host, Op: verb, Err: ce, Journal: journal(ctx, req.Conn, id, journalLines)}}
	}
	if _, same := parts["same"]; same && res.RC == 0 {
		if !changed && !pl.changes() {
			return &module.ConvergeResponse{Action: module.NoOp, Reason: pl.reason(), Outputs: outputs(pl, nil)}
		}
		return &module.ConvergeResponse{Action: module.Change, Changed: changed, Outputs: outputs(pl, nil), Diff: pl.diff()}
	}
	afterOut, ok := parts["after"]
	if !ok || res.RC != 0 {
		return &module.ConvergeResponse{Action: module.Change, Changed: changed, Err: &module.CommandError{
			Argv: []string{"systemctl", "show", "--"}, RC: res.RC, Stderr: string(res.Stderr), Msg: "reading unit state on " + host}}
	}
	if !pl.changes() && !changed {
		return &module.ConvergeResponse{Action: module.NoOp, Reason: pl.reason(), Outputs: outputs(pl, nil)}
	}
	afterByID := map[string]*unit{}
	for _, u := range parseShow(afterOut) {
		afterByID[u.ID] = u
	}
	after := make([]*unit, len(pl.units))
	for i, up := range pl.units {
		if after[i] = afterByID[up.before.ID]; after[i] == nil {
			return &module.ConvergeResponse{Action: module.Change, Changed: changed, Err: fmt.Errorf("on %s: systemctl show did not return %s", host, up.before.ID)}
		}
	}
	return &module.ConvergeResponse{Action: module.Change, Changed: changed, Outputs: outputs(pl, after), Diff: pl.diff()}
}

// marked is a command's output split at its marker lines ("MARKER word
// rest"): the text before each word's line under the word, and the rest
// of the lines of "did" and "failed".
type marked map[string][]byte

// splitMarked splits out at the lines that start with marker: the output
// before "MARKER before" is under "before", between it and "MARKER after"
// nothing but marked lines, after it under "after".
func splitMarked(out []byte, marker string) marked {
	m := marked{}
	var cur []byte
	for _, line := range bytes.SplitAfter(out, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte(marker+" "))
		if !ok {
			cur = append(cur, line...)
			continue
		}
		word, arg, _ := strings.Cut(strings.TrimSuffix(string(rest), "\n"), " ")
		switch word {
		case "before", "plan", "same":
			m[word] = cur
		case "did", "failed":
			m[word] = append(m[word], arg+"\n"...)
		case "after":
			m[word] = nil
		}
		cur = nil
	}
	if _, ok := m["after"]; ok {
		m["after"] = cur
	}
	return m
}

// lines returns the lines recorded under word.
func (m marked) lines(word string) []string {
	s := strings.TrimSuffix(string(m[word]), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
