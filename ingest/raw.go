package ingest

import (
	"context"

	"github.com/feerecon/feerecon/gateways"
)

// RawStats counts what HandleRaw did, for the demo summary and metrics.
type RawStats struct {
	Recorded    int
	Redelivered int
	NotPayment  int
	// Reversals counts the reversals recorded (new or redelivered; see
	// HandleRaw), for a decoder that carries them.
	Reversals int
}

// HandleRaw decodes one raw gateway message (as it sits on
// payments.raw.<gateway>) and records what it carries in one transaction,
// as a batch of one without a stored offset (HandleBatch): its payments,
// then its reversals (gateways.ReversalDecoder; one may undo a credit of
// the same message, and a message of reversals only is not dropped). ref
// is the message's position, kept as the payments' RawRef.
//
// A message no retry can record is returned as its poison error
// (gateways.Poison reports true: the caller dead-letters it), nothing of
// it stored. An authentic message that records no money in
// (gateways.ErrNotPayment) is logged and counted, not an error. Store
// errors are transient: the caller retries the whole message, which is
// safe because recording is idempotent.
func (pr *Processor) HandleRaw(ctx context.Context, dec gateways.Decoder, raw gateways.Raw, ref string) (RawStats, error) {
	st, err := pr.handle(ctx, dec, nil, []RawMessage{{Raw: raw, Ref: ref}}, nil)
	if err != nil {
		return RawStats{}, err
	}
	if len(st.Poisoned) > 0 {
		return st.RawStats, st.Poisoned[0].Err
	}
	return st.RawStats, nil
}
