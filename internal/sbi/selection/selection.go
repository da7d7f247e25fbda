package selection

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
)

// Ref joins an instance ID and the instance's own reference.
func Ref(instanceID, ref string) string { return instanceID + ":" + ref }

// SplitRef parses a reference made by Ref.
func SplitRef(ref string) (instanceID, inner string, ok bool) {
	id, inner, ok := strings.Cut(ref, ":")
	if !ok || id == "" {
		return "", "", false
	}
	return id, inner, true
}

// reselect reports whether a failed request may go to another instance:
// the failure is the instance's, not the request's.
func reselect(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	p := sbi.ProblemOf(err)
	return p == nil || p.Temporary || errors.Is(err, context.DeadlineExceeded)
}

// try calls do on each peer in turn until one answers or refuses with
// protocol meaning.
func try[T, R any](ctx context.Context, peers []sbi.Peer[T], do func(sbi.Peer[T]) (R, error)) (R, error) {
	var zero R
	var err error
	for _, p := range peers {
		var r R
		if r, err = do(p); err == nil || !reselect(ctx, err) {
			return r, err
		}
	}
	if err == nil {
		return zero, sbi.ErrNoInstance
	}
	return zero, err
}

// one returns the instance a reference names. An instance the
// directory no longer lists (the NRF took it out after missed heartbeats
// or its deregistration, TS 29.510 §5.2.2.3.2, §5.2.2.4) holds no
// resource any more: the error is notFound as well as ErrNoInstance, so
// that a consumer ends what it kept of the resource (the AMF releases a
// PDU session of a dead SMF locally, TS 24.501 §5.6.1.4.1) rather than
// retrying it for ever.
func one[T any](ctx context.Context, ref string, notFound error, ask func(sbi.Query) ([]sbi.Peer[T], error)) (sbi.Peer[T], string, error) {
	id, inner, ok := SplitRef(ref)
	if !ok {
		return sbi.Peer[T]{}, "", fmt.Errorf("selection: reference %q names no instance: %w", ref, notFound)
	}
	peers, err := ask(sbi.Query{InstanceID: id})
	if errors.Is(err, sbi.ErrNotListed) || err == nil && (len(peers) == 0 || peers[0].ID != id) {
		return sbi.Peer[T]{}, "", fmt.Errorf("selection: instance %s no longer registered: %w: %w", id, notFound, sbi.ErrNoInstance)
	}
	if err != nil {
		return sbi.Peer[T]{}, "", fmt.Errorf("selection: instance %s: %w", id, err)
	}
	return peers[0], inner, nil
}
