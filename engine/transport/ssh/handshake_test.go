package ssh

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A fleet dialed at once handshakes a few at a time (Options.MaxHandshakes),
// and the wait for a turn is not spent from any host's connect timeout:
// eight hosts whose handshakes take 150 ms each, two at a time, all connect
// with a 400 ms connect timeout (the last one starts after ~450 ms).
func TestHandshakesTakeTurnsOutsideTheConnectTimeout(t *testing.T) {
	f := newFixture(t, 8)
	g := &handshakeGauge{}
	for _, s := range f.servers {
		s.gauge, s.authDelay = g, 150*time.Millisecond
	}
	p := f.pool(t, Options{MaxHandshakes: 2})
	var wg sync.WaitGroup
	errs := make([]error, len(f.servers))
	for i := range f.servers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ep := f.endpoint(i)
			ep.ConnectTimeout = 400 * time.Millisecond
			_, errs[i] = p.Dial(context.Background(), ep)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("h%d: %v", i+1, err)
		}
	}
	if peak := g.peak.Load(); peak > 2 {
		t.Errorf("%d handshakes in flight at once, want at most 2", peak)
	}
	if peak := g.peak.Load(); peak < 2 {
		t.Errorf("handshakes never overlapped (peak %d): the bound is not what kept them apart", peak)
	}
}

// The connect timeout still bounds each handshake once it has its turn.
func TestHandshakeTimeoutAfterItsTurn(t *testing.T) {
	f := newFixture(t, 1)
	f.servers[0].authDelay = 2 * time.Second
	p := f.pool(t, Options{MaxHandshakes: 1})
	ep := f.endpoint(0)
	ep.ConnectTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := p.Dial(context.Background(), ep)
	if err == nil {
		t.Fatal("a handshake slower than the connect timeout connected")
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("gave up after %s, want about the 200 ms timeout", d)
	}
	t.Log(err)
}
