package gnb

// bits is an unaligned PER (X.691) bit writer, enough to encode the
// simulator's UE radio capability.
type bits struct {
	b []byte
	n int // bits written
}

func (w *bits) put(v uint64, width int) {
	for i := width - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// octets writes an unconstrained OCTET STRING (X.691 §11.9: a length
// determinant of 8 bits below 128 octets, 16 bits below 16K).
func (w *bits) octets(p []byte) {
	if len(p) < 128 {
		w.put(uint64(len(p)), 8)
	} else {
		w.put(0b10<<14|uint64(len(p)), 16)
	}
	for _, c := range p {
		w.put(uint64(c), 8)
	}
}

// nrCapability encodes a small UE-NR-Capability (TS 38.331 §6.3.3): Rel-15,
// no ROHC, no optional parameter, and the NR bands given. tshark decodes
// it field by field (internal/ngap's golden tests hold its encoding).
func nrCapability(bands []uint16) []byte {
	var w bits
	w.put(0, 11) // no optional part present
	w.put(0, 4)  // accessStratumRelease: no extension, rel15
	// pdcp-Parameters: no extension, no optional part, ten ROHC
	// profiles not supported, maxNumberROHC-ContextSessions cs2.
	w.put(0, 1)
	w.put(0, 6)
	w.put(0, 10)
	w.put(0, 4)
	// phy-Parameters: no extension, no optional part.
	w.put(0, 5)
	// rf-Parameters: no extension, no band combinations, the bands.
	w.put(0, 3)
	w.put(uint64(len(bands)-1), 10)
	for _, b := range bands {
		w.put(0, 1)  // BandNR: no extension
		w.put(0, 14) // none of its optional parts
		w.put(uint64(b-1), 10)
	}
	return w.b
}

// UERadioCapability is the simulator UE's radio capability as the gNB
// sends it in UE Radio Capability Info Indication (TS 38.413 §9.3.1.74):
// a UERadioAccessCapabilityInformation (TS 38.331 §6.5.2) holding one
// UE-CapabilityRAT-Container of RAT type nr.
func UERadioCapability(bands []uint16) []byte {
	if len(bands) == 0 || len(bands) > 1024 {
		return nil
	}
	nr := nrCapability(bands)
	var list bits
	list.put(1, 4) // one container (SIZE (0..8))
	list.put(0, 3) // rat-Type: no extension, nr
	list.octets(nr)
	var w bits
	w.put(0, 1) // criticalExtensions: c1
	w.put(0, 3) // ueRadioAccessCapabilityInformation
	w.put(0, 1) // no nonCriticalExtension
	w.octets(list.b)
	return w.b
}

// radioCapability is what the gNB reports for its UEs.
func (g *GNB) radioCapability() []byte {
	if g.cfg.RadioCapability != nil {
		return g.cfg.RadioCapability
	}
	return UERadioCapability([]uint16{78, 1, 3})
}
