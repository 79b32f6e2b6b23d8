// Command floor is the benchmark floor: the least an SSH client can do to
// run N commands on H hosts. It dials each host once with x/crypto/ssh and
// runs N sessions of `true` per host, all at once, then prints what it took.
// Nothing else (no engine, no quoting, no pool): whatever runbook adds on
// top of this is overhead.
//
//	go run ./bench/floor -max-hosts 20 -n 20   (the lab of $RUNBOOK_LAB_DIR or $RUNBOOK_LAB_SLOT)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
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
	flag.Parse()

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
		if h.Jump == "" && h.Netns == "" && len(hosts) < *maxHosts {
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
			var sw sync.WaitGroup
			for i := 0; i < *n; i++ {
				sw.Add(1)
				go func() {
					defer sw.Done()
					s, err := c.NewSession()
					if err == nil {
						err = s.Run("true")
						s.Close()
					}
					if err != nil {
						log.Printf("%s: %v", h.Name, err)
						mu.Lock()
						fail++
						mu.Unlock()
					}
				}()
			}
			sw.Wait()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("floor: %d hosts x %d sessions: wall %.3fs (connect %.3fs), cpu %.3fs, maxrss %d KiB, failures %d\n",
		len(hosts), *n, wall.Seconds(), connectTime.Seconds(), cpu.Seconds(), ru.Maxrss, fail)
	if fail > 0 {
		os.Exit(1)
	}
}
