package nnrf

import (
	"errors"
	"fmt"
	"net/netip"
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

// Prefix is the address range as the prefix it spans: Keel's UE address
// pools are prefixes, so a range that is not one (start the prefix's
// first address, end its last) is refused.
func (r IPv4AddressRange) Prefix() (netip.Prefix, error) {
	start, err := netip.ParseAddr(r.Start)
	if err != nil || !start.Is4() {
		return netip.Prefix{}, fmt.Errorf("start %q is not an IPv4 address", r.Start)
	}
	end, err := netip.ParseAddr(r.End)
	if err != nil || !end.Is4() {
		return netip.Prefix{}, fmt.Errorf("end %q is not an IPv4 address", r.End)
	}
	s, e := start.As4(), end.As4()
	a, b := uint32(s[0])<<24|uint32(s[1])<<16|uint32(s[2])<<8|uint32(s[3]), uint32(e[0])<<24|uint32(e[1])<<16|uint32(e[2])<<8|uint32(e[3])
	for bits := 0; bits <= 32; bits++ {
		mask := uint32(0)
		if bits > 0 {
			mask = ^uint32(0) << (32 - bits)
		}
		if a&mask == a && b == a|^mask {
			return netip.PrefixFrom(start, bits), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("%s to %s is not one prefix", r.Start, r.End)
}

// IPv4Range is the address range a prefix spans.
func IPv4Range(p netip.Prefix) IPv4AddressRange {
	p = p.Masked()
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	if p.Bits() < 32 {
		v |= ^uint32(0) >> p.Bits()
	}
	end := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return IPv4AddressRange{Start: p.Addr().String(), End: end.String()}
}
