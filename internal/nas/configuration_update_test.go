package nas

import (
	"encoding/hex"
	"testing"
	"time"
	_ "time/tzdata" // the zones below without the host's zoneinfo

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/tsharktest"
)

// cucTime is the universal time of the golden CONFIGURATION UPDATE
// COMMANDs.
var cucTime = time.Date(2026, time.December, 6, 7, 5, 9, 0, time.UTC)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// Encode-golden bytes of CONFIGURATION UPDATE COMMANDs (TS 24.501
// §8.2.19), laid out by hand from the IE definitions.
func TestConfigurationUpdateCommandGolden(t *testing.T) {
	guti := ident.GUTI{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 0xca, SetID: 0x3fe, Pointer: 0x15}, TMSI: 0xc0ffee01}
	for _, c := range []struct {
		name string
		cu   ConfigurationUpdate
		want string
	}{
		// Full and short names "Keel" in the GSM 7-bit default alphabet
		// (0x43/0x45, length 5; octet 3: ext, scheme 000, no CI, 4 spare
		// bits; K e e l packed: cb 72 99 0d); local time zone +1 h in
		// Paris in December (0x46: 4 quarters, swapped BCD 40);
		// universal time 26-12-06 07:05:09 and the zone (0x47); no
		// daylight saving (0x49 01 00).
		{"NITZ", ConfigurationUpdate{NITZ: NITZ{FullName: "Keel", ShortName: "Keel", Time: cucTime, Zone: mustZone(t, "Europe/Paris")}},
			"7e0054" + "430584cb72990d" + "450584cb72990d" + "4640" + "47622160705090" + "40" + "490100"},
		// New York in July: -4 h = 16 quarters west (61 | sign 08), one
		// hour of daylight saving.
		{"NITZ west, daylight saving", ConfigurationUpdate{NITZ: NITZ{Time: time.Date(2026, time.July, 1, 12, 0, 0, 0, time.UTC), Zone: mustZone(t, "America/New_York")}},
			"7e0054" + "4669" + "47" + "627010210000" + "69" + "490101"},
		// A name outside the GSM 7-bit subset goes in UCS2 (scheme 001):
		// "K_" = 004b 005f.
		{"UCS2 name", ConfigurationUpdate{NITZ: NITZ{ShortName: "K_"}}, "7e0054" + "450590004b005f"},
		// Acknowledgement requested (D-, bit 1), a new 5G-GUTI, the
		// allowed NSSAI.
		{"new GUTI", ConfigurationUpdate{Acknowledge: true, GUTI: &guti, AllowedNSSAI: []ident.SNSSAI{{SST: 1}}},
			"7e0054" + "d1" + "77000bf2" + "00f110" + "ca" + "ff" + "95" + "c0ffee01" + "15020101"},
		// Registration requested (bit 2) with acknowledgement.
		{"registration requested", ConfigurationUpdate{Acknowledge: true, RegistrationRequested: true}, "7e0054d3"},
	} {
		got, err := ConfigurationUpdateCommand(nil, c.cu)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if h := hex.EncodeToString(got); h != c.want {
			t.Errorf("%s = %s, want %s", c.name, h, c.want)
		}
	}
}

func TestPackGSM7(t *testing.T) {
	for s, want := range map[string]struct {
		hex   string
		spare uint8
	}{
		"K":        {"4b", 1},
		"Keel":     {"cb72990d", 4},
		"hellohel": {"e8329bfd4697d9", 0}, // 8 characters fill 7 octets
	} {
		got, spare := packGSM7(s)
		if hex.EncodeToString(got) != want.hex || spare != want.spare {
			t.Errorf("packGSM7(%q) = %x, %d, want %s, %d", s, got, spare, want.hex, want.spare)
		}
	}
}

func TestNetworkNameTooLong(t *testing.T) {
	long := make([]rune, 200)
	for i := range long {
		long[i] = 'é'
	}
	if _, err := ConfigurationUpdateCommand(nil, ConfigurationUpdate{NITZ: NITZ{FullName: string(long)}}); err == nil {
		t.Error("a 400-octet network name was encoded")
	}
}

// TestTsharkDecodesConfigurationUpdate has tshark, a NAS-5GS decoder
// written apart from Keel, read CONFIGURATION UPDATE COMMANDs with NITZ
// and with a new 5G-GUTI, and a CONFIGURATION UPDATE COMPLETE: no
// malformed packet, no expert warning or error, and the values given.
func TestTsharkDecodesConfigurationUpdate(t *testing.T) {
	nitz, err := ConfigurationUpdateCommand(nil, ConfigurationUpdate{NITZ: NITZ{FullName: "Keel Network", ShortName: "Keel",
		Time: cucTime, Zone: mustZone(t, "Europe/Paris")}})
	if err != nil {
		t.Fatal(err)
	}
	guti := ident.GUTI{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 0xca, SetID: 0x3fe, Pointer: 0x15}, TMSI: 0xc0ffee01}
	newGUTI, err := ConfigurationUpdateCommand(nil, ConfigurationUpdate{Acknowledge: true, GUTI: &guti,
		AllowedNSSAI: []ident.SNSSAI{{SST: 1, SD: 0x10, HasSD: true}}, NITZ: NITZ{ShortName: "K_"}})
	if err != nil {
		t.Fatal(err)
	}
	complete := plain5GMM(nil, MsgConfigurationUpdateComplete)
	pcap := tsharktest.Pcap(t, []string{"-l", "147"}, [][]byte{nitz, newGUTI, complete})
	run := tsharktest.Runner(t, pcap, "-o", `uat:user_dlts:"User 0 (DLT=147)","nas-5gs","0","","0",""`)
	tsharktest.CheckClean(t, run, "")
	want := []map[string]string{{
		"nas_5gs.mm.message_type":         "0x54",
		"gsm_a.dtap.text_string":          "Keel Network,Keel",
		"gsm_a.dtap.coding_scheme":        "0,0",
		"gsm_a.dtap.number_of_spare_bits": "4,4",
		"gsm_a.dtap.timezone":             "0x04,0x04", // +4 quarters: GMT + 1 h,
		"gsm_a.dtap.time_zone_time":       "Dec  6, 2026 07:05:09.000000000 UTC",
		"gsm_a.dtap.dst_adjustment":       "0",
		"nas_5gs.mm.conf_upd_ind.ack":     "",
	}, {
		"nas_5gs.mm.message_type":     "0x54",
		"nas_5gs.mm.conf_upd_ind.ack": "1",
		"nas_5gs.mm.conf_upd_ind.red": "0",
		"nas_5gs.5g_tmsi":             "3237998081",
		"nas_5gs.mm.sst":              "1",
		"nas_5gs.mm.mm_sd":            "16",
		"gsm_a.dtap.text_string":      "K_",
		"gsm_a.dtap.coding_scheme":    "1",
	}, {
		"nas_5gs.mm.message_type": "0x55",
	}}
	var fields []string
	for _, w := range want {
		for f := range w {
			fields = append(fields, f)
		}
	}
	got := tsharktest.Fields(t, run, len(want), fields)
	for i, w := range want {
		for f, v := range w {
			if got[i][f] != v {
				t.Errorf("frame %d: tshark %s = %q, want %q", i+1, f, got[i][f], v)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}
