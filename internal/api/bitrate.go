package api

import "github.com/keelcore/keel/internal/sbi"

// ParseBitRate converts a TS 29.571 BitRate string ("100 Mbps") into
// bits per second (sbi.ParseBitRate).
func ParseBitRate(s string) (uint64, error) { return sbi.ParseBitRate(s) }

// FormatBitRate renders bits per second as a BitRate string
// (sbi.FormatBitRate).
func FormatBitRate(bps uint64) string { return sbi.FormatBitRate(bps) }
