package nnrf

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// SUPIRange is TS 29.510 §6.1.6.2.9: a range of IMSI digits [Start, End]
// (strings of digits of one length, compared numerically) or a regular
// expression Pattern matched against the whole SUPI ("imsi-...").
type SUPIRange struct {
	Start   string `json:"start,omitempty"`
	End     string `json:"end,omitempty"`
	Pattern string `json:"pattern,omitempty"`
}

// Validate checks the range is one of the two forms.
func (r SUPIRange) Validate() error {
	if r.Pattern != "" {
		if r.Start != "" || r.End != "" {
			return errors.New("nnrf: supiRange: a pattern or start and end, not both")
		}
		if _, err := regexp.Compile(r.Pattern); err != nil {
			return fmt.Errorf("nnrf: supiRange pattern: %w", err)
		}
		return nil
	}
	if !digits(r.Start) || !digits(r.End) {
		return errors.New("nnrf: supiRange: start and end must be digits")
	}
	if len(r.Start) != len(r.End) || r.Start > r.End {
		return fmt.Errorf("nnrf: supiRange: start %s after end %s or of another length", r.Start, r.End)
	}
	return nil
}

// Contains reports whether the SUPI ("imsi-<digits>") is in the range.
// An invalid range contains nothing.
func (r SUPIRange) Contains(supi string) bool {
	if r.Validate() != nil {
		return false
	}
	if r.Pattern != "" {
		re, err := regexp.Compile("^(?:" + r.Pattern + ")$")
		return err == nil && re.MatchString(supi)
	}
	imsi, ok := strings.CutPrefix(supi, "imsi-")
	if !ok || len(imsi) != len(r.Start) {
		return false
	}
	// Equal lengths of digits compare numerically as strings.
	return r.Start <= imsi && imsi <= r.End
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// inRanges reports whether supi is in one of the ranges; no ranges means
// every SUPI (TS 29.510 §6.1.6.2.7: absent supiRanges, the NF serves all).
func inRanges(ranges []SUPIRange, supi string) bool {
	if len(ranges) == 0 {
		return true
	}
	for _, r := range ranges {
		if r.Contains(supi) {
			return true
		}
	}
	return false
}
