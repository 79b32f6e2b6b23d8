package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runbook-dev/runbook/engine/inventory"
)

func newInventoryCmd() *cobra.Command {
	f := &commonFlags{}
	var limit []string
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "List hosts, groups and each host's merged variables",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			inv, diags := inventory.LoadContext(cmd.Context(), inventorySources(), f.inventory...)
			if diags.HasErrors() {
				f.view().Diagnostics(diags, diagFiles(nil, diags))
				return exitCode(exitError)
			}
			names := inv.HostNames()
			limited := len(limit) > 0
			if limited {
				hosts, err := inv.Select(limit)
				if err != nil {
					return err
				}
				names = names[:0]
				for _, h := range hosts {
					names = append(names, h.Name)
				}
			}
			type hostOut struct {
				Name      string                     `json:"name"`
				Address   string                     `json:"address"`
				Port      int                        `json:"port,omitempty"`
				User      string                     `json:"user,omitempty"`
				Transport string                     `json:"transport"`
				Groups    []string                   `json:"groups"`
				Vars      map[string]json.RawMessage `json:"vars"`
			}
			var hosts []hostOut
			for _, n := range names {
				h, _ := inv.Host(n)
				ho := hostOut{Name: h.Name, Address: h.Endpoint.Address, Port: h.Endpoint.Port, User: h.Endpoint.User, Transport: h.Endpoint.Transport, Groups: h.Groups, Vars: map[string]json.RawMessage{}}
				for k, v := range h.Vars {
					b, err := json.Marshal(inventory.CtyToGo(v))
					if err != nil {
						b = []byte(`"(unprintable)"`)
					}
					ho.Vars[k] = b
				}
				hosts = append(hosts, ho)
			}
			// With --limit, groups list only the selected hosts, and groups
			// with none of them are left out.
			kept := map[string]bool{}
			for _, n := range names {
				kept[n] = true
			}
			groups := map[string][]string{}
			var groupNames []string
			for _, g := range inv.GroupNames() {
				grp, _ := inv.Group(g)
				hs := []string{}
				for _, h := range grp.Hosts {
					if kept[h] {
						hs = append(hs, h)
					}
				}
				if limited && len(hs) == 0 {
					continue
				}
				groups[g] = hs
				groupNames = append(groupNames, g)
			}
			if f.json {
				// One JSON document on one line, like every --json output.
				return json.NewEncoder(os.Stdout).Encode(map[string]any{"hosts": hosts, "groups": groups})
			}
			fmt.Println("Hosts:")
			for _, h := range hosts {
				addr := h.Address
				if h.Port != 0 && h.Transport != "local" {
					addr = fmt.Sprintf("%s:%d", addr, h.Port)
				}
				fmt.Printf("  %-20s %-24s %s  groups: %s\n", h.Name, addr, h.Transport, strings.Join(h.Groups, ", "))
				keys := make([]string, 0, len(h.Vars))
				for k := range h.Vars {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Printf("      %s = %s\n", k, h.Vars[k])
				}
			}
			fmt.Println("Groups:")
			for _, g := range groupNames {
				fmt.Printf("  %-20s %s\n", g, strings.Join(groups[g], ", "))
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringSliceVarP(&limit, "limit", "l", nil, "only these hosts or groups (patterns as in Ansible); groups then list only those hosts")
	return cmd
}
