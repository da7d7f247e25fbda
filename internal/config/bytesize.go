package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ByteSize is a size in bytes. The configuration file writes it as a
// whole number of bytes or as a whole number with a unit of those the Go
// runtime's GOMEMLIMIT takes: B, KiB, MiB, GiB or TiB (powers of 1024),
// such as 8GiB.
type ByteSize uint64

type byteUnit struct {
	name string
	size uint64
}

// byteUnits are the units of a ByteSize, largest first.
func byteUnits() [5]byteUnit {
	return [...]byteUnit{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
}

// String writes s with the largest unit that divides it: 8GiB, 1536MiB,
// 1000B; 0 is "0".
func (s ByteSize) String() string {
	if s == 0 {
		return "0"
	}
	for _, u := range byteUnits() {
		if uint64(s)%u.size == 0 {
			return strconv.FormatUint(uint64(s)/u.size, 10) + u.name
		}
	}
	panic("unreachable: every size is a whole number of bytes")
}

// ParseByteSize reads a size: digits, optionally followed by a unit
// among B, KiB, MiB, GiB and TiB (no space between). The result must fit
// in an int64, the Go runtime's memory limit.
func ParseByteSize(text string) (ByteSize, error) {
	i := 0
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	digits, unit := text[:i], text[i:]
	if digits == "" {
		return 0, fmt.Errorf("want a whole number of bytes, or one with a unit such as 8GiB, got %q", text)
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", text)
	}
	mult := uint64(0)
	if unit == "" {
		mult = 1
	}
	for _, u := range byteUnits() {
		if unit == u.name {
			mult = u.size
		}
	}
	if mult == 0 {
		hint := ""
		if strings.EqualFold(unit, "k") || strings.EqualFold(unit, "kb") || strings.EqualFold(unit, "m") || strings.EqualFold(unit, "mb") ||
			strings.EqualFold(unit, "g") || strings.EqualFold(unit, "gb") || strings.EqualFold(unit, "t") || strings.EqualFold(unit, "tb") {
			hint = " (powers of 1024, as GOMEMLIMIT: write GiB for gigabytes)"
		}
		return 0, fmt.Errorf("unit %q of %q: want B, KiB, MiB, GiB or TiB%s", unit, text, hint)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", text)
	}
	return ByteSize(n * mult), nil
}
