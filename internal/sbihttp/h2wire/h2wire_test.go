package h2wire

import (
	"errors"
	"testing"

	"golang.org/x/net/http2"
)

func TestNames(t *testing.T) {
	var n Names
	for k, want := range map[string]string{"Content-Type": "content-type", "3gpp-Sbi-Target-apiRoot": "3gpp-sbi-target-apiroot", "location": "location", "": ""} {
		if got := n.Lower(k); got != want {
			t.Errorf("Lower(%q) = %q, want %q", k, got, want)
		}
		if got := n.Lower(k); got != want {
			t.Errorf("remembered Lower(%q) = %q, want %q", k, got, want)
		}
	}
}

func TestSettingCode(t *testing.T) {
	if c := SettingCode((http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31}).Valid()); c != http2.ErrCodeFlowControl {
		t.Errorf("initial window 2^31: %v, want FLOW_CONTROL_ERROR", c)
	}
	if c := SettingCode((http2.Setting{ID: http2.SettingEnablePush, Val: 2}).Valid()); c != http2.ErrCodeProtocol {
		t.Errorf("ENABLE_PUSH 2: %v, want PROTOCOL_ERROR", c)
	}
	if c := SettingCode(errors.New("other")); c != http2.ErrCodeProtocol {
		t.Errorf("another error: %v, want PROTOCOL_ERROR", c)
	}
}
