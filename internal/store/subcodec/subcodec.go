package subcodec

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// Row is a subscriber as the subscribers table holds it, with what the
// engine's side tables hold: the DNN names (for the DNN filter of a
// listing) and the static addresses (one holder per store.AddressKey).
type Row struct {
	SUPI   string
	K, OPc []byte
	OPIsOP bool
	AMF    int64
	SQN    int64
	AMBRUL int64
	AMBRDL int64
	// NSSAI and DNNs are JSON texts (SNSSAIJSON list, DNNJSON list).
	NSSAI string
	DNNs  string
	// DNNNames are the subscriber's DNNs, each once, in settings order.
	DNNNames []string
	// Addrs are the static addresses the subscriber holds.
	Addrs []Address
}

// Address is a static UE address as the static address table holds it.
type Address struct {
	// Key is store.AddressKey of Addr: the table's primary key.
	Key, SUPI, DNN string
	// Addr and Field (its path in the subscriber, "dnns[1].static_ipv4")
	// are for refusals.
	Addr  netip.Addr
	Field string
}

// SNSSAIJSON is an S-NSSAI as TS 29.571 §5.4.4.2 Snssai writes it.
type SNSSAIJSON struct {
	SST uint8  `json:"sst"`
	SD  string `json:"sd,omitempty"`
}

// SubscribedSNSSAIJSON is one entry of the nssai column: a subscribed
// S-NSSAI and whether it is a default one.
type SubscribedSNSSAIJSON struct {
	SNSSAIJSON
	Default bool `json:"default,omitempty"`
}

// AMBRJSON is a bit rate pair of the stored form.
type AMBRJSON struct {
	Uplink   uint64 `json:"uplink"`
	Downlink uint64 `json:"downlink"`
}

// DNNJSON is the stored form of a store.DNNConfig. Field names are part of
// the database format.
type DNNJSON struct {
	DNN         string     `json:"dnn"`
	SNSSAI      SNSSAIJSON `json:"snssai"`
	SessionAMBR AMBRJSON   `json:"session_ambr"`
	FiveQI      uint8      `json:"5qi"`
	ARPPriority uint8      `json:"arp_priority"`
	StaticIPv4  string     `json:"static_ipv4,omitempty"`
	StaticIPv6  string     `json:"static_ipv6,omitempty"`
	PCCRules    []PCCJSON  `json:"pcc_rules,omitempty"`
}

// PCCJSON is the stored form of a store.PCCRule.
type PCCJSON struct {
	ID               string   `json:"id"`
	FlowDescriptions []string `json:"flow_descriptions"`
	FiveQI           uint8    `json:"5qi"`
	ARPPriority      uint8    `json:"arp_priority"`
	PreemptCap       bool     `json:"preempt_cap,omitempty"`
	PreemptVuln      bool     `json:"preempt_vuln,omitempty"`
	GFBR             AMBRJSON `json:"gfbr"`
	MFBR             AMBRJSON `json:"mfbr"`
}

// Validate refuses what the schema cannot hold or TS 23.003 does not
// allow. Its messages never contain key material.
func Validate(s *store.Subscriber) error {
	if s == nil {
		return fmt.Errorf("nil subscriber")
	}
	if !ValidSUPI(s.SUPI) {
		return fmt.Errorf("SUPI %q is not \"imsi-\" followed by 5 to 15 digits", s.SUPI)
	}
	if s.Auth.SQN > store.MaxSQN {
		return fmt.Errorf("SQN %d exceeds 48 bits", s.Auth.SQN)
	}
	if s.UEAMBR.Uplink > math.MaxInt64 || s.UEAMBR.Downlink > math.MaxInt64 {
		return fmt.Errorf("UE-AMBR exceeds %d bit/s", int64(math.MaxInt64))
	}
	for i, n := range s.NSSAI {
		if n.SD > 0xffffff {
			return fmt.Errorf("S-NSSAI %d: SD %#x exceeds 24 bits", i, n.SD)
		}
	}
	for i, n := range s.DefaultNSSAI {
		if !slices.Contains(s.NSSAI, n) {
			return fmt.Errorf("default S-NSSAI %d is not a subscribed S-NSSAI", i)
		}
		if i > 0 && slices.Index(s.NSSAI, n) <= slices.Index(s.NSSAI, s.DefaultNSSAI[i-1]) {
			return fmt.Errorf("default S-NSSAI %d is given twice or out of the subscribed S-NSSAIs' order", i)
		}
	}
	keys := map[string]int{}
	for i, d := range s.DNNs {
		for _, a := range []netip.Addr{d.StaticIPv4, d.StaticIPv6} {
			if !a.IsValid() {
				continue
			}
			k := store.AddressKey(a)
			if j, dup := keys[k]; dup {
				return fmt.Errorf("DNN settings %d and %d give the same static address %s", j, i, k)
			}
			keys[k] = i
		}
		if d.DNN == "" {
			return fmt.Errorf("DNN setting %d has no DNN", i)
		}
		if d.SNSSAI.SD > 0xffffff {
			return fmt.Errorf("DNN %s: SD %#x exceeds 24 bits", d.DNN, d.SNSSAI.SD)
		}
		if d.StaticIPv4.IsValid() && !d.StaticIPv4.Is4() {
			return fmt.Errorf("DNN %s: static IPv4 address %s is not IPv4", d.DNN, d.StaticIPv4)
		}
		if d.StaticIPv6.IsValid() && (!d.StaticIPv6.Is6() || d.StaticIPv6.Is4In6()) {
			return fmt.Errorf("DNN %s: static IPv6 address %s is not IPv6", d.DNN, d.StaticIPv6)
		}
	}
	return nil
}

// ValidSUPI reports whether supi is an IMSI-type SUPI (TS 23.003 §2.2A):
// "imsi-" then 5 to 15 digits.
func ValidSUPI(supi string) bool {
	const prefix = "imsi-"
	if len(supi) < len(prefix)+5 || len(supi) > len(prefix)+15 || supi[:len(prefix)] != prefix {
		return false
	}
	for _, c := range []byte(supi[len(prefix):]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Encode converts a subscriber that passed Validate to its row.
func Encode(s *store.Subscriber) (Row, error) {
	r := Row{
		SUPI:   s.SUPI,
		K:      s.Auth.K.Bytes(),
		OPc:    s.Auth.OPc.Bytes(),
		OPIsOP: s.Auth.OPIsOP,
		AMF:    int64(s.Auth.AMF[0])<<8 | int64(s.Auth.AMF[1]),
		SQN:    int64(s.Auth.SQN),
		AMBRUL: int64(s.UEAMBR.Uplink),
		AMBRDL: int64(s.UEAMBR.Downlink),
	}
	nssai := make([]SubscribedSNSSAIJSON, 0, len(s.NSSAI))
	for _, n := range s.NSSAI {
		nssai = append(nssai, SubscribedSNSSAIJSON{SNSSAIJSON: EncodeSNSSAI(n), Default: slices.Contains(s.DefaultNSSAI, n)})
	}
	dnns := make([]DNNJSON, 0, len(s.DNNs))
	for i, d := range s.DNNs {
		j := DNNJSON{
			DNN:         d.DNN,
			SNSSAI:      EncodeSNSSAI(d.SNSSAI),
			SessionAMBR: AMBRJSON{Uplink: d.SessionAMBR.Uplink, Downlink: d.SessionAMBR.Downlink},
			FiveQI:      d.FiveQI,
			ARPPriority: d.ARPPriority,
		}
		for _, p := range d.PCCRules {
			j.PCCRules = append(j.PCCRules, PCCJSON{ID: p.ID, FlowDescriptions: p.FlowDescriptions, FiveQI: p.FiveQI,
				ARPPriority: p.ARP.PriorityLevel, PreemptCap: p.ARP.PreemptionCapability, PreemptVuln: p.ARP.PreemptionVulnerability,
				GFBR: AMBRJSON{p.GFBR.Uplink, p.GFBR.Downlink}, MFBR: AMBRJSON{p.MFBR.Uplink, p.MFBR.Downlink}})
		}
		if d.StaticIPv4.IsValid() {
			j.StaticIPv4 = d.StaticIPv4.String()
			r.Addrs = append(r.Addrs, Address{Key: store.AddressKey(d.StaticIPv4), SUPI: s.SUPI, DNN: d.DNN,
				Addr: d.StaticIPv4, Field: fmt.Sprintf("dnns[%d].static_ipv4", i)})
		}
		if d.StaticIPv6.IsValid() {
			j.StaticIPv6 = d.StaticIPv6.String()
			r.Addrs = append(r.Addrs, Address{Key: store.AddressKey(d.StaticIPv6), SUPI: s.SUPI, DNN: d.DNN,
				Addr: d.StaticIPv6, Field: fmt.Sprintf("dnns[%d].static_ipv6", i)})
		}
		dnns = append(dnns, j)
		if !slices.Contains(r.DNNNames, d.DNN) {
			r.DNNNames = append(r.DNNNames, d.DNN)
		}
	}
	b, err := json.Marshal(nssai)
	if err != nil {
		return Row{}, err
	}
	r.NSSAI = string(b)
	if b, err = json.Marshal(dnns); err != nil {
		return Row{}, err
	}
	r.DNNs = string(b)
	return r, nil
}

// EncodeSNSSAI returns the stored form of an S-NSSAI.
func EncodeSNSSAI(n ident.SNSSAI) SNSSAIJSON {
	j := SNSSAIJSON{SST: n.SST}
	if n.HasSD {
		j.SD = fmt.Sprintf("%06x", n.SD)
	}
	return j
}

// Decode converts a stored row back to a subscriber. Stored data it
// cannot read is an error wrapping store.ErrCorrupt.
func Decode(r *Row) (*store.Subscriber, error) {
	s := &store.Subscriber{SUPI: r.SUPI}
	var err error
	if s.Auth, err = DecodeAuth(r.SUPI, r.K, r.OPc, r.OPIsOP, r.AMF, r.SQN); err != nil {
		return nil, err
	}
	if r.AMBRUL < 0 || r.AMBRDL < 0 {
		return nil, corrupt(r.SUPI, "UE-AMBR %d/%d is negative", r.AMBRUL, r.AMBRDL)
	}
	s.UEAMBR = store.AMBR{Uplink: uint64(r.AMBRUL), Downlink: uint64(r.AMBRDL)}

	var nssai []SubscribedSNSSAIJSON
	if err := json.Unmarshal([]byte(r.NSSAI), &nssai); err != nil {
		return nil, corrupt(r.SUPI, "S-NSSAIs: %v", err)
	}
	for _, j := range nssai {
		n, err := DecodeSNSSAI(j.SNSSAIJSON)
		if err != nil {
			return nil, corrupt(r.SUPI, "S-NSSAI: %v", err)
		}
		s.NSSAI = append(s.NSSAI, n)
		if j.Default {
			s.DefaultNSSAI = append(s.DefaultNSSAI, n)
		}
	}

	var dnns []DNNJSON
	if err := json.Unmarshal([]byte(r.DNNs), &dnns); err != nil {
		return nil, corrupt(r.SUPI, "DNN settings: %v", err)
	}
	for _, j := range dnns {
		d := store.DNNConfig{
			DNN:         j.DNN,
			SessionAMBR: store.AMBR{Uplink: j.SessionAMBR.Uplink, Downlink: j.SessionAMBR.Downlink},
			FiveQI:      j.FiveQI,
			ARPPriority: j.ARPPriority,
		}
		for _, p := range j.PCCRules {
			d.PCCRules = append(d.PCCRules, store.PCCRule{ID: p.ID, FlowDescriptions: p.FlowDescriptions, FiveQI: p.FiveQI,
				ARP:  store.ARP{PriorityLevel: p.ARPPriority, PreemptionCapability: p.PreemptCap, PreemptionVulnerability: p.PreemptVuln},
				GFBR: store.AMBR{Uplink: p.GFBR.Uplink, Downlink: p.GFBR.Downlink}, MFBR: store.AMBR{Uplink: p.MFBR.Uplink, Downlink: p.MFBR.Downlink}})
		}
		if d.SNSSAI, err = DecodeSNSSAI(j.SNSSAI); err != nil {
			return nil, corrupt(r.SUPI, "DNN %s: %v", j.DNN, err)
		}
		if d.StaticIPv4, err = decodeAddr(j.StaticIPv4); err != nil {
			return nil, corrupt(r.SUPI, "DNN %s: %v", j.DNN, err)
		}
		if d.StaticIPv6, err = decodeAddr(j.StaticIPv6); err != nil {
			return nil, corrupt(r.SUPI, "DNN %s: %v", j.DNN, err)
		}
		s.DNNs = append(s.DNNs, d)
	}
	return s, nil
}

// DecodeAuth builds AuthData from stored columns. The error never
// contains the key bytes.
func DecodeAuth(supi string, k, opc []byte, opIsOP bool, amf, sqn int64) (store.AuthData, error) {
	var a store.AuthData
	if len(k) != len(secret.Key128{}) {
		return a, corrupt(supi, "K has %d bytes", len(k))
	}
	if len(opc) != len(secret.Key128{}) {
		return a, corrupt(supi, "OPc has %d bytes", len(opc))
	}
	if amf < 0 || amf > 0xffff {
		return a, corrupt(supi, "AMF %d out of range", amf)
	}
	if sqn < 0 || sqn > store.MaxSQN {
		return a, corrupt(supi, "SQN %d out of range", sqn)
	}
	copy(a.K[:], k)
	copy(a.OPc[:], opc)
	a.OPIsOP = opIsOP
	a.AMF = [2]byte{byte(amf >> 8), byte(amf)}
	a.SQN = uint64(sqn)
	return a, nil
}

// DecodeSNSSAI reads the stored form of an S-NSSAI.
func DecodeSNSSAI(j SNSSAIJSON) (ident.SNSSAI, error) {
	n := ident.SNSSAI{SST: j.SST}
	if j.SD == "" {
		return n, nil
	}
	if len(j.SD) != 6 {
		return n, fmt.Errorf("SD %q is not 6 hexadecimal digits", j.SD)
	}
	sd, err := strconv.ParseUint(j.SD, 16, 32)
	if err != nil {
		return n, fmt.Errorf("SD %q is not 6 hexadecimal digits", j.SD)
	}
	n.SD, n.HasSD = uint32(sd), true
	return n, nil
}

func decodeAddr(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	return netip.ParseAddr(s)
}

func corrupt(supi, format string, args ...any) error {
	return fmt.Errorf("subscriber %s: stored %s: %w", supi, fmt.Sprintf(format, args...), store.ErrCorrupt)
}
