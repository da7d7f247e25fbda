package app

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sbi"
)

// newInstanceID returns a random NF instance ID: a UUID version 4
// (TS 29.571 NfInstanceId, RFC 4122 §4.4).
func newInstanceID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// profile is the NF profile of an NF of this process (TS 29.510
// NFProfile): a fresh instance ID, the configured slices, the
// locality, and for the NFs of a session (SMF, UPF, PCF) the DNNs.
func profile(cfg config.Config, t sbi.NFType) sbi.Profile {
	p := sbi.Profile{Type: t, InstanceID: newInstanceID(), Locality: cfg.SBI.Locality}
	for _, s := range cfg.Slices {
		p.SNSSAIs = append(p.SNSSAIs, s.SNSSAI())
	}
	switch t {
	case sbi.NFTypeSMF, sbi.NFTypeUPF, sbi.NFTypePCF:
		for _, d := range cfg.DNNs {
			p.DNNs = append(p.DNNs, d.Name)
		}
	}
	return p
}

// needs are the NF types each NF consumes (TS 23.501 §7.2): what a
// process must run or reach.
func needs(nf string) []sbi.NFType {
	switch nf {
	case "udm":
		return []sbi.NFType{sbi.NFTypeUDR}
	case "ausf", "pcf":
		return []sbi.NFType{sbi.NFTypeUDM}
	case "smf":
		return []sbi.NFType{sbi.NFTypeUDM, sbi.NFTypePCF, sbi.NFTypeUPF, sbi.NFTypeAMF}
	case "amf":
		return []sbi.NFType{sbi.NFTypeAUSF, sbi.NFTypeUDM, sbi.NFTypeSMF, sbi.NFTypeNSSF}
	}
	return nil
}

// unreachable lists what the process's NFs consume, it does not run,
// and it has no HTTP/2 binding to reach in another process. The UPF is
// reached over N4 at n4.address.
func unreachable(cfg config.Config, b bindings) []string {
	reach := map[sbi.NFType]bool{
		sbi.NFTypeUPF: true, sbi.NFTypeAMF: b.AMF != nil, sbi.NFTypeSMF: b.SMF != nil, sbi.NFTypeAUSF: b.AUSF != nil,
		sbi.NFTypeUDM: b.UDM != nil, sbi.NFTypeUDR: b.UDR != nil, sbi.NFTypePCF: b.PCF != nil, sbi.NFTypeNSSF: b.NSSF != nil,
	}
	var out []string
	for _, nf := range cfg.NFs {
		for _, t := range needs(nf) {
			name := strings.ToLower(string(t))
			if !cfg.Runs(name) && !reach[t] && !containsString(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
