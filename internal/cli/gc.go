package cli

import (
	"strconv"

	"github.com/keelcore/keel/internal/config"
)

// splitGCPercent is the garbage collector's target (GOGC) in a process
// that runs some NFs of a split core. Such a process keeps a small live
// heap (the NRF, NSSF, AUSF or PCF a few MiB) while every SBI request
// it serves or sends allocates its JSON, headers and HTTP/2 frames, so
// at GOGC 100 it collects many times a second for little garbage each
// time. Measured with keel bench --split --ues 4000, two runs of each
// (BENCHMARKS.md, "Every NF in its own process"), the split core's CPU
// per UE and memory per UE with a session: GOGC 100 4,910 and 5,207 µs,
// 47 and 52 KiB; 200 4,503 and 4,723 µs, 66 and 70 KiB; 400 4,425 and
// 4,338 µs, 104 and 98 KiB. 200 takes two thirds of the CPU that 400
// saves for half the memory it costs.
const splitGCPercent = 200

// gcPercent is the GOGC a serving process sets, and whether it sets
// one: a split process gets splitGCPercent unless the operator chose
// with the GOGC environment variable, which the Go runtime has already
// applied; a process with the whole core keeps the runtime's default.
func gcPercent(cfg config.Config, getenv func(string) string) (int, bool) {
	if cfg.AllInOne() || getenv("GOGC") != "" {
		return 0, false
	}
	return splitGCPercent, true
}

// gcAttr is the GOGC as the start-up log line states it.
func gcAttr(percent int, set bool, getenv func(string) string) string {
	if set {
		return strconv.Itoa(percent)
	}
	if v := getenv("GOGC"); v != "" {
		return v
	}
	return "100"
}

// memoryLimit is the Go runtime's memory limit a serving process sets
// from memory_limit, and whether it sets one: none when the key is 0,
// nor when the operator set GOMEMLIMIT, which the runtime has already
// applied and which wins over the configuration.
func memoryLimit(cfg config.Config, getenv func(string) string) (int64, bool) {
	if cfg.MemoryLimit == 0 || getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	return int64(cfg.MemoryLimit), true
}

// memoryLimitAttr is the memory limit as the start-up log line states
// it: the configuration's, GOMEMLIMIT's, or none.
func memoryLimitAttr(cfg config.Config, set bool, getenv func(string) string) string {
	switch v := getenv("GOMEMLIMIT"); {
	case set:
		return cfg.MemoryLimit.String()
	case v != "":
		return "GOMEMLIMIT=" + v
	}
	return "none"
}
