package sbi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/crypto/milenage"
	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/udm"
	"github.com/keelcore/keel/internal/udr"
)

// This file runs 5G AKA (TS 33.501 §6.1.3.2) through the real UDR, UDM and
// AUSF over an SQLite store, with the test playing the UE and the SEAF.

const (
	mcc, mnc = "001", "01"
	msinOPc  = "0000000001"
	msinOP   = "0000000002"
)

var snName = kdf.ServingNetworkName(mcc, mnc)

// ue is a USIM: K, OPc and the highest SQN it has accepted
// (TS 33.102 §6.3.3, simplified to one counter).
type ue struct {
	supi   string
	msin   string
	k, opc secret.Key128
	sqnMS  uint64
}

// answer verifies a challenge as the USIM and the ME do (TS 33.501
// §6.1.3.2 step 7) and returns RES* and the KSEAF it derives, or the
// AUTS of a synchronisation failure.
func (u *ue) answer(t *testing.T, ch sbi.AuthChallenge) (resStar [16]byte, kseaf secret.Key256, auts *[14]byte) {
	t.Helper()
	v, err := milenage.Generate(u.k, u.opc, ch.RAND, [6]byte{}, [2]byte{})
	if err != nil {
		t.Fatal(err)
	}
	var sqn [6]byte
	for i := range sqn {
		sqn[i] = ch.AUTN[i] ^ v.AK[i]
	}
	amf := [2]byte(ch.AUTN[6:8])
	if amf[0]&0x80 == 0 {
		t.Fatalf("AUTN carries AMF %x without the separation bit", amf)
	}
	if v, err = milenage.Generate(u.k, u.opc, ch.RAND, sqn, amf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.MACA[:], ch.AUTN[8:16]) {
		t.Fatal("UE: MAC-A in AUTN does not verify")
	}
	s := sqnOf(sqn)
	if s <= u.sqnMS {
		a, err := milenage.AUTS(u.k, u.opc, ch.RAND, sqnBytes(u.sqnMS))
		if err != nil {
			t.Fatal(err)
		}
		return resStar, kseaf, &a
	}
	u.sqnMS = s
	resStar = kdf.RESStar(v.CK, v.IK, snName, ch.RAND, v.RES[:])
	// The SEAF's check of TS 33.501 §6.1.3.2 step 9.
	if kdf.HXRESStar(ch.RAND, resStar) != ch.HXRESStar {
		t.Fatal("SEAF: HRES* differs from HXRES*")
	}
	kausf := kdf.KAUSF(v.CK, v.IK, snName, [6]byte(ch.AUTN[0:6]))
	return resStar, kdf.KSEAF(kausf, snName), nil
}

func sqnOf(b [6]byte) uint64 {
	var s uint64
	for _, x := range b {
		s = s<<8 | uint64(x)
	}
	return s
}

func sqnBytes(s uint64) [6]byte {
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = byte(s)
		s >>= 8
	}
	return b
}

type core struct {
	store store.Store
	keys  *hnkey.Keyring
	udm   *udm.UDM
	ausf  *ausf.AUSF
	ues   []*ue
	log   *logtest.Buffer
}

func newCore(t *testing.T) *core {
	t.Helper()
	ctx := context.Background()
	c := &core{log: &logtest.Buffer{}}
	logger := slog.New(slog.NewTextHandler(c.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c.store = st
	for _, m := range []struct {
		msin string
		isOP bool
	}{{msinOPc, false}, {msinOP, true}} {
		u := &ue{supi: "imsi-" + mcc + mnc + m.msin, msin: m.msin, k: secret.RandomKey128(), opc: secret.RandomKey128()}
		auth := store.AuthData{K: u.k, OPc: u.opc, AMF: [2]byte{0x80, 0x00}}
		if m.isOP {
			op := secret.RandomKey128()
			auth.OPc, auth.OPIsOP = op, true
			u.opc = milenage.OPc(u.k, op)
		}
		if err := st.CreateSubscriber(ctx, &store.Subscriber{SUPI: u.supi, Auth: auth, NSSAI: []ident.SNSSAI{{SST: 1}}}); err != nil {
			t.Fatal(err)
		}
		c.ues = append(c.ues, u)
	}
	if c.keys, err = hnkey.LoadOrCreate(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	r, err := udr.New(st, udr.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if c.udm, err = udm.New(udm.Options{UDR: r, Keys: c.keys, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	if c.ausf, err = ausf.New(ausf.Options{UDM: c.udm, ServingNetworks: []string{snName}, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *core) storedSQN(t *testing.T, supi string) uint64 {
	t.Helper()
	s, err := c.store.GetSubscriber(context.Background(), supi)
	if err != nil {
		t.Fatal(err)
	}
	return s.Auth.SQN
}

// suci conceals the UE's MSIN with home network key id (0: null scheme).
func (c *core) suci(t *testing.T, u *ue, id uint8) *ident.SUCI {
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

// authenticate runs one 5G AKA for u and checks both sides agree.
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
		t.Fatalf("UE refused the SQN of the challenge (SQN_MS %d)", u.sqnMS)
	}
	conf, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar)
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if conf.SUPI != u.supi {
		t.Errorf("Confirm gave SUPI %s, want %s", conf.SUPI, u.supi)
	}
	if !conf.KSEAF.Equal(kseaf) {
		t.Error("KSEAF of the AUSF differs from the UE's")
	}
}

func TestFiveGAKA(t *testing.T) {
	c := newCore(t)
	for _, u := range c.ues {
		c.authenticate(t, u, sbi.AuthRequest{SUPI: u.supi})
		c.authenticate(t, u, sbi.AuthRequest{SUCI: c.suci(t, u, 0)})
		c.authenticate(t, u, sbi.AuthRequest{SUCI: c.suci(t, u, hnkey.DefaultProfileAKeyID)})
		c.authenticate(t, u, sbi.AuthRequest{SUCI: c.suci(t, u, hnkey.DefaultProfileBKeyID)})
		if got := c.storedSQN(t, u.supi); got != 4 || u.sqnMS != 4 {
			t.Errorf("%s: SQN after four authentications = %d in the store, %d in the UE; want 4", u.supi, got, u.sqnMS)
		}
	}
}

func TestFiveGAKAFailures(t *testing.T) {
	ctx := context.Background()
	c := newCore(t)
	u := c.ues[0]
	ch, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
	if err != nil {
		t.Fatal(err)
	}
	resStar, _, _ := u.answer(t, ch)
	resStar[0] ^= 0xff
	if _, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar); !errors.Is(err, sbi.ErrAuthRejected) {
		t.Errorf("Confirm with a wrong RES* = %v, want ErrAuthRejected", err)
	}

	ch, _ = c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
	resStar, _, _ = u.answer(t, ch)
	if _, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("second Confirm of a context = %v, want ErrAuthContextNotFound", err)
	}

	before := c.storedSQN(t, u.supi)
	if _, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: "imsi-001019999999999", ServingNetworkName: snName}); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Errorf("Authenticate of an unknown SUPI = %v, want ErrUserNotFound", err)
	}
	unknown := c.suci(t, &ue{msin: "9999999999"}, hnkey.DefaultProfileAKeyID)
	if _, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUCI: unknown, ServingNetworkName: snName}); !errors.Is(err, sbi.ErrUserNotFound) {
		t.Errorf("Authenticate of a SUCI concealing an unknown SUPI = %v, want ErrUserNotFound", err)
	}
	bad := c.suci(t, u, hnkey.DefaultProfileBKeyID)
	bad.SchemeOutput[len(bad.SchemeOutput)-1] ^= 1
	if _, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUCI: bad, ServingNetworkName: snName}); !errors.Is(err, sbi.ErrSUCIDeconceal) {
		t.Errorf("Authenticate with a SUCI whose MAC fails = %v, want ErrSUCIDeconceal", err)
	}
	other := kdf.ServingNetworkName("001", "02")
	if _, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: other}); !errors.Is(err, sbi.ErrServingNetworkNotAuthorized) {
		t.Errorf("Authenticate for serving network %s = %v, want ErrServingNetworkNotAuthorized", other, err)
	}
	if got := c.storedSQN(t, u.supi); got != before {
		t.Errorf("refused requests moved the SQN from %d to %d", before, got)
	}
}

// TestSQNIncreases checks that concurrent authentications of one
// subscriber each get their own SQN.
func TestSQNIncreases(t *testing.T) {
	ctx := context.Background()
	c := newCore(t)
	u := c.ues[0]
	const n = 32
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			ch, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
			if err != nil {
				t.Error(err)
				return
			}
			v, _ := milenage.Generate(u.k, u.opc, ch.RAND, [6]byte{}, [2]byte{})
			var sqn [6]byte
			for i := range sqn {
				sqn[i] = ch.AUTN[i] ^ v.AK[i]
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[sqnOf(sqn)] {
				t.Errorf("SQN %d handed out twice", sqnOf(sqn))
			}
			seen[sqnOf(sqn)] = true
		})
	}
	wg.Wait()
	if len(seen) != n || c.storedSQN(t, u.supi) != n {
		t.Errorf("%d distinct SQNs, store at %d; want %d and %d", len(seen), c.storedSQN(t, u.supi), n, n)
	}
	// One after another, SQNs strictly increase.
	last := uint64(n)
	for range 3 {
		ch, _ := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
		v, _ := milenage.Generate(u.k, u.opc, ch.RAND, [6]byte{}, [2]byte{})
		var sqn [6]byte
		for i := range sqn {
			sqn[i] = ch.AUTN[i] ^ v.AK[i]
		}
		if s := sqnOf(sqn); s <= last {
			t.Errorf("SQN %d after %d", s, last)
		} else {
			last = s
		}
	}
}

// TestResync plays a UE whose SQN is ahead of the network's
// (TS 33.501 §6.1.3.3): it answers with AUTS, the network re-synchronises
// and the next challenge is accepted. An AUTS with a wrong MAC-S changes
// nothing.
func TestResync(t *testing.T) {
	ctx := context.Background()
	c := newCore(t)
	u := c.ues[1]
	u.sqnMS = 0x0123_4567_89ab
	req := sbi.AuthRequest{SUCI: c.suci(t, u, hnkey.DefaultProfileAKeyID), ServingNetworkName: snName}
	ch, err := c.ausf.Authenticate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	_, _, auts := u.answer(t, ch)
	if auts == nil {
		t.Fatal("UE accepted an SQN below its own")
	}

	bad := *auts
	bad[7] ^= 0x40
	before := c.storedSQN(t, u.supi)
	req.Resync = &sbi.Resync{RAND: ch.RAND, AUTS: bad}
	if _, err := c.ausf.Authenticate(ctx, req); !errors.Is(err, sbi.ErrSyncFailure) {
		t.Errorf("Authenticate with an AUTS whose MAC-S is wrong = %v, want ErrSyncFailure", err)
	}
	if got := c.storedSQN(t, u.supi); got != before {
		t.Errorf("failed re-synchronisation moved the SQN from %d to %d", before, got)
	}

	req.Resync = &sbi.Resync{RAND: ch.RAND, AUTS: *auts}
	ch, err = c.ausf.Authenticate(ctx, req)
	if err != nil {
		t.Fatalf("Authenticate with a valid AUTS: %v", err)
	}
	if got := c.storedSQN(t, u.supi); got <= u.sqnMS {
		t.Errorf("SQN after re-synchronisation = %#x, want above SQN_MS %#x", got, u.sqnMS)
	}
	resStar, kseaf, auts := u.answer(t, ch)
	if auts != nil {
		t.Fatal("UE refused the challenge after re-synchronisation")
	}
	conf, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar)
	if err != nil || conf.SUPI != u.supi || !conf.KSEAF.Equal(kseaf) {
		t.Errorf("Confirm after re-synchronisation = %s, %v", conf.SUPI, err)
	}
}

// TestSecretsNotLogged runs authentications of every kind with debug
// logging and looks for the secrets in the output.
func TestSecretsNotLogged(t *testing.T) {
	ctx := context.Background()
	c := newCore(t)
	var secrets []string
	add := func(b []byte) {
		secrets = append(secrets, hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)))
	}
	for _, u := range c.ues {
		add(u.k.Bytes())
		add(u.opc.Bytes())
	}
	for _, id := range []uint8{1, 2} {
		k, _ := c.keys.Key(id)
		add(k.Private.Reveal())
	}
	u := c.ues[0]
	for i, req := range []sbi.AuthRequest{{SUPI: u.supi}, {SUCI: c.suci(t, u, 1)}, {SUCI: c.suci(t, u, 2)}} {
		req.ServingNetworkName = snName
		ch, err := c.ausf.Authenticate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		resStar, kseaf, _ := u.answer(t, ch)
		add(resStar[:])
		add(kseaf.Bytes())
		v, _ := milenage.Generate(u.k, u.opc, ch.RAND, [6]byte(ch.AUTN[0:6]), [2]byte{})
		add(v.CK.Bytes())
		add(v.IK.Bytes())
		if i == 1 {
			resStar[3] ^= 1 // one rejected confirmation
		}
		c.ausf.Confirm(ctx, ch.AuthCtxID, resStar)
	}
	u.sqnMS = 1 << 40
	ch, _ := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName})
	_, _, auts := u.answer(t, ch)
	ch, err := c.ausf.Authenticate(ctx, sbi.AuthRequest{SUPI: u.supi, ServingNetworkName: snName, Resync: &sbi.Resync{RAND: ch.RAND, AUTS: *auts}})
	if err != nil {
		t.Fatal(err)
	}
	resStar, kseaf, _ := u.answer(t, ch)
	add(resStar[:])
	add(kseaf.Bytes())
	conf, err := c.ausf.Confirm(ctx, ch.AuthCtxID, resStar)
	if err != nil {
		t.Fatal(err)
	}
	// Printing the results the way a careless caller might.
	slog.New(slog.NewTextHandler(c.log, nil)).Info("confirmed", "conf", conf, "kseaf", conf.KSEAF, "printed", fmt.Sprintf("%v %+v %x", conf, conf, conf.KSEAF))

	out := c.log.String()
	if !strings.Contains(out, u.supi) {
		t.Fatalf("the debug log does not name the SUPI; is it being captured?\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the log holds the secret %s…", s[:8])
		}
	}
}
