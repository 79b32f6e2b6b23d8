package openstackimage

import (
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
	"time"
)

// sums are a file's digests as Glance records them: checksum is md5,
// os_hash_value is sha512 (Glance's default os_hash_algo).
type sums struct {
	MD5, SHA512 string
	Size        int64
}

func checksumFile(path string) (sums, error) {
	f, err := os.Open(path)
	if err != nil {
		return sums{}, fmt.Errorf("image file: %w", err)
	}
	defer f.Close()
	h := newHasher()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	s := h.sums(n)
	if err != nil {
		return sums{}, fmt.Errorf("reading image file %s: %w", path, err)
	}
	return s, nil
}

// hasher computes md5 and sha512 of what is written to it, the two digests
// on two goroutines (sha512 alone is the slower one, so this costs about
// as much as sha512 alone on a machine with two cores).
type hasher struct {
	md5, sha hash.Hash
	work     chan []byte
	done     chan struct{}
	stopOnce sync.Once
}

func newHasher() *hasher {
	h := &hasher{md5: md5.New(), sha: sha512.New(), work: make(chan []byte), done: make(chan struct{})}
	go func() {
		for p := range h.work {
			h.md5.Write(p)
			h.done <- struct{}{}
		}
	}()
	return h
}

// Write hashes p; p is not retained after Write returns.
func (h *hasher) Write(p []byte) (int, error) {
	h.work <- p
	h.sha.Write(p)
	<-h.done
	return len(p), nil
}

// sums returns the digests and stops the helper goroutine: the hasher is
// done after it.
func (h *hasher) sums(n int64) sums {
	h.stop()
	return sums{MD5: hex.EncodeToString(h.md5.Sum(nil)), SHA512: hex.EncodeToString(h.sha.Sum(nil)), Size: n}
}

// stop ends the helper goroutine; safe to call more than once.
func (h *hasher) stop() { h.stopOnce.Do(func() { close(h.work) }) }

// uploadReader streams a file to Glance, hashing what it sends and
// reporting progress every 10% or every 5 s. It can rewind (a re-sent
// request after a re-authentication).
type uploadReader struct {
	f        *os.File
	total    int64
	sent     int64
	h        *hasher
	progress func(string)
	lastPct  int64
	lastTime time.Time
}

func (r *uploadReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if n > 0 {
		r.h.Write(p[:n])
		r.sent += int64(n)
		r.report(false)
	}
	if err == io.EOF {
		r.report(true)
	}
	return n, err
}

func (r *uploadReader) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekStart {
		return 0, fmt.Errorf("upload can only rewind to the start")
	}
	r.h.stop()
	r.sent, r.lastPct, r.h = 0, 0, newHasher()
	return r.f.Seek(0, io.SeekStart)
}

func (r *uploadReader) report(done bool) {
	if r.progress == nil {
		return
	}
	pct := int64(100)
	if r.total > 0 {
		pct = r.sent * 100 / r.total
	}
	now := time.Now()
	if done || pct >= r.lastPct+10 || now.Sub(r.lastTime) >= 5*time.Second {
		if done && r.lastPct == 100 {
			return
		}
		r.lastPct, r.lastTime = pct, now
		r.progress(fmt.Sprintf("uploaded %d%% (%s of %s)", pct, mib(r.sent), mib(r.total)))
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
