// Package subdata holds the JSON shapes of the subscription data that
// Nudm_SDM (TS 29.503) and Nudr_DataRepository (TS 29.505) both carry,
// with their conversions to and from the types of internal/sbi: the
// access and mobility subscription data and the session management
// subscription data, as much of them as Keel keeps.
//
// # Errors
//
// The conversions from the wire return errors wrapping
// sbi.ErrInvalidRequest (400 MANDATORY_IE_INCORRECT) for a value the
// OpenAPI documents allow in shape but Keel cannot take (a malformed bit
// rate, IP address, S-NSSAI), naming the attribute.
//
// # Spec conformance
//
//   - AccessAndMobilitySubscriptionData (TS 29.503 §6.1.6.2.4):
//     subscribedUeAmbr, nssai (defaultSingleNssais, singleNssais),
//     subscribedDnnList.
//   - SessionManagementSubscriptionData (TS 29.503 §6.1.6.2.5), one per
//     S-NSSAI with dnnConfigurations (pduSessionTypes, sscModes,
//     5gQosProfile, sessionAmbr, staticIpAddress), written and read in
//     the subscription's order.
//   - Not carried: the subscriber's PCC rules (sbi.SMData.PCCRules, TS
//     29.519 SmPolicyData), which belong to Nudr's policy data: over
//     HTTP the PCF sees the DNN's rules only.
package subdata

import (
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Ambr is TS 29.571 Ambr.
type Ambr struct {
	Uplink   string `json:"uplink"`
	Downlink string `json:"downlink"`
}

func ambr(up, down uint64) *Ambr {
	return &Ambr{Uplink: sbi.FormatBitRate(up), Downlink: sbi.FormatBitRate(down)}
}

func (a *Ambr) values(attr string) (up, down uint64, err error) {
	if a == nil {
		return 0, 0, nil
	}
	if up, err = sbi.ParseBitRate(a.Uplink); err != nil {
		return 0, 0, fmt.Errorf("%w: %s/uplink: %v", sbi.ErrInvalidRequest, attr, err)
	}
	if down, err = sbi.ParseBitRate(a.Downlink); err != nil {
		return 0, 0, fmt.Errorf("%w: %s/downlink: %v", sbi.ErrInvalidRequest, attr, err)
	}
	return up, down, nil
}

// Nssai is TS 29.503 Nssai.
type Nssai struct {
	DefaultSingleNssais []ident.SNSSAI `json:"defaultSingleNssais"`
	SingleNssais        []ident.SNSSAI `json:"singleNssais,omitempty"`
}

// AccessAndMobilitySubscriptionData is TS 29.503
// AccessAndMobilitySubscriptionData, the attributes Keel uses.
type AccessAndMobilitySubscriptionData struct {
	SubscribedUeAmbr  *Ambr    `json:"subscribedUeAmbr,omitempty"`
	Nssai             *Nssai   `json:"nssai,omitempty"`
	SubscribedDnnList []string `json:"subscribedDnnList,omitempty"`
}

// FromAMData shapes am for the wire.
func FromAMData(am sbi.AMData) AccessAndMobilitySubscriptionData {
	d := AccessAndMobilitySubscriptionData{SubscribedUeAmbr: ambr(am.UEAMBRUplink, am.UEAMBRDownlink), SubscribedDnnList: am.DNNs}
	if len(am.NSSAI) > 0 || len(am.DefaultNSSAI) > 0 {
		d.Nssai = &Nssai{DefaultSingleNssais: snssais(am.DefaultNSSAI), SingleNssais: snssais(am.NSSAI)}
	}
	return d
}

// AMData converts d to Keel's access and mobility data.
func (d AccessAndMobilitySubscriptionData) AMData() (sbi.AMData, error) {
	var am sbi.AMData
	var err error
	if am.UEAMBRUplink, am.UEAMBRDownlink, err = d.SubscribedUeAmbr.values("/subscribedUeAmbr"); err != nil {
		return sbi.AMData{}, err
	}
	if d.Nssai != nil {
		am.DefaultNSSAI = snssais(d.Nssai.DefaultSingleNssais)
		am.NSSAI = snssais(d.Nssai.SingleNssais)
	}
	am.DNNs = d.SubscribedDnnList
	return am, nil
}

// snssais copies a list of S-NSSAIs, nil when empty.
func snssais(list []ident.SNSSAI) []ident.SNSSAI {
	if len(list) == 0 {
		return nil
	}
	return append([]ident.SNSSAI(nil), list...)
}
