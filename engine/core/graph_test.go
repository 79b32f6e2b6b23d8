package core

import (
	"fmt"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestSerialBatches(t *testing.T) {
	cases := []struct {
		serial []cty.Value
		hosts  int
		want   string // batch of each host
	}{
		{[]cty.Value{cty.NumberIntVal(1)}, 4, "[0 1 2 3]"},
		{[]cty.Value{cty.NumberIntVal(2)}, 5, "[0 0 1 1 2]"},
		{[]cty.Value{cty.StringVal("50%")}, 4, "[0 0 1 1]"},
		{[]cty.Value{cty.StringVal("25%")}, 3, "[0 1 2]"}, // at least one host a batch
		{[]cty.Value{cty.NumberIntVal(1), cty.StringVal("25%"), cty.StringVal("100%")}, 8, "[0 1 1 2 2 2 2 2]"},
	}
	for _, c := range cases {
		var sizes []int
		for _, v := range c.serial {
			n, err := batchSize(v, c.hosts)
			if err != nil {
				t.Fatalf("%v: not accepted: %v", v, err)
			}
			sizes = append(sizes, n)
		}
		var got []int
		for i := 0; i < c.hosts; i++ {
			got = append(got, batchOf(sizes, i))
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("serial %v over %d hosts: %v, want %s", c.serial, c.hosts, got, c.want)
		}
	}
	for _, bad := range []cty.Value{cty.StringVal("0%"), cty.StringVal("150%"), cty.NumberIntVal(0), cty.StringVal("x%"), cty.True} {
		if _, err := batchSize(bad, 4); err == nil {
			t.Errorf("serial %#v accepted", bad)
		}
	}
}
