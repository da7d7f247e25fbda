//go:build !linux

package kernel

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/keelcore/keel/internal/sctp"
)

// Options configure a Transport; see the Linux build.
type Options struct {
	Logger          *slog.Logger
	Streams         uint16
	MaxMessageSize  int
	ShutdownTimeout time.Duration
	Backlog         int
}

// Transport is unavailable outside Linux.
type Transport struct{ sctp.Transport }

// New fails outside Linux.
func New(Options) (*Transport, error) {
	return nil, fmt.Errorf("kernel sctp: %w: Keel uses kernel SCTP on Linux only", sctp.ErrKernelUnsupported)
}
