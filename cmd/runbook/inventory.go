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
			if len(limit) > 0 {
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
			if f.json {
				groups := map[string][]string{}
				for _, g := range inv.GroupNames() {
					grp, _ := inv.Group(g)
					groups[g] = grp.Hosts
				}
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
			for _, g := range inv.GroupNames() {
				grp, _ := inv.Group(g)
				fmt.Printf("  %-20s %s\n", g, strings.Join(grp.Hosts, ", "))
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringSliceVar(&limit, "limit", nil, "only these hosts or groups")
	return cmd
}
