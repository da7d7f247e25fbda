package hometest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// authenticate runs one 5G AKA (TS 33.501 §6.1.3.2) for u and checks
// both sides agree on the SUPI and KSEAF.
func (c *core) authenticate(t *testing.T, u *ue, req sbi.AuthRequest) {
	t.Helper()
	ctx := context.Background()
	req.ServingNetworkName = snName
	ch, err := c.ausf.Authenticate(ctx, req)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	resStar, kseaf, auts := u.answer(t, ch)
	if auts != nil {
		t.Fatalf("UE refused the SQN of the challenge")
	}
	conf, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if conf.SUPI != u.supi || !conf.KSEAF.Equal(kseaf) {
		t.Errorf("Confirm gave SUPI %s and a KSEAF equal to the UE's: %v; want %s, true", conf.SUPI, conf.KSEAF.Equal(kseaf), u.supi)
	}
}

// suciOf conceals u's MSIN with home network key id (0: null scheme).
func (c *core) suciOf(t *testing.T, u *ue, id uint8) *ident.SUCI {
	t.Helper()
	bcd, err := suci.EncodeMSIN(u.msin)
	if err != nil {
		t.Fatal(err)
	}
	s := &ident.SUCI{MCC: mcc, MNC: mnc, RoutingIndicator: "0", SchemeOutput: bcd}
	if id == 0 {
		return s
	}
	for _, p := range c.keys.Public() {
		if p.ID != id {
			continue
		}
		pub, _ := hex.DecodeString(p.Public)
		scheme := map[string]suci.Scheme{"A": suci.ProfileA, "B": suci.ProfileB}[p.Scheme]
		if s.SchemeOutput, err = suci.Conceal(scheme, pub, bcd, rand.Reader); err != nil {
			t.Fatal(err)
		}
		s.Scheme, s.KeyID = uint8(scheme), id
		return s
	}
	t.Fatalf("no home network key %d", id)
	return nil
}

func TestFiveGAKA(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		for _, u := range c.ues {
			before := c.storedSQN(t, u.supi)
			c.authenticate(t, u, sbi.AuthRequest{SUPI: u.supi})
			c.authenticate(t, u, sbi.AuthRequest{SUCI: c.suciOf(t, u, 0)})
			for _, p := range c.keys.Public() {
				c.authenticate(t, u, sbi.AuthRequest{SUCI: c.suciOf(t, u, p.ID)})
			}
			if got, want := c.storedSQN(t, u.supi), before+2+uint64(len(c.keys.Public())); got != want {
				t.Errorf("stored SQN %d after the authentications, want %d (one advance each)", got, want)
			}
		}
	})
}

func TestFiveGAKAFailures(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		ctx := context.Background()
		u := c.ues[0]
		ch, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ausf.Confirm(ctx, ch.AuthCtxID, [16]byte{1}); !errors.Is(err, sbi.ErrAuthRejected) {
			t.Errorf("Confirm with a wrong RES* = %v, want %v", err, sbi.ErrAuthRejected)
		}
		if _, err := c.ausf.Confirm(ctx, ch.AuthCtxID, [16]byte{1}); !errors.Is(err, sbi.ErrAuthContextNotFound) {
			t.Errorf("second Confirm = %v, want %v", err, sbi.ErrAuthContextNotFound)
		}
		for _, tc := range []struct {
			req  sbi.AuthRequest
			want error
		}{
			{sbi.AuthRequest{SUPI: "imsi-001019999999999", ServingNetworkName: snName}, sbi.ErrUserNotFound},
			{sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: "5G:mnc099.mcc999.3gppnetwork.org"}, sbi.ErrServingNetworkNotAuthorized},
			{sbi.AuthRequest{SUCI: &ident.SUCI{MCC: mcc, MNC: mnc, RoutingIndicator: "0", Scheme: 1, KeyID: 77, SchemeOutput: make([]byte, 40)}, ServingNetworkName: snName}, sbi.ErrSUCIDeconceal},
		} {
			if _, err := c.ausf.Authenticate(ctx, tc.req); !errors.Is(err, tc.want) {
				t.Errorf("Authenticate(%+v) = %v, want %v", tc.req, err, tc.want)
			}
		}
		// The UE refuses the challenge: the context is deleted and cannot
		// be confirmed any more (TS 24.501 §5.4.1.3.7).
		ch, err = c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.ausf.DeleteConfirmation(ctx, ch.AuthCtxID, 20); err != nil {
			t.Fatalf("DeleteConfirmation: %v", err)
		}
		if err := c.ausf.DeleteConfirmation(ctx, ch.AuthCtxID, 20); !errors.Is(err, sbi.ErrAuthContextNotFound) {
			t.Errorf("second DeleteConfirmation = %v, want %v", err, sbi.ErrAuthContextNotFound)
		}
		if _, err := c.ausf.Confirm(ctx, ch.AuthCtxID, [16]byte{}); !errors.Is(err, sbi.ErrAuthContextNotFound) {
			t.Errorf("Confirm after DeleteConfirmation = %v, want %v", err, sbi.ErrAuthContextNotFound)
		}
	})
}

// TestResync: a UE whose SQN ran ahead refuses the challenge with AUTS;
// the next authentication carries it and the UE accepts the new SQN
// (TS 33.501 §6.1.3.3, TS 33.102 §6.3.5).
func TestResync(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		ctx := context.Background()
		u := c.ues[1]
		u.sqnMS = 1 << 40
		ch, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
		if err != nil {
			t.Fatal(err)
		}
		_, _, auts := u.answer(t, ch)
		if auts == nil {
			t.Fatal("UE accepted an SQN below its own")
		}
		if err := c.ausf.DeleteConfirmation(ctx, ch.AuthCtxID, 21); err != nil {
			t.Fatal(err)
		}
		c.authenticate(t, u, sbi.AuthRequest{SUPI: u.supi, Resync: &sbi.Resync{RAND: ch.RAND, AUTS: *auts}})
		if got := c.storedSQN(t, u.supi); got <= 1<<40 {
			t.Errorf("stored SQN %#x after re-synchronisation, want above %#x", got, uint64(1<<40))
		}
		// An AUTS whose MAC-S does not verify re-synchronises nothing.
		bad := *auts
		bad[13] ^= 1
		if _, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName, Resync: &sbi.Resync{RAND: ch.RAND, AUTS: bad}}); !errors.Is(err, sbi.ErrSyncFailure) {
			t.Errorf("Authenticate with a bad AUTS = %v, want %v", err, sbi.ErrSyncFailure)
		}
	})
}

// TestSubscriberData: Nudm_SDM answers what the UDR holds, in the
// subscription's order (TS 29.503 §5.2.2.2).
func TestSubscriberData(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		ctx := context.Background()
		u := c.ues[0]
		am, err := c.sdm.AccessAndMobility(ctx, u.supi)
		if err != nil {
			t.Fatal(err)
		}
		wantAM := sbi.AMData{UEAMBRUplink: 50e6, UEAMBRDownlink: 200e6, NSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xa, HasSD: true}}, DefaultNSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet", "ims"}}
		if diff := cmp.Diff(wantAM, am); diff != "" {
			t.Errorf("AccessAndMobility (-want +got):\n%s", diff)
		}
		sm, err := c.sdm.SessionManagement(ctx, u.supi)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := c.udr.SessionManagementSubscription(ctx, u.supi)
		if err != nil {
			t.Fatal(err)
		}
		if len(sm) != 3 || sm[0].DNN != "internet" || sm[1].DNN != "ims" || sm[2].SNSSAI.SST != 2 {
			t.Errorf("SessionManagement = %+v, want internet, ims in SST 1 then internet in SST 2", sm)
		}
		if diff := cmp.Diff(direct, sm, cmp.Comparer(func(a, b interface{ String() string }) bool { return a.String() == b.String() })); diff != "" {
			t.Errorf("SessionManagement differs from the UDR's data (-udr +sdm):\n%s", diff)
		}
		if sm[0].StaticIPv4.String() != "10.45.0.7" || sm[1].StaticIPv6.String() != "2001:db8:0:7::" || sm[0].FiveQI != 9 || sm[1].ARPPriority != 1 || sm[0].SessionAMBRDownlink != 300e6 {
			t.Errorf("SessionManagement lost values: %+v", sm)
		}
		if _, err := c.sdm.AccessAndMobility(ctx, "imsi-001019999999999"); !errors.Is(err, sbi.ErrUserNotFound) {
			t.Errorf("AccessAndMobility of an unknown SUPI = %v, want %v", err, sbi.ErrUserNotFound)
		}
		if _, err := c.sdm.SessionManagement(ctx, "imsi-001019999999999"); !errors.Is(err, sbi.ErrUserNotFound) {
			t.Errorf("SessionManagement of an unknown SUPI = %v, want %v", err, sbi.ErrUserNotFound)
		}
	})
}

// TestUECM: the AMF registration with its instance ID and GUAMI, read
// back, purged only by the AMF that holds it (TS 29.503 §5.3.2.2.2,
// §5.3.2.4.2, §5.3.2.5.2).
func TestUECM(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		ctx := context.Background()
		supi := c.ues[0].supi
		if _, ok := c.uecm.AMF(ctx, supi); ok {
			t.Fatal("a registration before any")
		}
		g := ident.GUAMI{PLMN: home, RegionID: 0xca, SetID: 0x3f, Pointer: 1}
		reg := sbi.AMFRegistration{AMFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", GUAMI: g, RATType: "NR"}
		for range 2 { // a new registration, then its replacement
			if err := c.uecm.RegisterAMF(ctx, supi, reg); err != nil {
				t.Fatal(err)
			}
		}
		if got, ok := c.uecm.AMF(ctx, supi); !ok || got != reg {
			t.Errorf("AMF = %+v, %v; want %+v", got, ok, reg)
		}
		other := g
		other.Pointer = 2
		if err := c.uecm.DeregisterAMF(ctx, supi, other); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.uecm.AMF(ctx, supi); !ok {
			t.Error("the purge of another AMF removed the registration")
		}
		if err := c.uecm.DeregisterAMF(ctx, supi, g); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.uecm.AMF(ctx, supi); ok {
			t.Error("registration after the purge")
		}
		if err := c.uecm.DeregisterAMF(ctx, supi, g); err != nil {
			t.Errorf("purge of an unregistered UE = %v, want no error", err)
		}
		if err := c.uecm.RegisterAMF(ctx, "imsi-1", reg); !errors.Is(err, sbi.ErrInvalidRequest) {
			t.Errorf("RegisterAMF of a malformed SUPI = %v, want %v", err, sbi.ErrInvalidRequest)
		}
	})
}

// TestSQNNeverTwice: concurrent NextSQN never give one value twice
// (TS 33.102 §6.3.2), over HTTP through the compare-and-set PATCH.
func TestSQNNeverTwice(t *testing.T) {
	both(t, func(t *testing.T, c *core) {
		ctx := context.Background()
		supi := c.ues[0].supi
		const workers, each = 4, 10
		var mu sync.Mutex
		seen := map[uint64]bool{}
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					a, err := c.udr.NextSQN(ctx, supi)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[a.SequenceNumber.SQN] {
						t.Errorf("SQN %#x given twice", a.SequenceNumber.SQN)
					}
					seen[a.SequenceNumber.SQN] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != workers*each {
			t.Errorf("%d distinct SQNs, want %d", len(seen), workers*each)
		}
		a, err := c.udr.AuthenticationSubscription(ctx, supi)
		if err != nil || a.OPc != c.ues[0].opc || a.PermanentKey != c.ues[0].k || a.AuthenticationMethod != "5G_AKA" {
			t.Errorf("AuthenticationSubscription = %v; want the subscriber's K and OPc for 5G_AKA", err)
		}
		if _, err := c.udr.NextSQN(ctx, "imsi-001019999999999"); !errors.Is(err, sbi.ErrUserNotFound) {
			t.Errorf("NextSQN of an unknown SUPI = %v, want %v", err, sbi.ErrUserNotFound)
		}
	})
}
