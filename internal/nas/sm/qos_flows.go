package sm

import (
	"errors"
	"fmt"
)

// QoS flow description operation codes, TS 24.501 §9.11.4.12, table
// 9.11.4.12.1 (bits 8 to 6 of the second octet).
const (
	FlowOpCreate uint8 = 1
	FlowOpDelete uint8 = 2
	FlowOpModify uint8 = 3
)

// QoS flow description parameter identifiers, TS 24.501 §9.11.4.12.
const (
	flowParamGFBRUplink      uint8 = 0x02
	flowParamGFBRDownlink    uint8 = 0x03
	flowParamMFBRUplink      uint8 = 0x04
	flowParamMFBRDownlink    uint8 = 0x05
	flowParamAveragingWindow uint8 = 0x06
	flowParamEBI             uint8 = 0x07
)

// QoSFlowDescription is one QoS flow description of a QoS flow
// descriptions IE (TS 24.501 §9.11.4.12). A parameter whose field is 0
// is left out: 5QI 0 is reserved, a GBR flow has nonzero bit rates,
// averaging window 0 is not used and EPS bearer identity 0 is "no EPS
// bearer identity assigned". Bit rates are in bit/s, sent in the finest
// unit whose 16-bit value holds them, rounded down (the units of the
// session AMBR, table 9.11.4.14.1).
type QoSFlowDescription struct {
	QFI uint8 // 1 to 63
	Op  uint8 // FlowOp*
	// Replace is the E bit of a "modify" description: the parameters
	// replace all the previous ones rather than extend them. A create
	// has E set (its parameters are the flow's), a delete has it clear.
	Replace                  bool
	FiveQI                   uint8
	GFBRUplink, GFBRDownlink uint64
	MFBRUplink, MFBRDownlink uint64
	AveragingWindow          uint16 // milliseconds
	EBI                      uint8  // EPS bearer identity, 1 to 15
}

// AppendQoSFlowDescriptions appends the value of a QoS flow descriptions
// IE (TS 24.501 §9.11.4.12). It fails, appending nothing, on a value
// that cannot be encoded.
func AppendQoSFlowDescriptions(b []byte, flows []QoSFlowDescription) ([]byte, error) {
	at := len(b)
	for i := range flows {
		var err error
		if b, err = appendFlowDescription(b, &flows[i]); err != nil {
			return b[:at], fmt.Errorf("sm: QoS flow description %d: %w", flows[i].QFI, err)
		}
	}
	return b, nil
}

// AppendQoSFlowDescriptionsIE appends a QoS flow descriptions IE, TLV-E
// with iei (IEIQoSFlowDescriptions in every message that has one).
func AppendQoSFlowDescriptionsIE(b []byte, iei uint8, flows []QoSFlowDescription) ([]byte, error) {
	return appendLVE(b, iei, func(b []byte) ([]byte, error) { return AppendQoSFlowDescriptions(b, flows) })
}

func appendFlowDescription(b []byte, f *QoSFlowDescription) ([]byte, error) {
	if f.QFI == 0 || f.QFI > 63 {
		return b, fmt.Errorf("QFI %d, want 1 to 63", f.QFI)
	}
	if f.Op < FlowOpCreate || f.Op > FlowOpModify {
		return b, fmt.Errorf("operation code %d", f.Op)
	}
	if f.EBI > 15 {
		return b, fmt.Errorf("EPS bearer identity %d, want 1 to 15", f.EBI)
	}
	head := len(b)
	b = append(b, f.QFI, f.Op<<5, 0)
	if f.Op == FlowOpDelete {
		// §9.11.4.12: a delete has E = 0 and no parameter.
		return b, nil
	}
	n := 0
	if f.FiveQI != 0 {
		b = append(b, flowParam5QI, 1, f.FiveQI)
		n++
	}
	for _, p := range []struct {
		id   uint8
		rate uint64
	}{{flowParamGFBRUplink, f.GFBRUplink}, {flowParamGFBRDownlink, f.GFBRDownlink}, {flowParamMFBRUplink, f.MFBRUplink}, {flowParamMFBRDownlink, f.MFBRDownlink}} {
		if p.rate != 0 {
			u, v := ambr(p.rate)
			b = append(b, p.id, 3, u, byte(v>>8), byte(v))
			n++
		}
	}
	if f.AveragingWindow != 0 {
		b = append(b, flowParamAveragingWindow, 2, byte(f.AveragingWindow>>8), byte(f.AveragingWindow))
		n++
	}
	if f.EBI != 0 {
		b = append(b, flowParamEBI, 1, f.EBI<<4)
		n++
	}
	e := f.Op == FlowOpCreate || f.Replace
	if f.Op == FlowOpCreate && n == 0 {
		return b[:head], errors.New("create without a parameter")
	}
	var eb uint8
	if e {
		eb = flowParamsIncluded
	}
	b[head+2] = eb | byte(n)
	return b, nil
}

// ParseQoSFlowDescriptions reads the value of a QoS flow descriptions IE
// (TS 24.501 §9.11.4.12). It refuses a truncated description or
// parameter, a reserved operation code, QFI 0, a parameter of the wrong
// length, and a delete with parameters; parameters of unknown identifier
// are skipped.
func ParseQoSFlowDescriptions(v []byte) ([]QoSFlowDescription, error) {
	var flows []QoSFlowDescription
	for len(v) > 0 {
		if len(v) < 3 {
			return flows, errors.New("sm: QoS flow descriptions: truncated description")
		}
		f := QoSFlowDescription{QFI: v[0] & 0x3f, Op: v[1] >> 5, Replace: v[2]&flowParamsIncluded != 0}
		n := int(v[2] & 0x3f)
		v = v[3:]
		fail := func(format string, args ...any) ([]QoSFlowDescription, error) {
			return flows, fmt.Errorf("sm: QoS flow description %d: %s", f.QFI, fmt.Sprintf(format, args...))
		}
		if f.QFI == 0 {
			return fail("QFI 0")
		}
		switch f.Op {
		case FlowOpCreate, FlowOpModify:
		case FlowOpDelete:
			if n != 0 {
				return fail("delete with %d parameters", n)
			}
		default:
			return fail("reserved operation code %d", f.Op)
		}
		for range n {
			if len(v) < 2 || len(v) < 2+int(v[1]) {
				return fail("truncated parameter")
			}
			id, p := v[0], v[2:2+int(v[1])]
			v = v[2+int(v[1]):]
			want := flowParamLength(id)
			if want == 0 {
				continue
			}
			if len(p) != want {
				return fail("parameter %d of %d octets, want %d", id, len(p), want)
			}
			var rate *uint64
			switch id {
			case flowParam5QI:
				f.FiveQI = p[0]
			case flowParamGFBRUplink:
				rate = &f.GFBRUplink
			case flowParamGFBRDownlink:
				rate = &f.GFBRDownlink
			case flowParamMFBRUplink:
				rate = &f.MFBRUplink
			case flowParamMFBRDownlink:
				rate = &f.MFBRDownlink
			case flowParamAveragingWindow:
				f.AveragingWindow = uint16(p[0])<<8 | uint16(p[1])
			case flowParamEBI:
				f.EBI = p[0] >> 4
			}
			if rate != nil {
				r, ok := ambrRate(p[0], uint16(p[1])<<8|uint16(p[2]))
				if !ok {
					return fail("parameter %d: bit rate unit %d", id, p[0])
				}
				*rate = r
			}
		}
		if f.Op == FlowOpCreate {
			f.Replace = false
		}
		flows = append(flows, f)
	}
	return flows, nil
}

// flowParamLength is the length of a QoS flow description parameter's
// contents, or 0 for an identifier this codec skips.
func flowParamLength(id uint8) int {
	switch id {
	case flowParam5QI, flowParamEBI:
		return 1
	case flowParamAveragingWindow:
		return 2
	case flowParamGFBRUplink, flowParamGFBRDownlink, flowParamMFBRUplink, flowParamMFBRDownlink:
		return 3
	}
	return 0
}
