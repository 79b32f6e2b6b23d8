package troveinstance

import "time"

// SetCreateBackoff shortens the pause between creates for a test.
func SetCreateBackoff(d time.Duration) (restore func()) {
	old := createBackoff
	createBackoff = d
	return func() { createBackoff = old }
}
