package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"

	"github.com/runbook-dev/runbook/engine/ui"
)

func newFmtCmd() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [PATH...]",
		Short: "Rewrite HCL files in the canonical format (-check: only report); testdata and hidden folders only when named",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			var files []string
			for _, a := range args {
				err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
					if err != nil {
						return err
					}
					// Hidden folders and testdata (Go's convention for
					// inputs kept as they are, often badly formatted on
					// purpose) are walked only when named.
					if d.IsDir() && p != a && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
						return filepath.SkipDir
					}
					if !d.IsDir() && strings.HasSuffix(p, ".hcl") {
						files = append(files, p)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			var unformatted []string
			for _, p := range files {
				src, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				// Refuse to rewrite what does not parse: nothing is lost on bad input.
				if _, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos); diags.HasErrors() {
					_ = ui.WriteDiagnostics(os.Stderr, diags, map[string]*hcl.File{p: {Bytes: src}}, false, 0)
					return exitCode(exitError)
				}
				out := hclwrite.Format(src)
				if bytes.Equal(out, src) {
					continue
				}
				unformatted = append(unformatted, p)
				if check {
					continue
				}
				st, err := os.Stat(p)
				if err != nil {
					return err
				}
				tmp := p + ".runbook-fmt"
				if err := os.WriteFile(tmp, out, st.Mode().Perm()); err != nil {
					return err
				}
				if err := os.Rename(tmp, p); err != nil {
					return err
				}
			}
			for _, p := range unformatted {
				fmt.Fprintln(os.Stdout, p)
			}
			if check && len(unformatted) > 0 {
				return exitCode(exitError)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "list files that are not formatted and exit 1; change nothing")
	return cmd
}
