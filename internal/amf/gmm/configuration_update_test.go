package gmm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sim/ue"
)

// testNITZ is the AMF's NITZ in the transcripts: names "Keel Network"
// and "Keel", UTC, a fixed clock.
var testNITZ = &gmm.NITZ{FullName: "Keel Network", ShortName: "Keel",
	Now: func() time.Time { return time.Date(2026, time.December, 6, 7, 5, 9, 0, time.UTC) }}

// updateConfiguration runs the AMF's generic UE configuration update.
func (w *world) updateConfiguration(u gmm.ConfigurationUpdate) {
	fmt.Fprintf(&w.log, "nw: update configuration new_guti=%v allowed_nssai=%v\n", u.NewGUTI, u.AllowedNSSAI)
	if err := w.m.UpdateConfiguration(context.Background(), u); err != nil {
		fmt.Fprintf(&w.log, "  answer: %v\n", err)
	}
}

// TS 24.501 §5.4.4.2, §5.5.1.2.4: after the REGISTRATION COMPLETE of an
// initial registration without follow-on request, the AMF sends the
// network's names and time in a CONFIGURATION UPDATE COMMAND without
// acknowledgement, then releases the N2 connection.
func TestConfigurationUpdateNITZRelease(t *testing.T) {
	w := newWorld(t, worldOptions{nitz: testNITZ, after: gmm.ReleaseAfterRegistration})
	w.register()
	w.deliver()
	w.check("configuration_update_nitz_release")
}

// With the follow-on request bit set (the UE opens a PDU session next)
// the connection stays after the NITZ.
func TestConfigurationUpdateNITZFollowOn(t *testing.T) {
	w := newWorld(t, worldOptions{nitz: testNITZ, after: gmm.ReleaseAfterRegistration, follow: true, smf: true})
	w.register()
	w.deliver()
	w.session(1)
	w.check("configuration_update_nitz_follow_on")
}

// An operator's AMF configured to keep the connection keeps it.
func TestConfigurationUpdateKeepConnection(t *testing.T) {
	w := newWorld(t, worldOptions{nitz: testNITZ, after: gmm.KeepAfterRegistration})
	w.register()
	w.deliver()
	w.check("configuration_update_keep")
}

// TS 24.501 §5.4.4.2-§5.4.4.3: a new 5G-GUTI and allowed NSSAI after a
// subscription change, with acknowledgement requested: T3555 runs until
// the CONFIGURATION UPDATE COMPLETE.
func TestConfigurationUpdateNewGUTI(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	w.tmsis = []uint32{0xc0ffee11}
	w.updateConfiguration(gmm.ConfigurationUpdate{NewGUTI: true, AllowedNSSAI: []ident.SNSSAI{{SST: 1, SD: 0x10, HasSD: true}}})
	w.deliver()
	if g := w.m.GUTI(); g == nil || g.TMSI != 0xc0ffee11 {
		t.Errorf("GUTI %v after the complete, want 5G-TMSI c0ffee11", g)
	}
	if g, ok := w.ue.FiveGGUTI(); !ok || g.TMSI != 0xc0ffee11 {
		t.Errorf("UE's GUTI %v, want 5G-TMSI c0ffee11", g)
	}
	w.check("configuration_update_new_guti")
}

// TS 24.501 §5.4.4.4 c: the UE never answers; T3555 retransmits the
// command four times and the fifth expiry aborts the procedure. The UE
// stays registered and connected, and the AMF names it by its old
// 5G-GUTI again.
func TestConfigurationUpdateT3555Abort(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	w.tmsis = []uint32{0xc0ffee11}
	w.updateConfiguration(gmm.ConfigurationUpdate{NewGUTI: true})
	for range 5 {
		w.drop()
		w.expire(gmm.T3555)
	}
	if w.m.State() != gmm.Registered || !w.m.Connected() {
		t.Errorf("state %s connected %v after the abort, want registered and connected", w.m.State(), w.m.Connected())
	}
	if g := w.m.GUTI(); g == nil || g.TMSI != 0xc0ffee00 {
		t.Errorf("GUTI %v after the abort, want the old 5G-TMSI c0ffee00", g)
	}
	// §5.4.4.6: the UE may have taken the new one all the same; the
	// context saved for the AMF set is found by both.
	if r, ok := w.m.Snapshot(); !ok || r.GUTI.TMSI != 0xc0ffee00 || r.Former == nil || r.Former.TMSI != 0xc0ffee11 {
		t.Errorf("Snapshot after the abort = 5G-GUTI %v, former %v, %v; want c0ffee00 and the new c0ffee11", r.GUTI, r.Former, ok)
	}
	// The UE, which kept its configuration, goes on as before.
	w.deregisterUE()
	w.check("configuration_update_t3555_abort")
}

// TS 23.502 §4.2.4.2: an idle UE is paged for the update, which goes once
// its Service Request is accepted.
func TestConfigurationUpdateIdle(t *testing.T) {
	w := registeredIdle(t)
	w.tmsis = []uint32{0xc0ffee11}
	w.updateConfiguration(gmm.ConfigurationUpdate{NewGUTI: true})
	fmt.Fprintf(&w.log, "gnb: Initial UE Message\n")
	w.serviceRequest(ue.ServiceMobileTerminated)
	w.contextSetUp()
	w.deliver()
	if g := w.m.GUTI(); g == nil || g.TMSI != 0xc0ffee11 {
		t.Errorf("GUTI %v, want 5G-TMSI c0ffee11", g)
	}
	w.check("configuration_update_idle")
}

// A configuration update for a UE not registered is refused.
func TestConfigurationUpdateNotRegistered(t *testing.T) {
	w := newWorld(t, worldOptions{})
	if err := w.m.UpdateConfiguration(context.Background(), gmm.ConfigurationUpdate{NewGUTI: true}); err != gmm.ErrNotRegistered {
		t.Errorf("UpdateConfiguration before registration = %v, want %v", err, gmm.ErrNotRegistered)
	}
}

// deregisterUE has the UE deregister (not switched off).
func (w *world) deregisterUE() {
	pdu, err := w.ue.DeregistrationRequest(false)
	if err != nil {
		w.t.Fatal(err)
	}
	w.up("sends", pdu)
	w.deliver()
}

// TS 24.501 §5.4.4.4 a: the gNB could not deliver the command (lower
// layer failure): the procedure ends, the UE keeps its registration and
// its old 5G-GUTI.
func TestConfigurationUpdateLowerLayerFailure(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	w.tmsis = []uint32{0xc0ffee11}
	w.updateConfiguration(gmm.ConfigurationUpdate{NewGUTI: true})
	w.drop()
	w.notDelivered(true)
	if g := w.m.GUTI(); w.m.State() != gmm.Registered || g == nil || g.TMSI != 0xc0ffee00 {
		t.Errorf("state %s, GUTI %v, want registered with 5G-TMSI c0ffee00", w.m.State(), g)
	}
	w.check("configuration_update_lower_layer_failure")
}

// TS 24.501 §5.4.4.4 d: a REGISTRATION REQUEST while the command waits
// for its complete aborts the configuration update; the registration
// goes on.
func TestConfigurationUpdateRegistrationCollision(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	w.tmsis = []uint32{0xc0ffee11}
	w.updateConfiguration(gmm.ConfigurationUpdate{NewGUTI: true})
	w.drop()
	w.update(true)
	if g := w.m.GUTI(); w.m.State() != gmm.Registered || g == nil || g.TMSI != 0xc0ffee00 {
		t.Errorf("state %s, GUTI %v, want registered with 5G-TMSI c0ffee00", w.m.State(), g)
	}
	w.check("configuration_update_registration_collision")
}

// A configuration update that comes while the Initial Context Setup of an
// accepted Service Request is under way goes once the gNB has answered.
func TestConfigurationUpdateDuringServiceRequest(t *testing.T) {
	w := registeredIdle(t)
	fmt.Fprintf(&w.log, "gnb: Initial UE Message\n")
	w.serviceRequest(ue.ServiceSignalling)
	w.tmsis = []uint32{0xc0ffee11}
	w.updateConfiguration(gmm.ConfigurationUpdate{NewGUTI: true})
	w.contextSetUp()
	w.deliver()
	if g := w.m.GUTI(); g == nil || g.TMSI != 0xc0ffee11 {
		t.Errorf("GUTI %v, want 5G-TMSI c0ffee11", g)
	}
	w.check("configuration_update_during_service_request")
}
