package config

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"gopkg.in/yaml.v3"
)

// defaultMTU is the MTU of the default DNN and of a DNN entry that gives
// none: 1500 on the transport network less room for GTP-U over IPv6.
const defaultMTU = 1400

// Default returns the built-in configuration: a test network (PLMN 001-01)
// with one slice and one IPv4 data network, every listener on loopback.
// The DNN offers one IPv4 resolver, 8.8.8.8, since it has no IPv6 pool.
func Default() Config {
	loopback := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	return Config{
		NFs:    NFNames(),
		SBI:    SBI{Address: netip.AddrPortFrom(loopback, 7777), Timeout: 5 * time.Second},
		PLMN:   ident.PLMN{MCC: "001", MNC: "01"},
		TACs:   []uint32{1},
		Slices: []Slice{{SST: 1}},
		AMF: AMF{Name: "keel-amf", RegionID: 1, SetID: 1, Pointer: 0,
			Integrity:                []string{"NIA2", "NIA1", "NIA3"},
			Ciphering:                []string{"NEA2", "NEA1", "NEA3", "NEA0"},
			T3512:                    54 * time.Minute,
			T3513:                    4 * time.Second,
			PagingAttempts:           3,
			ImplicitDeregistration:   4 * time.Minute,
			MaxRegistering:           10000,
			T3502:                    12 * time.Minute,
			Deadlines:                AMFDeadlines{Authentication: 5 * time.Second, Subscription: 5 * time.Second, Session: 15 * time.Second, Reactivation: 5 * time.Second},
			NITZ:                     true,
			NetworkName:              NetworkName{Full: "Keel", Short: "Keel"},
			TimeZone:                 "UTC",
			ReleaseAfterRegistration: true},
		DNNs: []DNN{{
			Name:     "internet",
			IPv4Pool: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 45, 0, 0}), 16),
			DNS:      []netip.Addr{netip.AddrFrom4([4]byte{8, 8, 8, 8})},
			MTU:      defaultMTU,
		}},
		N2:      N2{Address: netip.AddrPortFrom(loopback, 38412), SCTP: SCTPAuto},
		N4:      N4{Address: netip.AddrPortFrom(loopback, 8805)},
		N3:      N3{Address: netip.AddrPortFrom(loopback, 2152)},
		UPF:     UPF{DLBuffer: UPFDLBuffer{Packets: 64, Bytes: 128 << 10, Time: 10 * time.Second}, TUN: "keel0"},
		SMF:     SMF{N4: SMFN4{HeartbeatInterval: 10 * time.Second}},
		HTTP:    HTTP{Address: netip.AddrPortFrom(loopback, 8080)},
		DataDir: "./keel-data",
		Log:     Log{Format: LogText, Level: LogInfo},
	}
}

// DefaultYAML returns Default as a configuration file with every key
// explained: the file operators start from.
func DefaultYAML() []byte {
	funcs := template.FuncMap{
		"str":    yamlString,
		"prefix": yamlPrefix,
		"list":   yamlList,
		"addr":   yamlAddr,
	}
	t := template.Must(template.New("config").Funcs(funcs).Parse(defaultTemplate))
	var b bytes.Buffer
	if err := t.Execute(&b, Default()); err != nil {
		panic("config: default template: " + err.Error())
	}
	return b.Bytes()
}

// yamlString renders s as a YAML scalar, quoted where YAML would otherwise
// read it as something other than a string ("001" would be a number).
func yamlString(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		panic("config: " + err.Error())
	}
	return strings.TrimSuffix(string(b), "\n")
}

func yamlPrefix(p netip.Prefix) string {
	if !p.IsValid() {
		return `""`
	}
	return p.String()
}

// yamlAddr renders an optional address: "" for none.
func yamlAddr(a netip.Addr) string {
	if !a.IsValid() {
		return `""`
	}
	return a.String()
}

// yamlList renders a flow list of numbers or addresses: [1, 2].
func yamlList(v any) string {
	var items []string
	switch v := v.(type) {
	case []uint32:
		for _, n := range v {
			items = append(items, strconv.FormatUint(uint64(n), 10))
		}
	case []netip.Addr:
		for _, a := range v {
			items = append(items, a.String())
		}
	case []string:
		items = v
	default:
		panic("config: yamlList of unexpected type")
	}
	return "[" + strings.Join(items, ", ") + "]"
}

const defaultTemplate = `# Keel configuration for keel serve.
#
# These are the built-in defaults. Every key is optional: a key left out, or
# given no value, keeps its default, so a file needs only the keys it
# changes. A list replaces the default list as a whole. Unknown keys, keys
# given twice and values of the wrong kind are errors, reported with the key
# and line at fault.

# The network functions this process runs, among nrf, nssf, amf, smf, upf,
# ausf, udm, udr and pcf (keel serve --nf). All of them by default: one
# process holds the whole core and its NFs call one another directly. A
# process running some of them serves their services on sbi.address over
# HTTP/2, registers them at the NRF and reaches the others through it.
# Only the process running the udr opens the subscriber store in data_dir
# and serves the management API's subscriber routes.
nfs: {{list .NFs}}

# The service-based interface (TS 29.500, TS 29.501), for a process running
# some of the NFs only.
sbi:
  # Where this process serves its NFs' services (keel serve --sbi). It is
  # registered at the NRF as the NFs' address, so it must be a specific one.
  address: {{str (print .SBI.Address)}}
  # The NRF's URL, such as http://127.0.0.1:7777 (keel serve --nrf):
  # required when this process does not run the nrf, where it registers its
  # NFs and discovers the others.
  nrf: {{str .SBI.NRF}}
  # Where this process's NFs are (the NF profile's locality); the SMF
  # prefers a UPF of its own locality. "" for none.
  locality: {{str .SBI.Locality}}
  # How long an SBI request waits for one instance's answer before it
  # tries another or fails (TS 29.500 §6.11).
  timeout: {{.SBI.Timeout}}
  # HTTP/2 over TLS (TS 33.501 §13.1) instead of cleartext h2c: this
  # process's certificate and key (PEM files), the CA that signs its
  # peers' ("" for the system's), and mutual to require and present
  # client certificates. The NFs register https apiRoots at the NRF.
  tls:
    certificate: {{str .SBI.TLS.Certificate}}
    key: {{str .SBI.TLS.Key}}
    ca: {{str .SBI.TLS.CA}}
    mutual: {{.SBI.TLS.Mutual}}
  # Access tokens (OAuth 2.0, TS 33.501 §13.4.1): when enabled the NRF
  # signs tokens (ES256), every SBI server of this process refuses a request
  # without a valid token for its service (401, or 403 for another
  # service), and every SBI client gets its tokens from the NRF. Off by
  # default: the producers need a copy of the NRF's public key. A process
  # running every NF has no SBI on the wire and ignores this.
  oauth2:
    enabled: {{.SBI.OAuth2.Enabled}}
    # The NRF's private key (PEM file, mode 0600), for the process running
    # the nrf. "" keeps one in data_dir, made on the NRF's first start and
    # kept across restarts.
    signing_key: {{str .SBI.OAuth2.SigningKey}}
    # The NRF's public key (PEM file): required with enabled in a process
    # that does not run the nrf. On the NRF's host, keel nrf public-key
    # prints it; in the NRF's process it must be its own.
    nrf_key: {{str .SBI.OAuth2.NRFKey}}

# The identity of the network (TS 23.003 §2.2). The digits are taken as
# written, leading zeros included.
plmn:
  # Mobile Country Code: 3 digits. 001 is the test network.
  mcc: {{str .PLMN.MCC}}
  # Mobile Network Code: 2 or 3 digits. "01" and "001" are different networks.
  mnc: {{str .PLMN.MNC}}

# Tracking area codes the AMF serves: at least one, no repeats, each 24 bits
# (0..16777215, TS 23.003 §28.6) but not 16777214, which marks a deleted
# tracking area. gNBs must broadcast one of them.
tacs: {{list .TACs}}

# Network slices (S-NSSAIs, TS 23.003 §28.4.2) the core supports: at least
# one, no repeats.
slices:
{{- range .Slices}}
  # sst: Slice/Service Type, 0..255; 1 is eMBB (TS 23.501 §5.15.2.2).
  #      Every entry needs one.
  # sd:  Slice Differentiator, 6 hex digits, or "" for none.
  - sst: {{.SST}}
    sd: {{str .SD}}
{{- end}}

# The AMF's name and the parts of its GUAMI (TS 23.003 §2.10.1).
amf:
  # Sent to gNBs in NG Setup Response: 1 to 150 letters, digits, spaces and
  # '()+,-./:=? (TS 38.413 §9.3.3.21).
  name: {{str .AMF.Name}}
  # AMF Region ID, 0..255.
  region_id: {{.AMF.RegionID}}
  # AMF Set ID, 0..1023.
  set_id: {{.AMF.SetID}}
  # AMF Pointer, 0..63. Each instance of an AMF set has its own pointer
  # (one GUAMI each, TS 23.501 §5.21.2).
  pointer: {{.AMF.Pointer}}
  # Name of the instance of the same AMF set that takes this instance's
  # GUAMI over if it fails, sent to gNBs in NG Setup Response (TS 38.413
  # §8.7.1.2); empty sends none.
  backup_amf_name: {{str .AMF.BackupAMFName}}
  # NAS integrity algorithms the AMF may select, most preferred first:
  # NIA1, NIA2, NIA3 (NIA0 is refused: TS 24.501 §5.4.2.2).
  integrity: {{list .AMF.Integrity}}
  # NAS ciphering algorithms, most preferred first: NEA0 (none), NEA1,
  # NEA2, NEA3. Put NEA0 alone to read NAS in a capture.
  ciphering: {{list .AMF.Ciphering}}
  # Periodic registration update timer T3512 sent to UEs (TS 24.501 §10.2).
  t3512: {{.AMF.T3512}}
  # Paging of an idle UE (TS 23.502 §4.2.3.3): T3513 repeats the Paging
  # (TS 24.501 §10.2) until paging_attempts went unanswered; then the
  # downlink waiting for the UE is given up.
  t3513: {{.AMF.T3513}}
  paging_attempts: {{.AMF.PagingAttempts}}
  # Mobile reachable timer, started when a registered UE goes idle (TS
  # 24.501 §5.3.7); 0s means t3512 + 4m. When it expires the UE is no
  # longer paged and the implicit deregistration timer starts; when that
  # one expires the UE is deregistered and its PDU sessions released.
  mobile_reachable: {{.AMF.MobileReachable}}
  implicit_deregistration: {{.AMF.ImplicitDeregistration}}
  # UEs registering at once before new ones are refused with 5GMM cause #22
  # (congestion, with a back-off) and the gNBs are sent Overload Start.
  max_registering: {{.AMF.MaxRegistering}}
  # Deadlines of the AMF's calls to the other NFs, each from when it is
  # issued; past it the call has failed (a registration gets 5GMM cause
  # #22 with a back-off). authentication: each AUSF call; subscription:
  # each UDM and NSSF call of a registration (both below the UE's 15 s
  # T3510); session: each SMF call of a PDU session establishment;
  # reactivation: the SMF's answers to the user-plane activation a Service
  # Request or registration update waits for (below the UE's 15 s T3517;
  # past it the accept marks the session #92).
  deadlines:
    authentication: {{.AMF.Deadlines.Authentication}}
    subscription: {{.AMF.Deadlines.Subscription}}
    session: {{.AMF.Deadlines.Session}}
    reactivation: {{.AMF.Deadlines.Reactivation}}
  # T3502 sent to UEs: how long a UE whose registration attempts failed
  # waits before trying again (TS 24.501 §5.5.1.2.7, §10.2). 2s to 186m.
  t3502: {{.AMF.T3502}}
  # Tell UEs that IMS voice over PS sessions is supported (TS 24.501
  # §9.11.3.5 IMS-VoPS-3GPP). Turn on only with an IMS core behind a DNN.
  ims_voice_over_ps: {{.AMF.IMSVoiceOverPS}}
  # Tell UEs that emergency services are supported in NR connected to 5GC
  # (TS 24.501 §9.11.3.5 EMC). Keel itself does not yet serve emergency
  # registrations or emergency PDU sessions.
  emergency_services: {{.AMF.EmergencyServices}}
  # Emergency numbers sent to UEs besides the ones they know (TS 24.501
  # §9.11.3.23), e.g.
  #   emergency_numbers:
  #     - number: "112"
  #       categories: [police, ambulance, fire]
  # number: 1 to 20 digits; categories: police, ambulance, fire, marine,
  # mountain, or [] to leave it to the UE. At most 12 numbers of 3 digits
  # fit the list. [] sends none.
  emergency_numbers: []
  # Tracking areas UEs are allowed service in, sent as the service area
  # list (TS 24.501 §9.11.3.49): at most 16 TACs of the PLMN. [] sends none
  # (every tracking area is allowed).
  service_area_tacs: {{list .AMF.ServiceAreaTACs}}
  # Send each UE, once its initial registration is complete, the network's
  # names and the time with the local time zone (NITZ: TS 24.501 §5.4.4,
  # CONFIGURATION UPDATE COMMAND), which phones show and set their clock by.
  nitz: {{.AMF.NITZ}}
  # The network's names (TS 24.501 §9.11.3.35), at most 100 characters; ""
  # sends none.
  network_name:
    full: {{str .AMF.NetworkName.Full}}
    short: {{str .AMF.NetworkName.Short}}
  # Local time zone, an IANA name such as Europe/Paris; UTC by default.
  time_zone: {{str .AMF.TimeZone}}
  # Release a UE's N2 connection at the end of a registration when the UE
  # set no follow-on request and nothing else needs it (TS 24.501
  # §5.5.1.2.4). false keeps it until the gNB releases it.
  release_after_registration: {{.AMF.ReleaseAfterRegistration}}

# Data networks UEs may open PDU sessions to: at least one. In an entry, a
# key left out is empty, except mtu, which is 1400.
dnns:
{{- range .DNNs}}
  # The DNN as UEs request it: dot-separated labels of letters, digits and
  # hyphens, at most 99 characters (TS 23.003 §9.1). Names are compared
  # without regard to case and must be unique.
  - name: {{str .Name}}
    # The network UE IPv4 addresses come from, /8 to /30, written as its
    # network address (10.45.0.0/16, not 10.45.0.1/16); "" for none. A DNN
    # needs ipv4_pool, ipv6_pool or both. Pools of all DNNs must not overlap.
    ipv4_pool: {{prefix .IPv4Pool}}
    # The network UE IPv6 prefixes come from, /16 to /64; "" for none. Each
    # UE gets a /64.
    ipv6_pool: {{prefix .IPv6Pool}}
    # DNS servers offered to UEs, IPv4 and IPv6, in order of preference;
    # [] for none. An IPv6 server such as 2001:4860:4860::8888 only helps
    # DNNs with an ipv6_pool.
    dns: {{list .DNS}}
    # P-CSCF addresses offered to UEs that ask for them (IMS, e.g. on an
    # "ims" DNN), IPv4 and IPv6, in order of preference; [] for none.
    pcscf: {{list .PCSCF}}
    # The link MTU offered to UEs, 1280..9000. 1400 leaves room for GTP-U
    # on a transport network with an MTU of 1500.
    mtu: {{.MTU}}
    # PCC rules of every session on the DNN (TS 29.512 PccRule); [] for
    # none. Each rule gets a QoS flow of its own: its flow descriptions
    # (IPFilterRule, TS 29.212 §5.4.2: "permit out", a protocol number or
    # ip, "from" the data network end with one port or range, "to" the UE,
    # "assigned") become the packet filters of its QoS rule and the SDF
    # filters of its downlink PDR. A GBR 5QI (1 voice, 2 video, ...) needs
    # gfbr_uplink, gfbr_downlink, mfbr_uplink and mfbr_downlink (BitRate
    # strings, mfbr at least gfbr); the UPF drops the flow's traffic above
    # its mfbr. A non-GBR 5QI takes no bit rate. Example:
    #   pcc_rules:
    #     - id: voice
    #       flow_descriptions: ["permit out 17 from any 5000-5010 to assigned"]
    #       5qi: 1
    #       arp: {priority_level: 2, preempt_cap: NOT_PREEMPT, preempt_vuln: PREEMPTABLE}
    #       gfbr_uplink: 128 Kbps
    #       gfbr_downlink: 128 Kbps
    #       mfbr_uplink: 256 Kbps
    #       mfbr_downlink: 2 Mbps
    pcc_rules: []
{{- end}}

# A listener is an IP address and a port: 127.0.0.1:38412, or "[::1]:38412"
# for IPv6 (quoted, since YAML reads a leading [ as a list). 0.0.0.0 or
# "[::]" listens on every address. Host names are not accepted. Port 0 is
# refused except for http.

# N2: NGAP from gNBs, over SCTP. 38412 is the NGAP port (TS 38.412).
n2:
  address: {{str (print .N2.Address)}}
  # The SCTP stack: kernel, userspace, or auto (kernel SCTP where the kernel
  # offers it, userspace otherwise).
  sctp: {{str (print .N2.SCTP)}}
  # Log the userspace SCTP engine's internals (chunks, timers, state
  # changes: hundreds of lines per association) at debug level. Without it,
  # log.level debug shows Keel's own lines only. No effect on kernel SCTP.
  sctp_debug: {{.N2.SCTPDebug}}

# N4: PFCP between the SMF and the UPF, over UDP. 8805 is the PFCP port
# (TS 29.244).
n4:
  address: {{str (print .N4.Address)}}

# N3: GTP-U between gNBs and the UPF, over UDP. gNBs are told this address as
# the uplink tunnel endpoint, so it must be one they can reach, not 0.0.0.0
# or [::]. They send to port 2152 (TS 29.281): change it only for tests.
# N3 and N4 must not share an address and port.
n3:
  address: {{str (print .N3.Address)}}

# Who may speak PFCP (N4) to the UPF. A request from an address not listed
# (besides Keel's own SMF in keel serve; with --nf upf, n4.address's own IP)
# is refused with cause "Request rejected" and counted in
# keel_upf_pfcp_refused_total{reason}; so is an association for a Node ID
# not listed. An association is bound to the address that set it up: its
# sessions are driven from there only.
upf:
  n4:
    # The SMFs' addresses and Node IDs (both, when they differ), e.g.
    # [10.0.0.5]; [] for Keel's own SMF alone.
    peers: {{list .UPF.N4.Peers}}
    # Let an associated SMF set its association up again from another
    # address (one that moved). Off, the Node ID stays with the address
    # that associated it, and a setup from elsewhere is refused.
    allow_address_change: {{.UPF.N4.AllowAddressChange}}
  # Downlink kept for a session whose UE is idle (until paging brings it
  # back) or whose gNB tunnel is not known yet (TS 29.244 §5.2.1). Past
  # packets (1 to 8192) or bytes (at least the largest DNN mtu), a packet
  # is dropped; one kept longer than time is dropped too. Drops are
  # counted in keel_upf_datapath_dropped_packets_total{reason} as
  # buffer_full and buffer_expired. All sessions together keep at most
  # 8192 packets.
  dl_buffer:
    packets: {{.UPF.DLBuffer.Packets}}
    bytes: {{.UPF.DLBuffer.Bytes}}
    time: {{.UPF.DLBuffer.Time}}
  # The name of the UPF's N6 TUN device (1 to 15 characters, no '/',
  # ':' or spaces). UPFs sharing a host or network namespace each need
  # their own, and UE pools of their own (their gateways are on it).
  tun: {{str .UPF.TUN}}

# Whom the SMF takes PFCP requests (heartbeats, association setups, session
# reports) from besides n4.address, the UPF it associates with: the UPF's
# other source addresses, if it has any. Others are refused and counted in
# keel_smf_pfcp_refused_total{reason}.
smf:
  n4:
    peers: {{list .SMF.N4.Peers}}
    # The IP the SMF's own PFCP endpoint binds (an ephemeral port), also
    # its PFCP Node ID (TS 29.244 §8.2.38); "" for n4.address's IP. SMFs
    # of one host sharing a UPF each need their own (127.0.0.2, ...).
    address: {{addr .SMF.N4.Address}}
    # The period of the SMF's PFCP heartbeats to each UPF (TS 29.244
    # §6.2.2), 100ms to 10m. A UPF answering none, after 3 retransmissions
    # 3s apart, is lost: its sessions that another UPF can serve are
    # released with 5GSM cause #39 "reactivation requested", so that the
    # UEs establish them again there (keel_smf_upf_lost_sessions_total).
    heartbeat_interval: {{.SMF.N4.HeartbeatInterval}}
  # The UPFs the SMF associates with and selects among for each PDU
  # session (TS 23.501 §6.3.3): of those with an association, serving the
  # session's DNN and slice, one serving the UE's tracking area first, then
  # the one with the fewest sessions. [] for the UPF at n4.address alone,
  # serving every DNN. An entry:
  #   - name: edge-1            # "" for its N4 address
  #     n4: 10.0.1.5:8805       # its PFCP address (required)
  #     peers: []               # its other N4 source addresses
  #     dnns:                   # of dnns; [] for all of them
  #       - name: internet
  #         ipv4_pool: 10.45.0.0/17   # the part routed to this UPF on N6;
  #                                   # none: the DNN's pools, shared
  #     slices: [{sst: 1}]      # [] for every slice
  #     tacs: [1]               # [] for every tracking area
  # With a list, the UPF of this process (n4.address) is used only if
  # listed.
  upfs: []

# The management API and Prometheus metrics, over HTTP. Port 0 picks a free
# port when the listener opens.
http:
  address: {{str (print .HTTP.Address)}}
  # Serve Go runtime profiles under /debug/pprof/, behind the admin token
  # like the rest of the API.
  pprof: {{.HTTP.Pprof}}
  # HTTPS instead of HTTP: a certificate and its key, PEM files (both or
  # neither). The console's session cookie is then Secure; probes, metrics
  # scrapers and tools (--api https://...) must then speak HTTPS and trust
  # the certificate.
  tls:
    certificate: {{str .HTTP.TLS.Certificate}}
    key: {{str .HTTP.TLS.Key}}

# Where the subscriber store and other state live across restarts. A
# relative path is relative to the working directory.
data_dir: {{str .DataDir}}

# The subscriber store's engine. By default an SQLite file in data_dir, for
# one UDR. A PostgreSQL URL, such as postgres://keel:secret@db:5432/keel,
# keeps it in a database that several UDR instances share (TS 23.501
# §5.21: any instance serves any request); Keel creates and migrates its
# tables. The password is never logged.
store:
  url: {{str .Store.URL}}

# The Go runtime's soft memory limit for the process, such as 8GiB (units
# B, KiB, MiB, GiB, TiB): as the heap nears it the collector runs more
# often instead of letting the process grow. 0 for no limit. For a large
# deployment, about 90% of the memory the process may use (its container's
# limit). The GOMEMLIMIT environment variable, when set, wins.
memory_limit: {{print .MemoryLimit}}

log:
  # text or json.
  format: {{str (print .Log.Format)}}
  # debug, info, warn or error.
  level: {{str (print .Log.Level)}}
`
