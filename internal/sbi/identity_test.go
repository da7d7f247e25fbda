package sbi_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

func TestValidSUPI(t *testing.T) {
	for s, want := range map[string]bool{
		"imsi-001010000000001":  true,
		"imsi-001010":           true,
		"imsi-00101":            false,
		"imsi-0010100000000011": false,
		"imsi-00101000000000a":  false,
		"IMSI-001010000000001":  false,
		"nai-foo@example.org":   false,
		"":                      false,
	} {
		if got := sbi.ValidSUPI(s); got != want {
			t.Errorf("ValidSUPI(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseServingNetworkName(t *testing.T) {
	for _, plmn := range [][2]string{{"001", "01"}, {"310", "260"}, {"208", "93"}} {
		name := kdf.ServingNetworkName(plmn[0], plmn[1])
		mcc, mnc, err := sbi.ParseServingNetworkName(name)
		if err != nil || mcc != plmn[0] || mnc != fmt.Sprintf("%03s", plmn[1]) {
			t.Errorf("ParseServingNetworkName(%q) = %q, %q, %v", name, mcc, mnc, err)
		}
	}
	for _, bad := range []string{
		"", "5G:mnc01.mcc001.3gppnetwork.org", "5G:mnc001.mcc01.3gppnetwork.org", "5G:mnc001.mcc001.3gppnetwork.org.",
		"5G:mnc0a1.mcc001.3gppnetwork.org", "5G:mnc001.mcc001", "5G:NID:mnc001.mcc001.3gppnetwork.org", "5g:mnc001.mcc001.3gppnetwork.org",
	} {
		if _, _, err := sbi.ParseServingNetworkName(bad); !errors.Is(err, sbi.ErrServingNetworkNotAuthorized) {
			t.Errorf("ParseServingNetworkName(%q) = %v, want ErrServingNetworkNotAuthorized", bad, err)
		}
	}
}

func TestSUCIString(t *testing.T) {
	s := ident.SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0", Scheme: 1, KeyID: 1, SchemeOutput: []byte{0xb2, 0xe9}}
	if got, want := s.String(), "suci-0-001-01-0-1-1-b2e9"; got != want {
		t.Errorf("SUCI.String() = %q, want %q", got, want)
	}
}

func TestProblems(t *testing.T) {
	all := []error{sbi.ErrUserNotFound, sbi.ErrServingNetworkNotAuthorized, sbi.ErrAuthRejected, sbi.ErrSyncFailure,
		sbi.ErrAuthContextNotFound, sbi.ErrSUCIDeconceal, sbi.ErrInvalidRequest, sbi.ErrSMContextNotFound,
		sbi.ErrPolicyNotFound, sbi.ErrPolicyContextDenied}
	reasons := map[string]bool{}
	for _, e := range all {
		wrapped := fmt.Errorf("udm: detail: %w", e)
		p := sbi.ProblemOf(wrapped)
		if p == nil || p.Status < 400 || p.Cause == "" {
			t.Errorf("ProblemOf(%v) = %+v, want a status and a cause", wrapped, p)
			continue
		}
		if reasons[p.Reason] {
			t.Errorf("reason %q used twice", p.Reason)
		}
		reasons[p.Reason] = true
		if sbi.Outcome(wrapped) != p.Reason {
			t.Errorf("Outcome(%v) = %q, want %q", wrapped, sbi.Outcome(wrapped), p.Reason)
		}
		for _, other := range all {
			if other != e && errors.Is(wrapped, other) {
				t.Errorf("%v matches %v", wrapped, other)
			}
		}
	}
	if p := sbi.ProblemOf(sbi.ErrUserNotFound); p.Status != http.StatusNotFound || p.Cause != "USER_NOT_FOUND" {
		t.Errorf("ErrUserNotFound = %d %s, want 404 USER_NOT_FOUND", p.Status, p.Cause)
	}
	if sbi.ProblemOf(errors.New("disk full")) != nil || sbi.Outcome(errors.New("disk full")) != "error" || sbi.Outcome(nil) != "ok" {
		t.Error("a fault without protocol meaning got one")
	}
}
