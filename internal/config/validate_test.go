package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		edit    func(c *Config)
		key     string // "" when c must be valid
		problem string // a substring of Problem
	}{
		{"default", func(c *Config) {}, "", ""},
		{"edge: AMF, SMF and UPF", func(c *Config) {
			c.NFs, c.SBI.NRF, c.SBI.Locality = []string{"amf", "smf", "upf"}, "https://nrf.example:8443/", "edge-1"
		}, "", ""},
		{"NRF URL with a path", func(c *Config) { c.NFs, c.SBI.NRF = []string{"amf"}, "http://127.0.0.1:7777/nnrf-disc/v1" }, "sbi.nrf", "scheme, host and port only"},
		{"NRF URL ftp", func(c *Config) { c.NFs, c.SBI.NRF = []string{"amf"}, "ftp://127.0.0.1:7777" }, "sbi.nrf", "must be a URL"},
		{"no SBI address", func(c *Config) { c.NFs, c.SBI.Address = []string{"nrf"}, netip.AddrPort{} }, "sbi.address", "must be an IP address and port"},
		{"no SBI address all in one", func(c *Config) { c.SBI.Address = netip.AddrPort{} }, "", ""},
		{"SBI port 0", func(c *Config) { c.NFs, c.SBI.Address = []string{"nrf"}, netip.MustParseAddrPort("127.0.0.1:0") }, "", ""},
		{"locality newline", func(c *Config) { c.SBI.Locality = "a\nb" }, "sbi.locality", "at most 64"},
		{"SBI timeout 0", func(c *Config) { c.SBI.Timeout = 0 }, "sbi.timeout", "must be 10ms to 1m"},
		{"TLS certificate without key", func(c *Config) { c.SBI.TLS.Certificate = "/c.pem" }, "sbi.tls", "certificate and key go together"},
		{"mutual TLS without certificate", func(c *Config) { c.SBI.TLS.Mutual = true }, "sbi.tls.mutual", "needs certificate and key"},
		{"TLS with an http NRF", func(c *Config) {
			c.NFs, c.SBI.NRF, c.SBI.TLS.Certificate, c.SBI.TLS.Key = []string{"amf"}, "http://127.0.0.1:7777", "/c.pem", "/k.pem"
		}, "sbi.nrf", "must be an https URL"},
		{"OAuth2 without the NRF's key", func(c *Config) {
			c.NFs, c.SBI.NRF, c.SBI.OAuth2.Enabled = []string{"udm"}, "http://127.0.0.1:7777", true
		}, "sbi.oauth2.nrf_key", "required with sbi.oauth2.enabled"},
		{"OAuth2 with the NRF's key", func(c *Config) {
			c.NFs, c.SBI.NRF, c.SBI.OAuth2 = []string{"udm"}, "http://127.0.0.1:7777", SBIOAuth2{Enabled: true, NRFKey: "/etc/keel/nrf.pub"}
		}, "", ""},
		{"OAuth2 in the NRF's process", func(c *Config) { c.NFs, c.SBI.OAuth2.Enabled = []string{"nrf", "udr"}, true }, "", ""},
		{"OAuth2 all in one", func(c *Config) { c.SBI.OAuth2.Enabled = true }, "", ""},
		{"OAuth2 UPF alone", func(c *Config) {
			c.NFs, c.SBI.NRF, c.SBI.OAuth2.Enabled = []string{"upf"}, "http://127.0.0.1:7777", true
		}, "", ""},
		{"OAuth2 key path NUL", func(c *Config) { c.SBI.OAuth2.SigningKey = "/a\x00b" }, "sbi.oauth2.signing_key", "NUL"},
		{"OAuth2 disabled without a key", func(c *Config) { c.NFs, c.SBI.NRF = []string{"udm"}, "http://127.0.0.1:7777" }, "", ""},
		{"UPF alone with its NRF", func(c *Config) { c.NFs, c.SBI.NRF = []string{"upf"}, "http://127.0.0.1:7777" }, "", ""},
		{"three-digit MNC", func(c *Config) { c.PLMN.MNC = "001" }, "", ""},
		{"MCC letters", func(c *Config) { c.PLMN.MCC = "0a1" }, "plmn.mcc", `must be 3 digits, got "0a1"`},
		{"MCC short", func(c *Config) { c.PLMN.MCC = "1" }, "plmn.mcc", `must be 3 digits, got "1"`},
		{"MNC short", func(c *Config) { c.PLMN.MNC = "1" }, "plmn.mnc", `must be 2 or 3 digits, got "1"`},
		{"no TACs", func(c *Config) { c.TACs = nil }, "tacs", "at least one"},
		{"TAC 0", func(c *Config) { c.TACs = []uint32{0} }, "", ""},
		{"largest TAC", func(c *Config) { c.TACs = []uint32{1<<24 - 1} }, "", ""},
		{"TAC past 24 bits", func(c *Config) { c.TACs = []uint32{1, 1 << 24} }, "tacs[1]", "must be 0..16777215 (24 bits), got 16777216"},
		{"deleted TAC", func(c *Config) { c.TACs = []uint32{0xfffffe} }, "tacs[0]", "deleted tracking area"},
		{"duplicate TAC", func(c *Config) { c.TACs = []uint32{5, 6, 5} }, "tacs[2]", "5 is also tacs[0]"},
		{"no slices", func(c *Config) { c.Slices = nil }, "slices", "at least one"},
		{"SST 0 and 255", func(c *Config) { c.Slices = []Slice{{SST: 0}, {SST: 255}} }, "", ""},
		{"SD short", func(c *Config) { c.Slices[0].SD = "12345" }, "slices[0].sd", `must be 6 hex digits or empty, got "12345"`},
		{"SD not hex", func(c *Config) { c.Slices[0].SD = "12345g" }, "slices[0].sd", "6 hex digits"},
		{"SD ffffff", func(c *Config) { c.Slices[0].SD = "ffffff" }, "slices[0].sd", "means no SD"},
		{"same SST, SD and no SD", func(c *Config) { c.Slices = []Slice{{SST: 1}, {SST: 1, SD: "000001"}} }, "", ""},
		{"duplicate slice, SD case", func(c *Config) { c.Slices = []Slice{{SST: 1, SD: "abcdef"}, {SST: 1, SD: "ABCDEF"}} }, "slices[1]", "is also slices[0]"},
		{"duplicate slice, no SD", func(c *Config) { c.Slices = []Slice{{SST: 3}, {SST: 3}} }, "slices[1]", "is also slices[0]"},
		{"AMF name empty", func(c *Config) { c.AMF.Name = "" }, "amf.name", "must not be empty"},
		{"AMF name long", func(c *Config) { c.AMF.Name = strings.Repeat("a", 151) }, "amf.name", "at most 150"},
		{"AMF name 150", func(c *Config) { c.AMF.Name = strings.Repeat("a", 150) }, "", ""},
		{"AMF name punctuation", func(c *Config) { c.AMF.Name = "AMF 1 (a'b+c,d-e.f/g:h=i?)" }, "", ""},
		{"AMF name newline", func(c *Config) { c.AMF.Name = "a\nb" }, "amf.name", `got "a\nb"`},
		{"AMF name non-ASCII", func(c *Config) { c.AMF.Name = "amf-é" }, "amf.name", "may hold only"},
		{"backup AMF name non-ASCII", func(c *Config) { c.AMF.BackupAMFName = "amf-é" }, "amf.backup_amf_name", "may hold only"},
		{"backup AMF name long", func(c *Config) { c.AMF.BackupAMFName = strings.Repeat("a", 151) }, "amf.backup_amf_name", "at most 150"},
		{"backup AMF name is this AMF", func(c *Config) { c.AMF.BackupAMFName = c.AMF.Name }, "amf.backup_amf_name", "names this AMF"},
		{"set ID 1023", func(c *Config) { c.AMF.SetID = 1023 }, "", ""},
		{"NIA0", func(c *Config) { c.AMF.Integrity = []string{"NIA2", "NIA0"} }, "amf.integrity[1]", "NIA0 is null integrity"},
		{"integrity empty", func(c *Config) { c.AMF.Integrity = nil }, "amf.integrity", "at least one"},
		{"ciphering unknown", func(c *Config) { c.AMF.Ciphering = []string{"NEA9"} }, "amf.ciphering[0]", "must be one of NEA0..NEA3"},
		{"ciphering wrong family", func(c *Config) { c.AMF.Ciphering = []string{"NIA1"} }, "amf.ciphering[0]", "must be one of NEA0..NEA3"},
		{"ciphering repeated", func(c *Config) { c.AMF.Ciphering = []string{"NEA0", "NEA0"} }, "amf.ciphering[1]", "repeats NEA0"},
		{"NEA0 alone", func(c *Config) { c.AMF.Ciphering = []string{"NEA0"} }, "", ""},
		{"T3512 short", func(c *Config) { c.AMF.T3512 = time.Second }, "amf.t3512", "at least 2s"},
		{"T3513 short", func(c *Config) { c.AMF.T3513 = time.Millisecond }, "amf.t3513", "at least 100ms"},
		{"no paging attempt", func(c *Config) { c.AMF.PagingAttempts = 0 }, "amf.paging_attempts", "must be 1..10"},
		{"mobile reachable under T3512", func(c *Config) { c.AMF.MobileReachable = time.Minute }, "amf.mobile_reachable", "longer than amf.t3512"},
		{"implicit deregistration short", func(c *Config) { c.AMF.ImplicitDeregistration = time.Millisecond }, "amf.implicit_deregistration", "at least 1s"},
		{"set ID 1024", func(c *Config) { c.AMF.SetID = 1024 }, "amf.set_id", "must be 0..1023 (10 bits), got 1024"},
		{"T3502 zero", func(c *Config) { c.AMF.T3502 = 0 }, "amf.t3502", "must be 2s to 3h6m0s"},
		{"authentication deadline past T3510", func(c *Config) { c.AMF.Deadlines.Authentication = 15 * time.Second }, "amf.deadlines.authentication", "under 15s"},
		{"subscription deadline zero", func(c *Config) { c.AMF.Deadlines.Subscription = 0 }, "amf.deadlines.subscription", "must be 10ms"},
		{"session deadline too long", func(c *Config) { c.AMF.Deadlines.Session = 2 * time.Minute }, "amf.deadlines.session", "must be 10ms to 1m"},
		{"reactivation deadline past T3517", func(c *Config) { c.AMF.Deadlines.Reactivation = 15 * time.Second }, "amf.deadlines.reactivation", "under 15s"},
		{"unknown time zone", func(c *Config) { c.AMF.TimeZone = "Mars/Olympus" }, "amf.time_zone", "must be an IANA time zone name"},
		{"empty time zone is UTC", func(c *Config) { c.AMF.TimeZone = "" }, "", ""},
		{"network name too long", func(c *Config) { c.AMF.NetworkName.Full = strings.Repeat("k", 101) }, "amf.network_name.full", "at most 100"},
		{"both network names too long: full first", func(c *Config) {
			c.AMF.NetworkName.Full, c.AMF.NetworkName.Short = strings.Repeat("k", 101), strings.Repeat("k", 101)
		}, "amf.network_name.full", "at most 100"},
		{"T3502 186m", func(c *Config) { c.AMF.T3502 = 186 * time.Minute }, "", ""},
		{"T3502 187m", func(c *Config) { c.AMF.T3502 = 187 * time.Minute }, "amf.t3502", "GPRS timer 2"},
		{"emergency number", func(c *Config) {
			c.AMF.EmergencyNumbers = []EmergencyNumber{{Number: "112", Categories: []string{"police", "fire"}}, {Number: "12345678901234567890"}}
		}, "", ""},
		{"emergency number letters", func(c *Config) { c.AMF.EmergencyNumbers = []EmergencyNumber{{Number: "11a"}} }, "amf.emergency_numbers[0].number", `must be 1 to 20 digits, got "11a"`},
		{"emergency number empty", func(c *Config) { c.AMF.EmergencyNumbers = []EmergencyNumber{{}} }, "amf.emergency_numbers[0].number", "1 to 20 digits"},
		{"emergency number 21 digits", func(c *Config) {
			c.AMF.EmergencyNumbers = []EmergencyNumber{{Number: "123456789012345678901"}}
		}, "amf.emergency_numbers[0].number", "1 to 20 digits"},
		{"emergency number twice", func(c *Config) { c.AMF.EmergencyNumbers = []EmergencyNumber{{Number: "112"}, {Number: "112"}} }, "amf.emergency_numbers[1].number", "112 is also amf.emergency_numbers[0]"},
		{"emergency category unknown", func(c *Config) {
			c.AMF.EmergencyNumbers = []EmergencyNumber{{Number: "112", Categories: []string{"police", "coastguard"}}}
		}, "amf.emergency_numbers[0].categories[1]", `got "coastguard"`},
		{"emergency list too long", func(c *Config) {
			for i := range 5 {
				c.AMF.EmergencyNumbers = append(c.AMF.EmergencyNumbers, EmergencyNumber{Number: strings.Repeat("1", 19) + string(rune('0'+i))})
			}
		}, "amf.emergency_numbers", "take 60 octets, more than the 48"},
		{"emergency list 48 octets", func(c *Config) {
			for i := range 4 {
				c.AMF.EmergencyNumbers = append(c.AMF.EmergencyNumbers, EmergencyNumber{Number: strings.Repeat("1", 19) + string(rune('0'+i))})
			}
		}, "", ""},
		{"service area", func(c *Config) { c.AMF.ServiceAreaTACs = []uint32{1, 7} }, "", ""},
		{"service area 17 TACs", func(c *Config) { c.AMF.ServiceAreaTACs = make([]uint32, 17) }, "amf.service_area_tacs", "at most 16 TACs"},
		{"service area TAC past 24 bits", func(c *Config) { c.AMF.ServiceAreaTACs = []uint32{1 << 24} }, "amf.service_area_tacs[0]", "24 bits"},
		{"service area deleted TAC", func(c *Config) { c.AMF.ServiceAreaTACs = []uint32{0xfffffe} }, "amf.service_area_tacs[0]", "deleted tracking area"},
		{"service area TAC twice", func(c *Config) { c.AMF.ServiceAreaTACs = []uint32{3, 3} }, "amf.service_area_tacs[1]", "3 is also amf.service_area_tacs[0]"},
		{"pointer 64", func(c *Config) { c.AMF.Pointer = 64 }, "amf.pointer", "must be 0..63 (6 bits), got 64"},
		{"no DNNs", func(c *Config) { c.DNNs = nil }, "dnns", "at least one"},
		{"DNN name empty", func(c *Config) { c.DNNs[0].Name = "" }, "dnns[0].name", "must not be empty"},
		{"DNN name dotted", func(c *Config) { c.DNNs[0].Name = "corp.mnc001.mcc001.gprs" }, "", ""},
		{"DNN name 99", func(c *Config) { c.DNNs[0].Name = strings.Repeat("a.", 49) + "a" }, "", ""},
		{"DNN name 100", func(c *Config) { c.DNNs[0].Name = strings.Repeat("a.", 49) + "ab" }, "dnns[0].name", "at most 99 characters"},
		{"DNN name empty label", func(c *Config) { c.DNNs[0].Name = "a..b" }, "dnns[0].name", "empty label"},
		{"DNN name trailing dot", func(c *Config) { c.DNNs[0].Name = "internet." }, "dnns[0].name", "empty label"},
		{"DNN label 64", func(c *Config) { c.DNNs[0].Name = strings.Repeat("a", 64) }, "dnns[0].name", "longer than 63"},
		{"DNN label hyphen first", func(c *Config) { c.DNNs[0].Name = "-internet" }, "dnns[0].name", "begin and end"},
		{"DNN name underscore", func(c *Config) { c.DNNs[0].Name = "my_dnn" }, "dnns[0].name", "may hold only"},
		{"DNN names differ in case", func(c *Config) {
			c.DNNs = append(c.DNNs, DNN{Name: "Internet", IPv4Pool: netip.MustParsePrefix("10.46.0.0/16"), MTU: 1400})
		}, "dnns[1].name", `"Internet" is also dnns[0].name`},
		{"DNN without pools", func(c *Config) { c.DNNs[0].IPv4Pool = netip.Prefix{} }, "dnns[0].ipv4_pool", "must be set unless ipv6_pool is"},
		{"IPv6 only", func(c *Config) {
			c.DNNs[0].IPv4Pool = netip.Prefix{}
			c.DNNs[0].IPv6Pool = netip.MustParsePrefix("2001:db8::/48")
		}, "", ""},
		{"IPv4 pool host bits", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("10.45.0.1/16") }, "dnns[0].ipv4_pool", "host bits set: the network is 10.45.0.0/16"},
		{"IPv4 pool /30", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("10.45.0.0/30") }, "", ""},
		{"IPv4 pool /31", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("10.45.0.0/31") }, "dnns[0].ipv4_pool", "must be /8 to /30, got /31"},
		{"IPv4 pool /7", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("10.0.0.0/7") }, "dnns[0].ipv4_pool", "must be /8 to /30, got /7"},
		{"IPv4 pool mapped", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("::ffff:10.45.0.0/112") }, "dnns[0].ipv4_pool", "must be an IPv4 network"},
		{"IPv4 pool multicast", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("239.0.0.0/8") }, "dnns[0].ipv4_pool", "multicast"},
		{"IPv4 pool link-local", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("169.0.0.0/8") }, "dnns[0].ipv4_pool", "link-local"},
		{"IPv6 pool in ipv4_pool", func(c *Config) { c.DNNs[0].IPv4Pool = netip.MustParsePrefix("2001:db8::/48") }, "dnns[0].ipv4_pool", "must be an IPv4 network"},
		{"IPv4 pool in ipv6_pool", func(c *Config) { c.DNNs[0].IPv6Pool = netip.MustParsePrefix("10.0.0.0/8") }, "dnns[0].ipv6_pool", "must be an IPv6 network"},
		{"IPv6 pool /64", func(c *Config) { c.DNNs[0].IPv6Pool = netip.MustParsePrefix("2001:db8::/64") }, "", ""},
		{"IPv6 pool /65", func(c *Config) { c.DNNs[0].IPv6Pool = netip.MustParsePrefix("2001:db8::/65") }, "dnns[0].ipv6_pool", "must be /16 to /64, got /65"},
		{"IPv6 pool link-local", func(c *Config) { c.DNNs[0].IPv6Pool = netip.MustParsePrefix("fe80::/64") }, "dnns[0].ipv6_pool", "link-local"},
		{"IPv6 pool host bits", func(c *Config) { c.DNNs[0].IPv6Pool = netip.MustParsePrefix("2001:db8::1/48") }, "dnns[0].ipv6_pool", "host bits"},
		{"IPv4 pools overlap", func(c *Config) {
			c.DNNs = append(c.DNNs, DNN{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.0.0.0/8"), MTU: 1400})
		}, "dnns[1].ipv4_pool", `10.0.0.0/8 of dnn "ims" overlaps 10.45.0.0/16 of dnn "internet" (dnns[0].ipv4_pool)`},
		{"IPv6 pools overlap", func(c *Config) {
			c.DNNs[0].IPv6Pool = netip.MustParsePrefix("2001:db8::/32")
			c.DNNs = append(c.DNNs,
				DNN{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/16"), MTU: 1400},
				DNN{Name: "iot", IPv6Pool: netip.MustParsePrefix("2001:db8:1::/48"), MTU: 1400})
		}, "dnns[2].ipv6_pool", `2001:db8:1::/48 of dnn "iot" overlaps 2001:db8::/32 of dnn "internet" (dnns[0].ipv6_pool)`},
		{"pools of other families", func(c *Config) {
			c.DNNs = append(c.DNNs, DNN{Name: "ims", IPv6Pool: netip.MustParsePrefix("2001:db8::/48"), MTU: 1400})
		}, "", ""},
		{"adjacent pools", func(c *Config) {
			c.DNNs = append(c.DNNs, DNN{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/16"), MTU: 1400})
		}, "", ""},
		{"no DNS", func(c *Config) { c.DNNs[0].DNS = nil }, "", ""},
		{"DNS zero", func(c *Config) { c.DNNs[0].DNS = []netip.Addr{{}} }, "dnns[0].dns[0]", "must be an IP address"},
		{"DNS zone", func(c *Config) { c.DNNs[0].DNS = []netip.Addr{netip.MustParseAddr("fe80::1%eth0")} }, "dnns[0].dns[0]", "zone"},
		{"DNS unspecified", func(c *Config) { c.DNNs[0].DNS = []netip.Addr{netip.MustParseAddr("0.0.0.0")} }, "dnns[0].dns[0]", "unicast"},
		{"DNS mapped", func(c *Config) { c.DNNs[0].DNS = []netip.Addr{netip.MustParseAddr("::ffff:8.8.8.8")} }, "dnns[0].dns[0]", "written as IPv4"},
		{"DNS duplicate", func(c *Config) {
			c.DNNs[0].DNS = []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("1.1.1.1"), netip.MustParseAddr("8.8.8.8")}
		}, "dnns[0].dns[2]", "8.8.8.8 is also dns[0]"},
		{"MTU 1280", func(c *Config) { c.DNNs[0].MTU = 1280 }, "", ""},
		{"MTU 9000", func(c *Config) { c.DNNs[0].MTU = 9000 }, "", ""},
		{"MTU 1279", func(c *Config) { c.DNNs[0].MTU = 1279 }, "dnns[0].mtu", "must be 1280..9000, got 1279"},
		{"MTU 0", func(c *Config) { c.DNNs[0].MTU = 0 }, "dnns[0].mtu", "got 0"},
		{"N2 unset", func(c *Config) { c.N2.Address = netip.AddrPort{} }, "n2.address", "must be an IP address and port"},
		{"N2 port 0", func(c *Config) { c.N2.Address = netip.MustParseAddrPort("127.0.0.1:0") }, "n2.address", "port 0 is not allowed"},
		{"N4 port 0", func(c *Config) { c.N4.Address = netip.MustParseAddrPort("127.0.0.1:0") }, "n4.address", "port 0 is not allowed"},
		{"N3 port 0", func(c *Config) { c.N3.Address = netip.MustParseAddrPort("127.0.0.1:0") }, "n3.address", "port 0 is not allowed"},
		{"HTTP port 0", func(c *Config) { c.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0") }, "", ""},
		{"N2 multicast", func(c *Config) { c.N2.Address = netip.MustParseAddrPort("239.1.1.1:38412") }, "n2.address", "unicast"},
		{"N2 on every address", func(c *Config) { c.N2.Address = netip.MustParseAddrPort("[::]:38412") }, "", ""},
		{"N2 link-local with zone", func(c *Config) { c.N2.Address = netip.MustParseAddrPort("[fe80::1%eth0]:38412") }, "", ""},
		{"N3 on every address", func(c *Config) { c.N3.Address = netip.MustParseAddrPort("0.0.0.0:2152") }, "n3.address", "must be a specific address"},
		{"N3 and N4 same port", func(c *Config) { c.N3.Address = c.N4.Address }, "n3.address", "clashes with n4.address 127.0.0.1:8805: both are UDP on port 8805"},
		{"N3 and N4 same port, other addresses", func(c *Config) {
			c.N4.Address = netip.MustParseAddrPort("127.0.0.2:2152")
		}, "", ""},
		{"N4 wildcard under N3", func(c *Config) { c.N4.Address = netip.MustParseAddrPort("[::]:2152") }, "n3.address", "clashes with n4.address [::]:2152"},
		{"N2 and N4 same port, other protocols", func(c *Config) {
			c.N2.Address = netip.MustParseAddrPort("127.0.0.1:8805")
			c.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:8805")
		}, "", ""},
		{"UPF peers", func(c *Config) {
			c.UPF.N4.Peers = []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("2001:db8::5")}
		}, "", ""},
		{"UPF peer unspecified", func(c *Config) { c.UPF.N4.Peers = []netip.Addr{netip.MustParseAddr("0.0.0.0")} }, "upf.n4.peers[0]", "unicast"},
		{"UPF peer duplicate", func(c *Config) {
			c.UPF.N4.Peers = []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.0.0.5")}
		}, "upf.n4.peers[1]", "10.0.0.5 is also upf.n4.peers[0]"},
		{"SMF peer mapped", func(c *Config) { c.SMF.N4.Peers = []netip.Addr{netip.MustParseAddr("::ffff:10.0.0.2")} }, "smf.n4.peers[0]", "written as IPv4"},
		{"SCTP mode", func(c *Config) { c.N2.SCTP = "lksctp" }, "n2.sctp", `must be auto, kernel or userspace, got "lksctp"`},
		{"SCTP kernel", func(c *Config) { c.N2.SCTP = SCTPKernel }, "", ""},
		{"data dir empty", func(c *Config) { c.DataDir = "" }, "data_dir", "must not be empty"},
		{"data dir NUL", func(c *Config) { c.DataDir = "a\x00b" }, "data_dir", "NUL"},
		{"store URL", func(c *Config) { c.Store.URL = "postgres://keel:pw@db:5432/keel?sslmode=require" }, "", ""},
		{"store URL scheme", func(c *Config) { c.Store.URL = "mysql://keel:s3cret@db/keel" },
			"store.url", `must be a postgres:// or postgresql:// URL, got scheme "mysql" in mysql://keel:xxxxx@db/keel`},
		{"store URL no database", func(c *Config) { c.Store.URL = "postgres://keel:s3cret@db:5432" },
			"store.url", "must name one database in its path (postgres://host/keel), got postgres://keel:xxxxx@db:5432"},
		{"store URL not a URL", func(c *Config) { c.Store.URL = "postgres://keel:s3cret@db:port/keel" }, "store.url", "is not a URL"},
		{"log format", func(c *Config) { c.Log.Format = "JSON" }, "log.format", `must be text or json, got "JSON"`},
		{"log level", func(c *Config) { c.Log.Level = "" }, "log.level", `got ""`},
		{"first mistake wins", func(c *Config) {
			c.Log.Level = ""
			c.PLMN.MCC = ""
		}, "plmn.mcc", "must be 3 digits"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			if tt.key == "" && tt.problem == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate() = %v, want an *Error", err)
			}
			if e.Key != tt.key || !strings.Contains(e.Problem, tt.problem) {
				t.Errorf("Validate() = %q, want key %q and a problem containing %q", err, tt.key, tt.problem)
			}
		})
	}
}

func TestValidateNilError(t *testing.T) {
	// A nil *Error in a non-nil error interface would read as a failure.
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %#v, want nil", err)
	}
}
