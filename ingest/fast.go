package ingest

import (
	"context"
	"fmt"
	"slices"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// The fast path (issue 13 §1). Most messages of a batch carry payments
// that decide alone: new, naming notices no payment is linked to (or
// none), no reversal waiting for them. Recorded one by one, each costs a
// dozen statements; here a batch reads what they need in a few
// statements (batchView), decides them in memory with the functions
// recordTx uses (basePool, decision, write, applyStates, audit) and writes
// them with one statement per table (store.Bulk). A message that does not
// qualify — it carries a reversal, or one of its payments names a notice
// some payment is linked to or one the batch touched before, or a
// reversal names it, or a notice of it has a derived status — is recorded
// as before (recordMessage), after what the fast path holds is written,
// and the view is read again: every message sees the store as recording
// the stream one message at a time would leave it, so the state does not
// depend on the batch size (TestBatchSizesGiveTheSameState).

// batchView is what the fast path knows of the store for a batch's
// messages from one on.
type batchView struct {
	// notices are the notices named by code or dossier, locked.
	notices map[payment.PaymentCode]payment.Notice
	// dossiers are the codes of each dossier key's notices, by (system, id).
	dossiers map[string][]payment.PaymentCode
	// inUse are the notices some payment is linked to, or allocated.
	inUse map[store.NoticeKey]bool
	// stored are the batch's payments stored already.
	stored map[string]payment.Payment
	// reversed are the txn ids and bank refs stored reversals of unknown
	// payments name.
	reversed map[string]bool
	// outbox are the stored confirmation ids of the notices.
	outbox map[string]bool
}

// look reads the view for messages ms[from:] (but those handled before or
// poisoned) and takes the locks recording them one by one would: the
// reference locks of every code and dossier key named, then every notice
// named, by code or through its dossier — all at once, each kind in the
// store's fixed order, so that two instances' batches cannot deadlock on
// them.
func (pr *Processor) look(ctx context.Context, tx store.Tx, ms []RawMessage, ds []decoded, offsets map[int]int64, from int) (*batchView, error) {
	bulk := store.BulkOf(tx)
	var (
		refs    []store.AwaitedRef
		codes   []payment.PaymentCode
		keys    []string
		ids     []string
		txnRefs []string
	)
	for i := from; i < len(ms); i++ {
		if ms[i].Offset < offsets[ms[i].Partition] || ds[i].poison != nil {
			continue
		}
		for j, p := range ds[i].payments {
			ids = append(ids, p.ID)
			for _, r := range []string{p.TxnID, p.BankRef} {
				if r != "" {
					txnRefs = append(txnRefs, r)
				}
			}
			for _, ref := range ds[i].refs[j] {
				switch ref.Kind {
				case reconcile.RefCode:
					codes = append(codes, ref.Code)
					refs = append(refs, store.AwaitedRef{Kind: store.AwaitCode, Key: string(ref.Code)})
				case reconcile.RefDossier:
					keys = append(keys, ref.Key)
					refs = append(refs, store.AwaitedRef{Kind: store.AwaitDossier, Key: ref.Key})
				}
			}
		}
	}
	v := &batchView{notices: map[payment.PaymentCode]payment.Notice{}, dossiers: map[string][]payment.PaymentCode{},
		inUse: map[store.NoticeKey]bool{}, stored: map[string]payment.Payment{}, reversed: map[string]bool{}, outbox: map[string]bool{}}
	if len(refs) > 0 {
		if err := tx.LockReferences(ctx, refs); err != nil {
			return nil, err
		}
	}
	if len(keys) > 0 {
		dn, err := bulk.NoticesByDossiers(ctx, keys)
		if err != nil {
			return nil, err
		}
		for _, d := range dn {
			v.dossiers[d.DossierKey] = append(v.dossiers[d.DossierKey], d.Code)
			codes = append(codes, d.Code)
		}
	}
	if len(codes) > 0 {
		locked, err := tx.LockNotices(ctx, codes)
		if err != nil {
			return nil, err
		}
		nks := make([]store.NoticeKey, len(locked))
		var oids []string
		for i, n := range locked {
			v.notices[n.Code] = n
			nks[i] = store.NoticeKey{System: n.System, ID: n.ID}
			id := outbox.Confirmation.ID(n.System, n.ID)
			oids = append(oids, id, outbox.KafkaID(id))
		}
		used, err := bulk.NoticesInUse(ctx, nks)
		if err != nil {
			return nil, err
		}
		for _, k := range used {
			v.inUse[k] = true
		}
		stored, err := bulk.OutboxExisting(ctx, oids)
		if err != nil {
			return nil, err
		}
		for _, id := range stored {
			v.outbox[id] = true
		}
	}
	if len(ids) > 0 {
		ps, err := bulk.PaymentsByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			v.stored[p.ID] = p
		}
	}
	if len(txnRefs) > 0 {
		rs, err := tx.UnmatchedReversals(ctx, txnRefs)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			for _, ref := range r.OriginalRefs {
				v.reversed[ref] = true
			}
		}
	}
	return v, nil
}

// fastPayment is a payment the fast path records: a redelivery, or a new
// payment with the notices it names (by code), which none of the
// batch's other payments names.
type fastPayment struct {
	p          payment.Payment
	redelivery bool
	referenced []payment.Notice
}

// fastBatch holds what the fast path has taken and not written yet.
type fastBatch struct {
	pr   *Processor
	tx   store.Tx
	view *batchView
	// touched are the notices the batch's fast payments named; pending
	// the fast path's payments, by id.
	touched map[store.NoticeKey]bool
	pending map[string]payment.Payment
	held    []fastPayment
}

func (pr *Processor) newFastBatch(tx store.Tx, v *batchView) *fastBatch {
	return &fastBatch{pr: pr, tx: tx, view: v, touched: map[store.NoticeKey]bool{}, pending: map[string]payment.Payment{}}
}

// take takes message d for the fast path, whole, and reports whether it
// did; a message saying other money for a stored payment is refused
// (poison, as recordMessage refuses it) and nothing of it is taken.
func (f *fastBatch) take(dec gateways.Decoder, d decoded) (bool, error) {
	if len(d.reversals) > 0 {
		return false, nil
	}
	var fps []fastPayment
	mine := map[string]payment.Payment{}
	named := map[store.NoticeKey]bool{}
	for j, p := range d.payments {
		old, ok := f.view.stored[p.ID]
		if !ok {
			old, ok = f.pending[p.ID]
		}
		if !ok {
			old, ok = mine[p.ID]
		}
		if ok {
			if err := moneyDiffers(old, p); err != nil {
				return false, &gateways.Error{Gateway: dec.Gateway(),
					Err: fmt.Errorf("%w: %w", gateways.ErrMalformed, fmt.Errorf("record payment %s: %w", p.ID, err))}
			}
			fps = append(fps, fastPayment{p: p, redelivery: true})
			continue
		}
		if f.view.reversed[p.TxnID] || p.BankRef != "" && f.view.reversed[p.BankRef] {
			return false, nil
		}
		referenced := f.referenced(d.refs[j])
		for _, n := range referenced {
			k := store.NoticeKey{System: n.System, ID: n.ID}
			if f.view.inUse[k] || f.touched[k] || named[k] || !baseStatus(n.Status) {
				return false, nil
			}
			named[k] = true
		}
		fps = append(fps, fastPayment{p: p, referenced: referenced})
		mine[p.ID] = p
	}
	for k := range named {
		f.touched[k] = true
	}
	for id, p := range mine {
		f.pending[id] = p
	}
	f.held = append(f.held, fps...)
	return true, nil
}

// baseStatus reports whether a notice's stored status is one no decision
// derived: the fast path's notices only move from it, so that the open
// notices a payment's suggestions come from only shrink (flush).
func baseStatus(s payment.NoticeStatus) bool {
	return s == payment.NoticeIssued || s == payment.NoticeCancelled || s == payment.NoticeExpired
}

// referenced returns the notices a payment's references name, as
// lockReferenced locks them: by code, once each.
func (f *fastBatch) referenced(refs []reconcile.Reference) []payment.Notice {
	var codes []payment.PaymentCode
	for _, ref := range refs {
		switch ref.Kind {
		case reconcile.RefCode:
			codes = append(codes, ref.Code)
		case reconcile.RefDossier:
			codes = append(codes, f.view.dossiers[ref.Key]...)
		}
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	var out []payment.Notice
	for _, c := range codes {
		if n, ok := f.view.notices[c]; ok {
			out = append(out, n)
		}
	}
	return out
}

// flush decides the payments taken, in order, and writes them: what
// recordTx would have done for each, one statement per table. It
// returns each payment's outcome.
func (f *fastBatch) flush(ctx context.Context) ([]recordedPayment, error) {
	if len(f.held) == 0 {
		return nil, nil
	}
	pr := f.pr
	bulk := store.BulkOf(f.tx)
	// The open notices of each unmatched payment's amount, as the store
	// has them now; a payment before it in the batch may have paid some
	// (w.status), so a few more are read than are suggested.
	var qs []store.AmountSince
	extra := 0
	for _, fp := range f.held {
		if !fp.redelivery && len(fp.referenced) == 0 {
			qs = append(qs, store.AmountSince{Amount: fp.p.Amount, Since: suggestionsSince(fp.p)})
		}
		extra += len(fp.referenced)
	}
	open, err := bulk.OpenNoticesByAmounts(ctx, qs, maxSuggestions+extra)
	if err != nil {
		return nil, err
	}
	w := &batchWriter{tx: f.tx, outbox: f.view.outbox, status: map[store.NoticeKey]payment.NoticeStatus{}}
	now := pr.decidedAt()
	out := make([]recordedPayment, 0, len(f.held))
	q := 0
	for _, fp := range f.held {
		p := fp.p
		o := Outcome{PaymentID: p.ID}
		if fp.redelivery {
			o.Redelivery = true
			out = append(out, recordedPayment{p, o})
			continue
		}
		w.b.Payments = append(w.b.Payments, p)
		g := newGroup(f.tx, p.ID)
		g.payments[p.ID] = p
		for _, n := range fp.referenced {
			k := store.NoticeKey{System: n.System, ID: n.ID}
			g.notices[k] = n
			w.b.Links = append(w.b.Links, store.Link{PaymentID: p.ID, Notice: k})
		}
		for _, ref := range pr.refsToAwait(p, fp.referenced) {
			w.b.Awaits = append(w.b.Awaits, store.Await{PaymentID: p.ID, Ref: ref})
		}
		pool := g.basePool()
		if len(fp.referenced) == 0 {
			pool = g.withSuggestions(pool, w.stillOpen(open[q]))
			q++
		}
		d := pr.decision(g, pool, nil)
		if err := g.write(ctx, w, d, nil, now, &o); err != nil {
			return nil, err
		}
		if err := pr.applyStates(ctx, w, g.notices, g.payments, d, &o); err != nil {
			return nil, err
		}
		if err := pr.audit(ctx, w, p, &o); err != nil {
			return nil, err
		}
		out = append(out, recordedPayment{p, o})
	}
	if err := bulk.WriteBatch(ctx, w.b); err != nil {
		return nil, err
	}
	for id := range w.written {
		f.view.outbox[id] = true
	}
	f.held = nil
	return out, nil
}

// batchWriter buffers a batch's decisions for store.Bulk.WriteBatch; the
// audit entries go to the transaction at once, in order.
type batchWriter struct {
	tx store.Tx
	b  store.Batch
	// outbox are the ids stored before; written those buffered.
	outbox  map[string]bool
	written map[string]bool
	// status is each notice's status as the buffered decisions leave it.
	status map[store.NoticeKey]payment.NoticeStatus
}

func (w *batchWriter) InsertAllocation(_ context.Context, a reconcile.Allocation) error {
	w.b.Allocations = append(w.b.Allocations, a)
	return nil
}

func (w *batchWriter) UpsertException(_ context.Context, e reconcile.Exception) error {
	w.b.Exceptions = append(w.b.Exceptions, e)
	return nil
}

func (w *batchWriter) SetNoticeStatus(_ context.Context, system, id string, status payment.NoticeStatus) error {
	k := store.NoticeKey{System: system, ID: id}
	w.b.Statuses = append(w.b.Statuses, store.StatusChange{Notice: k, Status: status})
	w.status[k] = status
	return nil
}

func (w *batchWriter) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	return w.tx.AppendAudit(ctx, e)
}

// Enqueue refuses an id stored or buffered before, as the store does.
func (w *batchWriter) Enqueue(_ context.Context, m store.OutboxMessage) error {
	if w.outbox[m.ID] || w.written[m.ID] {
		return fmt.Errorf("enqueue %s: %w", m.ID, store.ErrAlreadyExists)
	}
	if w.written == nil {
		w.written = map[string]bool{}
	}
	w.written[m.ID] = true
	w.b.Outbox = append(w.b.Outbox, m)
	return nil
}

// stillOpen returns the first maxSuggestions of ns (open notices read at
// the start of the flush) still open after the decisions buffered so far,
// each with its status now.
func (w *batchWriter) stillOpen(ns []payment.Notice) []payment.Notice {
	out := make([]payment.Notice, 0, min(len(ns), maxSuggestions))
	for _, n := range ns {
		if len(out) == maxSuggestions {
			break
		}
		if s, ok := w.status[store.NoticeKey{System: n.System, ID: n.ID}]; ok {
			if s != payment.NoticeIssued && s != payment.NoticePartiallyPaid {
				continue
			}
			n.Status = s
		}
		out = append(out, n)
	}
	return out
}
