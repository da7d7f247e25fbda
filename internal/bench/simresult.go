package bench

import (
	"encoding/json"
	"fmt"
)

// Procedure names in the simulator's summary.
const (
	ProcRegistration   = "registration"
	ProcPDUSession     = "pdu_session"
	ProcServiceRequest = "service_request" // Initial UE Message to Service Accept
	ProcPaging         = "paging"          // downlink sent from the data network to its arrival at the gNB
	ProcXnHandover     = "xn_handover"     // Path Switch Request to its acknowledge at the target gNB
	ProcN2Handover     = "n2_handover"     // Handover Required to the source's UE Context Release Command
	// ProcPDUSessionModification is a UE-requested PDU session
	// modification: the request sent to the UE's COMPLETE.
	ProcPDUSessionModification = "pdu_session_modification"
)

// SimResult is what Keel reads of the summary `keel sim --json` prints.
// It is decoded here rather than shared with the command so that the
// bench reads the simulator as a script would.
type SimResult struct {
	GNBs       int            `json:"gnbs"`
	NGSetupOK  int            `json:"ng_setup_ok"`
	Failed     int            `json:"failed"`
	GNBsFailed int            `json:"gnbs_failed"`
	Failures   map[string]int `json:"failures"`
	DurationS  float64        `json:"duration_s"`
	SCTP       string         `json:"sctp"`

	UEs          int          `json:"ues"`
	Registered   int          `json:"registered"`
	UEsFailed    int          `json:"ues_failed"`
	Sessions     int          `json:"sessions"`
	PingSent     int          `json:"ping_sent"`
	PingReplies  int          `json:"ping_replies"`
	RatePerS     float64      `json:"rate_per_s"`
	SessionsPerS float64      `json:"sessions_per_s"`
	LatencyMS    *Percentiles `json:"latency_ms"`

	ServiceRequests     int     `json:"service_requests"`
	ServiceRequestsPerS float64 `json:"service_requests_per_s"`
	Pagings             int     `json:"pagings"`

	Handovers  int `json:"handovers"`
	EndMarkers int `json:"end_markers"`

	Procedures map[string]Percentiles `json:"procedures"`

	// AMFs is what the gNBs saw of each AMF they faced, in --amf order.
	AMFs []SimAMF `json:"amfs"`
}

// SimAMF is the simulator's view of one AMF: its N2 address and the UE
// connections (Initial UE Messages) its gNBs opened to it.
type SimAMF struct {
	Addr              string `json:"addr"`
	Name              string `json:"name"`
	InitialUEMessages int    `json:"initial_ue_messages"`
}

// Percentiles are one procedure's latency percentiles in milliseconds and
// how many completed.
type Percentiles struct {
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Count int     `json:"count"`
}

// DecodeSimResult reads the summary of `keel sim --json`.
func DecodeSimResult(b []byte) (SimResult, error) {
	var r SimResult
	if err := json.Unmarshal(b, &r); err != nil {
		return SimResult{}, fmt.Errorf("bench: the simulator's summary: %w", err)
	}
	return r, nil
}

// procedures returns the per-procedure percentiles, with the registration
// figures from latency_ms when the simulator gives no procedures.
func (r SimResult) procedures() map[string]Percentiles {
	out := make(map[string]Percentiles, len(r.Procedures)+1)
	for k, v := range r.Procedures {
		out[k] = v
	}
	if _, ok := out[ProcRegistration]; !ok && r.LatencyMS != nil && r.Registered > 0 {
		l := *r.LatencyMS
		l.Count = r.Registered
		out[ProcRegistration] = l
	}
	return out
}
