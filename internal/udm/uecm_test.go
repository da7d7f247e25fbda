package udm_test

import (
	"errors"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store/memrecords"
	"github.com/keelcore/keel/internal/udm"
)

// TestUECMSharedRecords runs two UDMs on one store.Records, as two
// instances behind one NRF: the registration one takes is read, replaced
// and purged at the other (TS 29.503 §5.3.2.2.2, §5.3.2.4.2, §5.3.2.5.2).
func TestUECMSharedRecords(t *testing.T) {
	ctx := t.Context()
	recs := memrecords.New()
	a, err := udm.New(udm.Options{UDR: &fakeUDR{}, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	b, err := udm.New(udm.Options{UDR: &fakeUDR{}, Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	g1 := ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 1, SetID: 1, Pointer: 1}
	g2 := g1
	g2.Pointer = 2
	r1 := sbi.AMFRegistration{AMFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", GUAMI: g1, RATType: "NR", DeregCallbackURI: "https://amf1.example/cb"}
	r2 := sbi.AMFRegistration{AMFInstanceID: "5947a69a-f61b-4bc1-b9da-47c9c5d14b64", GUAMI: g2, RATType: "NR"}
	if err := a.RegisterAMF(ctx, supi, r1); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.AMF(ctx, supi); !ok || got != r1 {
		t.Errorf("AMF at the other instance = %+v, %v; want %+v", got, ok, r1)
	}
	// The UE moved to the AMF of g2, registered through the other UDM.
	if err := b.RegisterAMF(ctx, supi, r2); err != nil {
		t.Fatal(err)
	}
	if got, ok := a.AMF(ctx, supi); !ok || got != r2 {
		t.Errorf("AMF after the other instance replaced it = %+v, %v; want %+v", got, ok, r2)
	}
	// The old AMF's purge keeps the new registration.
	if err := a.DeregisterAMF(ctx, supi, g1); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.AMF(ctx, supi); !ok {
		t.Error("the purge of the AMF the UE left removed its successor's registration")
	}
	if err := a.DeregisterAMF(ctx, supi, g2); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.AMF(ctx, supi); ok {
		t.Error("registration still read at the other instance after the purge")
	}
	if err := b.DeregisterAMF(ctx, supi, ident.GUAMI{}); err != nil {
		t.Errorf("DeregisterAMF of an unregistered UE = %v, want nil", err)
	}

	recs.Close()
	if err := a.RegisterAMF(ctx, supi, r1); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("RegisterAMF with the records closed = %v, want ErrUnavailable", err)
	}
	if err := a.DeregisterAMF(ctx, supi, g1); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("DeregisterAMF with the records closed = %v, want ErrUnavailable", err)
	}
}
