package nas

import (
	"fmt"
	"time"
	"unicode/utf16"

	"github.com/keelcore/keel/internal/ident"
)

// CONFIGURATION UPDATE message types (TS 24.501 §9.7).
const (
	MsgConfigurationUpdateCommand  uint8 = 0x54
	MsgConfigurationUpdateComplete uint8 = 0x55
)

// IEIs of the CONFIGURATION UPDATE COMMAND (TS 24.501 §8.2.19).
const (
	ieiConfigurationUpdateIndication uint8 = 0xd0 // half-octet IEI "D-"
	ieiFullNetworkName               uint8 = 0x43
	ieiShortNetworkName              uint8 = 0x45
	ieiLocalTimeZone                 uint8 = 0x46
	ieiUniversalTime                 uint8 = 0x47
	ieiDaylightSavingTime            uint8 = 0x49
)

// Bits of the Configuration update indication (TS 24.501 §9.11.3.18).
const (
	configUpdateACK uint8 = 0x01 // acknowledgement requested
	configUpdateRED uint8 = 0x02 // registration requested
)

// Network name coding schemes (TS 24.008 §10.5.3.5a, octet 3 bits 7-5).
const (
	nameGSM7 uint8 = 0b000
	nameUCS2 uint8 = 0b001
)

// NITZ is the network identity and time zone a CONFIGURATION UPDATE
// COMMAND gives the UE (TS 22.042, TS 24.501 §5.4.4.1): the network's
// names, and the time with the local time zone.
type NITZ struct {
	// FullName and ShortName are the network's names (§9.11.3.35);
	// empty leaves the IE out.
	FullName, ShortName string
	// Time is the universal time sent (§9.11.3.53); the zero time leaves
	// the time zone IEs out.
	Time time.Time
	// Zone is the local time zone; nil means UTC.
	Zone *time.Location
}

// ConfigurationUpdate is the content of a CONFIGURATION UPDATE COMMAND
// (TS 24.501 §8.2.19). Empty lists and a nil GUTI leave their IEs out.
type ConfigurationUpdate struct {
	// Acknowledge sets "acknowledgement requested" (§9.11.3.18): the UE
	// answers CONFIGURATION UPDATE COMPLETE (§5.4.4.2).
	Acknowledge bool
	// RegistrationRequested sets "registration requested" (§9.11.3.18).
	RegistrationRequested bool
	GUTI                  *ident.GUTI
	TAIs                  []ident.TAI
	AllowedNSSAI          []ident.SNSSAI
	NITZ                  NITZ
}

// ConfigurationUpdateCommand (TS 24.501 §8.2.19), its IEs in the order of
// the message's table.
func ConfigurationUpdateCommand(b []byte, c ConfigurationUpdate) ([]byte, error) {
	b = plain5GMM(b, MsgConfigurationUpdateCommand)
	var ind uint8
	if c.Acknowledge {
		ind |= configUpdateACK
	}
	if c.RegistrationRequested {
		ind |= configUpdateRED
	}
	if ind != 0 {
		b = append(b, ieiConfigurationUpdateIndication|ind)
	}
	var err error
	if c.GUTI != nil {
		b = append(b, ieiGUTI, 0, 11)
		if b, err = AppendGUTI(b, *c.GUTI); err != nil {
			return nil, err
		}
	}
	if len(c.TAIs) > 0 {
		if b, err = appendTAIList(b, c.TAIs); err != nil {
			return nil, err
		}
	}
	if len(c.AllowedNSSAI) > 0 {
		b = appendNSSAI(b, ieiAllowedNSSAI, c.AllowedNSSAI)
	}
	n := c.NITZ
	if n.FullName != "" {
		if b, err = appendNetworkName(b, ieiFullNetworkName, n.FullName); err != nil {
			return nil, err
		}
	}
	if n.ShortName != "" {
		if b, err = appendNetworkName(b, ieiShortNetworkName, n.ShortName); err != nil {
			return nil, err
		}
	}
	if !n.Time.IsZero() {
		zone := n.Zone
		if zone == nil {
			zone = time.UTC
		}
		local := n.Time.In(zone)
		_, offset := local.Zone()
		tz := timeZone(offset)
		u := n.Time.UTC()
		b = append(b, ieiLocalTimeZone, tz)
		b = append(b, ieiUniversalTime,
			swappedBCD(u.Year()%100), swappedBCD(int(u.Month())), swappedBCD(u.Day()),
			swappedBCD(u.Hour()), swappedBCD(u.Minute()), swappedBCD(u.Second()), tz)
		b = append(b, ieiDaylightSavingTime, 1, daylightSaving(local))
	}
	return b, nil
}

// swappedBCD encodes 0-99 as two BCD digits, the units in the high
// nibble (TS 23.040 §9.2.3.11, as TS 24.008 §10.5.3.9 uses).
func swappedBCD(v int) byte {
	return byte(v%10)<<4 | byte(v/10%10)
}

// timeZone encodes a UTC offset in seconds as a time zone octet (TS
// 24.008 §10.5.3.8, TS 23.040 §9.2.3.11): quarters of an hour in swapped
// BCD, bit 4 of the tens digit the sign (1: west of Greenwich). The
// offset includes any daylight saving adjustment.
func timeZone(offset int) byte {
	var sign byte
	if offset < 0 {
		sign, offset = 0x08, -offset
	}
	q := offset / (15 * 60)
	if q > 79 {
		q = 79
	}
	return swappedBCD(q) | sign
}

// daylightSaving is the Network daylight saving time value (TS 24.008
// §10.5.3.12): the adjustment, 0 to 2 hours, that the local time at t
// has over the zone's standard time.
func daylightSaving(t time.Time) byte {
	if !t.IsDST() {
		return 0
	}
	_, now := t.Zone()
	// The standard offset is the smaller of the zone's offsets in
	// January and July, whichever hemisphere the zone is in.
	_, jan := time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, t.Location()).Zone()
	_, jul := time.Date(t.Year(), time.July, 1, 0, 0, 0, 0, t.Location()).Zone()
	std := min(jan, jul)
	switch h := (now - std) / 3600; {
	case h >= 2:
		return 2
	case h == 1:
		return 1
	}
	return 0
}

// appendNetworkName encodes a Network name IE (TS 24.501 §9.11.3.35, TS
// 24.008 §10.5.3.5a): the GSM 7-bit default alphabet when every
// character is one whose code there is its ASCII code, else UCS2.
func appendNetworkName(b []byte, iei uint8, name string) ([]byte, error) {
	var text []byte
	var scheme, spare uint8
	if gsm7Plain(name) {
		scheme = nameGSM7
		text, spare = packGSM7(name)
	} else {
		scheme = nameUCS2
		for _, u := range utf16.Encode([]rune(name)) {
			text = append(text, byte(u>>8), byte(u))
		}
	}
	if len(text)+1 > 255 {
		return nil, fmt.Errorf("nas: network name %q is too long", name)
	}
	// Octet 3: ext 1, coding scheme, "add CI" 0 (the UE does not add
	// the country's initials), spare bits in the last octet.
	b = append(b, iei, byte(1+len(text)), 0x80|scheme<<4|spare&0x07)
	return append(b, text...), nil
}

// gsm7Plain reports whether every character of s is in the GSM 7-bit
// default alphabet (TS 23.038 §6.2.1) at its ASCII code.
func gsm7Plain(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == ' ', r >= '!' && r <= '#', r >= '%' && r <= '?':
		default:
			return false
		}
	}
	return s != ""
}

// packGSM7 packs 7-bit characters into octets, least significant bits
// first (TS 23.038 §6.1.2.1), and returns the number of spare bits in
// the last octet.
func packGSM7(s string) ([]byte, uint8) {
	var out []byte
	var acc uint16
	var bits uint
	for i := 0; i < len(s); i++ {
		acc |= uint16(s[i]&0x7f) << bits
		bits += 7
		for bits >= 8 {
			out = append(out, byte(acc))
			acc >>= 8
			bits -= 8
		}
	}
	var spare uint8
	if bits > 0 {
		out = append(out, byte(acc))
		spare = uint8(8 - bits)
	}
	return out, spare
}
