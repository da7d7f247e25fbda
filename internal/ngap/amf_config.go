package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
)

// What an AMF tells the NG-RAN about itself (TS 23.502 §4.2.7.1): its
// name, the GUAMIs it serves, for each optionally the name of the AMF
// that backs it up, and its weight within the AMF set (Relative AMF
// Capacity). The gNB's side reads them from NG Setup Response (TS 38.413
// §9.2.6.2), AMF Configuration Update (§9.2.6.7) and AMF Status
// Indication (§9.2.6.10).

// maxAMFNameLen bounds an AMF Name (TS 38.413 §9.3.3.21: PrintableString
// of 1 to 150 characters).
const maxAMFNameLen = 150

// servedGUAMIList builds a Served GUAMI List: each GUAMI with its backup
// AMF name from backups when it has one.
func servedGUAMIList(guamis []ident.GUAMI, backups map[ident.GUAMI]string) (*ie.ServedGUAMIList, error) {
	out := &ie.ServedGUAMIList{}
	for _, g := range guamis {
		gi, err := EncodeGUAMI(g)
		if err != nil {
			return nil, err
		}
		item := ie.ServedGUAMIItem{GUAMI: gi}
		if name := backups[g]; name != "" {
			if item.BackupAMFName, err = amfNameIE(name); err != nil {
				return nil, err
			}
		}
		out.List = append(out.List, item)
	}
	return out, nil
}

func amfNameIE(name string) (*ie.AMFName, error) {
	if name == "" || len(name) > maxAMFNameLen {
		return nil, fmt.Errorf("ngap: AMF Name of %d characters, want 1 to %d", len(name), maxAMFNameLen)
	}
	return &ie.AMFName{Value: aper.PrintableString(name)}, nil
}

// DecodeServedGUAMIs reads a Served GUAMI List (TS 38.413 §9.2.6.2): the
// GUAMIs in order, and the backup AMF name of those that have one.
func DecodeServedGUAMIs(x *ie.ServedGUAMIList) ([]ident.GUAMI, map[ident.GUAMI]string, error) {
	if x == nil || len(x.List) == 0 {
		return nil, nil, errors.New("ngap: Served GUAMI List missing or empty")
	}
	guamis := make([]ident.GUAMI, 0, len(x.List))
	backups := map[ident.GUAMI]string{}
	for i, item := range x.List {
		g, err := DecodeGUAMI(item.GUAMI)
		if err != nil {
			return nil, nil, fmt.Errorf("ngap: Served GUAMI List item %d: %w", i+1, err)
		}
		guamis = append(guamis, g)
		if item.BackupAMFName != nil && len(item.BackupAMFName.Value) > 0 {
			backups[g] = string(item.BackupAMFName.Value)
		}
	}
	return guamis, backups, nil
}

// DecodeNGSetupResponse reads what an NG Setup Response tells the gNB
// about the AMF (TS 38.413 §9.2.6.2): AMF Name, Served GUAMI List with
// backup AMF names, Relative AMF Capacity, and the PLMNs it supports
// with the slices of the first. The mandatory IEs must be there.
func DecodeNGSetupResponse(m *message.NGSetupResponse) (AMFInfo, error) {
	if m == nil {
		return AMFInfo{}, errors.New("ngap: NGSetupResponse: missing")
	}
	if m.AMFName == nil || len(m.AMFName.Value) == 0 {
		return AMFInfo{}, errors.New("ngap: NGSetupResponse: missing AMF Name")
	}
	if m.RelativeAMFCapacity == nil || m.RelativeAMFCapacity.Value < 0 || m.RelativeAMFCapacity.Value > 255 {
		return AMFInfo{}, errors.New("ngap: NGSetupResponse: missing or out-of-range Relative AMF Capacity")
	}
	guamis, backups, err := DecodeServedGUAMIs(m.ServedGUAMIList)
	if err != nil {
		return AMFInfo{}, fmt.Errorf("ngap: NGSetupResponse: %w", err)
	}
	a := AMFInfo{Name: string(m.AMFName.Value), GUAMIs: guamis, Capacity: uint8(m.RelativeAMFCapacity.Value)}
	if len(backups) > 0 {
		a.BackupAMFNames = backups
	}
	if m.PLMNSupportList != nil {
		for i, item := range m.PLMNSupportList.List {
			if item.PLMNIdentity == nil {
				return AMFInfo{}, fmt.Errorf("ngap: NGSetupResponse: PLMN Support List item %d without a PLMN Identity", i+1)
			}
			p, err := DecodePLMN(item.PLMNIdentity.Value)
			if err != nil {
				return AMFInfo{}, fmt.Errorf("ngap: NGSetupResponse: %w", err)
			}
			a.PLMNs = append(a.PLMNs, p)
			if i > 0 || item.SliceSupportList == nil {
				continue
			}
			for _, s := range item.SliceSupportList.List {
				sl, err := DecodeSNSSAI(s.SNSSAI)
				if err != nil {
					return AMFInfo{}, fmt.Errorf("ngap: NGSetupResponse: %w", err)
				}
				a.Slices = append(a.Slices, sl)
			}
		}
	}
	return a, nil
}

// AMFStatusIndicationBackups is AMFStatusIndication naming, for the
// GUAMIs in backups, the AMF that takes them over (TS 38.413 §9.2.6.10,
// Backup AMF Name of the Unavailable GUAMI Item).
func AMFStatusIndicationBackups(guamis []ident.GUAMI, backups map[ident.GUAMI]string) (*message.AMFStatusIndication, error) {
	m, err := AMFStatusIndication(guamis)
	if err != nil {
		return nil, err
	}
	for i := range m.UnavailableGUAMIList.List {
		if name := backups[guamis[i]]; name != "" {
			if m.UnavailableGUAMIList.List[i].BackupAMFName, err = amfNameIE(name); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// DecodeAMFStatusIndication reads an AMF Status Indication (TS 38.413
// §9.2.6.10): the GUAMIs the AMF says are unavailable, and the backup
// AMF name of those items that carry one.
func DecodeAMFStatusIndication(m *message.AMFStatusIndication) ([]ident.GUAMI, map[ident.GUAMI]string, error) {
	if m == nil || m.UnavailableGUAMIList == nil || len(m.UnavailableGUAMIList.List) == 0 {
		return nil, nil, errors.New("ngap: AMFStatusIndication: missing or empty Unavailable GUAMI List")
	}
	guamis := make([]ident.GUAMI, 0, len(m.UnavailableGUAMIList.List))
	backups := map[ident.GUAMI]string{}
	for i, item := range m.UnavailableGUAMIList.List {
		g, err := DecodeGUAMI(item.GUAMI)
		if err != nil {
			return nil, nil, fmt.Errorf("ngap: AMFStatusIndication: Unavailable GUAMI List item %d: %w", i+1, err)
		}
		guamis = append(guamis, g)
		if item.BackupAMFName != nil && len(item.BackupAMFName.Value) > 0 {
			backups[g] = string(item.BackupAMFName.Value)
		}
	}
	return guamis, backups, nil
}
