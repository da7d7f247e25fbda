package nas

import (
	"errors"
	"strings"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/ident"
)

// Payload container types, TS 24.501 §9.11.3.40.
const PayloadN1SM uint8 = 1

// Request types, TS 24.501 §9.11.3.47.
const (
	RequestInitial         uint8 = 1
	RequestExistingSession uint8 = 2
)

// 5GMM causes of the NAS transport procedures (TS 24.501 §9.11.3.2).
const (
	CausePayloadNotForwarded      uint8 = 90
	CauseDNNNotSupportedInSlice   uint8 = 91
	CauseInsufficientUserPlaneRes uint8 = 92
	ieiPDUSessionID               uint8 = 0x12
	msgDLNASTransport             uint8 = 0x68
)

// ULTransport is what an UL NAS TRANSPORT carries (TS 24.501 §8.2.10).
type ULTransport struct {
	PayloadType  uint8
	Payload      []byte
	PDUSessionID uint8
	HasPSI       bool
	RequestType  uint8 // 0 when absent
	SNSSAI       *ident.SNSSAI
	DNN          string
}

var errTransport = errors.New("nas: malformed UL NAS TRANSPORT")

// ParseULTransport reads a decoded UL NAS TRANSPORT.
func ParseULTransport(m *nasMessage.ULNASTransport) (ULTransport, error) {
	t := ULTransport{
		PayloadType: m.SpareHalfOctetAndPayloadContainerType.GetPayloadContainerType(),
		Payload:     m.PayloadContainer.GetPayloadContainerContents(),
	}
	if len(t.Payload) == 0 {
		return t, errTransport
	}
	if p := m.PduSessionID2Value; p != nil {
		t.PDUSessionID, t.HasPSI = p.GetPduSessionID2Value(), true
	}
	if r := m.RequestType; r != nil {
		t.RequestType = r.GetRequestTypeValue()
	}
	if s := m.SNSSAI; s != nil {
		n := int(s.GetLen())
		if n < 1 || n > len(s.Octet) {
			return t, errTransport
		}
		x := ident.SNSSAI{SST: s.Octet[0]}
		if n >= 4 {
			x.SD, x.HasSD = uint32(s.Octet[1])<<16|uint32(s.Octet[2])<<8|uint32(s.Octet[3]), true
		}
		t.SNSSAI = &x
	}
	if d := m.DNN; d != nil {
		dnn, ok := dnnLabels(d.Buffer)
		if !ok {
			return t, errTransport
		}
		t.DNN = dnn
	}
	return t, nil
}

// dnnLabels decodes a DNN in the length-prefixed label form of TS 23.003
// §9.1 (as an APN).
func dnnLabels(b []byte) (string, bool) {
	var labels []string
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || len(b) < 1+n {
			return "", false
		}
		labels = append(labels, string(b[1:1+n]))
		b = b[1+n:]
	}
	return strings.Join(labels, "."), len(labels) > 0
}

// DLTransport builds a DL NAS TRANSPORT (TS 24.501 §8.2.11) carrying a
// payload for the PDU session psi (0: none), with a 5GMM cause when
// cause is not 0.
func DLTransport(b []byte, payloadType uint8, payload []byte, psi uint8, cause uint8) []byte {
	b = plain5GMM(b, msgDLNASTransport)
	b = append(b, payloadType&0x0f, byte(len(payload)>>8), byte(len(payload)))
	b = append(b, payload...)
	if psi != 0 {
		b = append(b, ieiPDUSessionID, psi)
	}
	if cause != 0 {
		b = append(b, ieiCause5GMM, cause)
	}
	return b
}
