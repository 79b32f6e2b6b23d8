package roundtrips

import (
	"os"
	"os/exec"
)

// execLocal runs a setup script on this machine with $L set, for the
// parts of a case that live on the control node (fetch's copies).
func execLocal(script, local string) ([]byte, error) {
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "L="+local)
	return cmd.CombinedOutput()
}
