package sbitest

import (
	"context"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// AUSF wraps a Nausf_UEAuthentication service.
func AUSF(s sbi.NausfUEAuthentication, f *Faults) sbi.NausfUEAuthentication {
	return ausf{s, f}
}

type ausf struct {
	s sbi.NausfUEAuthentication
	f *Faults
}

func (w ausf) Authenticate(ctx context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	if err := w.f.inject(ctx, "Authenticate"); err != nil {
		return sbi.AuthChallenge{}, err
	}
	return w.s.Authenticate(ctx, req)
}

func (w ausf) Confirm(ctx context.Context, id string, res [16]byte) (sbi.AuthConfirmation, error) {
	if err := w.f.inject(ctx, "Confirm"); err != nil {
		return sbi.AuthConfirmation{}, err
	}
	return w.s.Confirm(ctx, id, res)
}

func (w ausf) DeleteConfirmation(ctx context.Context, id string, cause uint8) error {
	if err := w.f.inject(ctx, "DeleteConfirmation"); err != nil {
		return err
	}
	return w.s.DeleteConfirmation(ctx, id, cause)
}

// UDMAuth wraps a Nudm_UEAuthentication service.
func UDMAuth(s sbi.NudmUEAuthentication, f *Faults) sbi.NudmUEAuthentication {
	return udmAuth{s, f}
}

type udmAuth struct {
	s sbi.NudmUEAuthentication
	f *Faults
}

func (w udmAuth) GenerateAuthData(ctx context.Context, req sbi.AuthRequest) (sbi.AuthVector, error) {
	if err := w.f.inject(ctx, "GenerateAuthData"); err != nil {
		return sbi.AuthVector{}, err
	}
	return w.s.GenerateAuthData(ctx, req)
}

func (w udmAuth) ConfirmAuth(ctx context.Context, supi string, event sbi.AuthEvent) error {
	if err := w.f.inject(ctx, "ConfirmAuth"); err != nil {
		return err
	}
	return w.s.ConfirmAuth(ctx, supi, event)
}

// SDM wraps a Nudm_SubscriberDataManagement service.
func SDM(s sbi.NudmSDM, f *Faults) sbi.NudmSDM { return sdm{s, f} }

type sdm struct {
	s sbi.NudmSDM
	f *Faults
}

func (w sdm) AccessAndMobility(ctx context.Context, supi string) (sbi.AMData, error) {
	if err := w.f.inject(ctx, "AccessAndMobility"); err != nil {
		return sbi.AMData{}, err
	}
	return w.s.AccessAndMobility(ctx, supi)
}

func (w sdm) SessionManagement(ctx context.Context, supi string) ([]sbi.SMData, error) {
	if err := w.f.inject(ctx, "SessionManagement"); err != nil {
		return nil, err
	}
	return w.s.SessionManagement(ctx, supi)
}

// UECM wraps a Nudm_UEContextManagement service. AMF, which returns no
// error, is delayed but never fails: a hang or an error reads as "not
// registered".
func UECM(s sbi.NudmUECM, f *Faults) sbi.NudmUECM { return uecm{s, f} }

type uecm struct {
	s sbi.NudmUECM
	f *Faults
}

func (w uecm) RegisterAMF(ctx context.Context, supi string, reg sbi.AMFRegistration) error {
	if err := w.f.inject(ctx, "RegisterAMF"); err != nil {
		return err
	}
	return w.s.RegisterAMF(ctx, supi, reg)
}

func (w uecm) DeregisterAMF(ctx context.Context, supi string, guami ident.GUAMI) error {
	if err := w.f.inject(ctx, "DeregisterAMF"); err != nil {
		return err
	}
	return w.s.DeregisterAMF(ctx, supi, guami)
}

func (w uecm) AMF(ctx context.Context, supi string) (sbi.AMFRegistration, bool) {
	if err := w.f.inject(ctx, "AMF"); err != nil {
		return sbi.AMFRegistration{}, false
	}
	return w.s.AMF(ctx, supi)
}

// UDR wraps a Nudr_DataRepository service.
func UDR(s sbi.NudrDataRepository, f *Faults) sbi.NudrDataRepository { return udr{s, f} }

type udr struct {
	s sbi.NudrDataRepository
	f *Faults
}

func (w udr) AuthenticationSubscription(ctx context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	if err := w.f.inject(ctx, "AuthenticationSubscription"); err != nil {
		return sbi.AuthenticationSubscription{}, err
	}
	return w.s.AuthenticationSubscription(ctx, supi)
}

func (w udr) NextSQN(ctx context.Context, supi string) (sbi.AuthenticationSubscription, error) {
	if err := w.f.inject(ctx, "NextSQN"); err != nil {
		return sbi.AuthenticationSubscription{}, err
	}
	return w.s.NextSQN(ctx, supi)
}

func (w udr) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error {
	if err := w.f.inject(ctx, "ResyncSQN"); err != nil {
		return err
	}
	return w.s.ResyncSQN(ctx, supi, sqnMS)
}

func (w udr) AccessAndMobilitySubscription(ctx context.Context, supi string) (sbi.AMData, error) {
	if err := w.f.inject(ctx, "AccessAndMobilitySubscription"); err != nil {
		return sbi.AMData{}, err
	}
	return w.s.AccessAndMobilitySubscription(ctx, supi)
}

func (w udr) SessionManagementSubscription(ctx context.Context, supi string) ([]sbi.SMData, error) {
	if err := w.f.inject(ctx, "SessionManagementSubscription"); err != nil {
		return nil, err
	}
	return w.s.SessionManagementSubscription(ctx, supi)
}

// SMF wraps an Nsmf_PDUSession service.
func SMF(s sbi.NsmfPDUSession, f *Faults) sbi.NsmfPDUSession { return smf{s, f} }

type smf struct {
	s sbi.NsmfPDUSession
	f *Faults
}

func (w smf) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	if err := w.f.inject(ctx, "CreateSMContext"); err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	return w.s.CreateSMContext(ctx, req)
}

func (w smf) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	if err := w.f.inject(ctx, "UpdateSMContext"); err != nil {
		return sbi.SmContextUpdatedData{}, err
	}
	return w.s.UpdateSMContext(ctx, ref, upd)
}

func (w smf) ReleaseSMContext(ctx context.Context, ref string) error {
	if err := w.f.inject(ctx, "ReleaseSMContext"); err != nil {
		return err
	}
	return w.s.ReleaseSMContext(ctx, ref)
}

// AMF wraps a Namf_Communication service.
func AMF(s sbi.NamfCommunication, f *Faults) sbi.NamfCommunication { return amf{s, f} }

type amf struct {
	s sbi.NamfCommunication
	f *Faults
}

func (w amf) N1N2MessageTransfer(ctx context.Context, ueContextID string, req sbi.N1N2MessageTransferReqData) (sbi.N1N2MessageTransferRspData, error) {
	if err := w.f.inject(ctx, "N1N2MessageTransfer"); err != nil {
		return sbi.N1N2MessageTransferRspData{}, err
	}
	return w.s.N1N2MessageTransfer(ctx, ueContextID, req)
}

// PCF wraps an Npcf_SMPolicyControl service.
func PCF(s sbi.NpcfSMPolicyControl, f *Faults) sbi.NpcfSMPolicyControl { return pcf{s, f} }

type pcf struct {
	s sbi.NpcfSMPolicyControl
	f *Faults
}

func (w pcf) Create(ctx context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	if err := w.f.inject(ctx, "Create"); err != nil {
		return sbi.SmPolicyDecision{}, err
	}
	return w.s.Create(ctx, req)
}

func (w pcf) Delete(ctx context.Context, id string) error {
	if err := w.f.inject(ctx, "Delete"); err != nil {
		return err
	}
	return w.s.Delete(ctx, id)
}

func (w pcf) Update(ctx context.Context, id string, upd sbi.SmPolicyUpdateContextData) (sbi.SmPolicyDecision, error) {
	if err := w.f.inject(ctx, "Update"); err != nil {
		return sbi.SmPolicyDecision{}, err
	}
	return w.s.Update(ctx, id, upd)
}

// NSSelection wraps an Nnssf_NSSelection service.
func NSSelection(s sbi.NnssfNSSelection, f *Faults) sbi.NnssfNSSelection { return nsSelection{s, f} }

type nsSelection struct {
	s sbi.NnssfNSSelection
	f *Faults
}

func (w nsSelection) NetworkSliceInformation(ctx context.Context, q sbi.NSSelectionQuery) (sbi.AuthorizedNetworkSliceInfo, error) {
	if err := w.f.inject(ctx, "NetworkSliceInformation"); err != nil {
		return sbi.AuthorizedNetworkSliceInfo{}, err
	}
	return w.s.NetworkSliceInformation(ctx, q)
}

// NSSAIAvailability wraps an Nnssf_NSSAIAvailability service.
func NSSAIAvailability(s sbi.NnssfNSSAIAvailability, f *Faults) sbi.NnssfNSSAIAvailability {
	return nssaiAvailability{s, f}
}

type nssaiAvailability struct {
	s sbi.NnssfNSSAIAvailability
	f *Faults
}

func (w nssaiAvailability) UpdateNSSAIAvailability(ctx context.Context, nfID string, info sbi.NSSAIAvailabilityInfo) (sbi.AuthorizedNSSAIAvailabilityInfo, error) {
	if err := w.f.inject(ctx, "UpdateNSSAIAvailability"); err != nil {
		return sbi.AuthorizedNSSAIAvailabilityInfo{}, err
	}
	return w.s.UpdateNSSAIAvailability(ctx, nfID, info)
}

func (w nssaiAvailability) SubscribeNSSAIAvailability(ctx context.Context, sub sbi.NSSAIAvailabilitySubscription) (sbi.NSSAIAvailabilitySubscribed, error) {
	if err := w.f.inject(ctx, "SubscribeNSSAIAvailability"); err != nil {
		return sbi.NSSAIAvailabilitySubscribed{}, err
	}
	return w.s.SubscribeNSSAIAvailability(ctx, sub)
}

func (w nssaiAvailability) UnsubscribeNSSAIAvailability(ctx context.Context, id string) error {
	if err := w.f.inject(ctx, "UnsubscribeNSSAIAvailability"); err != nil {
		return err
	}
	return w.s.UnsubscribeNSSAIAvailability(ctx, id)
}

func (w nssaiAvailability) DeleteNSSAIAvailability(ctx context.Context, nfID string) error {
	if err := w.f.inject(ctx, "DeleteNSSAIAvailability"); err != nil {
		return err
	}
	return w.s.DeleteNSSAIAvailability(ctx, nfID)
}
