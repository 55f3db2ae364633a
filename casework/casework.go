package casework

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// Errors, each a distinct reason an action is refused: the console says
// each in the person's language. All are permanent for the request as it
// is (nothing to retry); store errors pass through wrapped.
var (
	// ErrForbidden: the person's role may not do this.
	ErrForbidden = errors.New("not allowed for this role")
	// ErrNotFound: no such exception or request within the person's
	// agencies (one outside them is not found, as for the API).
	ErrNotFound = errors.New("not found")
	// ErrNoReason: every action needs a reason (a comment its text).
	ErrNoReason = errors.New("a reason is required")
	// ErrNotOpen: the action needs an open exception (reopen a closed one).
	ErrNotOpen = errors.New("the exception is not open")
	// ErrNotClosed: reopen needs a closed exception.
	ErrNotClosed = errors.New("the exception is open")
	// ErrPending: the exception has a pending request already.
	ErrPending = errors.New("the exception has a pending request")
	// ErrNoPayment: the exception concerns no payment (a statement line):
	// nothing to allocate.
	ErrNoPayment = errors.New("the exception has no payment to allocate")
	// ErrSum: the allocations and the stated remainder do not add up to
	// the payment's money not allocated by hand yet.
	ErrSum = errors.New("the amounts do not add up to the payment")
	// ErrAmount: an amount is not a positive whole number of đồng in the
	// payment's currency, or a notice is named twice.
	ErrAmount = errors.New("invalid amount")
	// ErrOverOutstanding: an allocation is more than the notice still owes.
	ErrOverOutstanding = errors.New("more than the notice's outstanding amount")
	// ErrNoticeClosed: the notice accepts no money (cancelled, expired).
	ErrNoticeClosed = errors.New("the notice accepts no money")
	// ErrRemainderClosed: reopening an allocation whose remainder was
	// closed otherwise (refund, write-off): reopen the remainder first.
	ErrRemainderClosed = errors.New("its remainder is closed: reopen it first")
	// ErrOwnRequest: nobody decides their own request.
	ErrOwnRequest = errors.New("nobody approves their own request")
	// ErrNotPending: the request was decided already.
	ErrNotPending = errors.New("the request is not pending")
	// ErrChanged: the exception changed since the request was made; reject
	// it and ask again.
	ErrChanged = errors.New("the exception changed since the request")
	// ErrBulk: a bulk action over exceptions of different kinds, or one
	// that cannot be applied in bulk (allocate).
	ErrBulk = errors.New("a bulk action takes rows of one kind, and not allocate")
	// ErrUnknownUser: an assignee that is not an active user who sees the
	// exception.
	ErrUnknownUser = errors.New("no such active colleague for this exception")
)

// Part is one notice's share of a manual allocation.
type Part struct {
	System   string        `json:"system"`
	NoticeID string        `json:"notice_id"`
	Amount   payment.Money `json:"amount"`
}

// Action is what a person asks for one exception.
type Action struct {
	Kind        reconcile.Action `json:"action"`
	ExceptionID string           `json:"exception_id"`
	// Reason is required for every action (for a comment, its text).
	Reason string `json:"reason"`
	// Parts are an allocation's shares (ActionAllocate).
	Parts []Part `json:"parts,omitempty"`
	// Remainder is the money of the payment an allocation leaves over,
	// stated explicitly (zero when the parts cover it all).
	Remainder payment.Money `json:"remainder"`
	// Assignee is the login an exception is assigned to ("" unassigns).
	Assignee string `json:"assignee,omitempty"`
}

// Outcome is what an action did.
type Outcome struct {
	// Applied: done now. Otherwise Request is the pending request made.
	Applied bool
	Request *store.ActionRequest
	// Confirmed lists the notices that became paid by it.
	Confirmed []store.NoticeKey
}

// requestBody is a request's stored parameters: the action and what the
// exception was when it was asked (ErrChanged if the approver sees other).
type requestBody struct {
	Action Action                    `json:"action"`
	Kind   reconcile.ExceptionKind   `json:"exception_kind"`
	Status reconcile.ExceptionStatus `json:"exception_status"`
	Amount payment.Money             `json:"exception_amount"`
}

// Service does casework over a store. It is safe for concurrent use.
type Service struct {
	st   store.Store
	proc *ingest.Processor
	cfg  Config
	now  func() time.Time
	ids  func() string
}

// New validates cfg and builds the service; proc re-decides notices after
// a manual allocation or its reopening, now is the clock.
func New(st store.Store, proc *ingest.Processor, cfg Config, now func() time.Time) (*Service, error) {
	if st == nil || proc == nil || now == nil {
		return nil, config.Errorf("casework: store, processor and clock are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Service{st: st, proc: proc, cfg: cfg.withDefaults(), now: now, ids: randomID}, nil
}

// Config returns the service's configuration, defaults applied.
func (s *Service) Config() Config { return s.cfg }

func randomID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("casework: crypto/rand: %v", err)) // never on a supported platform
	}
	return "req-" + hex.EncodeToString(b)
}

// MayAct reports whether u's role acts on exceptions (accountants and
// approvers; administrators and auditors read).
func MayAct(u user.User) bool { return u.Role == user.RoleAccountant || u.Role == user.RoleApprover }

// Scope narrows f to what u sees: the exceptions of u's agencies' notices
// and those that concern no notice yet (money no agency owns, for any
// agency's accountants to claim), unless u sees every agency.
func Scope(u user.User, f store.ExceptionFilter) store.ExceptionFilter {
	if len(u.Agencies) > 0 {
		f.Scoped, f.Agencies, f.Unassigned = true, u.Agencies, true
	}
	return f
}

// Visible returns exception id if u may see it: ErrNotFound otherwise.
func Visible(ctx context.Context, tx store.Tx, u user.User, id string) (reconcile.Exception, error) {
	e, err := tx.Exception(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return e, fmt.Errorf("exception %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return e, err
	}
	if len(u.Agencies) == 0 || e.PaymentID == "" {
		return e, nil // every agency, or a statement line: no agency's yet
	}
	es, err := tx.ListExceptions(ctx, Scope(u, store.ExceptionFilter{PaymentID: e.PaymentID}))
	if err != nil {
		return e, err
	}
	if !slices.ContainsFunc(es, func(x reconcile.Exception) bool { return x.ID == id }) {
		return e, fmt.Errorf("exception %s: %w", id, ErrNotFound)
	}
	return e, nil
}

// Act does one action for u: now, or as a pending request when it needs an
// approver.
func (s *Service) Act(ctx context.Context, u user.User, a Action) (Outcome, error) {
	var out Outcome
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.act(ctx, tx, u, a)
		return err
	})
	return out, err
}

// Bulk applies one action to several exceptions of the same kind, in one
// transaction: all of them or, on the first refusal, none (the error
// names the exception). Each is weighed against the threshold alone.
func (s *Service) Bulk(ctx context.Context, u user.User, a Action, ids []string) ([]Outcome, error) {
	if a.Kind == reconcile.ActionAllocate || len(ids) == 0 {
		return nil, ErrBulk
	}
	var outs []Outcome
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		outs = outs[:0]
		var kind reconcile.ExceptionKind
		for i, id := range ids {
			e, err := Visible(ctx, tx, u, id)
			if err != nil {
				return err
			}
			if i == 0 {
				kind = e.Kind
			} else if e.Kind != kind {
				return fmt.Errorf("exception %s is %s, not %s: %w", id, e.Kind, kind, ErrBulk)
			}
			one := a
			one.ExceptionID = id
			out, err := s.act(ctx, tx, u, one)
			if err != nil {
				return fmt.Errorf("exception %s: %w", id, err)
			}
			outs = append(outs, out)
		}
		return nil
	})
	return outs, err
}

func (s *Service) act(ctx context.Context, tx store.Tx, u user.User, a Action) (Outcome, error) {
	if !MayAct(u) {
		return Outcome{}, ErrForbidden
	}
	a.Reason = strings.TrimSpace(a.Reason)
	if a.Reason == "" {
		return Outcome{}, ErrNoReason
	}
	if a.Remainder.Currency == "" && a.Remainder.Amount.IsZero() {
		a.Remainder = payment.VNDOf(0)
	}
	e, err := Visible(ctx, tx, u, a.ExceptionID)
	if err != nil {
		return Outcome{}, err
	}
	switch a.Kind {
	case reconcile.ActionComment:
		return Outcome{Applied: true}, s.audit(ctx, tx, u.Login, store.AuditExceptionComment, e.ID, map[string]any{"comment": a.Reason})
	case reconcile.ActionAssign:
		return Outcome{Applied: true}, s.assign(ctx, tx, u, e, a)
	case reconcile.ActionAllocate, reconcile.ActionRefund, reconcile.ActionWriteOff, reconcile.ActionReopen:
	default:
		return Outcome{}, fmt.Errorf("action %q: %w", a.Kind, ErrForbidden)
	}
	pending, err := tx.ListRequests(ctx, store.RequestFilter{State: store.RequestPending, ExceptionID: e.ID})
	if err != nil {
		return Outcome{}, err
	}
	if len(pending) > 0 {
		return Outcome{}, fmt.Errorf("exception %s, request %s: %w", e.ID, pending[0].ID, ErrPending)
	}
	// Check it as it would be applied, so a request that could never be
	// applied is refused at once.
	amount, err := s.check(ctx, tx, u, e, a)
	if err != nil {
		return Outcome{}, err
	}
	if a.Kind == reconcile.ActionWriteOff || s.cfg.NeedsApproval(amount) {
		return s.request(ctx, tx, u, e, a, amount)
	}
	confirmed, err := s.apply(ctx, tx, e, a, u.Login, "", "")
	return Outcome{Applied: true, Confirmed: confirmed}, err
}

// check validates a against e for u and returns the money it moves.
func (s *Service) check(ctx context.Context, tx store.Tx, u user.User, e reconcile.Exception, a Action) (payment.Money, error) {
	switch a.Kind {
	case reconcile.ActionAllocate:
		if e.Status != reconcile.ExceptionOpen {
			return payment.Money{}, ErrNotOpen
		}
		plan, err := s.plan(ctx, tx, &u, e, a)
		if err != nil {
			return payment.Money{}, err
		}
		return plan.moved, nil
	case reconcile.ActionRefund, reconcile.ActionWriteOff:
		if e.Status != reconcile.ExceptionOpen {
			return payment.Money{}, ErrNotOpen
		}
		return e.Amount, nil
	case reconcile.ActionReopen:
		if e.Status == reconcile.ExceptionOpen {
			return payment.Money{}, ErrNotClosed
		}
		if e.Status != reconcile.ExceptionAllocated {
			return e.Amount, nil
		}
		r, err := s.reopening(ctx, tx, e)
		if err != nil {
			return payment.Money{}, err
		}
		return r.moved, nil
	case reconcile.ActionAssign, reconcile.ActionComment:
	}
	return payment.Money{}, fmt.Errorf("action %q: %w", a.Kind, ErrForbidden)
}

// request stores a pending request for a.
func (s *Service) request(ctx context.Context, tx store.Tx, u user.User, e reconcile.Exception, a Action, amount payment.Money) (Outcome, error) {
	body, err := json.Marshal(requestBody{Action: a, Kind: e.Kind, Status: e.Status, Amount: e.Amount})
	if err != nil {
		return Outcome{}, err
	}
	r := store.ActionRequest{ID: s.ids(), ExceptionID: e.ID, Action: a.Kind, Body: body, Amount: amount, Reason: a.Reason,
		Maker: u.Login, CreatedAt: s.now().UTC().Truncate(time.Microsecond), State: store.RequestPending}
	if err := tx.CreateRequest(ctx, r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Outcome{}, fmt.Errorf("%w: %w", ErrPending, err)
		}
		return Outcome{}, err
	}
	if err := s.audit(ctx, tx, u.Login, store.AuditRequestCreate, e.ID, map[string]any{
		"request": r.ID, "action": a.Kind, "amount": amount, "reason": a.Reason, "parts": a.Parts, "remainder": a.Remainder,
		"threshold": s.cfg.Threshold,
	}); err != nil {
		return Outcome{}, err
	}
	return Outcome{Request: &r}, nil
}

// Approve approves a pending request as checker and applies its action
// in the same transaction.
func (s *Service) Approve(ctx context.Context, checker user.User, requestID string) (Outcome, error) {
	var out Outcome
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		r, e, maker, err := s.decidable(ctx, tx, checker, requestID)
		if err != nil {
			return err
		}
		var body requestBody
		if err := json.Unmarshal(r.Body, &body); err != nil {
			return fmt.Errorf("request %s: body: %w", r.ID, err)
		}
		if e.Kind != body.Kind || e.Status != body.Status || !e.Amount.Equal(body.Amount) {
			return fmt.Errorf("request %s: exception %s is now %s %s %s: %w", r.ID, e.ID, e.Kind, e.Status, e.Amount, ErrChanged)
		}
		// The maker's scope and role are checked again: they may have
		// changed since.
		if !MayAct(maker) || maker.Disabled {
			return fmt.Errorf("request %s: maker %s may no longer act: %w", r.ID, maker.Login, ErrForbidden)
		}
		if _, err := s.check(ctx, tx, maker, e, body.Action); err != nil {
			return fmt.Errorf("request %s: %w", r.ID, err)
		}
		if err := tx.DecideRequest(ctx, r.ID, store.RequestApproved, checker.Login, "", s.now()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, checker.Login, store.AuditRequestApprove, e.ID, map[string]any{
			"request": r.ID, "action": r.Action, "maker": r.Maker, "amount": r.Amount,
		}); err != nil {
			return err
		}
		confirmed, err := s.apply(ctx, tx, e, body.Action, r.Maker, checker.Login, r.ID)
		out = Outcome{Applied: true, Confirmed: confirmed}
		return err
	})
	return out, err
}

// Reject rejects a pending request as checker, with a reason.
func (s *Service) Reject(ctx context.Context, checker user.User, requestID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ErrNoReason
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		r, e, _, err := s.decidable(ctx, tx, checker, requestID)
		if err != nil {
			return err
		}
		if err := tx.DecideRequest(ctx, r.ID, store.RequestRejected, checker.Login, reason, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, checker.Login, store.AuditRequestReject, e.ID, map[string]any{
			"request": r.ID, "action": r.Action, "maker": r.Maker, "reason": reason,
		})
	})
}

// decidable returns a pending request checker may decide, its exception
// and its maker.
func (s *Service) decidable(ctx context.Context, tx store.Tx, checker user.User, id string) (store.ActionRequest, reconcile.Exception, user.User, error) {
	var none reconcile.Exception
	if checker.Role != user.RoleApprover {
		return store.ActionRequest{}, none, user.User{}, ErrForbidden
	}
	r, err := tx.Request(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, none, user.User{}, fmt.Errorf("request %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, none, user.User{}, err
	}
	e, err := Visible(ctx, tx, checker, r.ExceptionID)
	if errors.Is(err, ErrNotFound) {
		return r, none, user.User{}, fmt.Errorf("request %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, none, user.User{}, err
	}
	if r.State != store.RequestPending {
		return r, e, user.User{}, fmt.Errorf("request %s is %s: %w", id, r.State, ErrNotPending)
	}
	if r.Maker == checker.Login {
		return r, e, user.User{}, fmt.Errorf("request %s: %w", id, ErrOwnRequest)
	}
	maker, err := tx.User(ctx, r.Maker)
	if err != nil {
		return r, e, maker, fmt.Errorf("request %s: maker %s: %w", id, r.Maker, err)
	}
	return r, e, maker, nil
}

// apply does a checked action: maker asked it, checker (if any) approved
// it under request.
func (s *Service) apply(ctx context.Context, tx store.Tx, e reconcile.Exception, a Action, maker, checker, request string) ([]store.NoticeKey, error) {
	now := s.now()
	detail := map[string]any{"reason": a.Reason, "maker": maker}
	if checker != "" {
		detail["approved_by"], detail["request"] = checker, request
	}
	closeAs := func(st reconcile.ExceptionStatus, action store.AuditAction) error {
		if err := tx.CloseException(ctx, e.ID, st, a.Reason, maker, now); err != nil {
			return err
		}
		detail["amount"] = e.Amount
		return s.audit(ctx, tx, maker, action, e.ID, detail)
	}
	switch a.Kind {
	case reconcile.ActionRefund:
		return nil, closeAs(reconcile.ExceptionRefund, store.AuditExceptionRefund)
	case reconcile.ActionWriteOff:
		return nil, closeAs(reconcile.ExceptionWrittenOff, store.AuditExceptionWriteOff)
	case reconcile.ActionAllocate:
		return s.allocate(ctx, tx, e, a, maker, checker, detail)
	case reconcile.ActionReopen:
		return s.reopen(ctx, tx, e, maker, detail)
	case reconcile.ActionAssign, reconcile.ActionComment:
	}
	return nil, fmt.Errorf("action %q: %w", a.Kind, ErrForbidden)
}

// plan is a checked allocation: the payment, its manual allocations kept,
// the new ones, the remainder and the notices whose decisions change.
type plan struct {
	p         payment.Payment
	kept      []reconcile.Allocation // manual, from earlier allocations
	old       []reconcile.Allocation // the engine's, replaced
	parts     []Part
	remainder decimal.Decimal
	moved     payment.Money
}

// plan checks an allocation. Its parts place the payment's money not
// allocated by hand yet; what they leave is the remainder, which the
// action must state. u nil: no scope check (an approval re-checks as the
// maker through check).
func (s *Service) plan(ctx context.Context, tx store.Tx, u *user.User, e reconcile.Exception, a Action) (plan, error) {
	var pl plan
	if e.PaymentID == "" {
		return pl, ErrNoPayment
	}
	p, err := tx.Payment(ctx, e.PaymentID)
	if err != nil {
		return pl, err
	}
	pl.p = p
	as, err := tx.AllocationsByPayment(ctx, p.ID)
	if err != nil {
		return pl, err
	}
	free := p.Amount.Amount
	for _, x := range as {
		if x.Rule == reconcile.RuleManual {
			pl.kept = append(pl.kept, x)
			free = free.Sub(x.Amount.Amount)
		} else {
			pl.old = append(pl.old, x)
		}
	}
	if len(a.Parts) == 0 {
		return pl, fmt.Errorf("no notice given: %w", ErrAmount)
	}
	sum := decimal.Zero
	seen := map[store.NoticeKey]bool{}
	for _, part := range a.Parts {
		k := store.NoticeKey{System: part.System, ID: part.NoticeID}
		if seen[k] || slices.ContainsFunc(pl.kept, func(x reconcile.Allocation) bool {
			return x.NoticeSystem == k.System && x.NoticeID == k.ID
		}) {
			return pl, fmt.Errorf("notice %s/%s named twice: %w", k.System, k.ID, ErrAmount)
		}
		seen[k] = true
		amt := part.Amount.Amount
		if part.Amount.Currency != p.Amount.Currency || !amt.IsPositive() || !amt.Equal(amt.Truncate(0)) {
			return pl, fmt.Errorf("notice %s: %s: %w", part.NoticeID, part.Amount, ErrAmount)
		}
		n, err := tx.Notice(ctx, part.System, part.NoticeID)
		if errors.Is(err, store.ErrNotFound) || err == nil && u != nil && !u.CanSee(n.Agency) {
			return pl, fmt.Errorf("notice %s/%s: %w", part.System, part.NoticeID, ErrNotFound)
		}
		if err != nil {
			return pl, err
		}
		if n.Status == payment.NoticeCancelled || n.Status == payment.NoticeExpired {
			return pl, fmt.Errorf("notice %s is %s: %w", n.ID, n.Status, ErrNoticeClosed)
		}
		if n.Total.Currency != p.Amount.Currency {
			return pl, fmt.Errorf("notice %s is in %s: %w", n.ID, n.Total.Currency, ErrAmount)
		}
		out, err := s.outstanding(ctx, tx, n, p.ID)
		if err != nil {
			return pl, err
		}
		if amt.GreaterThan(out) {
			return pl, fmt.Errorf("notice %s owes %s, not %s: %w", n.ID, out, amt, ErrOverOutstanding)
		}
		sum = sum.Add(amt)
	}
	pl.parts = a.Parts
	pl.remainder = free.Sub(sum)
	rem := a.Remainder.Amount
	if pl.remainder.IsNegative() || !rem.Equal(pl.remainder) ||
		rem.IsPositive() && a.Remainder.Currency != p.Amount.Currency {
		return pl, fmt.Errorf("payment %s: %s to place, %s allocated, %s stated as remainder: %w",
			p.ID, free, sum, rem, ErrSum)
	}
	pl.moved = payment.Money{Amount: sum, Currency: p.Amount.Currency}
	return pl, nil
}

// outstanding is what notice n still owes apart from payment paymentID's
// allocations (which an allocation of that payment replaces).
func (s *Service) outstanding(ctx context.Context, tx store.Tx, n payment.Notice, paymentID string) (decimal.Decimal, error) {
	as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
	if err != nil {
		return decimal.Zero, err
	}
	out := n.Total.Amount
	for _, x := range as {
		if x.PaymentID != paymentID {
			out = out.Sub(x.Amount.Amount)
		}
	}
	return out, nil
}

func (s *Service) allocate(ctx context.Context, tx store.Tx, e reconcile.Exception, a Action, maker, checker string,
	detail map[string]any) ([]store.NoticeKey, error) {
	pl, err := s.plan(ctx, tx, nil, e, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	touched := map[store.NoticeKey]bool{}
	for _, x := range pl.old {
		touched[store.NoticeKey{System: x.NoticeSystem, ID: x.NoticeID}] = true
	}
	// The engine's allocations of the payment are replaced; the manual
	// ones are put back as they were.
	if err := tx.DeletePaymentAllocations(ctx, pl.p.ID); err != nil {
		return nil, err
	}
	for _, x := range pl.kept {
		if err := tx.InsertAllocation(ctx, x); err != nil {
			return nil, err
		}
	}
	var made []reconcile.Allocation
	for _, part := range pl.parts {
		n, err := tx.Notice(ctx, part.System, part.NoticeID)
		if err != nil {
			return nil, err
		}
		x := reconcile.Allocation{PaymentID: pl.p.ID, NoticeSystem: n.System, NoticeID: n.ID, Code: n.Code,
			Amount: part.Amount, Rule: reconcile.RuleManual, Evidence: reconcile.EvidenceManual.Format(e.ID),
			By: maker, Approved: checker, Reason: a.Reason}
		if err := tx.InsertAllocation(ctx, x); err != nil {
			return nil, err
		}
		made = append(made, x)
		touched[store.NoticeKey{System: n.System, ID: n.ID}] = true
	}
	// Every open exception of the payment is closed by it: the payment is
	// decided by hand now.
	open, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: pl.p.ID, Status: reconcile.ExceptionOpen})
	if err != nil {
		return nil, err
	}
	for _, o := range open {
		why := a.Reason
		if o.ID != e.ID {
			why = "allocated by hand with exception " + e.ID + ": " + a.Reason
		}
		if err := tx.CloseException(ctx, o.ID, reconcile.ExceptionAllocated, why, maker, now); err != nil {
			return nil, err
		}
	}
	var remainderID string
	if pl.remainder.IsPositive() {
		all, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: pl.p.ID, Kind: reconcile.ExceptionRemainder})
		if err != nil {
			return nil, err
		}
		remainderID = reconcile.ExceptionID(reconcile.ExceptionRemainder, pl.p.ID, fmt.Sprint(len(all)+1))
		if err := tx.UpsertException(ctx, reconcile.Exception{ID: remainderID, Kind: reconcile.ExceptionRemainder,
			PaymentID: pl.p.ID, Amount: payment.Money{Amount: pl.remainder, Currency: pl.p.Amount.Currency},
			Candidates: []string{}, Evidence: reconcile.EvidenceRemainder.Format(e.ID),
			Status: reconcile.ExceptionOpen, CreatedAt: now.UTC().Truncate(time.Microsecond)}); err != nil {
			return nil, err
		}
	}
	detail["payment_id"], detail["allocations"], detail["replaced"] = pl.p.ID, made, pl.old
	detail["closed"], detail["remainder"] = exceptionIDs(open), remainderID
	if err := s.audit(ctx, tx, maker, store.AuditExceptionAllocate, e.ID, detail); err != nil {
		return nil, err
	}
	out, err := s.proc.Redecide(ctx, tx, keys(touched), nil)
	return out.Confirmed, err
}

// reopening is what reopening an allocated exception removes.
type reopening struct {
	p      payment.Payment
	manual []reconcile.Allocation
	moved  payment.Money
}

func (s *Service) reopening(ctx context.Context, tx store.Tx, e reconcile.Exception) (reopening, error) {
	var r reopening
	p, err := tx.Payment(ctx, e.PaymentID)
	if err != nil {
		return r, err
	}
	r.p = p
	as, err := tx.AllocationsByPayment(ctx, p.ID)
	if err != nil {
		return r, err
	}
	sum := decimal.Zero
	for _, x := range as {
		if x.Rule == reconcile.RuleManual {
			r.manual = append(r.manual, x)
			sum = sum.Add(x.Amount.Amount)
		}
	}
	r.moved = payment.Money{Amount: sum, Currency: p.Amount.Currency}
	rem, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID, Kind: reconcile.ExceptionRemainder})
	if err != nil {
		return r, err
	}
	for _, x := range rem {
		if x.Status.Closed() && x.Status != reconcile.ExceptionAllocated {
			return r, fmt.Errorf("remainder %s is %s: %w", x.ID, x.Status, ErrRemainderClosed)
		}
	}
	return r, nil
}

// reopen opens e again; an allocated one gives its payment back to the
// engine: its manual allocations removed, its exceptions closed by the
// allocation opened, and its notices decided again.
func (s *Service) reopen(ctx context.Context, tx store.Tx, e reconcile.Exception, maker string, detail map[string]any) ([]store.NoticeKey, error) {
	if e.Status != reconcile.ExceptionAllocated {
		if err := tx.ReopenException(ctx, e.ID); err != nil {
			return nil, err
		}
		detail["was"], detail["amount"] = e.Status, e.Amount
		return nil, s.audit(ctx, tx, maker, store.AuditExceptionReopen, e.ID, detail)
	}
	r, err := s.reopening(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	if err := tx.DeletePaymentAllocations(ctx, r.p.ID); err != nil {
		return nil, err
	}
	closed, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: r.p.ID, Status: reconcile.ExceptionAllocated})
	if err != nil {
		return nil, err
	}
	for _, x := range closed {
		if err := tx.ReopenException(ctx, x.ID); err != nil {
			return nil, err
		}
	}
	touched := map[store.NoticeKey]bool{}
	for _, x := range r.manual {
		touched[store.NoticeKey{System: x.NoticeSystem, ID: x.NoticeID}] = true
	}
	detail["was"], detail["payment_id"], detail["removed"], detail["reopened"] = e.Status, r.p.ID, r.manual, exceptionIDs(closed)
	if err := s.audit(ctx, tx, maker, store.AuditExceptionReopen, e.ID, detail); err != nil {
		return nil, err
	}
	out, err := s.proc.Redecide(ctx, tx, keys(touched), []payment.Payment{r.p})
	return out.Confirmed, err
}

func (s *Service) assign(ctx context.Context, tx store.Tx, u user.User, e reconcile.Exception, a Action) error {
	to := strings.TrimSpace(a.Assignee)
	if to != "" {
		c, err := tx.User(ctx, to)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s: %w", to, ErrUnknownUser)
		}
		if err != nil {
			return err
		}
		if c.Disabled || !MayAct(c) {
			return fmt.Errorf("%s: %w", to, ErrUnknownUser)
		}
		if _, err := Visible(ctx, tx, c, e.ID); errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%s does not see exception %s: %w", to, e.ID, ErrUnknownUser)
		} else if err != nil {
			return err
		}
	}
	if err := tx.AssignException(ctx, e.ID, to); err != nil {
		return err
	}
	return s.audit(ctx, tx, u.Login, store.AuditExceptionAssign, e.ID, map[string]any{"from": e.AssignedTo, "to": to, "reason": a.Reason})
}

func (s *Service) audit(ctx context.Context, tx store.Tx, login string, action store.AuditAction, exceptionID string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return tx.AppendAudit(ctx, store.AuditEntry{At: s.now(), Actor: store.PersonActor(login), Action: action,
		Entity: store.ExceptionEntity(exceptionID), Detail: b})
}

func keys(m map[store.NoticeKey]bool) []store.NoticeKey {
	out := make([]store.NoticeKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b store.NoticeKey) int {
		if c := strings.Compare(a.System, b.System); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func exceptionIDs(es []reconcile.Exception) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
