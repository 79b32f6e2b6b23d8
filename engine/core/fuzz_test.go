package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// validSeeds are runbooks (with an optional HCL inventory) that load and
// prepare without errors: seeds for FuzzLoad, and checked as such by
// TestValidSeeds so that the fuzzer starts from the paths that go deep.
var validSeeds = []struct {
	name, runbook, inventory string
}{
	{"minimal", `
task "hello" {
  command {
    argv = ["echo", "hello"]
  }
}
`, ""},
	{"variables_locals_references", `
runbook {
  description = "references between tasks"
}

variable "release" {
  type    = string
  default = "victoria"
  validation {
    condition     = contains(["ussuri", "victoria"], var.release)
    error_message = "Unsupported release."
  }
}

variable "settings" {
  type    = object({ debug = bool, workers = optional(number, 4) })
  default = { debug = true }
}

variable "password" {
  type      = string
  default   = "s3cret"
  sensitive = true
}

locals {
  image = "trove-guest-${var.release}"
  path  = "/tmp/${local.image}.qcow2"
}

task "build" {
  hosts   = group.controller
  timeout = "20m"
  command {
    argv    = ["build", local.path]
    creates = local.path
    env     = { DEBUG = tostring(var.settings.debug) }
  }
}

task "upload" {
  when = task.build.outputs.rc == 0
  command {
    argv = ["upload", task.build.hosts["ctl1"].outputs.stdout, var.password]
  }
  notify = [handler.restart]
}

task "check" {
  hosts        = "ctl*"
  retries      = 3
  delay        = 5
  until        = self.outputs.message != ""
  changed_when = false
  failed_when  = self.failed && !self.changed
  depends_on   = [task.upload]
  noop {
    message = "${host.name}: ${task.upload.outputs.stdout}"
    options {
      verbose = true
    }
  }
}

handler "restart" {
  hosts = group.controller
  command {
    argv = ["systemctl", "restart", "trove-api"]
  }
}
`, `
group "controller" {
  vars = { trove_conf = "/etc/trove/trove.conf" }
}

group "compute" {}

host "ctl1" {
  address = "127.0.0.1"
  groups  = ["controller"]
}

host "ctl2" {
  address = "127.0.0.2"
  groups  = ["controller", "compute"]
}
`},
	{"for_each_blocks", `
variable "instances" {
  type    = map(string)
  default = { db1 = "a", db2 = "b" }
}

task "list" {
  command {
    argv = ["openstack", "server", "list"]
  }
}

task "upgrade" {
  for_each = var.instances
  serial   = "50%"
  command {
    argv = ["upgrade", each.key, each.value, task.list.outputs.stdout]
  }
}

block {
  hosts = "all"
  task "try" {
    command {
      argv = ["false"]
    }
  }
  rescue {
    task "fix" {
      command {
        argv = ["echo", task.try.outputs.stdout]
      }
    }
  }
  always {
    task "report" {
      tags = ["always"]
      noop {
        message = "done"
      }
    }
  }
}

task "after" {
  depends_on = [task.report]
  run_once   = true
  hosts      = ["web1", "web2"]
  command {
    argv = ["true"]
  }
}
`, `
host "web1" {
  address = "127.0.0.1"
}

host "web2" {
  address = "127.0.0.2"
}
`},
	{"hosts_serial_meta", `
runbook {
  serial              = [1, "50%"]
  max_fail_percentage = 25
  any_errors_fatal    = false
}

variable "targets" {
  type    = list(string)
  default = ["web1", "web2"]
}

task "a" {
  hosts       = tolist(var.targets)
  serial      = "50%"
  become      = true
  become_user = "root"
  delegate_to = "web1"
  retries     = 2
  delay       = "1s"
  until       = self.outputs.rc == 0
  check_mode  = false
  ignore_errors = true
  command {
    argv = ["uptime"]
  }
}

task "b" {
  hosts    = [group.web, "web2"]
  for_each = { for k, v in { x = 1, y = 2 } : k => v if v > 0 }
  when     = try(task.a.outputs.rc, 1) == 0 && runbook.check_mode == false
  noop {
    message = format("%s-%d", each.key, each.value)
    count   = length(var.targets)
  }
}
`, `
group "web" {}

host "web1" {
  address = "127.0.0.1"
  groups  = ["web"]
}

host "web2" {
  address = "127.0.0.2"
  groups  = ["web"]
}
`},
}

func TestValidSeeds(t *testing.T) {
	for _, s := range validSeeds {
		t.Run(s.name, func(t *testing.T) {
			dir := t.TempDir()
			diags := loadAndPrepare(t, dir, []byte(s.runbook), []byte(s.inventory), false)
			if len(diags) > 0 {
				t.Fatalf("want no diagnostics, got:\n%s", detailDiags(diags))
			}
		})
	}
}

// FuzzLoad feeds arbitrary runbooks and HCL or INI inventories to Load and
// Prepare: whatever the input, they must return diagnostics, never panic,
// and every diagnostic with a subject must name a file and a position.
func FuzzLoad(f *testing.F) {
	for _, s := range validSeeds {
		f.Add([]byte(s.runbook), []byte(s.inventory), false)
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "invalid", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range dirs {
		rb, err := os.ReadFile(filepath.Join(d, "main.hcl"))
		if err != nil {
			f.Fatal(err)
		}
		inv, ini := []byte(nil), false
		if b, err := os.ReadFile(filepath.Join(d, "inventory.hcl")); err == nil {
			inv = b
		} else if b, err := os.ReadFile(filepath.Join(d, "inventory.ini")); err == nil {
			inv, ini = b, true
		}
		f.Add(rb, inv, ini)
	}
	// One folder per fuzz process: the engine caches functions per runbook
	// folder, so a new folder per input would grow that cache without end.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, runbook, inv []byte, ini bool) {
		loadAndPrepare(t, dir, runbook, inv, ini)
	})
}

// loadAndPrepare writes the runbook (and inventory, when not empty) into
// dir, loads it and, when that passes, prepares it in check mode. It
// checks the invariants every outcome must keep and returns the
// diagnostics.
func loadAndPrepare(t *testing.T, dir string, runbook, inv []byte, ini bool) hcl.Diagnostics {
	t.Helper()
	main := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(main, runbook, 0o600); err != nil {
		t.Fatal(err)
	}
	var invPaths []string
	for _, name := range []string{"inventory.hcl", "inventory.ini"} {
		_ = os.Remove(filepath.Join(dir, name))
	}
	if len(inv) > 0 {
		name := "inventory.hcl"
		if ini {
			name = "inventory.ini"
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, inv, 0o600); err != nil {
			t.Fatal(err)
		}
		invPaths = append(invPaths, p)
	}
	loaded, diags := Load(LoadOptions{Dir: main, Inventory: invPaths, Registry: stubRegistry()})
	if loaded == nil {
		t.Fatal("Load returned a nil *Loaded")
	}
	if !diags.HasErrors() {
		if loaded.Runbook == nil {
			t.Fatal("Load passed without a runbook")
		}
		_ = loaded.TaskGraph()
		p, d := loaded.Prepare(Options{Check: true})
		diags = append(diags, d...)
		if !d.HasErrors() {
			if p == nil {
				t.Fatal("Prepare passed without a graph")
			}
			_ = p.Instances()
			_ = p.Hosts()
		}
	}
	for _, d := range diags {
		_ = d.Error()
		if d.Summary == "" {
			t.Errorf("diagnostic without a summary: %#v", d)
		}
		if d.Subject != nil && (d.Subject.Filename == "" || d.Subject.Start.Line < 1) {
			t.Errorf("diagnostic %q has an empty subject range %#v", d.Summary, *d.Subject)
		}
		if d.Subject != nil && !strings.HasPrefix(d.Subject.Filename, dir) {
			t.Errorf("diagnostic %q names the file %q, not one of the runbook's", d.Summary, d.Subject.Filename)
		}
	}
	return diags
}
