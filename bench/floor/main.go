// Command floor is the benchmark floor: the least an SSH client can do to
// run N commands on H hosts. It dials each host once with x/crypto/ssh and
// then, by -mode:
//
//   - parallel: N sessions of `true` per host, all at once;
//   - sequential: N sessions of `true` per host, one after another (as a
//     runbook of chained tasks must);
//   - shell: one session per host running sh, to which each task (N of
//     `true`, or the tasks of -tasks: shell text separated by lines "---",
//     $H the host's name) is written and its end read back: each task costs
//     exactly one round trip, the least a task can cost on a network.
//
// It then prints what it took. Nothing else (no engine, no quoting, no
// pool): whatever runbook adds on top of this is overhead.
//
//	go run ./bench/floor -max-hosts 20 -n 20   (the lab of $RUNBOOK_LAB_DIR or $RUNBOOK_LAB_SLOT)
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/runbook-dev/runbook/internal/labdir"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

type host struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Port    int    `json:"port"`
	User    string `json:"user"`
	Jump    string `json:"jump"`
	Netns   string `json:"netns"`
}

func main() {
	lab := filepath.Join(labdir.Dir(), "ssh")
	hostsFile := flag.String("hosts", filepath.Join(lab, "hosts.json"), "hosts.json of the lab")
	keyFile := flag.String("key", filepath.Join(lab, "id_ed25519"), "private key")
	khFile := flag.String("known-hosts", filepath.Join(lab, "known_hosts"), "known_hosts")
	maxHosts := flag.Int("max-hosts", 20, "use the first N loopback hosts")
	n := flag.Int("n", 20, "sessions of `true` per host")
	mode := flag.String("mode", "parallel", "parallel, sequential or shell")
	tasksFile := flag.String("tasks", "", "shell mode: tasks, separated by lines \"---\"")
	allHosts := flag.Bool("all", false, "use every host of the file (not only loopback ones)")
	command := flag.String("cmd", "true", "parallel and sequential modes: the command of every session (\"true\" is the login shell's builtin; \"exec true\" execs /usr/bin/true, as an argv command must)")
	flag.Parse()
	var tasks []string
	if *tasksFile != "" {
		tb, err := os.ReadFile(*tasksFile)
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range strings.Split(string(tb), "\n---\n") {
			if strings.TrimSpace(t) != "" {
				tasks = append(tasks, t)
			}
		}
	}
	for len(tasks) < *n && *tasksFile == "" {
		tasks = append(tasks, "true")
	}

	var all []host
	b, err := os.ReadFile(*hostsFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := json.Unmarshal(b, &all); err != nil {
		log.Fatalf("%s: %v", *hostsFile, err)
	}
	var hosts []host
	for _, h := range all {
		if h.Jump == "" && (h.Netns == "" || *allHosts) && len(hosts) < *maxHosts {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) < *maxHosts {
		log.Fatalf("want %d loopback hosts, %s has %d", *maxHosts, *hostsFile, len(hosts))
	}
	kb, err := os.ReadFile(*keyFile)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(kb)
	if err != nil {
		log.Fatal(err)
	}
	hostKeys, err := knownhosts.New(*khFile)
	if err != nil {
		log.Fatal(err)
	}

	start := time.Now()
	var connectDone sync.WaitGroup
	var wg sync.WaitGroup
	var mu sync.Mutex
	fail := 0
	var connectTime time.Duration
	for _, h := range hosts {
		wg.Add(1)
		connectDone.Add(1)
		go func() {
			defer wg.Done()
			cfg := &ssh.ClientConfig{User: h.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
				HostKeyCallback: hostKeys, HostKeyAlgorithms: []string{ssh.KeyAlgoED25519}, Timeout: 30 * time.Second}
			c, err := ssh.Dial("tcp", net.JoinHostPort(h.Address, strconv.Itoa(h.Port)), cfg)
			mu.Lock()
			if d := time.Since(start); d > connectTime {
				connectTime = d
			}
			mu.Unlock()
			connectDone.Done()
			if err != nil {
				log.Printf("%s: %v", h.Name, err)
				mu.Lock()
				fail++
				mu.Unlock()
				return
			}
			defer c.Close()
			failed := func(err error) {
				log.Printf("%s: %v", h.Name, err)
				mu.Lock()
				fail++
				mu.Unlock()
			}
			run := func() error {
				s, err := c.NewSession()
				if err != nil {
					return err
				}
				defer s.Close()
				return s.Run(*command)
			}
			switch *mode {
			case "sequential":
				for i := 0; i < *n; i++ {
					if err := run(); err != nil {
						failed(err)
					}
				}
			case "shell":
				if err := shell(c, h.Name, tasks); err != nil {
					failed(err)
				}
			default:
				var sw sync.WaitGroup
				for i := 0; i < *n; i++ {
					sw.Add(1)
					go func() {
						defer sw.Done()
						if err := run(); err != nil {
							failed(err)
						}
					}()
				}
				sw.Wait()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("floor (%s): %d hosts x %d tasks: wall %.3fs (connect %.3fs), cpu %.3fs, maxrss %d KiB, failures %d\n",
		*mode, len(hosts), len(tasks), wall.Seconds(), connectTime.Seconds(), cpu.Seconds(), ru.Maxrss, fail)
	if fail > 0 {
		os.Exit(1)
	}
}

// shell runs the tasks one after another in one sh on the host: each is
// written with a line that prints an end mark and its status, and the mark
// is read back before the next is written. One round trip per task.
func shell(c *ssh.Client, name string, tasks []string) error {
	s, err := c.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	in, err := s.StdinPipe()
	if err != nil {
		return err
	}
	out, err := s.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.Start("exec /bin/sh"); err != nil {
		return err
	}
	r := bufio.NewReader(out)
	if _, err := fmt.Fprintf(in, "H=%s\n", name); err != nil {
		return err
	}
	for i, t := range tasks {
		mark := fmt.Sprintf("__floor_done_%d__", i)
		if _, err := fmt.Fprintf(in, "%s\necho %s $?\n", t, mark); err != nil {
			return err
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return fmt.Errorf("task %d: %w", i+1, err)
			}
			if rest, ok := strings.CutPrefix(line, mark+" "); ok {
				if rc := strings.TrimSpace(rest); rc != "0" {
					return fmt.Errorf("task %d exited %s", i+1, rc)
				}
				break
			}
		}
	}
	_ = in.Close()
	return s.Wait()
}
