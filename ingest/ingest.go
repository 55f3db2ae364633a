package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// Outcome says what recording one payment did.
type Outcome struct {
	PaymentID string
	// Redelivery: the gateway transaction was stored before; nothing changed.
	Redelivery bool
	// Allocations and Exceptions are the payment's own after the decision.
	Allocations []reconcile.Allocation
	Exceptions  []reconcile.Exception
	// Confirmed lists the notices that became paid in this transaction.
	Confirmed []store.NoticeKey
	// ReversedBy is the reversal stored before the payment that took it
	// back: the payment is recorded, never decided (reversal.go).
	ReversedBy string
}

// Processor records payments. It is safe for concurrent use: the store's
// transactions and notice locks serialise what must be serial.
type Processor struct {
	store   store.Store
	engine  *reconcile.Engine
	now     func() time.Time
	log     *slog.Logger
	metrics *Metrics // optional
}

// New builds a processor. now is the clock (time.Now in production).
func New(s store.Store, e *reconcile.Engine, now func() time.Time, log *slog.Logger) *Processor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Processor{store: s, engine: e, now: now, log: log}
}

// Confirmation is the body of a "paid" confirmation to the issuing
// procedure system, and of the payments.confirmed Kafka message. Its
// Allocations are final: once sent, the engine never moves the notice's
// money to another payment (doc.go, "Order independence"); a payment
// arriving later for the notice is its duplicate.
type Confirmation struct {
	// ID is the idempotency key: one confirmation per notice, ever.
	ID          string                 `json:"id"`
	System      string                 `json:"system"`
	NoticeID    string                 `json:"notice_id"`
	Dossier     payment.DossierCode    `json:"dossier_code"`
	PaymentCode payment.PaymentCode    `json:"payment_code"`
	Status      payment.NoticeStatus   `json:"status"`
	AmountDue   payment.Money          `json:"amount_due"`
	Paid        payment.Money          `json:"paid_amount"`
	Allocations []reconcile.Allocation `json:"allocations"`
	PaidAt      time.Time              `json:"paid_at"`
}

// Record stores p and applies the decision for the notices it references.
// A redelivery returns Outcome{Redelivery: true} and no error. Errors from
// the store are returned as they are (transient: the caller retries).
func (pr *Processor) Record(ctx context.Context, p payment.Payment) (Outcome, error) {
	if err := p.Validate(); err != nil {
		return Outcome{}, err
	}
	// PostgreSQL keeps microseconds; every backend stores the same instant.
	p.PaidAt = p.PaidAt.Truncate(time.Microsecond)
	var out Outcome
	err := pr.store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = pr.recordTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("record payment %s: %w", p.ID, err)
	}
	pr.recorded(ctx, p, out)
	return out, nil
}

// recordTx is Record inside tx, for a p validated and truncated.
func (pr *Processor) recordTx(ctx context.Context, tx store.Tx, p payment.Payment) (Outcome, error) {
	out := Outcome{PaymentID: p.ID}
	if err := tx.InsertPayment(ctx, p); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			out.Redelivery = true
			return out, sameMoney(ctx, tx, p)
		}
		return out, err
	}
	if reversed, err := pr.reversedOnArrival(ctx, tx, p, &out); err != nil || reversed {
		return out, err
	}
	return out, pr.decide(ctx, tx, p, &out)
}

// recorded counts and logs what recording p did, once committed.
func (pr *Processor) recorded(ctx context.Context, p payment.Payment, out Outcome) {
	pr.metrics.observe(string(p.Gateway), out)
	if out.Redelivery {
		pr.log.InfoContext(ctx, "payment redelivered; nothing new", slog.String("payment_id", p.ID))
		return
	}
	pr.log.InfoContext(ctx, "payment recorded",
		slog.String("payment_id", p.ID), slog.String("gateway", string(p.Gateway)),
		slog.String("amount", p.Amount.String()), slog.String("payer_account", payment.MaskAccount(p.PayerAccount)),
		slog.String("credited_account", p.CreditedAccount.Masked()),
		slog.Int("allocations", len(out.Allocations)), slog.Int("exceptions", len(out.Exceptions)),
		slog.Int("confirmed", len(out.Confirmed)))
}

// ErrConflictingDuplicate: a message names a gateway transaction that is
// stored already with another amount, time or credited account. A
// redelivery is the same message again; this one is not, and which of the
// two is right no rule can say: it is refused (HandleRaw: poison, so the
// consumer dead-letters it with the difference) and the stored payment
// stays as it is.
var ErrConflictingDuplicate = errors.New("gateway transaction stored already with other money facts")

// sameMoney checks that p, whose id is stored already, says what the
// stored payment says of the money: amount, time and credited account.
func sameMoney(ctx context.Context, tx store.Tx, p payment.Payment) error {
	old, err := tx.Payment(ctx, p.ID)
	if err != nil {
		return err
	}
	return moneyDiffers(old, p)
}

// moneyDiffers is ErrConflictingDuplicate when p, a payment with old's
// id, says other money than old: amount, time or credited account.
func moneyDiffers(old, p payment.Payment) error {
	if !old.Amount.Equal(p.Amount) || !old.PaidAt.Equal(p.PaidAt) || old.CreditedAccount != p.CreditedAccount {
		return fmt.Errorf("%w: %s is %s at %s to %s; this message says %s at %s to %s", ErrConflictingDuplicate, p.ID,
			old.Amount, old.PaidAt.Format(time.RFC3339Nano), old.CreditedAccount.Masked(),
			p.Amount, p.PaidAt.Format(time.RFC3339Nano), p.CreditedAccount.Masked())
	}
	return nil
}

// referenced returns the notices p's description names.
func (pr *Processor) referenced(ctx context.Context, tx store.Tx, p payment.Payment) ([]payment.PaymentCode, error) {
	var codes []payment.PaymentCode
	for _, ref := range pr.engine.References(p.Description) {
		switch ref.Kind {
		case reconcile.RefCode:
			codes = append(codes, ref.Code)
		case reconcile.RefDossier:
			ns, err := tx.NoticesByDossier(ctx, ref.Key)
			if err != nil {
				return nil, err
			}
			for _, n := range ns {
				codes = append(codes, n.Code)
			}
		}
	}
	return codes, nil
}

// maxGroup bounds the notices re-decided together; a group this large
// means references chain unusually and is worth a look.
const maxGroup = 1000

// decide re-decides the group of notices p touches and records the
// decision: allocations, exceptions, notice statuses and an audit entry.
func (pr *Processor) decide(ctx context.Context, tx store.Tx, p payment.Payment, out *Outcome) error {
	if err := pr.lockRefs(ctx, tx, p); err != nil {
		return err
	}
	referenced, err := pr.lockReferenced(ctx, tx, p)
	if err != nil {
		return err
	}
	if err := pr.await(ctx, tx, p, referenced); err != nil {
		return err
	}
	g := newGroup(tx, p.ID)
	g.payments[p.ID] = p
	if err := g.gather(ctx, referenced); err != nil {
		return err
	}
	var suggestFor []payment.Payment
	if len(referenced) == 0 {
		suggestFor = []payment.Payment{p}
	}
	if err := pr.decideGroup(ctx, g, suggestFor, out); err != nil {
		return err
	}
	return pr.audit(ctx, tx, p, out)
}

// decideGroup decides g again around its notices' manual and confirmed
// allocations (order.go) and
// writes the decision: allocations, exceptions, notice statuses and
// confirmations. suggestFor are the payments whose amount brings open
// notices in as suggestions.
func (pr *Processor) decideGroup(ctx context.Context, g *noticeGroup, suggestFor []payment.Payment, out *Outcome) error {
	pool, err := g.pool(ctx, suggestFor)
	if err != nil {
		return err
	}
	fixed, err := g.fixed(ctx) // order.go: manual and confirmed allocations
	if err != nil {
		return err
	}
	d := pr.decision(g, pool, fixed)
	raised, err := g.clear(ctx)
	if err != nil {
		return err
	}
	if err := g.write(ctx, g.tx, d, raised, pr.decidedAt(), out); err != nil {
		return err
	}
	return pr.applyStates(ctx, g.tx, g.notices, g.payments, d, out)
}

// decision is the engine's decision for g: its payments but those that
// wait for a notice decided from pool around fixed, those that wait as
// if the notices they wait for did not exist: unmatched (order.go).
func (pr *Processor) decision(g *noticeGroup, pool []payment.Notice, fixed []reconcile.Allocation) reconcile.Decision {
	decided, waiting := pr.waiting(g)
	d := pr.engine.DecideFixed(pool, decided, fixed)
	if len(waiting) > 0 {
		w := pr.engine.Decide(nil, waiting)
		d.Exceptions = append(d.Exceptions, w.Exceptions...)
	}
	return d
}

// decidedAt is when a decision's exceptions are raised: now, in the
// business zone and to the microsecond, as PostgreSQL keeps and reads it
// back, so that every backend stores the same instant.
func (pr *Processor) decidedAt() time.Time {
	return pr.now().In(payment.Location()).Truncate(time.Microsecond)
}

// decisionWriter is where a decision's rows go: the transaction (a group
// decided on its own) or a batch's buffer written in bulk (fast.go).
type decisionWriter interface {
	InsertAllocation(ctx context.Context, a reconcile.Allocation) error
	UpsertException(ctx context.Context, e reconcile.Exception) error
	SetNoticeStatus(ctx context.Context, system, id string, status payment.NoticeStatus) error
	AppendAudit(ctx context.Context, e store.AuditEntry) error
	Enqueue(ctx context.Context, m store.OutboxMessage) error
}

// Redecide decides again, inside tx, the groups of the notices and the
// payments given (each with every payment and notice linked to it): what
// an accountant's manual allocation and its reopening need, so that the
// notices' statuses, the other payments' decisions and the confirmations
// follow the same rules as a payment's arrival. The payments given get
// suggestions as a new payment does. It locks as Record does.
func (pr *Processor) Redecide(ctx context.Context, tx store.Tx, notices []store.NoticeKey, payments []payment.Payment) (Outcome, error) {
	var out Outcome
	g := newGroup(tx, "")
	var codes []payment.PaymentCode
	for _, k := range notices {
		n, err := tx.Notice(ctx, k.System, k.ID)
		if err != nil {
			return out, fmt.Errorf("redecide: notice %s/%s: %w", k.System, k.ID, err)
		}
		codes = append(codes, n.Code)
	}
	for _, p := range payments {
		g.payments[p.ID] = p
		more, err := g.outside(ctx, p.ID)
		if err != nil {
			return out, err
		}
		codes = append(codes, more...)
	}
	locked, err := tx.LockNotices(ctx, codes)
	if err != nil {
		return out, err
	}
	if err := g.gather(ctx, locked); err != nil {
		return out, err
	}
	if err := pr.decideGroup(ctx, g, payments, &out); err != nil {
		return out, fmt.Errorf("redecide: %w", err)
	}
	return out, nil
}

// lockReferenced locks the notices p references and links p to them.
func (pr *Processor) lockReferenced(ctx context.Context, tx store.Tx, p payment.Payment) ([]payment.Notice, error) {
	codes, err := pr.referenced(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	notices, err := tx.LockNotices(ctx, codes)
	if err != nil {
		return nil, err
	}
	keys := make([]store.NoticeKey, len(notices))
	for i, n := range notices {
		keys[i] = store.NoticeKey{System: n.System, ID: n.ID}
	}
	if err := tx.LinkPayment(ctx, p.ID, keys); err != nil {
		return nil, err
	}
	return notices, nil
}

// noticeGroup is what is decided again with a payment: the notices it
// references, every payment linked to them, and (transitively) the notices
// those payments reference too.
type noticeGroup struct {
	tx store.Tx
	// focus is the payment being recorded ("" for a Redecide): its
	// allocations and exceptions are the Outcome's.
	focus    string
	notices  map[store.NoticeKey]payment.Notice
	payments map[string]payment.Payment
	// byHand are the payments with manual allocations (manual fills it)
	// or with a confirmed notice's (fixed fills it): held, not decided by
	// the engine again.
	byHand map[string]bool
}

func newGroup(tx store.Tx, focus string) *noticeGroup {
	return &noticeGroup{tx: tx, focus: focus, notices: map[store.NoticeKey]payment.Notice{},
		payments: map[string]payment.Payment{}, byHand: map[string]bool{}}
}

// manual returns the group's notices' manual allocations, notes their
// payments as decided by hand and adds them to the group (the engine
// skips them; a confirmation's paid-at sees them).
func (g *noticeGroup) manual(ctx context.Context) ([]reconcile.Allocation, error) {
	keys := make([]store.NoticeKey, 0, len(g.notices))
	for k := range g.notices {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].System < keys[j].System || keys[i].System == keys[j].System && keys[i].ID < keys[j].ID
	})
	var out []reconcile.Allocation
	for _, k := range keys {
		as, err := g.tx.AllocationsByNotice(ctx, k.System, k.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Rule != reconcile.RuleManual {
				continue
			}
			out = append(out, a)
			g.byHand[a.PaymentID] = true
			if _, ok := g.payments[a.PaymentID]; !ok {
				p, err := g.tx.Payment(ctx, a.PaymentID)
				if err != nil {
					return nil, err
				}
				g.payments[a.PaymentID] = p
			}
		}
	}
	return out, nil
}

// gather adds the referenced notices and, a round at a time, the notices
// linked to them through payments, each round locked before it is added.
func (g *noticeGroup) gather(ctx context.Context, referenced []payment.Notice) error {
	queue := referenced
	for len(queue) > 0 {
		var next []payment.PaymentCode
		for _, n := range queue {
			more, err := g.add(ctx, n)
			if err != nil {
				return err
			}
			next = append(next, more...)
		}
		queue = nil
		if len(next) > 0 {
			var err error
			if queue, err = g.tx.LockNotices(ctx, next); err != nil {
				return err
			}
		}
	}
	return nil
}

// add adds notice n, unless it is in already, and the payments linked to
// it; it returns the codes of the notices those payments are linked to
// that are not in the group yet.
func (g *noticeGroup) add(ctx context.Context, n payment.Notice) ([]payment.PaymentCode, error) {
	k := store.NoticeKey{System: n.System, ID: n.ID}
	if _, ok := g.notices[k]; ok {
		return nil, nil
	}
	g.notices[k] = n
	if len(g.notices) > maxGroup {
		return nil, fmt.Errorf("payment %s: more than %d notices linked together", g.focus, maxGroup)
	}
	linked, err := g.tx.PaymentsByNotice(ctx, n.System, n.ID)
	if err != nil {
		return nil, err
	}
	var next []payment.PaymentCode
	for _, q := range linked {
		if _, ok := g.payments[q.ID]; ok {
			continue
		}
		g.payments[q.ID] = q
		more, err := g.outside(ctx, q.ID)
		if err != nil {
			return nil, err
		}
		next = append(next, more...)
	}
	return next, nil
}

// outside returns the codes of the notices payment id is linked to that
// are not in the group yet.
func (g *noticeGroup) outside(ctx context.Context, id string) ([]payment.PaymentCode, error) {
	keys, err := g.tx.LinkedNotices(ctx, id)
	if err != nil {
		return nil, err
	}
	var codes []payment.PaymentCode
	for _, k := range keys {
		if _, ok := g.notices[k]; !ok {
			n, err := g.tx.Notice(ctx, k.System, k.ID)
			if err != nil {
				return nil, err
			}
			codes = append(codes, n.Code)
		}
	}
	return codes, nil
}

// pool returns the notices the engine decides from, by code, each with its
// base status: what previous decisions derived (partially paid, paid,
// overpaid) is decided again. For each of suggestFor it adds the open
// notices of the payment's amount: suggestions for an unmatched payment
// come from them; they are never allocated (nothing references them).
func (g *noticeGroup) pool(ctx context.Context, suggestFor []payment.Payment) ([]payment.Notice, error) {
	base := g.basePool()
	for _, p := range suggestFor {
		open, err := g.tx.OpenNoticesByAmount(ctx, p.Amount, suggestionsSince(p), maxSuggestions)
		if err != nil {
			return nil, err
		}
		base = g.withSuggestions(base, open)
	}
	return base, nil
}

// maxSuggestions bounds the open notices of a payment's amount looked at
// for its suggestions.
const maxSuggestions = 20

// suggestionsSince is the earliest issue time of a notice suggested for p.
func suggestionsSince(p payment.Payment) time.Time {
	return p.PaidAt.Add(-reconcile.DefaultSuggestionWindow)
}

// basePool returns the group's notices by code, each with its base status.
func (g *noticeGroup) basePool() []payment.Notice {
	base := make([]payment.Notice, 0, len(g.notices))
	for _, n := range g.notices {
		b := n
		if b.Status == payment.NoticePartiallyPaid || b.Status.Settled() {
			b.Status = payment.NoticeIssued
		}
		base = append(base, b)
	}
	sort.Slice(base, func(i, j int) bool { return base[i].Code < base[j].Code })
	return base
}

// withSuggestions adds to pool the open notices given that are not in the
// group.
func (g *noticeGroup) withSuggestions(pool, open []payment.Notice) []payment.Notice {
	for _, n := range open {
		if _, in := g.notices[store.NoticeKey{System: n.System, ID: n.ID}]; !in {
			pool = append(pool, n)
		}
	}
	return pool
}

// clear deletes the group's engine allocations and the open exceptions of
// its payments decided by the engine: the decision replaces them. Manual
// allocations, and what is open of a payment decided by hand (its
// remainder), stay. It returns when each deleted exception was raised: the
// decision may raise the same one again (same id), and it was raised then,
// not now.
func (g *noticeGroup) clear(ctx context.Context) (map[string]time.Time, error) {
	for k := range g.notices {
		if err := g.tx.DeleteAllocations(ctx, k.System, k.ID); err != nil {
			return nil, err
		}
	}
	raised := map[string]time.Time{}
	for id := range g.payments {
		if g.byHand[id] {
			continue
		}
		if id != g.focus { // the payment being recorded is new: nothing raised yet
			open, err := g.tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: id, Status: reconcile.ExceptionOpen})
			if err != nil {
				return nil, err
			}
			for _, e := range open {
				raised[e.ID] = e.CreatedAt
			}
		}
		if err := g.tx.DeleteExceptionsForPayment(ctx, id); err != nil {
			return nil, err
		}
	}
	return raised, nil
}

// write stores the decision's allocations and exceptions (but those of
// payments outside the group), and gives out the payment's own. An
// exception is raised now unless raised says it was raised before (see
// clear); a closed one stored before stays as it is (UpsertException keeps
// the first row).
func (g *noticeGroup) write(ctx context.Context, w decisionWriter, d reconcile.Decision, raised map[string]time.Time, now time.Time, out *Outcome) error {
	for _, a := range d.Allocations {
		if a.Rule == reconcile.RuleManual {
			continue // stored already, kept by clear
		}
		if err := w.InsertAllocation(ctx, a); err != nil {
			return err
		}
		if a.PaymentID == g.focus {
			out.Allocations = append(out.Allocations, a)
		}
	}
	for _, e := range d.Exceptions {
		if e.PaymentID != "" {
			if _, ok := g.payments[e.PaymentID]; !ok {
				continue
			}
		}
		e.CreatedAt = now
		if at, ok := raised[e.ID]; ok {
			e.CreatedAt = at
		}
		if err := w.UpsertException(ctx, e); err != nil {
			return err
		}
		if e.PaymentID == g.focus {
			out.Exceptions = append(out.Exceptions, e)
		}
	}
	return nil
}

// audit records the decision for the payment.
func (pr *Processor) audit(ctx context.Context, tx decisionWriter, p payment.Payment, out *Outcome) error {
	detail, _ := json.Marshal(decideDetail{PaymentID: p.ID, Amount: p.Amount, Allocations: out.Allocations,
		Exceptions: exceptionIDs(out.Exceptions)})
	return tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditPaymentDecide,
		Entity: store.PaymentEntity(p.ID), Detail: detail})
}

// The audit details of a decision, a notice's status and a confirmation.
// They were maps; as structs whose fields are in the keys' order (what
// json.Marshal sorts a map's keys into) they marshal to the same bytes
// without sorting or a map per entry (TestDetailsMarshalAsTheirMaps).
type (
	decideDetail struct {
		Allocations []reconcile.Allocation `json:"allocations"`
		Amount      payment.Money          `json:"amount"`
		Exceptions  []string               `json:"exceptions"`
		PaymentID   string                 `json:"payment_id"`
	}
	statusDetail struct {
		From payment.NoticeStatus `json:"from"`
		Paid payment.Money        `json:"paid"`
		To   payment.NoticeStatus `json:"to"`
	}
	confirmDetail struct {
		MessageID string               `json:"message_id"`
		Payers    []string             `json:"payers"`
		Status    payment.NoticeStatus `json:"status"`
	}
)

func exceptionIDs(es []reconcile.Exception) []string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

// applyStates writes the new notice statuses and enqueues a confirmation
// for each notice that became paid or overpaid.
func (pr *Processor) applyStates(ctx context.Context, tx decisionWriter, group map[store.NoticeKey]payment.Notice,
	payments map[string]payment.Payment, d reconcile.Decision, out *Outcome) error {
	for _, st := range d.Notices {
		k := store.NoticeKey{System: st.System, ID: st.NoticeID}
		n, ok := group[k]
		if !ok || n.Status == st.Status {
			continue
		}
		was := n.Status
		n.Status = st.Status
		if err := tx.SetNoticeStatus(ctx, n.System, n.ID, st.Status); err != nil {
			return err
		}
		detail, _ := json.Marshal(statusDetail{From: was, To: st.Status, Paid: st.Paid})
		if err := tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditNoticeStatus,
			Entity: store.NoticeEntity(n.System, n.ID), Detail: detail}); err != nil {
			return err
		}
		if !st.Status.Settled() || was.Settled() {
			continue
		}
		if err := pr.confirm(ctx, tx, n, st, payments, d); err != nil {
			return err
		}
		out.Confirmed = append(out.Confirmed, k)
	}
	return nil
}

func (pr *Processor) confirm(ctx context.Context, tx decisionWriter, n payment.Notice, st reconcile.NoticeState,
	payments map[string]payment.Payment, d reconcile.Decision) error {
	c := Confirmation{
		ID: outbox.Confirmation.ID(n.System, n.ID), System: n.System, NoticeID: n.ID, Dossier: n.Dossier,
		PaymentCode: n.Code, Status: st.Status, AmountDue: st.AmountDue, Paid: st.Paid, Allocations: []reconcile.Allocation{},
	}
	for _, a := range d.Allocations {
		if a.NoticeSystem == n.System && a.NoticeID == n.ID {
			c.Allocations = append(c.Allocations, a)
		}
	}
	// Paid at: when the payment that completed the notice was made.
	for _, a := range c.Allocations {
		if at := payments[a.PaymentID].PaidAt; at.After(c.PaidAt) {
			c.PaidAt = at
		}
	}
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	err = outbox.Confirmation.Enqueue(ctx, tx, c.ID, n.System, body, pr.now())
	if !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	// Confirmed before, then opened again (a reversal or an accountant's
	// reopen took its payment back; the procedure system was told) and
	// now paid again: a confirmation of its own, keyed by the payments
	// that pay it now, so a replay of the same decision is nothing new
	// and a later different one is told too.
	c.ID = ConfirmationAgainID(n.System, n.ID, c.Allocations)
	body, err = json.Marshal(c)
	if err != nil {
		return err
	}
	err = outbox.Confirmation.Enqueue(ctx, tx, c.ID, n.System, body, pr.now())
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil
	}
	if err != nil {
		return err
	}
	payers := make([]string, len(c.Allocations))
	for i, a := range c.Allocations {
		payers[i] = a.PaymentID
	}
	detail, _ := json.Marshal(confirmDetail{MessageID: c.ID, Payers: payers, Status: c.Status})
	return tx.AppendAudit(ctx, store.AuditEntry{At: pr.now(), Actor: store.ActorEngine, Action: store.AuditNoticeConfirm,
		Entity: store.NoticeEntity(n.System, n.ID), Detail: detail})
}

// maxPayersKey bounds the payments part of ConfirmationAgainID; longer
// lists are named by their SHA-256.
const maxPayersKey = 200

// ConfirmationAgainID is the idempotency key of a notice's confirmation
// after its first (outbox.Confirmation.ID(system, notice)): the notice was
// opened again and paid again, by the payments of allocs. It is
// "confirmation|<system>|<notice>|<payment ids, sorted, joined by +>", or
// "…|sha256:<hex>" of that list when it is longer than 200 bytes.
func ConfirmationAgainID(system, notice string, allocs []reconcile.Allocation) string {
	ids := make([]string, 0, len(allocs))
	for _, a := range allocs {
		ids = append(ids, a.PaymentID)
	}
	slices.Sort(ids)
	payers := strings.Join(slices.Compact(ids), "+")
	if len(payers) > maxPayersKey {
		sum := sha256.Sum256([]byte(payers))
		payers = "sha256:" + hex.EncodeToString(sum[:])
	}
	return outbox.Confirmation.ID(system, notice, payers)
}
