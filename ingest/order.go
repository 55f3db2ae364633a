package ingest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// Order independence (issue 11 §3). Two rules make the final state not
// depend on the order notices and payments arrive in:
//
//   - A payment that names a notice not issued yet waits for it: the codes
//     it named that no notice carried, and every dossier key it named (a
//     dossier may gain notices), are recorded with its decision
//     (store.Awaiting). A notice's creation or amendment (NoticeChanged,
//     in the same transaction) links the payments that wait for its code
//     or dossier and decides their group again: they end as if the notice
//     had come first.
//   - A payment that names a payment code no notice carries yet waits
//     for it whole: it is not decided (it stays unmatched, as with no
//     notice at all) until every code it names has its notice, even if
//     another notice it names exists. A payment code carries check
//     digits, so a code that reads is a code issued or about to be; a
//     transfer naming two notices is decided with both, never with the
//     first alone, whose confirmation would fix it (waiting). A dossier
//     key is no such promise (a dossier may never have a notice, and
//     people mistype its long number): it does not hold a payment. So a
//     payment naming one notice's code and another's dossier, delivered
//     between the two notices, pays the first; when the dossier's notice
//     comes, the ambiguous exception the engine raises notices first is
//     raised beside the confirmed allocation (flagConflict), for an
//     accountant. Casework decides a waiting payment as any other.
//   - A confirmed notice's allocations are fixed. Once a notice is paid
//     (or overpaid) its confirmation has told the procedure system which
//     payments paid it; a later re-decision decides around those
//     allocations as around an accountant's manual ones
//     (reconcile.Engine.DecideFixed), so a payment that arrives later
//     with an earlier date is the duplicate, never the payer. The
//     procedure system, the ledger and the report therefore always name
//     the same payer. Only an explicit act undoes a confirmed allocation:
//     an accountant's casework or a reversal.

// waiting splits g's payments into those the engine decides now and
// those that wait for a notice: a payment naming a payment code that no
// notice of the group carries (so none exists: a payment is linked to
// every notice it names), unless it is decided by hand or its allocations
// are fixed (g.byHand, set by fixed).
func (pr *Processor) waiting(g *noticeGroup) (decided, waiting []payment.Payment) {
	have := make(map[payment.PaymentCode]bool, len(g.notices))
	for _, n := range g.notices {
		have[n.Code] = true
	}
	for _, p := range g.payments {
		if !g.byHand[p.ID] && pr.waitsForCode(p, have) {
			waiting = append(waiting, p)
			continue
		}
		decided = append(decided, p)
	}
	return decided, waiting
}

// waitsForCode reports whether p names a payment code outside have.
func (pr *Processor) waitsForCode(p payment.Payment, have map[payment.PaymentCode]bool) bool {
	for _, ref := range pr.engine.References(p.Description) {
		if ref.Kind == reconcile.RefCode && !have[ref.Code] {
			return true
		}
	}
	return false
}

// refsToAwait returns the references of p's description a notice issued
// later may answer: the codes none of found carries, and every dossier key.
func (pr *Processor) refsToAwait(p payment.Payment, found []payment.Notice) []store.AwaitedRef {
	have := make(map[payment.PaymentCode]bool, len(found))
	for _, n := range found {
		have[n.Code] = true
	}
	var out []store.AwaitedRef
	for _, ref := range pr.engine.References(p.Description) {
		switch ref.Kind {
		case reconcile.RefCode:
			if !have[ref.Code] {
				out = append(out, store.AwaitedRef{Kind: store.AwaitCode, Key: string(ref.Code)})
			}
		case reconcile.RefDossier:
			out = append(out, store.AwaitedRef{Kind: store.AwaitDossier, Key: ref.Key})
		}
	}
	return out
}

// lockRefs takes the reference locks of p's description (every code and
// dossier key it names) before its notices are looked up, so that a notice
// created at the same time either is seen here or sees p waiting.
func (pr *Processor) lockRefs(ctx context.Context, tx store.Tx, p payment.Payment) error {
	var refs []store.AwaitedRef
	for _, ref := range pr.engine.References(p.Description) {
		switch ref.Kind {
		case reconcile.RefCode:
			refs = append(refs, store.AwaitedRef{Kind: store.AwaitCode, Key: string(ref.Code)})
		case reconcile.RefDossier:
			refs = append(refs, store.AwaitedRef{Kind: store.AwaitDossier, Key: ref.Key})
		}
	}
	return tx.LockReferences(ctx, refs)
}

// await records what p waits for, given the notices its references found.
func (pr *Processor) await(ctx context.Context, tx store.Tx, p payment.Payment, found []payment.Notice) error {
	refs := pr.refsToAwait(p, found)
	if len(refs) == 0 {
		return nil
	}
	return tx.AwaitNotices(ctx, p.ID, refs)
}

// noticeRefs are the references that name notice n.
func noticeRefs(n payment.Notice) []store.AwaitedRef {
	refs := []store.AwaitedRef{{Kind: store.AwaitCode, Key: string(n.Code)}}
	if k := reconcile.DossierKey(string(n.Dossier)); k != "" && n.Dossier != "" {
		refs = append(refs, store.AwaitedRef{Kind: store.AwaitDossier, Key: k})
	}
	return refs
}

// NoticeChanged is called in the transaction that creates or amends
// notice n (stored already): the payments that wait for its code or its
// dossier are linked to it and their group — n with them — is decided
// again, with the same rules, statuses and confirmations as a payment's
// arrival. Without waiting payments it changes nothing. An amendment's
// change of amount is decided again too (the notice's group), so that its
// status and confirmation follow the engine's rules.
func (pr *Processor) NoticeChanged(ctx context.Context, tx store.Tx, n payment.Notice, amended bool) (Outcome, error) {
	refs := noticeRefs(n)
	if err := tx.LockReferences(ctx, refs); err != nil {
		return Outcome{}, err
	}
	dossierKey := ""
	if len(refs) > 1 {
		dossierKey = refs[1].Key
	}
	waiting, err := tx.PaymentsAwaiting(ctx, n.Code, dossierKey)
	if err != nil {
		return Outcome{}, err
	}
	key := store.NoticeKey{System: n.System, ID: n.ID}
	if len(waiting) == 0 && !amended {
		return Outcome{}, nil
	}
	for _, p := range waiting {
		if err := tx.LinkPayment(ctx, p.ID, []store.NoticeKey{key}); err != nil {
			return Outcome{}, err
		}
	}
	out, err := pr.Redecide(ctx, tx, []store.NoticeKey{key}, nil)
	if err != nil {
		return out, fmt.Errorf("notice %s/%s: %w", n.System, n.ID, err)
	}
	for _, p := range waiting {
		allocs, err := tx.AllocationsByPayment(ctx, p.ID)
		if err != nil {
			return out, err
		}
		if err := pr.flagConflict(ctx, tx, p, key, allocs); err != nil {
			return out, err
		}
		detail, _ := json.Marshal(map[string]any{
			"payment_id": p.ID, "amount": p.Amount, "allocations": allocs, "notice": key, "cause": "notice issued",
		})
		if err := tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditPaymentDecide,
			Entity: store.PaymentEntity(p.ID), Detail: detail}); err != nil {
			return out, err
		}
	}
	if len(waiting) > 0 {
		pr.log.InfoContext(ctx, "payments waiting for a notice decided again",
			"system", n.System, "notice_id", n.ID, "payments", len(waiting), "confirmed", len(out.Confirmed))
	}
	return out, nil
}

// flagConflict raises what the engine would have raised for p had notice
// k (just issued) come before it, when p's allocations elsewhere are fixed
// (confirmed) and so cannot yield: a payment naming one notice's code and
// k's dossier is an ambiguous exception for an accountant, its money
// staying where its confirmation said. Nothing else is raised here.
func (pr *Processor) flagConflict(ctx context.Context, tx store.Tx, p payment.Payment, k store.NoticeKey, allocs []reconcile.Allocation) error {
	if len(allocs) == 0 || slices.ContainsFunc(allocs, func(a reconcile.Allocation) bool {
		return a.NoticeSystem == k.System && a.NoticeID == k.ID
	}) {
		return nil
	}
	keys := []store.NoticeKey{k}
	for _, a := range allocs {
		keys = append(keys, store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID})
	}
	linked, err := tx.LinkedNotices(ctx, p.ID)
	if err != nil {
		return err
	}
	keys = append(keys, linked...)
	slices.SortFunc(keys, func(a, b store.NoticeKey) int {
		return cmp.Or(cmp.Compare(a.System, b.System), cmp.Compare(a.ID, b.ID))
	})
	keys = slices.Compact(keys)
	notices := make([]payment.Notice, 0, len(keys))
	for _, nk := range keys {
		n, err := tx.Notice(ctx, nk.System, nk.ID)
		if err != nil {
			return err
		}
		notices = append(notices, n)
	}
	for _, e := range pr.engine.Decide(notices, []payment.Payment{p}).Exceptions {
		if e.Kind != reconcile.ExceptionAmbiguous || e.PaymentID != p.ID {
			continue
		}
		if _, err := tx.Exception(ctx, e.ID); err == nil {
			return nil // raised before: kept as it is
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		e.CreatedAt = pr.now().In(payment.Location()).Truncate(time.Microsecond)
		if err := tx.UpsertException(ctx, e); err != nil {
			return err
		}
		pr.log.WarnContext(ctx, "a confirmed payment also names a notice issued after it: ambiguous, for an accountant",
			"payment_id", p.ID, "system", k.System, "notice_id", k.ID, "exception", e.ID)
	}
	return nil
}

// fixed returns the allocations the engine decides around: the manual
// ones (manual) and those of the group's confirmed notices — paid or
// overpaid as stored, so their confirmation named them — with every
// allocation of the payments they come from to the group's notices (a
// payment is decided by the engine or held, never half). Their payments
// are noted as held (byHand): their exceptions (an overpayment's excess)
// stay as they are.
func (g *noticeGroup) fixed(ctx context.Context) ([]reconcile.Allocation, error) {
	out, err := g.manual(ctx)
	if err != nil {
		return nil, err
	}
	var held []string
	for _, k := range sortedKeys(g.notices) {
		if !g.notices[k].Status.Settled() {
			continue
		}
		as, err := g.tx.AllocationsByNotice(ctx, k.System, k.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Rule != reconcile.RuleManual && !g.byHand[a.PaymentID] {
				g.byHand[a.PaymentID] = true
				held = append(held, a.PaymentID)
			}
		}
	}
	for _, id := range held {
		as, err := g.tx.AllocationsByPayment(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if _, in := g.notices[store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID}]; in && a.Rule != reconcile.RuleManual {
				out = append(out, a)
			}
		}
		if _, ok := g.payments[id]; !ok {
			p, err := g.tx.Payment(ctx, id)
			if err != nil {
				return nil, err
			}
			g.payments[id] = p
		}
	}
	return out, nil
}

// sortedKeys returns the group's notice keys in (system, id) order.
func sortedKeys(ns map[store.NoticeKey]payment.Notice) []store.NoticeKey {
	keys := make([]store.NoticeKey, 0, len(ns))
	for k := range ns {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.NoticeKey) int {
		return cmp.Or(cmp.Compare(a.System, b.System), cmp.Compare(a.ID, b.ID))
	})
	return keys
}
