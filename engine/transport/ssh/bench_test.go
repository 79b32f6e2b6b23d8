package ssh

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labdir"
)

// runFleet opens a fresh pool, runs n `true` per endpoint (all at once) and
// closes the pool: one run of a runbook of n tasks over the endpoints.
func runFleet(b *testing.B, opts Options, eps []*transport.Endpoint, n int) {
	p := NewPool(opts)
	defer p.Close()
	var wg sync.WaitGroup
	for _, ep := range eps {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := p.Dial(context.Background(), ep)
				if err == nil {
					var res *transport.Result
					res, err = c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}})
					if err == nil && res.RC != 0 {
						b.Errorf("%s: rc %d", ep.Name, res.RC)
					}
				}
				if err != nil {
					b.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	for _, ep := range eps {
		if h := p.Handshakes(ep.Name); h != 1 {
			b.Errorf("%s: %d handshakes", ep.Name, h)
		}
	}
}

// BenchmarkPoolInProcess: 20 in-process servers x 20 commands (measures the
// client and the in-process server together; no lab needed).
func BenchmarkPoolInProcess(b *testing.B) {
	f := newFixture(b, 20)
	var eps []*transport.Endpoint
	for i := range f.servers {
		eps = append(eps, f.endpoint(i))
	}
	opts := Options{ConfigFile: "none", AgentSocket: "none", HomeDir: f.dir}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runFleet(b, opts, eps, 20)
	}
}

// BenchmarkLabPool runs the pool against real sshd hosts: 20 hosts x 20
// `true` and 200 hosts x 5 (set RUNBOOK_BENCH_LAB_DIR to a lab started with
// SSH_HOSTS=200, as bench/compare.sh does with KEEP_LAB=1; else the test
// lab's loopback hosts are used and the sizes that do not fit are skipped).
func BenchmarkLabPool(b *testing.B) {
	dir := os.Getenv("RUNBOOK_BENCH_LAB_DIR")
	if dir == "" {
		dir = labdir.Dir()
	}
	lab := filepath.Join(dir, "ssh")
	data, err := os.ReadFile(filepath.Join(lab, "hosts.json"))
	if err != nil {
		b.Skipf("no lab: %v", err)
	}
	var hosts []labHost
	if err := json.Unmarshal(data, &hosts); err != nil {
		b.Fatal(err)
	}
	var all []*transport.Endpoint
	for _, h := range hosts {
		if h.Netns == "" && h.Jump == "" {
			all = append(all, &transport.Endpoint{Name: h.Name, Address: h.Address, Port: h.Port, User: h.User,
				PrivateKey: filepath.Join(lab, "id_ed25519"), KnownHosts: filepath.Join(lab, "known_hosts")})
		}
	}
	for _, size := range []struct{ hosts, cmds int }{{20, 20}, {200, 5}} {
		b.Run(fmt.Sprintf("%dx%d", size.hosts, size.cmds), func(b *testing.B) {
			if len(all) < size.hosts {
				b.Skipf("only %d loopback hosts in %s", len(all), lab)
			}
			opts := Options{ConfigFile: "none", AgentSocket: "none", HomeDir: b.TempDir()}
			for i := 0; i < b.N; i++ {
				runFleet(b, opts, all[:size.hosts], size.cmds)
			}
			b.ReportMetric(float64(size.hosts*size.cmds), "cmds/op")
		})
	}
}
