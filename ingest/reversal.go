package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// ReversalOutcome says what recording one reversal did.
type ReversalOutcome struct {
	ReversalID string
	// Redelivery: the reversal was stored before; nothing changed.
	Redelivery bool
	// PaymentID is the original payment reversed; "" when it is unknown,
	// and then Exception is the unknown_reversal exception raised.
	PaymentID string
	Exception string
	// Reopened are the notices the payment had paid (its allocations,
	// now removed), each told with a payment.reversed message.
	Reopened []store.NoticeKey
}

// ReversedMessage is the body of a payment.reversed message to a notice's
// procedure system (webhook and payments.confirmed): money it was
// confirmed as paid with was taken back, and the notice's state now.
type ReversedMessage struct {
	// ID is the idempotency key: outbox.Reversed.ID(system, notice,
	// reversal), one per notice and reversal, ever.
	ID          string               `json:"id"`
	System      string               `json:"system"`
	NoticeID    string               `json:"notice_id"`
	Dossier     payment.DossierCode  `json:"dossier_code"`
	PaymentCode payment.PaymentCode  `json:"payment_code"`
	ReversalID  string               `json:"reversal_id"`
	PaymentID   string               `json:"payment_id"`
	Reversed    payment.Money        `json:"reversed_amount"`
	ReversedAt  time.Time            `json:"reversed_at"`
	Status      payment.NoticeStatus `json:"status"`
	AmountDue   payment.Money        `json:"amount_due"`
	Paid        payment.Money        `json:"paid_amount"`
	// Allocations are the notice's allocations after the reversal: the
	// payments that pay it now (empty when none does). With the
	// confirmation's, the latest message of a notice names its payers.
	Allocations []reconcile.Allocation `json:"allocations"`
}

// Reverse records r, a gateway's reversal of an earlier credit, in one
// transaction: it finds the original payment (the one payment of a
// matching gateway — the same wallet, or any bank gateway for a bank —
// whose txn id or bank ref is one of r.OriginalRefs, of r's amount, paid
// no later than r, not reversed yet), stores the reversal, removes the
// payment's allocations (manual ones too) and open exceptions, unlinks it
// from its notices, re-decides those notices without it (Redecide: back
// to issued or partially paid, or paid by another payment), enqueues a
// payment.reversed message for each notice it had paid, and audits it.
//
// A reversal stored before is a redelivery: nothing new. A reversal whose
// original is not found (no such payment, another amount, several
// candidates) is stored all the same, with an open unknown_reversal
// exception for an accountant: never dropped.
func (pr *Processor) Reverse(ctx context.Context, r payment.Reversal) (ReversalOutcome, error) {
	if err := r.Validate(); err != nil {
		return ReversalOutcome{}, err
	}
	r.ReversedAt = r.ReversedAt.Truncate(time.Microsecond)
	r.PaymentID = ""
	var out ReversalOutcome
	err := pr.store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = pr.reverseTx(ctx, tx, r)
		return err
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		// Stored by a concurrent delivery of the same reversal.
		out, err = ReversalOutcome{ReversalID: r.ID, Redelivery: true}, nil
	}
	if err != nil {
		return ReversalOutcome{}, fmt.Errorf("record reversal %s: %w", r.ID, err)
	}
	pr.reversed(ctx, r, out)
	return out, nil
}

// reverseTx is Reverse inside tx, for an r validated and truncated, its
// PaymentID cleared.
func (pr *Processor) reverseTx(ctx context.Context, tx store.Tx, r payment.Reversal) (ReversalOutcome, error) {
	out := ReversalOutcome{ReversalID: r.ID}
	if _, err := tx.Reversal(ctx, r.ID); err == nil {
		out.Redelivery = true
		return out, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return out, err
	}
	orig, candidates, err := pr.original(ctx, tx, r)
	if err != nil {
		return out, err
	}
	if orig == nil {
		return out, pr.unknownReversal(ctx, tx, r, candidates, &out)
	}
	r.PaymentID = orig.ID
	out.PaymentID = orig.ID
	if err := tx.InsertReversal(ctx, r); err != nil {
		return out, err
	}
	return out, pr.undo(ctx, tx, r, *orig, &out)
}

// reversed logs what recording r did, once committed.
func (pr *Processor) reversed(ctx context.Context, r payment.Reversal, out ReversalOutcome) {
	switch {
	case out.Redelivery:
		pr.log.InfoContext(ctx, "reversal redelivered; nothing new", slog.String("reversal_id", r.ID))
	case out.PaymentID == "":
		pr.log.WarnContext(ctx, "reversal of an unknown payment", slog.String("reversal_id", r.ID),
			slog.String("amount", r.Amount.String()), slog.String("exception", out.Exception))
	default:
		pr.log.InfoContext(ctx, "payment reversed", slog.String("reversal_id", r.ID),
			slog.String("payment_id", out.PaymentID), slog.String("amount", r.Amount.String()),
			slog.Int("notices_reopened", len(out.Reopened)))
	}
}

// original finds r's original payment; nil (with the candidates by
// reference) when there is not exactly one.
func (pr *Processor) original(ctx context.Context, tx store.Tx, r payment.Reversal) (*payment.Payment, []string, error) {
	if len(r.OriginalRefs) == 0 {
		return nil, nil, nil
	}
	ps, err := tx.PaymentsByRef(ctx, r.OriginalRefs)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	var fit []payment.Payment
	for _, p := range ps {
		if p.Gateway.Wallet() != r.Gateway.Wallet() || r.Gateway.Wallet() && p.Gateway != r.Gateway {
			continue
		}
		ids = append(ids, p.ID)
		if !p.Amount.Equal(r.Amount) || p.PaidAt.After(r.ReversedAt) {
			continue
		}
		if _, err := tx.ReversalOf(ctx, p.ID); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		fit = append(fit, p)
	}
	if len(fit) != 1 {
		return nil, ids, nil
	}
	return &fit[0], ids, nil
}

// unknownReversal stores r without a payment and raises its exception.
func (pr *Processor) unknownReversal(ctx context.Context, tx store.Tx, r payment.Reversal, candidates []string, out *ReversalOutcome) error {
	if err := tx.InsertReversal(ctx, r); err != nil {
		return err
	}
	e := reconcile.Exception{
		ID: reconcile.ExceptionID(reconcile.ExceptionUnknownReversal, r.ID), Kind: reconcile.ExceptionUnknownReversal,
		StatementRef: r.ID, Amount: r.Amount, Candidates: append([]string{}, candidates...),
		Evidence: fmt.Sprintf("reversal %s of %s names %q: no single payment of that amount not reversed yet",
			r.ID, r.Amount, strings.Join(r.OriginalRefs, ", ")),
		Status: reconcile.ExceptionOpen, CreatedAt: pr.now().In(payment.Location()).Truncate(time.Microsecond),
	}
	if err := tx.UpsertException(ctx, e); err != nil {
		return err
	}
	out.Exception = e.ID
	detail, _ := json.Marshal(map[string]any{"reversal_id": r.ID, "original_refs": r.OriginalRefs, "amount": r.Amount,
		"candidates": e.Candidates, "exception": e.ID})
	return tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditPaymentReverse,
		Entity: store.ReversalEntity(r.ID), Detail: detail})
}

// undo takes payment p out of every notice: its allocations, open
// exceptions and links go, the notices are re-decided without it, each
// notice it had paid is told, and the reversal is audited on p.
func (pr *Processor) undo(ctx context.Context, tx store.Tx, r payment.Reversal, p payment.Payment, out *ReversalOutcome) error {
	allocs, err := tx.AllocationsByPayment(ctx, p.ID)
	if err != nil {
		return err
	}
	linked, err := tx.LinkedNotices(ctx, p.ID)
	if err != nil {
		return err
	}
	keys, paid := noticeKeys(allocs, linked)
	var codes []payment.PaymentCode
	for _, k := range keys {
		n, err := tx.Notice(ctx, k.System, k.ID)
		if err != nil {
			return fmt.Errorf("notice %s/%s: %w", k.System, k.ID, err)
		}
		codes = append(codes, n.Code)
	}
	// Lock before changing what the notices are decided from, as Record does.
	if _, err := tx.LockNotices(ctx, codes); err != nil {
		return err
	}
	if err := tx.DeletePaymentAllocations(ctx, p.ID); err != nil {
		return err
	}
	if err := tx.DeleteExceptionsForPayment(ctx, p.ID); err != nil {
		return err
	}
	if err := tx.UnlinkPayment(ctx, p.ID); err != nil {
		return err
	}
	if len(keys) > 0 {
		if _, err := pr.Redecide(ctx, tx, keys, nil); err != nil {
			return err
		}
	}
	for _, k := range keys {
		amt, ok := paid[k]
		if !ok {
			continue // linked, never paid by p: nothing the system was told
		}
		if err := pr.tellReversed(ctx, tx, r, p, k, amt); err != nil {
			return err
		}
		out.Reopened = append(out.Reopened, k)
	}
	detail, _ := json.Marshal(map[string]any{"reversal_id": r.ID, "payment_id": p.ID, "amount": r.Amount,
		"original_refs": r.OriginalRefs, "allocations_removed": allocs, "unlinked": linked})
	return tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditPaymentReverse,
		Entity: store.PaymentEntity(p.ID), Detail: detail})
}

// noticeKeys are the notices a payment is allocated or linked to, in
// order, each once, and the amount allocated to each it paid.
func noticeKeys(allocs []reconcile.Allocation, linked []store.NoticeKey) ([]store.NoticeKey, map[store.NoticeKey]payment.Money) {
	paid := map[store.NoticeKey]payment.Money{}
	seen := map[store.NoticeKey]bool{}
	var keys []store.NoticeKey
	for _, a := range allocs {
		k := store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID}
		if m, ok := paid[k]; ok {
			paid[k] = payment.Money{Amount: m.Amount.Add(a.Amount.Amount), Currency: m.Currency}
		} else {
			paid[k] = a.Amount
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, k := range linked {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys, paid
}

// tellReversed enqueues the payment.reversed message of notice k.
func (pr *Processor) tellReversed(ctx context.Context, tx store.Tx, r payment.Reversal, p payment.Payment, k store.NoticeKey, amt payment.Money) error {
	n, err := tx.Notice(ctx, k.System, k.ID)
	if err != nil {
		return err
	}
	as, err := tx.AllocationsByNotice(ctx, k.System, k.ID)
	if err != nil {
		return err
	}
	paid := payment.Money{Amount: decimal.Zero, Currency: n.Total.Currency}
	for _, a := range as {
		paid.Amount = paid.Amount.Add(a.Amount.Amount)
	}
	m := ReversedMessage{
		ID: outbox.Reversed.ID(k.System, k.ID, r.ID), System: k.System, NoticeID: k.ID, Dossier: n.Dossier,
		PaymentCode: n.Code, ReversalID: r.ID, PaymentID: p.ID, Reversed: amt, ReversedAt: r.ReversedAt,
		Status: n.Status, AmountDue: n.Total, Paid: paid, Allocations: as,
	}
	if m.Allocations == nil {
		m.Allocations = []reconcile.Allocation{}
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := outbox.Reversed.Enqueue(ctx, tx, m.ID, k.System, body, pr.now()); err != nil {
		return err
	}
	// On the notice's own trail too: its page lists what it was told.
	detail, _ := json.Marshal(map[string]any{"reversal_id": r.ID, "payment_id": p.ID, "amount": amt,
		"status": n.Status, "message_id": m.ID})
	return tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditPaymentReverse,
		Entity: store.NoticeEntity(k.System, k.ID), Detail: detail})
}

// reversedOnArrival handles a payment whose reversal came first (a
// camt.054 reversal delivered before the credit, or a credit redelivered
// late): the first unknown reversal of its gateway family, amount and
// not before it that names its txn id or bank ref takes it. The payment
// is then stored only: never linked, decided, awaiting or confirmed, as
// if the reversal had come after it (Reverse undoes all of that); the
// reversal names it, and its unknown_reversal exception is resolved by
// the engine. It reports whether p was taken.
func (pr *Processor) reversedOnArrival(ctx context.Context, tx store.Tx, p payment.Payment, out *Outcome) (bool, error) {
	var refs []string
	for _, r := range []string{p.TxnID, p.BankRef} {
		if r != "" && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	rs, err := tx.UnmatchedReversals(ctx, refs)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(rs, func(r payment.Reversal) bool {
		return p.Gateway.Wallet() == r.Gateway.Wallet() && (!r.Gateway.Wallet() || p.Gateway == r.Gateway) &&
			p.Amount.Equal(r.Amount) && !p.PaidAt.After(r.ReversedAt)
	})
	if i < 0 {
		return false, nil
	}
	r := rs[i]
	if err := tx.SetReversalPayment(ctx, r.ID, p.ID); err != nil {
		return false, err
	}
	exc := reconcile.ExceptionID(reconcile.ExceptionUnknownReversal, r.ID)
	now := pr.now().In(payment.Location()).Truncate(time.Microsecond)
	err = tx.CloseException(ctx, exc, reconcile.ExceptionResolved,
		fmt.Sprintf("its payment %s arrived after it: recorded as reversed, never allocated", p.ID), string(store.ActorEngine), now)
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		return false, err // not found or closed already: an accountant saw to it
	}
	out.ReversedBy = r.ID
	detail, _ := json.Marshal(map[string]any{"reversal_id": r.ID, "payment_id": p.ID, "amount": r.Amount,
		"original_refs": r.OriginalRefs, "cause": "payment after its reversal", "exception_resolved": exc})
	return true, tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditPaymentReverse,
		Entity: store.PaymentEntity(p.ID), Detail: detail})
}
