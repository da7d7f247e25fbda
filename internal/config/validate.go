package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // amf.time_zone resolves without the host's zoneinfo
	"unicode/utf8"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

const (
	maxTAC = ident.MaxTAC
	// deletedTAC marks a deleted TAI (TS 24.501 §9.11.3.8): a UE would
	// treat a tracking area with this code as gone.
	deletedTAC = 0xfffffe

	maxAMFNameLen = 150 // TS 38.413 §9.3.3.21
	maxSetID      = ident.MaxAMFSetID
	maxPointer    = ident.MaxAMFPointer

	// maxGPRSTimer2 is the longest GPRS timer 2: 31 units of 6 minutes
	// (TS 24.008 §10.5.7.4).
	maxGPRSTimer2          = 186 * time.Minute
	maxEmergencyDigits     = 20 // TS 24.008 §10.5.3.13: 10 octets of BCD
	maxEmergencyListOctets = 48
	maxServiceAreaTACs     = 16

	minMTU = 1280 // the IPv6 minimum link MTU (RFC 8200 §5)
	maxMTU = 9000
)

// Validate reports the first mistake in c, in the order of the keys in the
// file, as an *Error.
func (c Config) Validate() error {
	if err := c.validate(); err != nil {
		return err
	}
	return nil
}

func (c Config) validate() *Error {
	checks := []func() *Error{
		c.validateNFs,
		c.validateSBI,
		func() *Error { return validatePLMN(c.PLMN) },
		c.validateTACs,
		c.validateSlices,
		c.AMF.validate,
		c.validateDNNs,
		c.validateListeners,
		c.validateHTTPTLS,
		c.validatePeers,
		c.validateSMFUPFs,
		c.validateDLBuffer,
		c.validateDataDir,
		c.Store.validate,
		c.Log.validate,
		c.validateMemoryLimit,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func validatePLMN(p ident.PLMN) *Error {
	if !isDigits(p.MCC, 3, 3) {
		return errorf("plmn.mcc", "must be 3 digits, got %q", p.MCC)
	}
	if !isDigits(p.MNC, 2, 3) {
		return errorf("plmn.mnc", "must be 2 or 3 digits, got %q", p.MNC)
	}
	return nil
}

func (c Config) validateTACs() *Error {
	if len(c.TACs) == 0 {
		return errorf("tacs", "must list at least one tracking area code")
	}
	seen := make(map[uint32]int, len(c.TACs))
	for i, t := range c.TACs {
		key := index("tacs", i)
		switch {
		case t > maxTAC:
			return errorf(key, "must be 0..%d (24 bits), got %d", maxTAC, t)
		case t == deletedTAC:
			return errorf(key, "%d (0xfffffe) marks a deleted tracking area (TS 24.501 §9.11.3.8) and cannot be served", t)
		}
		if j, dup := seen[t]; dup {
			return errorf(key, "%d is also tacs[%d]", t, j)
		}
		seen[t] = i
	}
	return nil
}

func (c Config) validateSlices() *Error {
	if len(c.Slices) == 0 {
		return errorf("slices", "must list at least one slice")
	}
	seen := make(map[ident.SNSSAI]int, len(c.Slices))
	for i, s := range c.Slices {
		key := index("slices", i)
		if s.SD != "" && !isHex(s.SD, 6) {
			return errorf(key+".sd", "must be 6 hex digits or empty, got %q", s.SD)
		}
		id := s.SNSSAI()
		if id.HasSD && id.SD == ident.NoSD {
			return errorf(key+".sd", "%s means no SD (TS 23.003 §28.4.2); leave sd empty instead", s.SD)
		}
		if j, dup := seen[id]; dup {
			return errorf(key, "sst %d, sd %q is also slices[%d]", s.SST, s.SD, j)
		}
		seen[id] = i
	}
	return nil
}

func (a AMF) validate() *Error {
	switch {
	case a.Name == "":
		return errorf("amf.name", "must not be empty")
	case len(a.Name) > maxAMFNameLen:
		return errorf("amf.name", "must be at most %d characters (TS 38.413 §9.3.3.21), got %d", maxAMFNameLen, len(a.Name))
	case !isPrintableString(a.Name):
		return errorf("amf.name", "may hold only letters, digits, spaces and '()+,-./:=? (TS 38.413 §9.3.3.21), got %q", a.Name)
	case len(a.BackupAMFName) > maxAMFNameLen:
		return errorf("amf.backup_amf_name", "must be at most %d characters (TS 38.413 §9.3.3.21), got %d", maxAMFNameLen, len(a.BackupAMFName))
	case !isPrintableString(a.BackupAMFName):
		return errorf("amf.backup_amf_name", "may hold only letters, digits, spaces and '()+,-./:=? (TS 38.413 §9.3.3.21), got %q", a.BackupAMFName)
	case a.BackupAMFName != "" && a.BackupAMFName == a.Name:
		return errorf("amf.backup_amf_name", "names this AMF (amf.name %q): the backup is another instance of the AMF set", a.Name)
	case a.SetID > maxSetID:
		return errorf("amf.set_id", "must be 0..%d (10 bits), got %d", maxSetID, a.SetID)
	case a.Pointer > maxPointer:
		return errorf("amf.pointer", "must be 0..%d (6 bits), got %d", maxPointer, a.Pointer)
	case a.T3512 < 2*time.Second:
		return errorf("amf.t3512", "must be at least 2s, got %s", a.T3512)
	case a.T3513 < 100*time.Millisecond:
		return errorf("amf.t3513", "must be at least 100ms, got %s", a.T3513)
	case a.PagingAttempts < 1 || a.PagingAttempts > 10:
		return errorf("amf.paging_attempts", "must be 1..10, got %d", a.PagingAttempts)
	case a.MobileReachable != 0 && a.MobileReachable <= a.T3512:
		return errorf("amf.mobile_reachable", "must be longer than amf.t3512 (%s) or 0s for t3512 + 4m, got %s", a.T3512, a.MobileReachable)
	case a.ImplicitDeregistration < time.Second:
		return errorf("amf.implicit_deregistration", "must be at least 1s, got %s", a.ImplicitDeregistration)
	case a.MaxRegistering == 0:
		return errorf("amf.max_registering", "must be at least 1")
	case a.Deadlines.Authentication < 10*time.Millisecond || a.Deadlines.Authentication >= 15*time.Second:
		return errorf("amf.deadlines.authentication", "must be 10ms to under 15s (the UE's T3510, TS 24.501 §10.2), got %s", a.Deadlines.Authentication)
	case a.Deadlines.Subscription < 10*time.Millisecond || a.Deadlines.Subscription >= 15*time.Second:
		return errorf("amf.deadlines.subscription", "must be 10ms to under 15s (the UE's T3510, TS 24.501 §10.2), got %s", a.Deadlines.Subscription)
	case a.Deadlines.Session < 10*time.Millisecond || a.Deadlines.Session > time.Minute:
		return errorf("amf.deadlines.session", "must be 10ms to 1m, got %s", a.Deadlines.Session)
	case a.Deadlines.Reactivation < 10*time.Millisecond || a.Deadlines.Reactivation >= 15*time.Second:
		return errorf("amf.deadlines.reactivation", "must be 10ms to under 15s (the UE's T3517, TS 24.501 §10.2), got %s", a.Deadlines.Reactivation)
	case a.T3502 < 2*time.Second || a.T3502 > maxGPRSTimer2:
		return errorf("amf.t3502", "must be 2s to %s (GPRS timer 2, TS 24.008 §10.5.7.4), got %s", maxGPRSTimer2, a.T3502)
	}
	if err := a.validateEmergencyNumbers(); err != nil {
		return err
	}
	if err := a.validateNITZ(); err != nil {
		return err
	}
	if err := a.validateServiceArea(); err != nil {
		return err
	}
	if err := algorithms("amf.integrity", "NIA", a.Integrity); err != nil {
		return err
	}
	return algorithms("amf.ciphering", "NEA", a.Ciphering)
}

// validateEmergencyNumbers checks the emergency number list: digits,
// categories, no number twice, and the size of the IE (TS 24.008
// §10.5.3.13: at most 48 octets of entries).
func (a AMF) validateEmergencyNumbers() *Error {
	seen := map[string]int{}
	size := 0
	for i, n := range a.EmergencyNumbers {
		key := index("amf.emergency_numbers", i)
		if n.Number == "" || len(n.Number) > maxEmergencyDigits || strings.Trim(n.Number, "0123456789") != "" {
			return errorf(key+".number", "must be 1 to %d digits, got %q", maxEmergencyDigits, n.Number)
		}
		if j, dup := seen[n.Number]; dup {
			return errorf(key+".number", "%s is also amf.emergency_numbers[%d]", n.Number, j)
		}
		seen[n.Number] = i
		for k, c := range n.Categories {
			if _, ok := EmergencyCategory(c); !ok {
				return errorf(fmt.Sprintf("%s.categories[%d]", key, k), "must be police, ambulance, fire, marine or mountain, got %q", c)
			}
		}
		size += 2 + (len(n.Number)+1)/2
	}
	if size > maxEmergencyListOctets {
		return errorf("amf.emergency_numbers", "take %d octets, more than the %d an emergency number list holds (TS 24.008 §10.5.3.13)", size, maxEmergencyListOctets)
	}
	return nil
}

// validateServiceArea checks the allowed tracking areas: one partial
// service area list holds at most 16 (TS 24.501 §9.11.3.49).
func (a AMF) validateServiceArea() *Error {
	if len(a.ServiceAreaTACs) > maxServiceAreaTACs {
		return errorf("amf.service_area_tacs", "must list at most %d TACs (TS 24.501 §9.11.3.49), got %d", maxServiceAreaTACs, len(a.ServiceAreaTACs))
	}
	seen := map[uint32]int{}
	for i, t := range a.ServiceAreaTACs {
		key := index("amf.service_area_tacs", i)
		switch {
		case t > maxTAC:
			return errorf(key, "must be 0..%d (24 bits), got %d", maxTAC, t)
		case t == deletedTAC:
			return errorf(key, "%d marks a deleted tracking area (TS 24.501 §9.11.3.8)", t)
		}
		if j, dup := seen[t]; dup {
			return errorf(key, "%d is also amf.service_area_tacs[%d]", t, j)
		}
		seen[t] = i
	}
	return nil
}

// algorithms checks a NAS algorithm preference list.
func algorithms(key, family string, names []string) *Error {
	if len(names) == 0 {
		return errorf(key, "must list at least one algorithm")
	}
	seen := map[string]bool{}
	for i, n := range names {
		k := fmt.Sprintf("%s[%d]", key, i)
		if _, ok := NASAlgorithm(n); !ok || n[:3] != family {
			return errorf(k, "must be one of %s0..%s3, got %q", family, family, n)
		}
		if n == "NIA0" {
			return errorf(k, "NIA0 is null integrity, refused outside emergency services (TS 24.501 §5.4.2.2)")
		}
		if seen[n] {
			return errorf(k, "repeats %s", n)
		}
		seen[n] = true
	}
	return nil
}

func (c Config) validateDNNs() *Error {
	if len(c.DNNs) == 0 {
		return errorf("dnns", "must list at least one data network")
	}
	for i, n := range c.DNNs {
		if err := n.validate(index("dnns", i)); err != nil {
			return err
		}
	}
	for j, b := range c.DNNs {
		for i, a := range c.DNNs[:j] {
			// TS 23.003 §9.1: the case of letters is not significant.
			if strings.EqualFold(a.Name, b.Name) {
				return errorf(index("dnns", j)+".name", "%q is also dnns[%d].name", b.Name, i)
			}
			for _, pool := range []struct {
				key  string
				a, b netip.Prefix
			}{
				{"ipv4_pool", a.IPv4Pool, b.IPv4Pool},
				{"ipv6_pool", a.IPv6Pool, b.IPv6Pool},
			} {
				if pool.a.IsValid() && pool.b.IsValid() && pool.a.Overlaps(pool.b) {
					return errorf(index("dnns", j)+"."+pool.key, "%s of dnn %q overlaps %s of dnn %q (dnns[%d].%s)",
						pool.b, b.Name, pool.a, a.Name, i, pool.key)
				}
			}
		}
	}
	return nil
}

func (n DNN) validate(key string) *Error {
	if err := validateDNNName(key+".name", n.Name); err != nil {
		return err
	}
	if !n.IPv4Pool.IsValid() && !n.IPv6Pool.IsValid() {
		return errorf(key+".ipv4_pool", "must be set unless ipv6_pool is")
	}
	if n.IPv4Pool.IsValid() {
		if err := validatePool(key+".ipv4_pool", n.IPv4Pool, false); err != nil {
			return err
		}
	}
	if n.IPv6Pool.IsValid() {
		if err := validatePool(key+".ipv6_pool", n.IPv6Pool, true); err != nil {
			return err
		}
	}
	if err := validateUnicastList(key+".dns", "dns", n.DNS); err != nil {
		return err
	}
	if err := validateUnicastList(key+".pcscf", "pcscf", n.PCSCF); err != nil {
		return err
	}
	if n.MTU < minMTU || n.MTU > maxMTU {
		return errorf(key+".mtu", "must be %d..%d, got %d", minMTU, maxMTU, n.MTU)
	}
	if len(n.PCCRules) > 62 {
		// TS 23.501 §5.7.1.1: QFIs 2 to 63 for the flows beside the default.
		return errorf(key+".pcc_rules", "%d rules, at most 62 (one QoS flow each)", len(n.PCCRules))
	}
	for i, r := range n.PCCRules {
		rk := index(key+".pcc_rules", i)
		if _, err := r.Rule(); err != nil {
			var pe *sbi.PCCRuleError
			if errors.As(err, &pe) {
				return errorf(rk+"."+pe.Field, "%s", pe.Reason)
			}
			return errorf(rk, "%v", err)
		}
		for j := range i {
			if n.PCCRules[j].ID == r.ID {
				return errorf(rk+".id", "%q is also %s.pcc_rules[%d].id", r.ID, key, j)
			}
		}
	}
	return nil
}

// validatePool checks a UE address pool: a network address of the right
// family, long enough not to swallow the address space and short enough
// to hold UEs, clear of special-purpose ranges.
func validatePool(key string, p netip.Prefix, v6 bool) *Error {
	family, minBits, maxBits := "IPv4", 8, 30
	if v6 {
		// Each UE gets a /64, so a /64 pool holds one UE.
		family, minBits, maxBits = "IPv6", 16, 64
	}
	a := p.Addr()
	if a.Is6() != v6 || a.Is4In6() {
		return errorf(key, "must be an %s network, got %s", family, p)
	}
	if m := p.Masked(); m != p {
		return errorf(key, "has host bits set: the network is %s, got %s", m, p)
	}
	if p.Bits() < minBits || p.Bits() > maxBits {
		return errorf(key, "must be /%d to /%d, got /%d", minBits, maxBits, p.Bits())
	}
	for _, s := range specialPrefixes(v6) {
		if p.Overlaps(s.prefix) {
			return errorf(key, "%s overlaps %s, the %s range", p, s.prefix, s.name)
		}
	}
	return nil
}

type special struct {
	prefix netip.Prefix
	name   string
}

// specialPrefixes lists ranges UE addresses must not come from (RFC 6890).
func specialPrefixes(v6 bool) []special {
	if v6 {
		return []special{
			{netip.MustParsePrefix("::/8"), "reserved (loopback, unspecified, IPv4-mapped)"},
			{netip.MustParsePrefix("fe80::/10"), "link-local"},
			{netip.MustParsePrefix("ff00::/8"), "multicast"},
		}
	}
	return []special{
		{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
		{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
		{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
		{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
		{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	}
}

// validateDNNName checks a DNN against TS 23.003 §9.1 (ident.DNN):
// labels of letters, digits and hyphens, each beginning and ending with a
// letter or digit, at most 100 octets encoded.
func validateDNNName(key, name string) *Error {
	err := ident.DNN(name).Validate()
	if err == nil {
		return nil
	}
	var e *ident.Error
	if errors.As(err, &e) {
		return errorf(key, "%s (TS 23.003 §9.1), got %q", e.Want, name)
	}
	return errorf(key, "%v", err)
}

// validatePeers checks upf.n4.peers and smf.n4.peers: unicast addresses,
// each listed once.
func (c Config) validatePeers() *Error {
	for _, l := range []struct {
		key   string
		peers []netip.Addr
	}{{"upf.n4.peers", c.UPF.N4.Peers}, {"smf.n4.peers", c.SMF.N4.Peers}} {
		if err := validateUnicastList(l.key, l.key, l.peers); err != nil {
			return err
		}
	}
	if a := c.SMF.N4.Address; a.IsValid() {
		if err := validateUnicastList("smf.n4.address", "smf.n4.address", []netip.Addr{a}); err != nil {
			return errorf("smf.n4.address", "%s", err.Problem)
		}
	}
	return nil
}

// validateDLBuffer checks upf.dl_buffer: room for at least one packet
// of the largest DNN MTU, at most the UPF's total of 8192 packets and 1
// GiB, a time between 100 ms and an hour.
func (c Config) validateDLBuffer() *Error {
	b := c.UPF.DLBuffer
	mtu := uint32(576)
	for _, d := range c.DNNs {
		mtu = max(mtu, uint32(d.MTU))
	}
	switch {
	case b.Packets < 1 || b.Packets > 8192:
		return errorf("upf.dl_buffer.packets", "must be 1 to 8192, got %d", b.Packets)
	case b.Bytes < mtu || b.Bytes > 1<<30:
		return errorf("upf.dl_buffer.bytes", "must be %d (the largest DNN mtu) to 1073741824, got %d", mtu, b.Bytes)
	case b.Time < 100*time.Millisecond || b.Time > time.Hour:
		return errorf("upf.dl_buffer.time", "must be 100ms to 1h, got %s", b.Time)
	}
	return nil
}

// A listener is one address Keel binds.
type listener struct {
	key   string
	proto string
	addr  netip.AddrPort
	// anyPort allows port 0: the system picks a free port.
	anyPort bool
	// advertised means peers are sent this address, so it must be a
	// specific one.
	advertised bool
}

func (c Config) validateHTTPTLS() *Error {
	t := c.HTTP.TLS
	if (t.Certificate == "") != (t.Key == "") {
		return errorf("http.tls", "certificate and key go together: give both PEM files or neither")
	}
	for _, f := range [...]struct{ key, path string }{{"http.tls.certificate", t.Certificate}, {"http.tls.key", t.Key}} {
		if strings.IndexByte(f.path, 0) >= 0 {
			return errorf(f.key, "must not contain a NUL byte")
		}
	}
	return nil
}

func (c Config) validateListeners() *Error {
	ls := []listener{
		{key: "n2.address", proto: "SCTP", addr: c.N2.Address},
		{key: "n4.address", proto: "UDP", addr: c.N4.Address},
		// The SMF gives gNBs this address as the uplink tunnel endpoint.
		{key: "n3.address", proto: "UDP", addr: c.N3.Address, advertised: true},
		{key: "http.address", proto: "TCP", addr: c.HTTP.Address, anyPort: true},
	}
	if !c.AllInOne() {
		// validateSBI checked the address itself.
		ls = append(ls, listener{key: "sbi.address", proto: "TCP", addr: c.SBI.Address, anyPort: true, advertised: true})
	}
	for _, l := range ls {
		a := l.addr.Addr()
		switch {
		case !a.IsValid():
			return errorf(l.key, "must be an IP address and port such as 127.0.0.1:38412")
		case l.addr.Port() == 0 && !l.anyPort:
			return errorf(l.key, "port 0 is not allowed: peers must know the port, got %s", l.addr)
		case a.IsMulticast():
			return errorf(l.key, "must be a unicast address, got %s", l.addr)
		case l.advertised && a.IsUnspecified():
			return errorf(l.key, "must be a specific address, not %s: gNBs are told it as the N3 tunnel endpoint", a)
		}
		if l.key == "n2.address" {
			if err := c.N2.validateSCTP(); err != nil {
				return err
			}
		}
	}
	for j, b := range ls {
		for _, a := range ls[:j] {
			if a.proto == b.proto && a.addr.Port() == b.addr.Port() && b.addr.Port() != 0 &&
				(a.addr.Addr() == b.addr.Addr() || a.addr.Addr().IsUnspecified() || b.addr.Addr().IsUnspecified()) {
				return errorf(b.key, "%s clashes with %s %s: both are %s on port %d", b.addr, a.key, a.addr, b.proto, b.addr.Port())
			}
		}
	}
	return nil
}

func (n N2) validateSCTP() *Error {
	switch n.SCTP {
	case SCTPAuto, SCTPKernel, SCTPUserspace:
		return nil
	}
	return errorf("n2.sctp", "must be auto, kernel or userspace, got %q", n.SCTP)
}

// MinMemoryLimit is the smallest memory_limit other than 0: below it the
// idle core alone (some 30 MiB of heap with its UPF's buffers) keeps the
// collector running without pause.
const MinMemoryLimit ByteSize = 64 << 20

func (c Config) validateMemoryLimit() *Error {
	if c.MemoryLimit != 0 && c.MemoryLimit < MinMemoryLimit {
		return errorf("memory_limit", "must be 0 (no limit) or at least %v, got %v", MinMemoryLimit, c.MemoryLimit)
	}
	return nil
}

func (c Config) validateDataDir() *Error {
	switch {
	case c.DataDir == "":
		return errorf("data_dir", "must not be empty")
	case strings.IndexByte(c.DataDir, 0) >= 0:
		return errorf("data_dir", "must not contain a NUL byte, got %q", c.DataDir)
	}
	return nil
}

// validate checks that url, when set, is a PostgreSQL URL. Problems name
// the URL without its password.
func (s Store) validate() *Error {
	if s.URL == "" {
		return nil
	}
	if strings.ContainsAny(s.URL, "\x00\n") {
		return errorf("store.url", "must not contain a NUL or newline")
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return errorf("store.url", "is not a URL (postgres://user:password@host:port/database)")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return errorf("store.url", "must be a postgres:// or postgresql:// URL, got scheme %q in %s", u.Scheme, u.Redacted())
	}
	if u.Opaque != "" {
		return errorf("store.url", "must be postgres://host/database, got %s", u.Redacted())
	}
	if db := strings.TrimPrefix(u.Path, "/"); db == "" || strings.Contains(db, "/") {
		return errorf("store.url", "must name one database in its path (postgres://host/keel), got %s", u.Redacted())
	}
	return nil
}

func (l Log) validate() *Error {
	switch l.Format {
	case LogText, LogJSON:
	default:
		return errorf("log.format", "must be text or json, got %q", l.Format)
	}
	switch l.Level {
	case LogDebug, LogInfo, LogWarn, LogError:
	default:
		return errorf("log.level", "must be debug, info, warn or error, got %q", l.Level)
	}
	return nil
}

func isDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isPrintableString reports whether s holds only characters of the ASN.1
// PrintableString type (ITU-T X.680), which NGAP uses for the AMF Name.
func isPrintableString(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune(" '()+,-./:=?", rune(c)) {
			return false
		}
	}
	return true
}

// validateUnicastList checks a list of unicast IP addresses without
// repeats at key; a repeat names its first place as name[j].
func validateUnicastList(key, name string, addrs []netip.Addr) *Error {
	for i, a := range addrs {
		k := index(key, i)
		switch {
		case !a.IsValid():
			return errorf(k, "must be an IP address")
		case a.Zone() != "":
			return errorf(k, "must not have a zone, got %s", a)
		case a.Is4In6():
			return errorf(k, "must be written as IPv4, got %s", a)
		case a.IsUnspecified() || a.IsMulticast():
			return errorf(k, "must be a unicast address, got %s", a)
		}
		for j, b := range addrs[:i] {
			if a == b {
				return errorf(k, "%s is also %s[%d]", a, name, j)
			}
		}
	}
	return nil
}

// maxNetworkNameLen bounds a network name: its IE (TS 24.008 §10.5.3.5a)
// has one length octet, and a name in UCS2 takes two octets a character.
const maxNetworkNameLen = 100

// validateNITZ checks the network names and resolves the time zone.
func (a AMF) validateNITZ() *Error {
	for _, n := range [...]struct{ key, name string }{
		{"amf.network_name.full", a.NetworkName.Full},
		{"amf.network_name.short", a.NetworkName.Short},
	} {
		if utf8.RuneCountInString(n.name) > maxNetworkNameLen || !utf8.ValidString(n.name) {
			return errorf(n.key, "must be at most %d characters of UTF-8, got %q", maxNetworkNameLen, n.name)
		}
	}
	if _, err := a.Location(); err != nil {
		return errorf("amf.time_zone", "must be an IANA time zone name such as UTC or Europe/Paris, got %q", a.TimeZone)
	}
	return nil
}

// Location resolves TimeZone ("" is UTC) from the time zone database
// Keel carries.
func (a AMF) Location() (*time.Location, error) {
	if a.TimeZone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(a.TimeZone)
}
