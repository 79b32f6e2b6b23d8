package pkg

import (
	"context"
	"fmt"
	"strconv"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// Apply runs apt-get: update (when asked), then one install for what to
// install or upgrade, or one remove/purge.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	pl, _ := req.Planned.Private.(*plan)
	if pl == nil {
		var err error
		if pl, err = makePlan(ctx, &req.Request); err != nil {
			return &module.ApplyResponse{Err: err}
		}
	}
	p := pl.params
	host := req.Host.Name
	lock := []string{"-o", "DPkg::Lock::Timeout=" + strconv.Itoa(int(p.lockTimeout.Seconds()))}
	run := func(what string, argv []string) error {
		cmd := &transport.Cmd{Argv: argv, Env: aptEnv}
		if req.Output != nil {
			cmd.Stdout = func(l string) { req.Output("stdout", l) }
			cmd.Stderr = func(l string) { req.Output("stderr", l) }
		}
		res, err := req.Conn.Exec(ctx, cmd)
		if err != nil {
			return err
		}
		if res.RC != 0 {
			return &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: what + " on " + host}
		}
		return nil
	}

	var install, remove []string
	verb := "remove"
	for _, pp := range pl.pkgs {
		switch pp.action {
		case "install", "upgrade":
			if pp.spec.version != "" {
				install = append(install, pp.spec.name+"="+pp.spec.version)
			} else {
				install = append(install, pp.spec.name)
			}
		case "remove":
			remove = append(remove, pp.spec.name)
		case "purge":
			remove = append(remove, pp.spec.name)
			verb = "purge"
		}
	}
	if p.updateCache {
		if err := run("apt-get update", append(append([]string{"apt-get", "update", "-q"}, lock...), "-o", "Acquire::Retries=3")); err != nil {
			return &module.ApplyResponse{Err: err}
		}
	}
	if len(install) > 0 {
		argv := append([]string{"apt-get", "install", "-y", "-q"}, lock...)
		argv = append(argv, "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", "--allow-downgrades")
		if p.installRecommends != nil {
			if *p.installRecommends {
				argv = append(argv, "--install-recommends")
			} else {
				argv = append(argv, "--no-install-recommends")
			}
		}
		if err := run("apt-get install", append(argv, install...)); err != nil {
			return &module.ApplyResponse{Changed: p.updateCache, Err: err}
		}
	}
	if len(remove) > 0 {
		argv := append([]string{"apt-get", verb, "-y", "-q"}, lock...)
		if err := run("apt-get "+verb, append(argv, remove...)); err != nil {
			return &module.ApplyResponse{Changed: p.updateCache, Err: err}
		}
	}
	after, err := dpkgQuery(ctx, req.Conn, names(p.pkgs))
	if err != nil {
		return &module.ApplyResponse{Changed: true, Err: fmt.Errorf("on %s: %w", host, err)}
	}
	return &module.ApplyResponse{Changed: true, Outputs: outputs(pl, after)}
}
