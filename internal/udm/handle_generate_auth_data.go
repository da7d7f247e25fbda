package udm

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/crypto/milenage"
	"github.com/keelcore/keel/internal/sbi"
)

// GenerateAuthData resolves the subscriber, re-synchronises its SQN when
// the request carries a Resync, and generates one 5G HE AV
// (TS 33.501 §6.1.3.2 step 3).
func (u *UDM) GenerateAuthData(ctx context.Context, req sbi.AuthRequest) (sbi.AuthVector, error) {
	v, err := u.generateAuthData(ctx, req)
	u.metrics.vectors.WithLabelValues(sbi.Outcome(err)).Inc()
	return v, err
}

func (u *UDM) generateAuthData(ctx context.Context, req sbi.AuthRequest) (sbi.AuthVector, error) {
	if _, _, err := sbi.ParseServingNetworkName(req.ServingNetworkName); err != nil {
		return sbi.AuthVector{}, fmt.Errorf("udm: GenerateAuthData: %w", err)
	}
	supi, err := u.supiOf(req)
	if err != nil {
		return sbi.AuthVector{}, err
	}
	if req.Resync != nil {
		if err := u.resync(ctx, supi, *req.Resync); err != nil {
			return sbi.AuthVector{}, err
		}
	}
	auth, err := u.udr.NextSQN(ctx, supi)
	if err != nil {
		return sbi.AuthVector{}, fmt.Errorf("udm: GenerateAuthData: %w", err)
	}
	var rand [16]byte
	if _, err := io.ReadFull(u.rand, rand[:]); err != nil {
		return sbi.AuthVector{}, fmt.Errorf("udm: GenerateAuthData: RAND: %w", err)
	}
	v, err := heVector(auth, rand, req.ServingNetworkName)
	if err != nil {
		return sbi.AuthVector{}, fmt.Errorf("udm: GenerateAuthData %s: %w", supi, err)
	}
	v.SUPI = supi
	u.log.Debug("5G HE AV generated", "supi", supi, "resync", req.Resync != nil)
	return v, nil
}

// heVector computes a 5G HE AV from the authentication data of one fresh
// SQN (TS 33.501 §6.1.3.2 step 3).
func heVector(auth sbi.AuthenticationSubscription, rand [16]byte, snName string) (sbi.AuthVector, error) {
	sqn := sqnBytes(auth.SequenceNumber.SQN)
	amf := auth.AMF
	amf[0] |= 0x80 // TS 33.102 Annex H: separation bit (bit 0) is 1 for 5G (TS 33.501 §6.1.3.2.0).
	mv, err := milenage.Generate(auth.PermanentKey, auth.OPc, rand, sqn, amf)
	if err != nil {
		return sbi.AuthVector{}, err
	}
	v := sbi.AuthVector{RAND: rand, AUTN: mv.AUTN(sqn, amf)} // TS 33.102 §6.3.2
	sqnXorAK := [6]byte(v.AUTN[0:6])
	v.XRESStar = kdf.RESStar(mv.CK, mv.IK, snName, rand, mv.RES[:]) // TS 33.501 Annex A.4
	v.KAUSF = kdf.KAUSF(mv.CK, mv.IK, snName, sqnXorAK)             // TS 33.501 Annex A.2
	return v, nil
}

// sqnBytes encodes a 48-bit SQN as six octets, most significant first.
func sqnBytes(sqn uint64) [6]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], sqn)
	return [6]byte(b[2:])
}

func sqnValue(b [6]byte) uint64 {
	var v [8]byte
	copy(v[2:], b[:])
	return binary.BigEndian.Uint64(v[:])
}
