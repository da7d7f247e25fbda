package bench

import (
	"bytes"
	"os"
	"runtime"
	"strings"
)

// Machine describes where a report was measured.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model,omitempty"`
	Go       string `json:"go"`
	Kernel   string `json:"kernel"`
	Keel     string `json:"keel,omitempty"`
	// NetAdmin reports whether the bench, and so the core it starts, has
	// CAP_NET_ADMIN: without it the UPF has no TUN device and every PDU
	// session is refused.
	NetAdmin bool `json:"net_admin"`
}

// readMachine describes this machine; what /proc does not say stays empty.
func readMachine(version string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Keel: version}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel = cpuModel(b)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		if st, err := parseStatus(b); err == nil {
			m.NetAdmin = st.capEff&(1<<capNetAdmin) != 0
		}
	}
	return m
}

// cpuModel returns the first "model name" of /proc/cpuinfo, "" where the
// architecture has none.
func cpuModel(cpuinfo []byte) string {
	for line := range bytes.Lines(cpuinfo) {
		key, val, ok := bytes.Cut(line, []byte(":"))
		if ok && string(bytes.TrimSpace(key)) == "model name" {
			return string(bytes.TrimSpace(val))
		}
	}
	return ""
}
