package sqlite

import (
	"context"
	"database/sql"
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

// subscriberColumns lists the columns of subscribers in the order
// row.args and scanSubscriber use; subscriberColumnsS is the same list
// qualified by the alias s.
const (
	subscriberColumns  = `supi, k, opc, op_is_op, amf, sqn, ue_ambr_ul, ue_ambr_dl, nssai, dnns`
	subscriberColumnsS = `s.supi, s.k, s.opc, s.op_is_op, s.amf, s.sqn, s.ue_ambr_ul, s.ue_ambr_dl, s.nssai, s.dnns`
)

const insertSubscriberSQL = `INSERT INTO subscribers (` + subscriberColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (supi) DO NOTHING`

const insertDNNSQL = `INSERT INTO subscriber_dnns (supi, dnn) VALUES (?, ?)`

// insertAddressSQL claims a static address; it changes no row when the
// address is held already.
const (
	insertAddressSQL = `INSERT INTO static_addresses (address, supi, dnn) VALUES (?, ?, ?)
ON CONFLICT (address) DO NOTHING`
	addressHolderSQL = `SELECT supi FROM static_addresses WHERE address = ?`
)

// snssaiJSON is an S-NSSAI as TS 29.571 §5.4.4.2 Snssai writes it.
type snssaiJSON struct {
	SST uint8  `json:"sst"`
	SD  string `json:"sd,omitempty"`
}

// subscribedSNSSAIJSON is one entry of the nssai column: a subscribed
// S-NSSAI and whether it is a default one.
type subscribedSNSSAIJSON struct {
	snssaiJSON
	Default bool `json:"default,omitempty"`
}

type ambrJSON struct {
	Uplink   uint64 `json:"uplink"`
	Downlink uint64 `json:"downlink"`
}

// dnnJSON is the stored form of a store.DNNConfig. Field names are part of
// the file format.
type dnnJSON struct {
	DNN         string     `json:"dnn"`
	SNSSAI      snssaiJSON `json:"snssai"`
	SessionAMBR ambrJSON   `json:"session_ambr"`
	FiveQI      uint8      `json:"5qi"`
	ARPPriority uint8      `json:"arp_priority"`
	StaticIPv4  string     `json:"static_ipv4,omitempty"`
	StaticIPv6  string     `json:"static_ipv6,omitempty"`
	PCCRules    []pccJSON  `json:"pcc_rules,omitempty"`
}

// pccJSON is the stored form of a store.PCCRule.
type pccJSON struct {
	ID               string   `json:"id"`
	FlowDescriptions []string `json:"flow_descriptions"`
	FiveQI           uint8    `json:"5qi"`
	ARPPriority      uint8    `json:"arp_priority"`
	PreemptCap       bool     `json:"preempt_cap,omitempty"`
	PreemptVuln      bool     `json:"preempt_vuln,omitempty"`
	GFBR             ambrJSON `json:"gfbr"`
	MFBR             ambrJSON `json:"mfbr"`
}

// row is a subscriber as the subscribers table holds it.
type row struct {
	supi     string
	k, opc   []byte
	opIsOP   bool
	amf      int64
	sqn      int64
	ambrUL   int64
	ambrDL   int64
	nssai    string
	dnns     string
	dnnNames []string
	addrs    []addressRow
}

// addressRow is a static address as static_addresses holds it.
type addressRow struct {
	key, supi, dnn string
	// addr and field (its path in the subscriber) are for refusals.
	addr  netip.Addr
	field string
}

func (r *row) args() []any {
	return []any{r.supi, r.k, r.opc, r.opIsOP, r.amf, r.sqn, r.ambrUL, r.ambrDL, r.nssai, r.dnns}
}

// validate refuses what the schema cannot hold or TS 23.003 does not allow.
// Its messages never contain key material.
func validate(s *store.Subscriber) error {
	if s == nil {
		return fmt.Errorf("nil subscriber")
	}
	if !validSUPI(s.SUPI) {
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

// validSUPI reports whether supi is an IMSI-type SUPI (TS 23.003 §2.2A):
// "imsi-" then 5 to 15 digits.
func validSUPI(supi string) bool {
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

// encode converts a validated subscriber to its row.
func encode(s *store.Subscriber) (row, error) {
	r := row{
		supi:   s.SUPI,
		k:      s.Auth.K.Bytes(),
		opc:    s.Auth.OPc.Bytes(),
		opIsOP: s.Auth.OPIsOP,
		amf:    int64(s.Auth.AMF[0])<<8 | int64(s.Auth.AMF[1]),
		sqn:    int64(s.Auth.SQN),
		ambrUL: int64(s.UEAMBR.Uplink),
		ambrDL: int64(s.UEAMBR.Downlink),
	}
	nssai := make([]subscribedSNSSAIJSON, 0, len(s.NSSAI))
	for _, n := range s.NSSAI {
		nssai = append(nssai, subscribedSNSSAIJSON{snssaiJSON: encodeSNSSAI(n), Default: slices.Contains(s.DefaultNSSAI, n)})
	}
	dnns := make([]dnnJSON, 0, len(s.DNNs))
	for i, d := range s.DNNs {
		j := dnnJSON{
			DNN:         d.DNN,
			SNSSAI:      encodeSNSSAI(d.SNSSAI),
			SessionAMBR: ambrJSON{Uplink: d.SessionAMBR.Uplink, Downlink: d.SessionAMBR.Downlink},
			FiveQI:      d.FiveQI,
			ARPPriority: d.ARPPriority,
		}
		for _, p := range d.PCCRules {
			j.PCCRules = append(j.PCCRules, pccJSON{ID: p.ID, FlowDescriptions: p.FlowDescriptions, FiveQI: p.FiveQI,
				ARPPriority: p.ARP.PriorityLevel, PreemptCap: p.ARP.PreemptionCapability, PreemptVuln: p.ARP.PreemptionVulnerability,
				GFBR: ambrJSON{p.GFBR.Uplink, p.GFBR.Downlink}, MFBR: ambrJSON{p.MFBR.Uplink, p.MFBR.Downlink}})
		}
		if d.StaticIPv4.IsValid() {
			j.StaticIPv4 = d.StaticIPv4.String()
			r.addrs = append(r.addrs, addressRow{key: store.AddressKey(d.StaticIPv4), supi: s.SUPI, dnn: d.DNN,
				addr: d.StaticIPv4, field: fmt.Sprintf("dnns[%d].static_ipv4", i)})
		}
		if d.StaticIPv6.IsValid() {
			j.StaticIPv6 = d.StaticIPv6.String()
			r.addrs = append(r.addrs, addressRow{key: store.AddressKey(d.StaticIPv6), supi: s.SUPI, dnn: d.DNN,
				addr: d.StaticIPv6, field: fmt.Sprintf("dnns[%d].static_ipv6", i)})
		}
		dnns = append(dnns, j)
		r.dnnNames = append(r.dnnNames, d.DNN)
	}
	b, err := json.Marshal(nssai)
	if err != nil {
		return row{}, err
	}
	r.nssai = string(b)
	if b, err = json.Marshal(dnns); err != nil {
		return row{}, err
	}
	r.dnns = string(b)
	return r, nil
}

func encodeSNSSAI(n ident.SNSSAI) snssaiJSON {
	j := snssaiJSON{SST: n.SST}
	if n.HasSD {
		j.SD = fmt.Sprintf("%06x", n.SD)
	}
	return j
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanSubscriber reads the subscriberColumns of one row. Malformed stored
// data is reported as store.ErrCorrupt.
func scanSubscriber(sc scanner) (*store.Subscriber, error) {
	var r row
	err := sc.Scan(&r.supi, &r.k, &r.opc, &r.opIsOP, &r.amf, &r.sqn, &r.ambrUL, &r.ambrDL, &r.nssai, &r.dnns)
	if err != nil {
		return nil, err
	}
	return decode(&r)
}

func decode(r *row) (*store.Subscriber, error) {
	s := &store.Subscriber{SUPI: r.supi}
	var err error
	if s.Auth, err = decodeAuth(r.supi, r.k, r.opc, r.opIsOP, r.amf, r.sqn); err != nil {
		return nil, err
	}
	s.UEAMBR = store.AMBR{Uplink: uint64(r.ambrUL), Downlink: uint64(r.ambrDL)}

	var nssai []subscribedSNSSAIJSON
	if err := json.Unmarshal([]byte(r.nssai), &nssai); err != nil {
		return nil, corrupt(r.supi, "S-NSSAIs: %v", err)
	}
	for _, j := range nssai {
		n, err := decodeSNSSAI(j.snssaiJSON)
		if err != nil {
			return nil, corrupt(r.supi, "S-NSSAI: %v", err)
		}
		s.NSSAI = append(s.NSSAI, n)
		if j.Default {
			s.DefaultNSSAI = append(s.DefaultNSSAI, n)
		}
	}

	var dnns []dnnJSON
	if err := json.Unmarshal([]byte(r.dnns), &dnns); err != nil {
		return nil, corrupt(r.supi, "DNN settings: %v", err)
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
		if d.SNSSAI, err = decodeSNSSAI(j.SNSSAI); err != nil {
			return nil, corrupt(r.supi, "DNN %s: %v", j.DNN, err)
		}
		if d.StaticIPv4, err = decodeAddr(j.StaticIPv4); err != nil {
			return nil, corrupt(r.supi, "DNN %s: %v", j.DNN, err)
		}
		if d.StaticIPv6, err = decodeAddr(j.StaticIPv6); err != nil {
			return nil, corrupt(r.supi, "DNN %s: %v", j.DNN, err)
		}
		s.DNNs = append(s.DNNs, d)
	}
	return s, nil
}

// decodeAuth builds AuthData from stored columns. The error never contains
// the key bytes.
func decodeAuth(supi string, k, opc []byte, opIsOP bool, amf, sqn int64) (store.AuthData, error) {
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

func decodeSNSSAI(j snssaiJSON) (ident.SNSSAI, error) {
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
	return fmt.Errorf("sqlite: subscriber %s: stored %s: %w", supi, fmt.Sprintf(format, args...), store.ErrCorrupt)
}

// insertDNNs records the DNN names of a subscriber for the DNN filter. A
// DNN subscribed in several slices is recorded once.
func insertDNNs(ctx context.Context, ins *sql.Stmt, supi string, names []string) error {
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			continue
		}
		if _, err := ins.ExecContext(ctx, supi, n); err != nil {
			return err
		}
	}
	return nil
}

// addressStmts claims static addresses in one transaction.
type addressStmts struct {
	insert, holder *sql.Stmt
}

func prepareAddressStmts(ctx context.Context, tx *sql.Tx) (addressStmts, error) {
	ins, err := tx.PrepareContext(ctx, insertAddressSQL)
	if err != nil {
		return addressStmts{}, err
	}
	holder, err := tx.PrepareContext(ctx, addressHolderSQL)
	if err != nil {
		ins.Close()
		return addressStmts{}, err
	}
	return addressStmts{insert: ins, holder: holder}, nil
}

func (a addressStmts) close() {
	a.insert.Close()
	a.holder.Close()
}

// claim records r's static addresses. One held already is an
// *store.AddressInUseError naming its holder; the addresses before it
// stay claimed, so the caller must roll back or go on to refuse.
func (a addressStmts) claim(ctx context.Context, r *row) error {
	for _, ar := range r.addrs {
		res, err := a.insert.ExecContext(ctx, ar.key, ar.supi, ar.dnn)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			continue
		}
		var holder string
		if err := a.holder.QueryRowContext(ctx, ar.key).Scan(&holder); err != nil {
			return err
		}
		return &store.AddressInUseError{Field: ar.field, Addr: ar.addr, Holder: holder}
	}
	return nil
}

// claimAddresses records r's static addresses in tx, replacing those
// r's subscriber held before.
func claimAddresses(ctx context.Context, tx *sql.Tx, r *row) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM static_addresses WHERE supi = ?`, r.supi); err != nil {
		return err
	}
	if len(r.addrs) == 0 {
		return nil
	}
	a, err := prepareAddressStmts(ctx, tx)
	if err != nil {
		return err
	}
	defer a.close()
	return a.claim(ctx, r)
}
