package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

// RawStats counts what HandleRaw did, for the demo summary and metrics.
type RawStats struct {
	Recorded    int
	Redelivered int
	NotPayment  int
	// Reversals counts the reversals recorded (new or redelivered; see
	// handleReversals), for a decoder that carries them.
	Reversals int
}

// HandleRaw decodes one raw gateway message (as it sits on
// payments.raw.<gateway>) and records each payment it carries. ref is the
// message's position, kept as the payments' RawRef.
//
// Decode errors are returned as they are: gateways.Poison(err) tells the
// caller to dead-letter the message. An authentic message that records no
// money in (gateways.ErrNotPayment) is logged and counted, not an error.
// Store errors are transient: the caller retries the whole message, which
// is safe because recording is idempotent. A decoder that reads reversals
// too (gateways.ReversalDecoder) has them recorded after the payments
// (Reverse), also from a message that carries no payment.
func (pr *Processor) HandleRaw(ctx context.Context, dec gateways.Decoder, raw gateways.Raw, ref string) (RawStats, error) {
	var st RawStats
	ps, err := dec.Decode(raw)
	if errors.Is(err, gateways.ErrNotPayment) {
		// A message of reversals only is not a payment, yet not dropped.
		if rerr := pr.handleReversals(ctx, dec, raw, ref, &st); rerr != nil {
			return st, rerr
		}
		pr.log.InfoContext(ctx, "gateway message is not a payment", slog.String("gateway", string(dec.Gateway())),
			slog.String("raw_ref", ref), slog.String("reason", err.Error()))
		st.NotPayment++
		return st, nil
	}
	if err != nil {
		return st, err
	}
	for _, p := range ps {
		p.RawRef = ref
		out, err := pr.Record(ctx, p)
		if err != nil {
			if errors.Is(err, payment.ErrInvalidPayment) || errors.Is(err, ErrConflictingDuplicate) {
				// A decoder let through what the domain refuses, or a
				// second message for a stored transaction says other
				// money: poison.
				return st, &gateways.Error{Gateway: dec.Gateway(), Err: fmt.Errorf("%w: %w", gateways.ErrMalformed, err)}
			}
			return st, err
		}
		if out.Redelivery {
			st.Redelivered++
		} else {
			st.Recorded++
		}
	}
	// After the payments: a reversal may undo a credit of the same message.
	return st, pr.handleReversals(ctx, dec, raw, ref, &st)
}
