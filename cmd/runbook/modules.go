package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/assert"
	"github.com/runbook-dev/runbook/modules/command"
	copymod "github.com/runbook-dev/runbook/modules/copy"
	"github.com/runbook-dev/runbook/modules/fetch"
	"github.com/runbook-dev/runbook/modules/file"
	"github.com/runbook-dev/runbook/modules/ini"
	"github.com/runbook-dev/runbook/modules/lineinfile"
	mysqlchecksum "github.com/runbook-dev/runbook/modules/mysql_checksum"
	mysqlquery "github.com/runbook-dev/runbook/modules/mysql_query"
	"github.com/runbook-dev/runbook/modules/openstack_image"
	pkg "github.com/runbook-dev/runbook/modules/package"
	"github.com/runbook-dev/runbook/modules/script"
	"github.com/runbook-dev/runbook/modules/shell"
	"github.com/runbook-dev/runbook/modules/systemd"
	"github.com/runbook-dev/runbook/modules/template"
	trovebackup "github.com/runbook-dev/runbook/modules/trove_backup"
	trovedatastore "github.com/runbook-dev/runbook/modules/trove_datastore"
	troveinstance "github.com/runbook-dev/runbook/modules/trove_instance"
	troveinventory "github.com/runbook-dev/runbook/modules/trove_inventory"
	waitfor "github.com/runbook-dev/runbook/modules/wait_for"
)

// registry assembles every module the command knows. engine/ never
// imports modules/; this is the one place they meet.
func registry() *module.Registry {
	r := module.NewRegistry()
	r.Register("assert", assert.New())
	r.Register("command", command.New())
	r.Register("shell", shell.New())
	r.Register("systemd", systemd.New())
	r.Register("package", pkg.New())
	r.Register("wait_for", waitfor.New())
	r.Register("mysql_query", mysqlquery.New())
	r.Register("mysql_checksum", mysqlchecksum.New())
	r.Register("openstack_image", openstackimage.New())
	r.Register("trove_instance", troveinstance.New())
	r.Register("trove_backup", trovebackup.New())
	r.Register("trove_datastore", trovedatastore.New())
	r.Register("file", file.New())
	r.Register("copy", copymod.New())
	r.Register("template", template.New())
	r.Register("ini", ini.New())
	r.Register("lineinfile", lineinfile.New())
	r.Register("script", script.New())
	r.Register("fetch", fetch.New())
	return r
}

// inventorySources are the dynamic inventory sources.
func inventorySources() map[string]inventory.Source {
	return map[string]inventory.Source{troveinventory.Type: troveinventory.New()}
}

func newModulesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "modules [NAME]",
		Short: "List modules, or print one module's reference page",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg := registry()
			if len(args) == 0 {
				for _, n := range reg.Names() {
					m, _ := reg.Get(n)
					fmt.Fprintf(os.Stdout, "%-18s %s\n", n, m.Schema().Summary)
				}
				return nil
			}
			m, ok := reg.Get(args[0])
			if !ok {
				return fmt.Errorf("no module named %q; `runbook modules` lists them", args[0])
			}
			s := m.Schema()
			if !strings.HasPrefix(strings.TrimSpace(s.Doc), "#") {
				fmt.Fprintf(os.Stdout, "# %s\n\n%s\n\n", args[0], s.Summary)
			}
			if s.Doc != "" {
				fmt.Fprintln(os.Stdout, strings.TrimSpace(s.Doc))
				fmt.Fprintln(os.Stdout)
			}
			if s.Example != "" {
				fmt.Fprintf(os.Stdout, "## Example\n\n```hcl\n%s\n```\n", strings.TrimSpace(s.Example))
			}
			return nil
		},
	}
}
