package sm

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Inputs of the golden messages. Values are chosen so that swapped
// nibbles or fields show: SSC mode differs from the PDU session type,
// uplink and downlink AMBR take different units.
var (
	iid = [8]byte{0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77}
	// IPv4, SSC mode 2, S-NSSAI with SD, DNS and MTU requested.
	acceptIPv4 = Accept{
		PDUSessionID: 5, PTI: 0x2a, PDUType: PDUTypeIPv4, SSCMode: SSCMode2,
		QFI: 1, FiveQI: 9,
		AMBRUplink: 100_000_000, AMBRDownlink: 1_000_000_000,
		IPv4: netip.MustParseAddr("10.45.0.7"),
		SST:  1, SD: 0xabcdef, HasSD: true,
		DNN: "internet",
		DNS: []netip.Addr{netip.MustParseAddr("8.8.8.8")},
		MTU: 1400,
	}
	// IPv4v6, SSC mode 1, two DNS servers, a downlink AMBR that rounds.
	acceptIPv4v6 = Accept{
		PDUSessionID: 1, PTI: 1, PDUType: PDUTypeIPv4v6, SSCMode: SSCMode1,
		QFI: 1, FiveQI: 9,
		AMBRUplink: 2_000_000_000, AMBRDownlink: 5_000_000_000_000,
		IPv4:    netip.MustParseAddr("10.45.0.8"),
		IPv6IID: iid, HasIPv6: true,
		SST: 1,
		DNN: "ims",
		DNS: []netip.Addr{netip.MustParseAddr("8.8.4.4"), netip.MustParseAddr("2001:4860:4860::8888")},
	}
	// IPv6 only after an IPv4v6 request (#51), SSC mode 3, QFI 63, no
	// DNN, no ePCO.
	acceptIPv6 = Accept{
		PDUSessionID: 15, PTI: 0xfe, PDUType: PDUTypeIPv6, SSCMode: SSCMode3,
		QFI: 63, FiveQI: 5,
		AMBRUplink: 0, AMBRDownlink: 65_535_000,
		IPv6IID: iid, HasIPv6: true,
		SST:   2,
		Cause: CausePDUSessionTypeIPv6OnlyAllowed,
	}
	// IPv4v6 on an IMS DNN: DNS and P-CSCF servers of both families.
	acceptIMS = Accept{
		PDUSessionID: 2, PTI: 3, PDUType: PDUTypeIPv4v6, SSCMode: SSCMode1,
		QFI: 1, FiveQI: 5,
		IPv4:    netip.MustParseAddr("10.46.0.2"),
		IPv6IID: iid, HasIPv6: true,
		SST:   1,
		DNN:   "ims",
		DNS:   []netip.Addr{netip.MustParseAddr("2001:db8::53")},
		PCSCF: []netip.Addr{netip.MustParseAddr("10.46.0.1"), netip.MustParseAddr("2001:db8::5060")},
	}
	// A UE asking for P-CSCF addresses of both families and IPv6 DNS.
	requestIMS = EstablishmentRequest{
		Header:    Header{PDUSessionID: 2, PTI: 3, MessageType: MsgEstablishmentRequest},
		PDUType:   PDUTypeIPv4v6,
		WantDNSv6: true, WantPCSCFv4: true, WantPCSCFv6: true,
	}
	requestAll = EstablishmentRequest{
		Header:  Header{PDUSessionID: 5, PTI: 0x2a, MessageType: MsgEstablishmentRequest},
		PDUType: PDUTypeIPv4v6, SSCMode: SSCMode1,
		WantDNSv4: true, WantDNSv6: true, WantMTU: true,
	}
)

func mustAccept(t testing.TB, a Accept) []byte {
	t.Helper()
	b, err := EstablishmentAccept(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Encode-golden bytes, laid out by hand from the message tables of TS
// 24.501 §8.3 and the IE figures of §9.11.4 (not from the encoder).
func TestBuildersGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"EstablishmentAccept/IPv4", mustAccept(t, acceptIPv4), "" +
			"2e 05 2a c2" + // EPD, PSI 5, PTI 42, message type
			"21" + // SSC mode 2 (bits 5-7), PDU session type IPv4 (bits 1-3)
			// QoS rules, LV-E: rule 1, length 6, create (001) + DQR + 1
			// filter, filter bidirectional (11) id 1 of 1 octet: match-all,
			// precedence 255, segregation 0 + QFI 1.
			"0009 01 0006 31 31 01 01 ff 01" +
			// Session AMBR: DL unit 16 kbps (3) x 62500, UL unit 4 kbps (2) x 25000.
			"06 03 f424 02 61a8" +
			"29 05 01 0a2d0007" + // PDU address IPv4 10.45.0.7
			"22 04 01 abcdef" + // S-NSSAI SST 1 SD abcdef
			// Authorized QoS flow descriptions, TLV-E: QFI 1, create (001),
			// E=1 and 1 parameter: 5QI (1) of 1 octet: 9.
			"79 0006 01 20 41 01 01 09" +
			// ePCO, TLV-E: ext + PPP, DNS IPv4 (000d) 8.8.8.8, IPv4 link MTU (0010) 1400.
			"7b 000d 80 000d 04 08080808 0010 02 0578" +
			"25 09 08 696e7465726e6574"}, // DNN "internet"
		{"EstablishmentAccept/IPv4v6", mustAccept(t, acceptIPv4v6), "" +
			"2e 01 01 c2 13" +
			"0009 01 0006 31 31 01 01 ff 01" +
			// DL 5 Tbps in 256 Mbps units (0a): 19531 (rounded down); UL 2 Gbps
			// in 64 kbps units (04): 31250.
			"06 0a 4c4b 04 7a12" +
			// PDU address IPv4v6: interface identifier, then IPv4 10.45.0.8.
			"29 0d 03 0211223344556677 0a2d0008" +
			"22 01 01" +
			"79 0006 01 20 41 01 01 09" +
			"7b 001b 80 000d 04 08080404 0003 10 20014860486000000000000000008888" +
			"25 04 03 696d73"},
		{"EstablishmentAccept/IPv6", mustAccept(t, acceptIPv6), "" +
			"2e 0f fe c2 32" +
			"0009 01 0006 31 31 01 01 ff 3f" +
			"06 01 ffff 01 0000" + // DL 65535 kbps, UL 0
			"59 33" + // 5GSM cause #51
			"29 09 02 0211223344556677" +
			"22 01 02" +
			"79 0006 3f 20 41 01 01 05"},
		{"EstablishmentAccept/IMS", mustAccept(t, acceptIMS), "" +
			"2e 02 03 c2 13" +
			"0009 01 0006 31 31 01 01 ff 01" +
			"06 01 0000 01 0000" +
			"29 0d 03 0211223344556677 0a2e0002" +
			"22 01 01" +
			"79 0006 01 20 41 01 01 05" +
			// ePCO: ext + PPP; DNS IPv6 (0003) 2001:db8::53; P-CSCF IPv4
			// (000c) 10.46.0.1; P-CSCF IPv6 (0001) 2001:db8::5060 (TS
			// 24.008 §10.5.6.3, table 10.5.154).
			"7b 002e 80 0003 10 20010db8000000000000000000000053" +
			"000c 04 0a2e0001 0001 10 20010db8000000000000000000005060" +
			"25 04 03 696d73"},
		{"EstablishmentReject", EstablishmentReject(nil, 5, 0x2a, CauseMissingOrUnknownDNN), "2e 05 2a c3 1b"},
		// #26 with the Back-off timer value IE (TS 24.501 §8.3.3.2): IEI
		// 37, length 1, GPRS timer 3 (§9.11.2.5, TS 24.008 §10.5.7.4a)
		// unit 100 (30 seconds) value 4: 100 00100.
		{"EstablishmentRejectBackOff", EstablishmentRejectBackOff(nil, 5, 0x2a, CauseInsufficientResources, 2*time.Minute), "2e 05 2a c3 1a 37 01 84"},
		{"ReleaseCommand", ReleaseCommand(nil, 5, NoPTI, CauseRegularDeactivation), "2e 05 00 d3 24"},
		{"ReleaseReject", ReleaseReject(nil, 5, 7, CausePDUSessionDoesNotExist), "2e 05 07 d2 36"},
		{"Status", Status(nil, 5, 7, CauseInvalidMandatoryInformation), "2e 05 07 d6 60"},
		// Integrity protection maximum data rate full/full, PDU session
		// type IPv4v6 (9-), SSC mode 1 (A-), ePCO with the three requests
		// of empty contents.
		{"AppendEstablishmentRequest", AppendEstablishmentRequest(nil, requestAll),
			"2e 05 2a c1 ffff 93 a1 7b 000a 80 000d00 000300 001000"},
		// P-CSCF IPv4 (000c) and IPv6 (0001) address requests after the
		// DNS one, no SSC mode.
		{"AppendEstablishmentRequest/IMS", AppendEstablishmentRequest(nil, requestIMS),
			"2e 02 03 c1 ffff 93 7b 000a 80 000300 000c00 000100"},
		{"AppendReleaseRequest", AppendReleaseRequest(nil, 5, 3, CauseRegularDeactivation), "2e 05 03 d1 59 24"},
		{"AppendReleaseComplete", AppendReleaseComplete(nil, 5, 0, 0), "2e 05 00 d4"},
	} {
		if want := unhex(t, c.want); string(c.got) != string(want) {
			t.Errorf("%s = %x, want %x", c.name, c.got, want)
		}
	}
}

// The builders append to the caller's buffer without disturbing it.
func TestBuildersAppend(t *testing.T) {
	prefix := []byte{0xde, 0xad}
	b, err := EstablishmentAccept(prefix[:2:2], acceptIPv4)
	if err != nil || string(b[:2]) != "\xde\xad" || string(b[2:]) != string(mustAccept(t, acceptIPv4)) {
		t.Errorf("EstablishmentAccept(prefix) = %x, %v", b, err)
	}
	if b := Status(prefix[:2:2], 1, 2, 3); string(b) != "\xde\xad\x2e\x01\x02\xd6\x03" {
		t.Errorf("Status(prefix) = %x", b)
	}
}

func TestEstablishmentAcceptRoundTrip(t *testing.T) {
	for _, a := range []Accept{acceptIPv4, acceptIPv4v6, acceptIPv6, acceptIMS} {
		b := mustAccept(t, a)
		got, err := ParseEstablishmentAccept(b)
		if err != nil {
			t.Fatalf("ParseEstablishmentAccept(%x) = %v", b, err)
		}
		want := a
		// The session AMBR comes back rounded down to its unit.
		want.AMBRDownlink = roundAMBR(a.AMBRDownlink)
		want.AMBRUplink = roundAMBR(a.AMBRUplink)
		if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
			t.Errorf("ParseEstablishmentAccept(EstablishmentAccept(%+v)) differs (-want +got):\n%s", a, diff)
		}
	}
}

func roundAMBR(bps uint64) uint64 {
	r, _ := ambrRate(ambr(bps))
	return r
}

func TestEstablishmentAcceptRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Accept)
	}{
		{"no PDU session type", func(a *Accept) { a.PDUType = 0 }},
		{"Ethernet", func(a *Accept) { a.PDUType = PDUTypeEthernet }},
		{"IPv4 without address", func(a *Accept) { a.IPv4 = netip.Addr{} }},
		{"IPv4 with an IPv6 address as IPv4", func(a *Accept) { a.IPv4 = netip.MustParseAddr("2001:db8::1") }},
		{"IPv4 with an interface identifier", func(a *Accept) { a.HasIPv6 = true }},
		{"IPv6 without interface identifier", func(a *Accept) { a.PDUType, a.IPv4 = PDUTypeIPv6, netip.Addr{} }},
		{"IPv4v6 without interface identifier", func(a *Accept) { a.PDUType = PDUTypeIPv4v6 }},
		{"SSC mode 0", func(a *Accept) { a.SSCMode = 0 }},
		{"SSC mode 4", func(a *Accept) { a.SSCMode = 4 }},
		{"QFI 0", func(a *Accept) { a.QFI = 0 }},
		{"QFI 64", func(a *Accept) { a.QFI = 64 }},
		{"SD over 24 bits", func(a *Accept) { a.SD = 1 << 24 }},
		{"empty DNN label", func(a *Accept) { a.DNN = "a..b" }},
		{"trailing dot", func(a *Accept) { a.DNN = "internet." }},
		{"DNN underscore", func(a *Accept) { a.DNN = "my_dnn" }},
		{"DNN label of 64", func(a *Accept) { a.DNN = strings.Repeat("a", 64) }},
		{"DNN over 100 octets", func(a *Accept) { a.DNN = strings.Repeat("abcdefghi.", 10) + "a" }},
		{"invalid DNS address", func(a *Accept) { a.DNS = []netip.Addr{{}} }},
	} {
		a := acceptIPv4
		c.edit(&a)
		if b, err := EstablishmentAccept(nil, a); err == nil {
			t.Errorf("%s: EstablishmentAccept = %x, nil error", c.name, b)
		}
	}
	// An IPv4-mapped IPv6 address is the IPv4 address.
	a := acceptIPv4
	a.IPv4 = netip.AddrFrom16(a.IPv4.As16())
	a.DNS = []netip.Addr{netip.AddrFrom16(netip.MustParseAddr("8.8.8.8").As16())}
	if b, err := EstablishmentAccept(nil, a); err != nil || string(b) != string(mustAccept(t, acceptIPv4)) {
		t.Errorf("EstablishmentAccept(IPv4-mapped) = %x, %v, want the IPv4 encoding", b, err)
	}
}

// TS 24.501 §9.11.4.14, table 9.11.4.14.1.
func TestAMBRUnits(t *testing.T) {
	for _, c := range []struct {
		bps   uint64
		unit  uint8
		value uint16
	}{
		{0, 1, 0},
		{999, 1, 0},
		{65_535_000, 1, 65535},
		{65_536_000, 2, 16384},              // 4 kbps
		{100_000_000, 2, 25000},             // 4 kbps
		{1_000_000_000, 3, 62500},           // 16 kbps
		{256_000 * 65535, 5, 65535},         // 256 kbps
		{256_000*65535 + 256_000, 6, 16777}, // 1 Mbps, rounded down
		{100_000_000_000, 7, 25000},         // 4 Mbps
		{5_000_000_000_000, 10, 19531},      // 256 Mbps, rounded down
		{65535 * 1_000_000_000, 11, 65535},  // 1 Gbps
		{1 << 63, 20, 36028},                // 256 Tbps
		{^uint64(0), 21, 18446},             // 1 Pbps
	} {
		u, v := ambr(c.bps)
		r, ok := ambrRate(u, v)
		if !ok || r > c.bps || c.bps-r >= func() uint64 { m, _ := ambrRate(u, 1); return m }() {
			t.Errorf("ambrRate(ambr(%d)) = %d, %t: not the value rounded down to the unit", c.bps, r, ok)
		}
		if u != c.unit || v != c.value {
			t.Errorf("ambr(%d) = unit %d value %d, want unit %d value %d", c.bps, u, v, c.unit, c.value)
		}
	}
	for _, c := range []struct {
		unit uint8
		bps  uint64
	}{{1, 1e3}, {5, 256e3}, {6, 1e6}, {10, 256e6}, {11, 1e9}, {16, 1e12}, {21, 1e15}, {25, 256e15}} {
		if r, ok := ambrRate(c.unit, 1); !ok || r != c.bps {
			t.Errorf("unit %d = %d bit/s, want %d", c.unit, r, c.bps)
		}
	}
	for _, u := range []uint8{0, 26, 255} {
		if _, ok := ambrRate(u, 1); ok {
			t.Errorf("ambrRate(unit %d) accepted", u)
		}
	}
}

func TestParseEstablishmentRequest(t *testing.T) {
	hdr := "2e 05 2a c1 ffff"
	for _, c := range []struct {
		name string
		in   string
		want EstablishmentRequest
	}{
		{"mandatory only", hdr, EstablishmentRequest{}},
		{"type and mode", hdr + "91 a2", EstablishmentRequest{PDUType: 1, SSCMode: 2}},
		// §9.11.4.16: 4-6 are read as SSC modes 1-3, 0 and 7 as absent.
		{"SSC mode 5", hdr + "a5", EstablishmentRequest{SSCMode: 2}},
		{"SSC mode 7", hdr + "a7", EstablishmentRequest{}},
		{"repeated type: the first", hdr + "92 91", EstablishmentRequest{PDUType: 2}},
		// 5GSM capability (TLV), maximum number of supported packet filters
		// (TV 3: must not be read as TLV), always-on requested (type 1),
		// SM PDU DN request container (TLV), then the ePCO.
		{"other IEs first", hdr + "93 28 01 00 55 0010 b1 39 02 6162 7b 0004 80 000300",
			EstablishmentRequest{PDUType: 3, WantDNSv6: true}},
		{"ePCO IPv4 DNS and MTU", hdr + "7b 0007 80 000d00 001000", EstablishmentRequest{WantDNSv4: true, WantMTU: true}},
		// A PPP IPCP configuration (8021) with contents is skipped.
		{"ePCO with IPCP", hdr + "7b 000e 80 8021 07 01000007810600 000d00", EstablishmentRequest{WantDNSv4: true}},
		{"PCO", hdr + "27 04 80 000d00", EstablishmentRequest{WantDNSv4: true}},
		{"ePCO P-CSCF IPv4 and IPv6", hdr + "7b 0007 80 000c00 000100", EstablishmentRequest{WantPCSCFv4: true, WantPCSCFv6: true}},
		{"PCO P-CSCF IPv6", hdr + "27 04 80 000100", EstablishmentRequest{WantPCSCFv6: true}},
		// §7.7.1: a malformed optional IE is treated as absent.
		{"ePCO container overrun", hdr + "7b 0004 80 000d05", EstablishmentRequest{}},
		{"ePCO without the ext bit", hdr + "7b 0004 00 000d00", EstablishmentRequest{}},
		{"truncated ePCO", hdr + "91 7b 0009 80 000d00", EstablishmentRequest{PDUType: 1}},
		{"truncated TLV", hdr + "28 05 00", EstablishmentRequest{}},
		// §7.6.1: unknown IEs that are not comprehension required are skipped.
		{"unknown TLV", hdr + "3f 02 0102 92", EstablishmentRequest{PDUType: 2}},
		{"unknown TLV-E", hdr + "7f 0002 0102 92", EstablishmentRequest{PDUType: 2}},
		{"unknown type 1", hdr + "f1 92", EstablishmentRequest{PDUType: 2}},
	} {
		got, err := ParseEstablishmentRequest(unhex(t, c.in))
		c.want.Header = Header{PDUSessionID: 5, PTI: 0x2a, MessageType: MsgEstablishmentRequest}
		if err != nil || got != c.want {
			t.Errorf("%s: ParseEstablishmentRequest(%s) = %+v, %v, want %+v", c.name, c.in, got, err, c.want)
		}
	}
}

// TS 24.501 §7: what the network ignores and what it answers with which cause.
func TestParseErrors(t *testing.T) {
	type parser func([]byte) (Header, error)
	est := func(b []byte) (Header, error) { r, err := ParseEstablishmentRequest(b); return r.Header, err }
	relReq := func(b []byte) (Header, error) { r, err := ParseReleaseRequest(b); return r.Header, err }
	relCpl := func(b []byte) (Header, error) { r, err := ParseReleaseComplete(b); return r.Header, err }
	for _, c := range []struct {
		name  string
		parse parser
		in    string
		cause uint8 // 0: Ignore
	}{
		{"empty", ParseHeader, "", 0},
		{"no message type", est, "2e 05 2a", 0},
		{"5GMM", ParseHeader, "7e 00 41", 0},
		{"not 5GSM", est, "7e 05 2a c1 ffff", 0},
		{"accept from the UE", ParseHeader, "2e 05 2a c2", CauseMessageTypeNonExistent},
		{"undefined type", ParseHeader, "2e 05 2a 00", CauseMessageTypeNonExistent},
		{"undefined type to a parser", relReq, "2e 05 2a ff", CauseMessageTypeNonExistent},
		{"release request as establishment", est, "2e 05 2a d1", CauseMessageTypeNotCompatible},
		{"establishment as release complete", relCpl, "2e 05 2a c1 ffff", CauseMessageTypeNotCompatible},
		{"PTI unassigned", est, "2e 05 00 c1 ffff", CauseInvalidPTIValue},
		{"PTI reserved", est, "2e 05 ff c1 ffff", CauseInvalidPTIValue},
		{"release request PTI unassigned", relReq, "2e 05 00 d1", CauseInvalidPTIValue},
		{"PSI unassigned", est, "2e 00 2a c1 ffff", CauseInvalidPDUSessionIdentity},
		{"PSI reserved", est, "2e 10 2a c1 ffff", CauseInvalidPDUSessionIdentity},
		{"PTI checked before PSI", est, "2e 00 00 c1 ffff", CauseInvalidPTIValue},
		{"release complete PSI reserved", relCpl, "2e ff 00 d4", CauseInvalidPDUSessionIdentity},
		{"no integrity protection maximum data rate", est, "2e 05 2a c1 ff", CauseInvalidMandatoryInformation},
		{"comprehension required", est, "2e 05 2a c1 ffff 05 01 00", CauseInvalidMandatoryInformation},
		{"release comprehension required", relReq, "2e 05 2a d1 0f 00", CauseInvalidMandatoryInformation},
	} {
		b := unhex(t, c.in)
		h, err := c.parse(b)
		if c.cause == 0 {
			if err != Ignore {
				t.Errorf("%s: parse(%s) = %v, want Ignore", c.name, c.in, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Cause != c.cause {
			t.Errorf("%s: parse(%s) = %v, want *Error with cause #%d", c.name, c.in, err, c.cause)
			continue
		}
		want := Header{PDUSessionID: b[1], PTI: b[2], MessageType: b[3]}
		if e.Header != want || h != want {
			t.Errorf("%s: header %+v, Error.Header %+v, want %+v for the answer", c.name, h, e.Header, want)
		}
		if !strings.HasPrefix(e.Error(), "sm: ") || e.Unwrap() == nil {
			t.Errorf("%s: Error() = %q, Unwrap() = %v", c.name, e.Error(), e.Unwrap())
		}
	}
}

func TestEstablishmentRequestRoundTrip(t *testing.T) {
	for _, typ := range []uint8{0, PDUTypeIPv4, PDUTypeIPv6, PDUTypeIPv4v6, PDUTypeUnstructured, PDUTypeEthernet} {
		for _, mode := range []uint8{0, SSCMode1, SSCMode2, SSCMode3} {
			for wants := range 8 {
				r := EstablishmentRequest{
					Header:    Header{PDUSessionID: 1 + typ, PTI: 1 + mode, MessageType: MsgEstablishmentRequest},
					PDUType:   typ,
					SSCMode:   mode,
					WantDNSv4: wants&1 != 0, WantDNSv6: wants&2 != 0, WantMTU: wants&4 != 0,
				}
				b := AppendEstablishmentRequest(nil, r)
				got, err := ParseEstablishmentRequest(b)
				if err != nil || got != r {
					t.Errorf("ParseEstablishmentRequest(AppendEstablishmentRequest(%+v)) = %+v, %v", r, got, err)
				}
			}
		}
	}
}

func TestReleaseRoundTrip(t *testing.T) {
	for _, cause := range []uint8{0, CauseRegularDeactivation, CauseProtocolErrorUnspecified} {
		r, err := ParseReleaseRequest(AppendReleaseRequest(nil, 3, 9, cause))
		want := Release{Header: Header{PDUSessionID: 3, PTI: 9, MessageType: MsgReleaseRequest}, Cause: cause}
		if err != nil || r != want {
			t.Errorf("ParseReleaseRequest(cause %d) = %+v, %v, want %+v", cause, r, err, want)
		}
		// A network-requested release is completed with PTI 0.
		r, err = ParseReleaseComplete(AppendReleaseComplete(nil, 3, NoPTI, cause))
		want = Release{Header: Header{PDUSessionID: 3, MessageType: MsgReleaseComplete}, Cause: cause}
		if err != nil || r != want {
			t.Errorf("ParseReleaseComplete(cause %d) = %+v, %v, want %+v", cause, r, err, want)
		}
	}
	// An ePCO before the cause, and a repeated cause: the first counts.
	r, err := ParseReleaseRequest(unhex(t, "2e 03 09 d1 7b 0001 80 59 24 59 1a"))
	if err != nil || r.Cause != CauseRegularDeactivation {
		t.Errorf("ParseReleaseRequest(ePCO, cause, cause) = %+v, %v", r, err)
	}
}

func TestParseEstablishmentAcceptErrors(t *testing.T) {
	good := mustAccept(t, acceptIPv4)
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"request", AppendEstablishmentRequest(nil, requestAll)},
		{"no type", good[:4]},
		{"truncated rules", good[:8]},
		{"no AMBR", good[:16]},
		{"AMBR unit 0", append(append(good[:16:16], 6, 0, 0, 1, 1, 0, 1), good[23:]...)},
		{"bad PDU address", append(good[:23:23], 0x29, 2, 1, 0)},
		{"bad DNN", append(good[:23:23], 0x25, 2, 5, 'a')},
		{"bad S-NSSAI", append(good[:23:23], 0x22, 3, 1, 2, 3)},
		{"no default rule", func() []byte {
			b := append([]byte(nil), good...)
			b[10] &^= ruleDQR
			return b
		}()},
	} {
		if a, err := ParseEstablishmentAccept(c.in); err == nil {
			t.Errorf("%s: ParseEstablishmentAccept(%x) = %+v, nil error", c.name, c.in, a)
		}
	}
}

// The accept is built without allocating once the buffer is large enough.
func TestEstablishmentAcceptAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	n := testing.AllocsPerRun(100, func() {
		if _, err := EstablishmentAccept(buf, acceptIPv4v6); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("EstablishmentAccept allocates %.0f times", n)
	}
}

// GPRS timer 3 (TS 24.008 §10.5.7.4a): the finest unit whose 5-bit value
// holds the duration, rounded down.
func TestGPRSTimer3(t *testing.T) {
	for d, want := range map[time.Duration]byte{
		0:                  0b011_00000,
		10 * time.Second:   0b011_00101, // 5 × 2 s
		62 * time.Second:   0b011_11111, // 31 × 2 s
		64 * time.Second:   0b100_00010, // 2 × 30 s, rounded down
		2 * time.Minute:    0b100_00100, // 4 × 30 s
		20 * time.Minute:   0b101_10100, // 20 × 1 min
		40 * time.Minute:   0b000_00100, // 4 × 10 min
		6 * time.Hour:      0b001_00110, // 6 × 1 h
		100 * time.Hour:    0b010_01010, // 10 × 10 h
		1000 * time.Hour:   0b110_00011, // 3 × 320 h
		100000 * time.Hour: 0b110_11111, // the maximum
		-time.Second:       0b011_00000,
	} {
		if got := GPRSTimer3(d); got != want {
			t.Errorf("GPRSTimer3(%v) = %08b, want %08b", d, got, want)
		}
	}
}
