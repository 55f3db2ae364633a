package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// ---- reversals (store.Reversals)

func (t *tx) InsertReversal(_ context.Context, r payment.Reversal) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if _, ok := t.s.reversals[r.ID]; ok {
		return fmt.Errorf("reversal %s: %w", r.ID, store.ErrAlreadyExists)
	}
	if r.PaymentID != "" {
		if _, ok := t.s.payments[r.PaymentID]; !ok {
			return fmt.Errorf("reversal %s of payment %s: %w", r.ID, r.PaymentID, store.ErrNotFound)
		}
		if other, ok := t.s.reversalOf[r.PaymentID]; ok {
			return fmt.Errorf("reversal %s: payment %s is reversed by %s already: %w", r.ID, r.PaymentID, other, store.ErrConflict)
		}
		setMap(t, t.s.reversalOf, r.PaymentID, r.ID)
	}
	r.OriginalRefs = slices.Clone(r.OriginalRefs)
	setMap(t, t.s.reversals, r.ID, r)
	return nil
}

func (t *tx) Reversal(_ context.Context, id string) (payment.Reversal, error) {
	r, ok := t.s.reversals[id]
	if !ok {
		return payment.Reversal{}, fmt.Errorf("reversal %s: %w", id, store.ErrNotFound)
	}
	r.OriginalRefs = slices.Clone(r.OriginalRefs)
	return r, nil
}

func (t *tx) ReversalOf(ctx context.Context, paymentID string) (payment.Reversal, error) {
	id, ok := t.s.reversalOf[paymentID]
	if !ok {
		return payment.Reversal{}, fmt.Errorf("reversal of payment %s: %w", paymentID, store.ErrNotFound)
	}
	return t.Reversal(ctx, id)
}

func (t *tx) ListReversals(_ context.Context, from, to time.Time) ([]payment.Reversal, error) {
	var out []payment.Reversal
	for _, r := range t.s.reversals {
		if !r.ReversedAt.Before(from) && r.ReversedAt.Before(to) {
			r.OriginalRefs = slices.Clone(r.OriginalRefs)
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ReversedAt.Equal(out[j].ReversedAt) {
			return out[i].ReversedAt.Before(out[j].ReversedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *tx) PaymentsByRef(_ context.Context, refs []string) ([]payment.Payment, error) {
	var out []payment.Payment
	for _, p := range t.s.payments {
		if slices.Contains(refs, p.TxnID) || p.BankRef != "" && slices.Contains(refs, p.BankRef) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PaidAt.Equal(out[j].PaidAt) {
			return out[i].PaidAt.Before(out[j].PaidAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *tx) UnmatchedReversals(_ context.Context, refs []string) ([]payment.Reversal, error) {
	var out []payment.Reversal
	for _, r := range t.s.reversals {
		if r.PaymentID != "" || !slices.ContainsFunc(r.OriginalRefs, func(x string) bool { return slices.Contains(refs, x) }) {
			continue
		}
		r.OriginalRefs = slices.Clone(r.OriginalRefs)
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ReversedAt.Equal(out[j].ReversedAt) {
			return out[i].ReversedAt.Before(out[j].ReversedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *tx) SetReversalPayment(_ context.Context, id, paymentID string) error {
	r, ok := t.s.reversals[id]
	if !ok {
		return fmt.Errorf("reversal %s: %w", id, store.ErrNotFound)
	}
	if _, ok := t.s.payments[paymentID]; !ok {
		return fmt.Errorf("reversal %s of payment %s: %w", id, paymentID, store.ErrNotFound)
	}
	if r.PaymentID != "" {
		return fmt.Errorf("reversal %s names payment %s already: %w", id, r.PaymentID, store.ErrConflict)
	}
	if other, ok := t.s.reversalOf[paymentID]; ok {
		return fmt.Errorf("reversal %s: payment %s is reversed by %s already: %w", id, paymentID, other, store.ErrConflict)
	}
	r.PaymentID = paymentID
	setMap(t, t.s.reversals, id, r)
	setMap(t, t.s.reversalOf, paymentID, id)
	return nil
}

func (t *tx) UnlinkPayment(_ context.Context, paymentID string) error {
	for nk := range t.s.refsByPayment[paymentID] {
		removeFromSet(t, t.s.refsByNotice, nk, paymentID)
		removeFromSet(t, t.s.refsByPayment, paymentID, nk)
	}
	for r, ids := range t.s.awaiting {
		if ids[paymentID] {
			removeFromSet(t, t.s.awaiting, r, paymentID)
		}
	}
	return nil
}
