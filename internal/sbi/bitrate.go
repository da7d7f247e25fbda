package sbi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bit rates travel as TS 29.571 §5.2.2 BitRate strings: a number, one
// space, and a unit from bps to Tbps ("100 Mbps", "1.5 Gbps").

var bitRateUnits = []struct {
	name string
	mult float64
}{
	{"Tbps", 1e12}, {"Gbps", 1e9}, {"Mbps", 1e6}, {"Kbps", 1e3}, {"bps", 1},
}

// ParseBitRate converts a TS 29.571 BitRate string into bits per second.
func ParseBitRate(s string) (uint64, error) {
	num, unit, ok := strings.Cut(s, " ")
	if !ok {
		return 0, fmt.Errorf("bit rate %q: want a number, a space and a unit (bps, Kbps, Mbps, Gbps, Tbps)", s)
	}
	mult := 0.0
	for _, u := range bitRateUnits {
		if unit == u.name {
			mult = u.mult
		}
	}
	if mult == 0 {
		return 0, fmt.Errorf("bit rate %q: unknown unit %q (want bps, Kbps, Mbps, Gbps or Tbps)", s, unit)
	}
	if num == "" || strings.IndexFunc(num, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }) >= 0 {
		return 0, fmt.Errorf("bit rate %q: %q is not a decimal number", s, num)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("bit rate %q: %q is not a decimal number", s, num)
	}
	bps := math.Round(v * mult)
	if bps > 1e15 {
		return 0, fmt.Errorf("bit rate %q: above 1000 Tbps", s)
	}
	return uint64(bps), nil
}

// FormatBitRate renders bits per second with the largest unit that keeps
// the number exact.
func FormatBitRate(bps uint64) string {
	for _, u := range bitRateUnits {
		m := uint64(u.mult)
		if bps >= m && bps%m == 0 {
			return strconv.FormatUint(bps/m, 10) + " " + u.name
		}
	}
	return strconv.FormatUint(bps, 10) + " bps"
}
