package trovedatastore_test

import "github.com/zclconf/go-cty/cty"

func ctyStr(s string) cty.Value { return cty.StringVal(s) }
