package openstackimage

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkChecksumFile measures the md5+sha512 pass Plan makes over an
// image file (64 MiB).
func BenchmarkChecksumFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "img")
	buf := make([]byte, 64<<20)
	rand.Read(buf)
	if err := os.WriteFile(p, buf, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := checksumFile(p); err != nil {
			b.Fatal(err)
		}
	}
}
