package memory

import (
	"context"
	"fmt"
	"sort"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// ---- awaited references (store.Awaiting)

func (t *tx) AwaitNotices(_ context.Context, paymentID string, refs []store.AwaitedRef) error {
	if _, ok := t.s.payments[paymentID]; !ok {
		return fmt.Errorf("await notices for payment %s: %w", paymentID, store.ErrNotFound)
	}
	for _, r := range refs {
		if !r.Valid() {
			return fmt.Errorf("await notices for payment %s: reference %q %q: %w", paymentID, r.Kind, r.Key, store.ErrConflict)
		}
	}
	if t.s.awaiting == nil {
		t.s.awaiting = map[store.AwaitedRef]map[string]bool{}
	}
	for _, r := range refs {
		addToSet(t, t.s.awaiting, r, paymentID)
	}
	return nil
}

func (t *tx) PaymentsAwaiting(_ context.Context, code payment.PaymentCode, dossierKey string) ([]payment.Payment, error) {
	ids := map[string]bool{}
	for _, r := range []store.AwaitedRef{{Kind: store.AwaitCode, Key: string(code)}, {Kind: store.AwaitDossier, Key: dossierKey}} {
		if r.Key == "" {
			continue
		}
		for id := range t.s.awaiting[r] {
			ids[id] = true
		}
	}
	out := make([]payment.Payment, 0, len(ids))
	for id := range ids {
		out = append(out, t.s.payments[id])
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PaidAt.Equal(out[j].PaidAt) {
			return out[i].PaidAt.Before(out[j].PaidAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// LockReferences does nothing: the store's lock serialises every
// transaction already.
func (t *tx) LockReferences(context.Context, []store.AwaitedRef) error { return nil }
