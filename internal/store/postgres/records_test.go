package postgres

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRuneSuccessor(t *testing.T) {
	for _, tt := range []struct {
		prefix, want string
		ok           bool
	}{
		{"", "", false},
		{"imsi-", "imsi.", true},
		{"a\u00ff", "a\u0100", true},
		{"a\ud7ff", "a\ue000", true},
		{"a\U0010ffff", "b", true},
		{"\U0010ffff\U0010ffff", "", false},
	} {
		got, ok := runeSuccessor(tt.prefix)
		if got != tt.want || ok != tt.ok {
			t.Errorf("runeSuccessor(%q) = %q, %v, want %q, %v", tt.prefix, got, ok, tt.want, tt.ok)
		}
		if !ok {
			continue
		}
		if !utf8.ValidString(got) {
			t.Errorf("runeSuccessor(%q) = %q, not UTF-8", tt.prefix, got)
		}
		for _, k := range []string{tt.prefix, tt.prefix + "\U0010ffff\U0010ffff", tt.prefix + "z"} {
			if !strings.HasPrefix(k, tt.prefix) || k >= got {
				t.Errorf("runeSuccessor(%q) = %q, not above %q", tt.prefix, got, k)
			}
		}
	}
}
