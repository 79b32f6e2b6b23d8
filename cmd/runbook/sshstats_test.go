package main

import (
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport/ssh"
)

func TestWriteSSHStats(t *testing.T) {
	var b strings.Builder
	writeSSHStats(&b, map[string]ssh.Stats{
		"web2": {Sessions: 3, Commands: 2, RoundTrips: 2},
		"web1": {Sessions: 8, Commands: 6, SFTP: 4, RoundTrips: 7, Missed: 1},
	})
	want := "ssh web1: 7 round trips, 6 commands, 8 sessions, 4 SFTP requests, 1 missed\n" +
		"ssh web2: 2 round trips, 2 commands, 3 sessions, 0 SFTP requests, 0 missed\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
