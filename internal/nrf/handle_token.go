package nrf

import (
	"slices"
	"time"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
)

// Token is the Nnrf_AccessToken Get operation (TS 29.510 §5.4.2.2,
// TS 33.501 §13.4.1.1): OAuth 2.0 client credentials. The consumer must
// be registered with the NF type it states; every service of the scope
// must be offered by a REGISTERED instance of the target (the target
// instance when named, else some instance of the target type) whose
// profile and service admit the consumer's NF type. The token's audience
// is the target instance when named, else the target NF type.
func (n *NRF) Token(req nnrf.AccessTokenReq) (rsp nnrf.AccessTokenRsp, terr *nnrf.AccessTokenErr) {
	defer func() {
		res := "granted"
		if terr != nil {
			res = terr.Error
		}
		n.metrics.tokens.WithLabelValues(res).Inc()
	}()
	if n.opts.SigningKey.IsZero() {
		return rsp, &nnrf.AccessTokenErr{Error: nnrf.InvalidRequest, ErrorDescription: "this NRF issues no access tokens"}
	}
	n.state.Lock()
	consumer, ok := n.state.nfs[req.NFInstanceID]
	var consumerType sbi.NFType
	if ok {
		consumerType = consumer.profile.NFType
	}
	target := nnrf.Profile{}
	if req.TargetNFInstanceID != "" {
		if e, ok := n.state.nfs[req.TargetNFInstanceID]; ok {
			target = e.profile
		}
	}
	var offered []string
	for _, e := range n.state.nfs {
		p := &e.profile
		if p.NFStatus != nnrf.Registered || (req.TargetNFInstanceID != "" && p.NFInstanceID != req.TargetNFInstanceID) ||
			(req.TargetNFType != "" && p.NFType != req.TargetNFType) {
			continue
		}
		if len(p.AllowedNFTypes) > 0 && !slices.Contains(p.AllowedNFTypes, consumerType) {
			continue
		}
		for _, s := range p.Services() {
			if len(s.AllowedNFTypes) == 0 || slices.Contains(s.AllowedNFTypes, consumerType) {
				offered = append(offered, s.ServiceName)
			}
		}
	}
	n.state.Unlock()

	switch {
	case !ok:
		return rsp, &nnrf.AccessTokenErr{Error: nnrf.InvalidClient, ErrorDescription: "NF instance not registered"}
	case req.NFType != "" && req.NFType != consumerType:
		return rsp, &nnrf.AccessTokenErr{Error: nnrf.InvalidClient, ErrorDescription: "nfType differs from the registered one"}
	case req.TargetNFInstanceID != "" && target.NFInstanceID == "":
		return rsp, &nnrf.AccessTokenErr{Error: nnrf.InvalidRequest, ErrorDescription: "target NF instance not registered"}
	}
	claims := accesstoken.Claims{
		Issuer:  n.opts.InstanceID,
		Subject: req.NFInstanceID,
		Scope:   req.Scope,
		Expiry:  n.now().Add(n.opts.TokenLifetime).Unix(),
	}
	for _, svc := range claims.Scopes() {
		if !slices.Contains(offered, svc) {
			return rsp, &nnrf.AccessTokenErr{Error: nnrf.InvalidScope, ErrorDescription: "no instance of the target offers " + svc + " to " + string(consumerType)}
		}
	}
	if req.TargetNFInstanceID != "" {
		claims.Audience = accesstoken.Audience{Instances: []string{req.TargetNFInstanceID}}
	} else {
		claims.Audience = accesstoken.Audience{NFType: string(req.TargetNFType)}
	}
	tok, err := accesstoken.Sign(n.opts.SigningKey, claims)
	if err != nil {
		n.log.Error("nrf: sign access token", "err", err)
		return rsp, &nnrf.AccessTokenErr{Error: nnrf.InvalidRequest, ErrorDescription: "token not signed"}
	}
	return nnrf.AccessTokenRsp{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(n.opts.TokenLifetime / time.Second), Scope: req.Scope}, nil
}
