package gmm

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
)

// TS 23.003 §28.4.2 in PDU session slice selection: a UE asking for SST 1
// with SD ffffff gets the allowed SST 1, and the SMF is asked for SST 1
// without an SD; an S-NSSAI not allowed selects nothing.
func TestSelectSliceNoSDValue(t *testing.T) {
	m := &Machine{allowed: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 7, HasSD: true}}}
	for _, tt := range []struct {
		asked ident.SNSSAI
		want  *ident.SNSSAI
	}{
		{ident.SNSSAI{SST: 1, SD: 0xffffff, HasSD: true}, &ident.SNSSAI{SST: 1}},
		{ident.SNSSAI{SST: 1}, &ident.SNSSAI{SST: 1}},
		{ident.SNSSAI{SST: 2, SD: 7, HasSD: true}, &ident.SNSSAI{SST: 2, SD: 7, HasSD: true}},
		{ident.SNSSAI{SST: 2}, nil},
		{ident.SNSSAI{SST: 1, SD: 1, HasSD: true}, nil},
	} {
		asked := tt.asked
		got, _ := m.selectSlice(nas.ULTransport{SNSSAI: &asked})
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("selectSlice(%v) = %v, want %v", tt.asked, got, tt.want)
		}
	}
}
