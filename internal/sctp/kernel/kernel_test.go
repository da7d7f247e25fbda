package kernel

import (
	"errors"
	"testing"

	"github.com/keelcore/keel/internal/oracle"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

func TestConformance(t *testing.T) {
	tr, err := New(Options{})
	if errors.Is(err, sctp.ErrKernelUnsupported) {
		oracle.Unsupported(t, "kernel has no SCTP: %v", err)
	}
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	sctptest.Run(t, tr)
}

func TestNewRefusesWithoutKernelSCTP(t *testing.T) {
	has, err := sctp.KernelSCTP()
	if err != nil {
		t.Fatalf("KernelSCTP() = %v", err)
	}
	if has {
		t.Skip("kernel has SCTP")
	}
	if _, err := New(Options{}); !errors.Is(err, sctp.ErrKernelUnsupported) {
		t.Errorf("New() on a kernel without SCTP = %v, want ErrKernelUnsupported", err)
	}
}
