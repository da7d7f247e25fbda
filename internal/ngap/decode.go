package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// ErrorCase is a protocol error case of TS 38.413 §10.
type ErrorCase uint8

const (
	// TransferSyntax: the PDU cannot be decoded at all (§10.2).
	TransferSyntax ErrorCase = iota + 1
	// AbstractSyntax: decodable, but an IE is not comprehended, missing,
	// repeated or wrongly present, or the procedure is unknown (§10.3).
	AbstractSyntax
)

func (c ErrorCase) String() string {
	switch c {
	case TransferSyntax:
		return "transfer syntax error"
	case AbstractSyntax:
		return "abstract syntax error"
	}
	return "protocol error"
}

// ProtocolError describes a PDU that Decode refused and how TS 38.413 §10
// says to answer it.
type ProtocolError struct {
	Case ErrorCase
	// ProcedureCode and MessageType (MessageTypeInitiatingMessage, ...)
	// are known for abstract syntax errors; both are -1 otherwise.
	ProcedureCode int64
	MessageType   int64
	// Cause is the cause to report; nil when the standard asks for none
	// (an unknown procedure code reports Criticality Diagnostics alone).
	Cause *ie.Cause
	// Diagnostics is the Criticality Diagnostics for an Error Indication,
	// nil when none applies.
	Diagnostics *ie.CriticalityDiagnostics
	// Silent is true when the receiver must ignore the PDU without any
	// answer (criticality "ignore", §10.3.4).
	Silent bool
	err    error
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("ngap: %s: %v", e.Case, e.err)
}

func (e *ProtocolError) Unwrap() error { return e.err }

// MaxPDU bounds the size of an NGAP PDU Keel accepts.
const MaxPDU = 64 << 10

// Decode decodes one NGAP PDU. A PDU that cannot be decoded gives a
// *ProtocolError.
func Decode(b []byte) (message.Message, error) {
	if len(b) == 0 {
		return nil, &ProtocolError{Case: TransferSyntax, ProcedureCode: -1, MessageType: -1,
			Cause: protocolCause(ie.CauseProtocolPresentTransferSyntaxError), err: errors.New("empty PDU")}
	}
	if len(b) > MaxPDU {
		return nil, &ProtocolError{Case: TransferSyntax, ProcedureCode: -1, MessageType: -1,
			Cause: protocolCause(ie.CauseProtocolPresentTransferSyntaxError), err: fmt.Errorf("PDU of %d bytes exceeds %d", len(b), MaxPDU)}
	}
	m, err := message.Parse(b)
	if err == nil {
		if m == nil {
			return nil, &ProtocolError{Case: TransferSyntax, ProcedureCode: -1, MessageType: -1,
				Cause: protocolCause(ie.CauseProtocolPresentTransferSyntaxError), err: errors.New("no message decoded")}
		}
		return m, nil
	}
	return nil, classify(err)
}

func classify(err error) *ProtocolError {
	var ase *ie.AbstractSyntaxErr
	if errors.As(err, &ase) {
		pe := &ProtocolError{
			Case:          AbstractSyntax,
			ProcedureCode: ase.GetProcedureCode(),
			MessageType:   int64(ase.GetMsgType()),
			err:           err,
		}
		cause, cerr := ase.GetCause()
		diag, derr := ase.GetCritDiag(true)
		switch c := ase.ErrorCase().(type) {
		case *ie.AbstractSyntaxErrNotComprehendedIE:
			// §10.3.4.1 (Procedure Code), §10.3.4.1A (Type of Message) and
			// §10.3.4.2 (other IEs): what is not comprehended and marked
			// "ignore IE" is ignored without report; "reject IE" and
			// "ignore IE and notify sender" are reported.
			if c.ReportIe != nil && !c.ReportIe.IsCritRejectOrNotif() {
				pe.Silent = true
			}
		case *ie.AbstractSyntaxErrIEWrongOrderOrTooManyOccur:
			cause, cerr = protocolCause(ie.CauseProtocolPresentAbstractSyntaxErrorFalselyConstructedMessage), nil
		}
		if cerr == nil {
			pe.Cause = cause
		}
		if derr == nil {
			pe.Diagnostics = diag
		}
		if pe.Cause == nil && pe.Diagnostics == nil && !pe.Silent {
			pe.Cause = protocolCause(ie.CauseProtocolPresentAbstractSyntaxErrorReject)
		}
		return pe
	}
	return &ProtocolError{
		Case:          TransferSyntax,
		ProcedureCode: -1,
		MessageType:   -1,
		Cause:         protocolCause(ie.CauseProtocolPresentTransferSyntaxError),
		err:           err,
	}
}

func protocolCause(v aper.Enumerated) *ie.Cause {
	return &ie.Cause{Choice: &ie.CauseProtocol{Value: v}}
}
