package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// showProgress redraws one status line on the terminal twice a second
// until the UEs are done, then clears it and returns the results.
func showProgress(term *os.File, total int, start time.Time, live *ueResults, done <-chan *ueResults) *ueResults {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	lastDone, lastAt, lastPhase := 0, start, ""
	for {
		select {
		case res := <-done:
			fmt.Fprint(term, "\r\033[K")
			return res
		case now := <-tick.C:
			phase, n, failed, p50, p99 := live.progress()
			if phase != lastPhase {
				lastDone, lastPhase = 0, phase
			}
			rate := float64(n-lastDone) / now.Sub(lastAt).Seconds()
			lastDone, lastAt = n, now
			fmt.Fprintf(term, "\r\033[K%s: %d/%d done, %d failed, %.0f UEs/s, p50 %.1f ms p99 %.1f ms, %s",
				strings.ReplaceAll(phase, "_", " "), n, total, failed, rate, p50, p99, now.Sub(start).Truncate(time.Second))
		}
	}
}
