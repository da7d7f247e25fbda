package transport

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

func TestMain(m *testing.M) { sctptest.MainInNetNS(m) }

func kernelHasSCTP(t *testing.T) bool {
	t.Helper()
	has, err := sctp.KernelSCTP()
	if err != nil {
		t.Fatalf("KernelSCTP() = %v", err)
	}
	return has
}

func TestSelectAuto(t *testing.T) {
	sctptest.RequireNetNS(t)
	var logs bytes.Buffer
	tr, err := Select("auto", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf(`Select("auto") = %v`, err)
	}
	defer tr.Close()
	want := "userspace"
	if kernelHasSCTP(t) {
		want = "kernel"
	}
	if tr.Name() != want {
		t.Errorf(`Select("auto").Name() = %q, want %q`, tr.Name(), want)
	}
	if !strings.Contains(logs.String(), want+" SCTP") {
		t.Errorf("Select logged %q, want it to name %s SCTP", logs.String(), want)
	}
}

func TestSelectForced(t *testing.T) {
	sctptest.RequireNetNS(t)
	has := kernelHasSCTP(t)
	kt, kerr := Select("kernel", nil)
	ut, uerr := Select("userspace", nil)
	for _, tr := range []sctp.Transport{kt, ut} {
		if tr != nil {
			defer tr.Close()
		}
	}
	if has {
		if kerr != nil || kt.Name() != "kernel" {
			t.Errorf(`Select("kernel") = %v, want kernel SCTP`, kerr)
		}
		if !errors.Is(uerr, sctp.ErrKernelHasSCTP) {
			t.Errorf(`Select("userspace") on a kernel with SCTP = %v, want ErrKernelHasSCTP`, uerr)
		}
		return
	}
	if !errors.Is(kerr, sctp.ErrKernelUnsupported) || !strings.Contains(kerr.Error(), "kernel has no SCTP") {
		t.Errorf(`Select("kernel") on a kernel without SCTP = %v, want ErrKernelUnsupported saying so`, kerr)
	}
	if uerr != nil || ut.Name() != "userspace" {
		t.Errorf(`Select("userspace") = %v, want userspace SCTP`, uerr)
	}
}

func TestSelectUnknownMode(t *testing.T) {
	if _, err := Select("dtls", nil); err == nil || !strings.Contains(err.Error(), "auto, kernel or userspace") {
		t.Errorf(`Select("dtls") = %v, want an error listing the modes`, err)
	}
}
