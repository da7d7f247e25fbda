package sm

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/fuzz/FuzzParse from the builders")

// seeds are the committed FuzzParse corpus: every message the package
// builds or parses and inputs of each error case.
func seeds(t *testing.T) map[string][]byte {
	hdr := "2e052ac1ffff"
	return map[string][]byte{
		"accept_ipv4":           mustAccept(t, acceptIPv4),
		"accept_ipv4v6":         mustAccept(t, acceptIPv4v6),
		"accept_ipv6":           mustAccept(t, acceptIPv6),
		"accept_ims":            mustAccept(t, acceptIMS),
		"accept_gbr":            mustAccept(t, acceptGBR),
		"accept_qos":            mustAccept(t, acceptQoS(acceptGBR)),
		"request_ims":           AppendEstablishmentRequest(nil, requestIMS),
		"establishment_reject":  EstablishmentReject(nil, 5, 0x2a, CauseMissingOrUnknownDNN),
		"release_command":       ReleaseCommand(nil, 5, NoPTI, CauseRegularDeactivation),
		"release_reject":        ReleaseReject(nil, 5, 7, CausePDUSessionDoesNotExist),
		"status":                Status(nil, 5, 7, CauseInvalidMandatoryInformation),
		"establishment_request": AppendEstablishmentRequest(nil, requestAll),
		"request_other_ies":     unhex(t, hdr+"93 280100 550010 b1 39026162 7b0004 80 000300"),
		"request_pco":           unhex(t, hdr+"2704 80 000d00"),
		"request_ipcp":          unhex(t, hdr+"7b000e 80 8021 07 01000007810600 000d00"),
		"request_truncated":     unhex(t, hdr+"91 7b0009 80 000d00"),
		"request_comprehension": unhex(t, hdr+"05 01 00"),
		"request_bad_pti":       unhex(t, "2e0500c1ffff"),
		"request_bad_psi":       unhex(t, "2e102ac1ffff"),
		"request_short":         unhex(t, "2e052ac1ff"),
		"release_request":       AppendReleaseRequest(nil, 5, 3, CauseRegularDeactivation),
		"release_request_epco":  unhex(t, "2e0309d17b0001805924591a"),
		"release_complete":      AppendReleaseComplete(nil, 5, NoPTI, 0),
		"unknown_type":          unhex(t, "2e052aff"),
		"modification_request":  AppendModificationRequest(nil, modificationRequest(t)),
		"modification_command":  ModificationCommand(nil, modificationCommand(t)),
		"modification_reject":   ModificationRejectBackOff(nil, 5, 0x2b, CauseInsufficientResources, time.Minute),
		"modification_complete": AppendModificationComplete(nil, 5, 0x2b),
		"modification_cmd_rej":  AppendModificationCommandReject(nil, 5, 0, CauseSemanticErrorInQoSOperation),
		"modification_trunc":    unhex(t, "2e052bc9 7a0014 02"),
	}
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzParse equal to seeds (rewrite
// it with go test -run TestFuzzCorpus -update).
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range seeds(t) {
		path := filepath.Join(dir, name)
		var sb strings.Builder
		sb.WriteString("go test fuzz v1\n[]byte(\"")
		for _, c := range b {
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
		sb.WriteString("\")\n")
		if *update {
			if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if raw, err := os.ReadFile(path); err != nil || !bytes.Equal(raw, []byte(sb.String())) {
			t.Errorf("%s is not the seed (%v): run with -update", path, err)
		}
	}
}
