package api

import "net/http"

// ConfigView is the read-only view of the configuration GET
// /api/v1/config serves: what the core serves (PLMN, tracking areas,
// slices, DNNs with their pools) and how the AMF is identified. It holds
// no secret by construction: the composition root fills it field by
// field, never from the whole configuration (no store URL, no key, no
// token).
type ConfigView struct {
	// NFs are the network functions this process runs.
	NFs []string `json:"nfs"`
	// PLMN is MCC then MNC digits ("00101").
	PLMN   string      `json:"plmn"`
	TACs   []uint32    `json:"tacs"`
	Slices []SNSSAI    `json:"slices"`
	DNNs   []ConfigDNN `json:"dnns"`
	AMF    ConfigAMF   `json:"amf"`
	// Addresses are the listeners: n2, n3, n4, http, sbi.
	Addresses map[string]string `json:"addresses"`
	// Store is the subscriber store's engine: "sqlite" or "postgresql".
	Store string `json:"store"`
}

// ConfigDNN is one DNN of the configuration.
type ConfigDNN struct {
	Name string `json:"name"`
	// Pools are the UE address pools, IPv4 and IPv6.
	Pools []string `json:"pools"`
	DNS   []string `json:"dns,omitempty"`
	PCSCF []string `json:"pcscf,omitempty"`
	MTU   int      `json:"mtu,omitempty"`
	// PCCRules are the IDs of the DNN's PCC rules.
	PCCRules []string `json:"pcc_rules,omitempty"`
}

// ConfigAMF identifies the AMF: its name and GUAMI parts (TS 23.003
// §2.10.1), NAS algorithms and timers.
type ConfigAMF struct {
	Name           string   `json:"name"`
	RegionID       int      `json:"region_id"`
	SetID          int      `json:"set_id"`
	Pointer        int      `json:"pointer"`
	Integrity      []string `json:"integrity"`
	Ciphering      []string `json:"ciphering"`
	T3512          string   `json:"t3512"`
	T3513          string   `json:"t3513"`
	PagingAttempts int      `json:"paging_attempts"`
	MaxRegistering int      `json:"max_registering,omitempty"`
}

func (s *Server) getConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.opts.Config)
}
