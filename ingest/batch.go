package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// RawMessage is one raw gateway message of a batch, with its Kafka
// position.
type RawMessage struct {
	Raw gateways.Raw
	// Ref is the message's position as text, kept as its payments' RawRef.
	Ref       string
	Partition int
	Offset    int64
}

// Position names whose offsets a batch stores: the consumer group and the
// topic its messages come from.
type Position struct {
	Group, Topic string
}

// Poisoned is a message of a batch that no retry can record: its index in
// the batch and the error (gateways.Poison reports true for it). Nothing
// of it is stored.
type Poisoned struct {
	Index int
	Err   error
}

// BatchStats counts what HandleBatch did.
type BatchStats struct {
	RawStats
	// HandledBefore counts messages below the stored offset of their partition:
	// handled before (a redelivery after a rebalance or a crash).
	HandledBefore int
	// Poisoned are the messages refused whole.
	Poisoned []Poisoned
	// InBulk counts the messages the fast path recorded (fast.go), Alone
	// those recorded on their own.
	InBulk, Alone int
	// Told counts the notices whose procedure system the batch has told
	// something (a confirmation, a payment.reversed message): outbox
	// messages committed, to send.
	Told int
}

// decoded is a message of a batch as its decoder read it.
type decoded struct {
	payments []payment.Payment
	// refs are each payment's references (Engine.References), read once,
	// outside the transaction.
	refs      [][]reconcile.Reference
	reversals []payment.Reversal
	// notPayment is the reason an authentic message carries no money in.
	notPayment error
	// poison: refused before anything is stored.
	poison error
}

// HandleBatch records a batch of raw messages of one topic in one
// transaction: each message is decoded (outside it), then, in the batch's
// order, its payments and then its reversals are recorded — the decisions
// Record and Reverse make, so a stream gives the same state whatever the
// batch size — and the next offset of each partition is stored with them.
// The partitions' stored offsets are locked first: a message below its
// partition's is skipped (handled before), and two instances handed the
// same partition's messages record them one after the other.
//
// A message no retry can record (gateways.Poison: a decode poison, a
// payment or reversal the domain refuses, a conflicting duplicate) is
// refused whole: what it did is undone (store.Savepoints), it is listed in
// Poisoned, and the batch goes on. beforeCommit, if set, gets the
// poisoned messages (when there are any) inside the transaction, before
// the commit: the caller stores them elsewhere (the dead-letter topic)
// first, so that a crash loses none — at worst one is dead-lettered
// twice. An error from it, or any other error (transient: the store),
// rolls the whole batch back: nothing of it is stored and the caller
// retries it.
func (pr *Processor) HandleBatch(ctx context.Context, dec gateways.Decoder, pos Position, ms []RawMessage,
	beforeCommit func(ctx context.Context, poisoned []Poisoned) error) (BatchStats, error) {
	if pos.Group == "" || pos.Topic == "" {
		return BatchStats{}, fmt.Errorf("ingest: batch without a consumer group or topic")
	}
	return pr.handle(ctx, dec, &pos, ms, beforeCommit)
}

// handle is HandleBatch, with offsets kept when pos is set.
func (pr *Processor) handle(ctx context.Context, dec gateways.Decoder, pos *Position, ms []RawMessage,
	beforeCommit func(ctx context.Context, poisoned []Poisoned) error) (BatchStats, error) {
	ds := make([]decoded, len(ms))
	var parts []int
	seen := map[int]bool{}
	for i, m := range ms {
		d, err := pr.decodeOne(dec, m)
		if err != nil {
			return BatchStats{}, err
		}
		ds[i] = d
		if !seen[m.Partition] {
			seen[m.Partition] = true
			parts = append(parts, m.Partition)
		}
	}
	var (
		st        BatchStats
		payments  []recordedPayment
		reversals []recordedReversal
		notPay    []int
	)
	err := pr.store.InTx(ctx, func(tx store.Tx) error {
		st, payments, reversals, notPay = BatchStats{}, nil, nil, nil
		stored := map[int]int64{}
		if pos != nil {
			var err error
			if stored, err = tx.LockConsumerOffsets(ctx, pos.Group, pos.Topic, parts); err != nil {
				return err
			}
		}
		// A batch holds its locks until it commits: taken payment by
		// payment, in the batch's order, they could deadlock with another
		// instance's batch. So the ones known now are taken at once, in
		// the store's fixed order (look), with what the fast path needs.
		view, err := pr.look(ctx, tx, ms, ds, stored, 0)
		if err != nil {
			return err
		}
		fast := pr.newFastBatch(tx, view)
		stale := false
		next := map[int]int64{}
		for i, m := range ms {
			if m.Offset < stored[m.Partition] {
				st.HandledBefore++
				continue
			}
			next[m.Partition] = max(next[m.Partition], m.Offset+1)
			if ds[i].poison != nil {
				st.Poisoned = append(st.Poisoned, Poisoned{Index: i, Err: ds[i].poison})
				continue
			}
			if stale {
				// A message recorded on its own changed what the view says.
				if fast.view, err = pr.look(ctx, tx, ms, ds, stored, i); err != nil {
					return err
				}
				stale = false
			}
			took, err := fast.take(dec, ds[i])
			if gateways.Poison(err) {
				st.Poisoned = append(st.Poisoned, Poisoned{Index: i, Err: err})
				continue
			}
			if err != nil {
				return err
			}
			if took {
				st.InBulk++
			} else {
				// Recorded on its own, after what the fast path holds.
				st.Alone++
				done, err := fast.flush(ctx)
				if err != nil {
					return err
				}
				payments = append(payments, done...)
				ps, rs, err := pr.recordMessage(ctx, tx, dec, ds[i])
				stale = true
				if gateways.Poison(err) {
					st.Poisoned = append(st.Poisoned, Poisoned{Index: i, Err: err})
					continue
				}
				if err != nil {
					return err
				}
				payments = append(payments, ps...)
				reversals = append(reversals, rs...)
			}
			if ds[i].notPayment != nil {
				notPay = append(notPay, i)
			}
		}
		done, err := fast.flush(ctx)
		if err != nil {
			return err
		}
		payments = append(payments, done...)
		if pos != nil && len(next) > 0 {
			if err := tx.StoreConsumerOffsets(ctx, pos.Group, pos.Topic, next); err != nil {
				return err
			}
		}
		if len(st.Poisoned) > 0 && beforeCommit != nil {
			return beforeCommit(ctx, st.Poisoned)
		}
		return nil
	})
	if err != nil {
		topic := "a raw topic"
		if pos != nil {
			topic = pos.Topic
		}
		return BatchStats{}, fmt.Errorf("record %d messages from %s: %w", len(ms), topic, err)
	}
	for _, rp := range payments {
		st.Told += len(rp.out.Confirmed)
		pr.recorded(ctx, rp.p, rp.out)
		if rp.out.Redelivery {
			st.Redelivered++
		} else {
			st.Recorded++
		}
	}
	for _, rr := range reversals {
		st.Told += len(rr.out.Reopened)
		pr.reversed(ctx, rr.r, rr.out)
		st.Reversals++
	}
	for _, i := range notPay {
		pr.log.InfoContext(ctx, "gateway message is not a payment", slog.String("gateway", string(dec.Gateway())),
			slog.String("raw_ref", ms[i].Ref), slog.String("reason", ds[i].notPayment.Error()))
		st.NotPayment++
	}
	return st, nil
}

type recordedPayment struct {
	p   payment.Payment
	out Outcome
}

type recordedReversal struct {
	r   payment.Reversal
	out ReversalOutcome
}

// recordMessage records one decoded message inside tx as a unit
// (tx.Nested): its payments, then its reversals (one may undo a credit of
// the same message). A poison error (a conflicting duplicate) undoes the
// message and is returned as a gateways poison error.
func (pr *Processor) recordMessage(ctx context.Context, tx store.Tx, dec gateways.Decoder, d decoded) ([]recordedPayment, []recordedReversal, error) {
	var ps []recordedPayment
	var rs []recordedReversal
	err := tx.Nested(ctx, func() error {
		for _, p := range d.payments {
			out, err := pr.recordTx(ctx, tx, p)
			if err != nil {
				return fmt.Errorf("record payment %s: %w", p.ID, err)
			}
			ps = append(ps, recordedPayment{p, out})
		}
		for _, r := range d.reversals {
			out, err := pr.reverseTx(ctx, tx, r)
			if err != nil {
				return fmt.Errorf("record reversal %s: %w", r.ID, err)
			}
			rs = append(rs, recordedReversal{r, out})
		}
		return nil
	})
	if errors.Is(err, ErrConflictingDuplicate) {
		// A second message for a stored transaction says other money.
		return nil, nil, &gateways.Error{Gateway: dec.Gateway(), Err: fmt.Errorf("%w: %w", gateways.ErrMalformed, err)}
	}
	return ps, rs, err
}

// decodeOne reads one message of a batch: its payments (validated and
// truncated as Record takes them) and reversals, or why it carries none,
// or the poison that refuses it. An error that is no poison (none of the
// decoders returns one) is returned: the batch is retried.
func (pr *Processor) decodeOne(dec gateways.Decoder, m RawMessage) (decoded, error) {
	var d decoded
	refuse := func(err error) (decoded, error) {
		if errors.Is(err, payment.ErrInvalidPayment) {
			// A decoder let through what the domain refuses.
			err = &gateways.Error{Gateway: dec.Gateway(), Err: fmt.Errorf("%w: %w", gateways.ErrMalformed, err)}
		}
		if !gateways.Poison(err) {
			return decoded{}, err
		}
		return decoded{poison: err}, nil
	}
	var (
		ps           []payment.Payment
		rs           []payment.Reversal
		err, revErr  error
		readBoth, ok = dec.(gateways.BothDecoder)
	)
	if ok {
		ps, err, rs, revErr = readBoth.DecodeBoth(m.Raw)
	} else {
		ps, err = dec.Decode(m.Raw)
	}
	switch {
	case errors.Is(err, gateways.ErrNotPayment):
		d.notPayment = err
	case err != nil:
		return refuse(err)
	}
	for _, p := range ps {
		p.RawRef = m.Ref
		if err := p.Validate(); err != nil {
			return refuse(err)
		}
		// PostgreSQL keeps microseconds; every backend stores the same instant.
		p.PaidAt = p.PaidAt.Truncate(time.Microsecond)
		d.payments = append(d.payments, p)
		d.refs = append(d.refs, pr.engine.References(p.Description))
	}
	if rd, reverses := dec.(gateways.ReversalDecoder); reverses {
		if readBoth == nil {
			rs, revErr = rd.DecodeReversals(m.Raw)
		}
		if revErr != nil {
			return refuse(revErr)
		}
		for _, r := range rs {
			r.RawRef = m.Ref
			if err := r.Validate(); err != nil {
				return refuse(err)
			}
			r.ReversedAt = r.ReversedAt.Truncate(time.Microsecond)
			r.PaymentID = ""
			d.reversals = append(d.reversals, r)
		}
	}
	return d, nil
}
