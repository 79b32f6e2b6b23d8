package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// VarFileSuffix names a variables file, as Terraform's .tfvars: a file of
// the runbook folder whose name ends in it is not part of the runbook, so a
// var file can sit next to the runbook it is for (`--var-file
// prod.vars.hcl`). Var files may also be .json, .yaml or .yml, which are
// never runbook files.
const VarFileSuffix = ".vars.hcl"

// IsRunbookFile says whether a file of a runbook folder is part of the
// runbook: .hcl files except var files.
func IsRunbookFile(name string) bool {
	return strings.HasSuffix(name, ".hcl") && !strings.HasSuffix(name, VarFileSuffix)
}

// inventoryBlocks are the top-level blocks of an HCL inventory.
var inventoryBlocks = map[string]bool{"host": true, "group": true, "defaults": true, "source": true}

// LooksLike says what a file that is not what it was given as looks like
// and what to do with it, or "" when it looks like a runbook file.
func LooksLike(f *hcl.File) string {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return ""
	}
	inv := 0
	for _, b := range body.Blocks {
		if inventoryBlocks[b.Type] {
			inv++
		}
	}
	name := filepath.Base(f.Body.MissingItemRange().Filename)
	switch {
	case inv > 0 && inv == len(body.Blocks):
		return fmt.Sprintf("It looks like an inventory (host and group blocks): keep it out of the runbook folder (for example in inventories/) and give it with -i %s.", name)
	case len(body.Blocks) == 0 && len(body.Attributes) > 0:
		base := strings.TrimSuffix(name, ".hcl")
		return fmt.Sprintf("It looks like a variables file (only NAME = value lines): name it %s%s, which is not part of the runbook, and give it with --var-file.", base, VarFileSuffix)
	}
	return ""
}

// strayFile reports a file of the runbook folder that is not a runbook
// file, with what it looks like; nil when it is (or may be) one.
func strayFile(f *hcl.File) *hcl.Diagnostic {
	hint := LooksLike(f)
	if hint == "" {
		return nil
	}
	body := f.Body.(*hclsyntax.Body)
	subject := body.SrcRange
	if len(body.Blocks) > 0 {
		subject = body.Blocks[0].TypeRange
	} else {
		first := -1
		for _, a := range body.Attributes {
			if first < 0 || a.NameRange.Start.Byte < first {
				first, subject = a.NameRange.Start.Byte, a.NameRange
			}
		}
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Not a runbook file",
		Detail: fmt.Sprintf("Every .hcl file of the runbook folder is part of the runbook (except %s files). %s",
			"*"+VarFileSuffix, hint),
		Subject: subject.Ptr(),
	}
}
