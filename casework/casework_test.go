package casework_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/casework"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
	"github.com/feerecon/feerecon/user"
)

var (
	ctx  = context.Background()
	base = time.Date(2026, 11, 20, 9, 0, 0, 0, payment.Location())
)

// bundle is a store with people, notices and a service over it.
type bundle struct {
	t    *testing.T
	st   store.Store
	proc *ingest.Processor
	svc  *casework.Service
	// people
	lan, minh, hoa, other, auditor user.User
	// notices: n1 and n2 of agency H40.01, y of G01.899
	n1, n2, y payment.Notice
}

// each runs fn on the memory store and on PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, b *bundle)) {
	t.Helper()
	for name, open := range map[string]func(t *testing.T) store.Store{
		"memory":   func(*testing.T) store.Store { return memory.New() },
		"postgres": func(t *testing.T) store.Store { return pgtest.Store(t) },
	} {
		t.Run(name, func(t *testing.T) { fn(t, setup(t, open(t))) })
	}
}

func setup(t *testing.T, st store.Store) *bundle {
	t.Helper()
	e, err := reconcile.NewEngine(reconcile.Config{})
	must(t, err)
	now := func() time.Time { return base.Add(3 * time.Hour) }
	b := &bundle{t: t, st: st, proc: ingest.New(st, e, now, nil)}
	b.svc, err = casework.New(st, b.proc, casework.Config{Threshold: payment.VNDOf(1_000_000)}, now)
	must(t, err)
	h, err := user.HashPassword("a long test password", user.TestParams())
	must(t, err)
	mk := func(login string, role user.Role, agencies ...string) user.User {
		return user.User{Login: login, Role: role, Agencies: agencies, PasswordHash: h, CreatedAt: base, UpdatedAt: base}
	}
	b.lan, b.minh, b.hoa = mk("lan.nguyen", user.RoleAccountant, "H40.01"), mk("minh.tran", user.RoleApprover, "H40.01"),
		mk("hoa.le", user.RoleApprover, "H40.01")
	b.other, b.auditor = mk("y.pham", user.RoleAccountant, "G01.899"), mk("kiem.toan", user.RoleAuditor)
	b.n1 = conformance.Notice(t, "dvc", "TB-1", 151, 500_000)
	b.n2 = conformance.Notice(t, "dvc", "TB-2", 152, 3_000_000)
	b.y = conformance.Notice(t, "dvc", "TB-Y", 153, 500_000)
	b.y.Agency = "G01.899"
	must(t, st.InTx(ctx, func(tx store.Tx) error {
		for _, u := range []user.User{b.lan, b.minh, b.hoa, b.other, b.auditor} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		for _, n := range []payment.Notice{b.n1, b.n2, b.y} {
			if err := tx.CreateNotice(ctx, n); err != nil {
				return err
			}
		}
		return nil
	}))
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// record records a payment of dong paid minute minutes after base.
func (b *bundle) record(txn string, dong int64, minute int, desc string) payment.Payment {
	b.t.Helper()
	p := conformance.Payment(payment.GatewayVietQR, txn, dong, base.Add(time.Duration(minute)*time.Minute))
	p.Description = desc
	_, err := b.proc.Record(ctx, p)
	must(b.t, err)
	return p
}

// state prints what the store decided about the notices and payments,
// canonically: a replay must print the same.
func (b *bundle) state(ps ...payment.Payment) string {
	b.t.Helper()
	var s strings.Builder
	must(b.t, b.st.InTx(ctx, func(tx store.Tx) error {
		for _, n := range []payment.Notice{b.n1, b.n2, b.y} {
			got, err := tx.Notice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(&s, "notice %s %s\n", got.ID, got.Status)
			as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			for _, a := range as {
				fmt.Fprintf(&s, "  alloc %s %s %s by=%s approved=%s reason=%q\n", a.PaymentID, a.Amount.Amount, a.Rule, a.By, a.Approved, a.Reason)
			}
		}
		for _, p := range ps {
			es, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID})
			if err != nil {
				return err
			}
			for _, e := range es {
				fmt.Fprintf(&s, "exception %s %s %s\n", e.ID, e.Status, e.Amount.Amount)
			}
		}
		return nil
	}))
	return s.String()
}

func (b *bundle) exception(id string) reconcile.Exception {
	b.t.Helper()
	var e reconcile.Exception
	must(b.t, b.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		e, err = tx.Exception(ctx, id)
		return err
	}))
	return e
}

func (b *bundle) notice(n payment.Notice) payment.Notice {
	b.t.Helper()
	var got payment.Notice
	must(b.t, b.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		got, err = tx.Notice(ctx, n.System, n.ID)
		return err
	}))
	return got
}

// trail lists the actions of an exception's history.
func (b *bundle) trail(id string) []string {
	b.t.Helper()
	var out []string
	must(b.t, b.st.InTx(ctx, func(tx store.Tx) error {
		es, err := tx.AuditTrail(ctx, store.ExceptionEntity(id))
		for _, e := range es {
			out = append(out, string(e.Actor)+" "+string(e.Action))
		}
		return err
	}))
	return out
}

func unmatchedID(p payment.Payment) string {
	return reconcile.ExceptionID(reconcile.ExceptionUnmatched, p.ID)
}

func allocate(e string, reason string, remainder int64, parts ...casework.Part) casework.Action {
	return casework.Action{Kind: reconcile.ActionAllocate, ExceptionID: e, Reason: reason, Parts: parts,
		Remainder: payment.VNDOf(remainder)}
}

func part(n payment.Notice, dong int64) casework.Part {
	return casework.Part{System: n.System, NoticeID: n.ID, Amount: payment.VNDOf(dong)}
}

// An unmatched payment allocated by hand below the threshold: applied at
// once, the notice paid and confirmed, the exception allocated, history
// audited.
func TestAllocateUnmatched(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 500_000, 0, "chuyen khoan le phi ho so")
		id := unmatchedID(p)
		if e := b.exception(id); e.Status != reconcile.ExceptionOpen {
			t.Fatalf("setup: %+v", e)
		}
		out, err := b.svc.Act(ctx, b.lan, allocate(id, "payer's bank receipt names TB-1", 0, part(b.n1, 500_000)))
		must(t, err)
		if !out.Applied || out.Request != nil || len(out.Confirmed) != 1 || out.Confirmed[0].ID != "TB-1" {
			t.Fatalf("outcome %+v", out)
		}
		want := "notice TB-1 paid\n  alloc vietqr:T1 500000 manual by=lan.nguyen approved= reason=\"payer's bank receipt names TB-1\"\n" +
			"notice TB-2 issued\nnotice TB-Y issued\nexception unmatched|vietqr:T1 allocated 500000\n"
		if got := b.state(p); got != want {
			t.Errorf("state:\n%s\nwant:\n%s", got, want)
		}
		must(t, b.st.InTx(ctx, func(tx store.Tx) error {
			m, err := tx.OutboxMessage(ctx, outbox.Confirmation.ID("dvc", "TB-1"))
			if err != nil {
				return err
			}
			var c ingest.Confirmation
			if err := json.Unmarshal(m.Payload, &c); err != nil {
				return err
			}
			if c.Status != payment.NoticePaid || len(c.Allocations) != 1 || c.Allocations[0].Rule != reconcile.RuleManual ||
				!c.PaidAt.Equal(p.PaidAt) {
				t.Errorf("confirmation %+v", c)
			}
			return nil
		}))
		if got := strings.Join(b.trail(id), ","); got != "user:lan.nguyen exception.allocate" {
			t.Errorf("history %s", got)
		}
	})
}

// Acceptance 2: a manual allocation survives a later payment to the same
// notice (a duplicate now) and a replay of the whole stream.
func TestManualAllocationSurvivesReDecisionAndReplay(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 500_000, 0, "chuyen khoan le phi")
		_, err := b.svc.Act(ctx, b.lan, allocate(unmatchedID(p), "receipt", 0, part(b.n1, 500_000)))
		must(t, err)
		later := b.record("T2", 500_000, 30, string(b.n1.Code)+" nop le phi")
		partial := b.record("T3", 1_000_000, 40, "HS "+string(b.n2.Code))
		before := b.state(p, later, partial)
		want := "notice TB-1 paid\n  alloc vietqr:T1 500000 manual by=lan.nguyen approved= reason=\"receipt\"\n" +
			"notice TB-2 partially_paid\n  alloc vietqr:T3 1000000 payment_code by= approved= reason=\"\"\n" +
			"notice TB-Y issued\nexception unmatched|vietqr:T1 allocated 500000\nexception duplicate|vietqr:T2 open 500000\n"
		if before != want {
			t.Fatalf("after a later payment:\n%s\nwant:\n%s", before, want)
		}
		// The whole stream again: every payment a redelivery.
		for _, q := range []payment.Payment{p, later, partial} {
			out, err := b.proc.Record(ctx, q)
			must(t, err)
			if !out.Redelivery {
				t.Errorf("replayed %s: not a redelivery", q.ID)
			}
		}
		// And the notices' groups decided again from scratch.
		must(t, b.st.InTx(ctx, func(tx store.Tx) error {
			_, err := b.proc.Redecide(ctx, tx, []store.NoticeKey{{System: "dvc", ID: "TB-1"}, {System: "dvc", ID: "TB-2"}},
				[]payment.Payment{p, later, partial})
			return err
		}))
		if after := b.state(p, later, partial); after != before {
			t.Errorf("after the replay:\n%s\nbefore:\n%s", after, before)
		}
	})
}

// Maker–checker: above the threshold the action waits; the maker cannot
// approve it, an accountant cannot, a second request cannot be made; an
// approver applies it in the approval's transaction.
func TestMakerChecker(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 3_000_000, 0, "nop tien ho so dat dai")
		id := unmatchedID(p)
		out, err := b.svc.Act(ctx, b.lan, allocate(id, "receipt from the payer", 0, part(b.n2, 3_000_000)))
		must(t, err)
		if out.Applied || out.Request == nil || out.Request.State != store.RequestPending || !out.Request.Amount.Equal(payment.VNDOf(3_000_000)) {
			t.Fatalf("above the threshold: %+v", out)
		}
		if b.notice(b.n2).Status != payment.NoticeIssued || b.exception(id).Status != reconcile.ExceptionOpen {
			t.Fatal("a pending request changed something")
		}
		req := out.Request.ID
		if _, err := b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionRefund, ExceptionID: id, Reason: "x"}); !errors.Is(err, casework.ErrPending) {
			t.Errorf("a second request: %v, want ErrPending", err)
		}
		if _, err := b.svc.Approve(ctx, b.lan, req); !errors.Is(err, casework.ErrForbidden) {
			t.Errorf("an accountant approving: %v, want ErrForbidden", err)
		}
		if _, err := b.svc.Approve(ctx, b.other, req); !errors.Is(err, casework.ErrForbidden) {
			t.Errorf("another agency's accountant: %v, want ErrForbidden", err)
		}
		// An approver who asked cannot approve their own request.
		p2 := b.record("T2", 2_000_000, 5, "nop tien")
		own, err := b.svc.Act(ctx, b.minh, casework.Action{Kind: reconcile.ActionRefund, ExceptionID: unmatchedID(p2), Reason: "payer asked"})
		must(t, err)
		if _, err := b.svc.Approve(ctx, b.minh, own.Request.ID); !errors.Is(err, casework.ErrOwnRequest) {
			t.Errorf("approving one's own request: %v, want ErrOwnRequest", err)
		}
		if err := b.svc.Reject(ctx, b.hoa, own.Request.ID, " "); !errors.Is(err, casework.ErrNoReason) {
			t.Errorf("a rejection without a reason: %v, want ErrNoReason", err)
		}
		must(t, b.svc.Reject(ctx, b.hoa, own.Request.ID, "no refund form"))
		if e := b.exception(unmatchedID(p2)); e.Status != reconcile.ExceptionOpen {
			t.Errorf("rejected: exception %s", e.Status)
		}
		if _, err := b.svc.Approve(ctx, b.hoa, own.Request.ID); !errors.Is(err, casework.ErrNotPending) {
			t.Errorf("approving a rejected request: %v, want ErrNotPending", err)
		}
		// The approver approves lan's request: applied now.
		done, err := b.svc.Approve(ctx, b.minh, req)
		must(t, err)
		if !done.Applied || len(done.Confirmed) != 1 || done.Confirmed[0].ID != "TB-2" {
			t.Errorf("approved: %+v", done)
		}
		want := "notice TB-1 issued\nnotice TB-2 paid\n" +
			"  alloc vietqr:T1 3000000 manual by=lan.nguyen approved=minh.tran reason=\"receipt from the payer\"\n" +
			"notice TB-Y issued\nexception unmatched|vietqr:T1 allocated 3000000\n"
		if got := b.state(p); got != want {
			t.Errorf("state:\n%s\nwant:\n%s", got, want)
		}
		if got := strings.Join(b.trail(id), ","); got != "user:lan.nguyen request.create,user:minh.tran request.approve,user:lan.nguyen exception.allocate" {
			t.Errorf("history %s", got)
		}
		if got := strings.Join(b.trail(unmatchedID(p2)), ","); got != "user:minh.tran request.create,user:hoa.le request.reject" {
			t.Errorf("history of the rejected one %s", got)
		}
	})
}

// Every write-off waits for an approver, however small.
func TestWriteOffAlwaysNeedsApproval(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 2_000, 0, "test")
		out, err := b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionWriteOff, ExceptionID: unmatchedID(p), Reason: "2.000 ₫ test transfer"})
		must(t, err)
		if out.Applied || out.Request == nil {
			t.Fatalf("write-off: %+v", out)
		}
		_, err = b.svc.Approve(ctx, b.minh, out.Request.ID)
		must(t, err)
		if e := b.exception(unmatchedID(p)); e.Status != reconcile.ExceptionWrittenOff || e.ResolvedBy != "lan.nguyen" {
			t.Errorf("approved write-off: %+v", e)
		}
		// A refund below the threshold is done at once.
		q := b.record("T2", 3_000, 1, "test")
		out, err = b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionRefund, ExceptionID: unmatchedID(q), Reason: "payer asked"})
		must(t, err)
		if !out.Applied || b.exception(unmatchedID(q)).Status != reconcile.ExceptionRefund {
			t.Errorf("refund: %+v", out)
		}
	})
}

// Wrong allocations are refused, each with its own error; nothing changes.
func TestAllocateRefusals(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 500_000, 0, "nop tien")
		id := unmatchedID(p)
		cancelled := conformance.Notice(t, "dvc", "TB-C", 160, 500_000)
		must(t, b.st.InTx(ctx, func(tx store.Tx) error {
			if err := tx.CreateNotice(ctx, cancelled); err != nil {
				return err
			}
			return tx.SetNoticeStatus(ctx, "dvc", "TB-C", payment.NoticeCancelled)
		}))
		before := b.state(p)
		for name, c := range map[string]struct {
			u    user.User
			a    casework.Action
			want error
		}{
			"no reason":            {b.lan, allocate(id, " ", 0, part(b.n1, 500_000)), casework.ErrNoReason},
			"auditor":              {b.auditor, allocate(id, "x", 0, part(b.n1, 500_000)), casework.ErrForbidden},
			"other agency's":       {b.other, allocate(id, "x", 0, part(b.n1, 500_000)), casework.ErrNotFound},
			"notice out of scope":  {b.lan, allocate(id, "x", 0, part(b.y, 500_000)), casework.ErrNotFound},
			"short, no remainder":  {b.lan, allocate(id, "x", 0, part(b.n1, 400_000)), casework.ErrSum},
			"wrong remainder":      {b.lan, allocate(id, "x", 50_000, part(b.n1, 400_000)), casework.ErrSum},
			"more than paid":       {b.lan, allocate(id, "x", 0, part(b.n1, 500_000), part(b.n2, 1)), casework.ErrSum},
			"over outstanding":     {b.lan, allocate(id, "x", 0, part(b.n1, 400_000), part(b.n1, 100_000)), casework.ErrAmount},
			"more than owed":       {b.lan, allocate(id, "x", 0, casework.Part{System: "dvc", NoticeID: "TB-1", Amount: payment.VNDOf(600_000)}), casework.ErrOverOutstanding},
			"cancelled notice":     {b.lan, allocate(id, "x", 0, part(cancelled, 500_000)), casework.ErrNoticeClosed},
			"fraction of a đồng":   {b.lan, allocate(id, "x", 0, casework.Part{System: "dvc", NoticeID: "TB-1", Amount: payment.Money{Amount: payment.VNDOf(1).Amount.Div(payment.VNDOf(2).Amount), Currency: payment.VND}}), casework.ErrAmount},
			"no notice":            {b.lan, allocate(id, "x", 500_000), casework.ErrAmount},
			"unknown exception":    {b.lan, allocate("unmatched|nope", "x", 0, part(b.n1, 500_000)), casework.ErrNotFound},
			"reopen an open one":   {b.lan, casework.Action{Kind: reconcile.ActionReopen, ExceptionID: id, Reason: "x"}, casework.ErrNotClosed},
			"assign to an auditor": {b.lan, casework.Action{Kind: reconcile.ActionAssign, ExceptionID: id, Reason: "x", Assignee: "kiem.toan"}, casework.ErrUnknownUser},
			"assign to nobody":     {b.lan, casework.Action{Kind: reconcile.ActionAssign, ExceptionID: id, Reason: "x", Assignee: "no.one"}, casework.ErrUnknownUser},
		} {
			if _, err := b.svc.Act(ctx, c.u, c.a); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", name, err, c.want)
			}
		}
		if got := b.state(p); got != before {
			t.Errorf("a refusal changed the state:\n%s\nwas:\n%s", got, before)
		}
		if h := b.trail(id); len(h) != 0 {
			t.Errorf("refusals audited as done: %v", h)
		}
	})
}

// An overpayment allocated by hand with an explicit remainder: the
// remainder is an exception of its own, refunded; then the allocation
// cannot be reopened until the refund is.
func TestRemainderAndReopen(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 600_000, 0, string(b.n1.Code)+" le phi")
		over := reconcile.ExceptionID(reconcile.ExceptionOverpaid, p.ID)
		if e := b.exception(over); e.Status != reconcile.ExceptionOpen || !e.Amount.Equal(payment.VNDOf(100_000)) {
			t.Fatalf("setup: %+v", e)
		}
		_, err := b.svc.Act(ctx, b.lan, allocate(over, "excess stays with the payer", 100_000, part(b.n1, 500_000)))
		must(t, err)
		rem := reconcile.ExceptionID(reconcile.ExceptionRemainder, p.ID, "1")
		want := "notice TB-1 paid\n  alloc vietqr:T1 500000 manual by=lan.nguyen approved= reason=\"excess stays with the payer\"\n" +
			"notice TB-2 issued\nnotice TB-Y issued\n" +
			"exception overpaid|vietqr:T1 allocated 100000\nexception remainder|vietqr:T1|1 open 100000\n"
		if got := b.state(p); got != want {
			t.Fatalf("state:\n%s\nwant:\n%s", got, want)
		}
		_, err = b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionRefund, ExceptionID: rem, Reason: "refund form 12/2026"})
		must(t, err)
		if _, err := b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionReopen, ExceptionID: over, Reason: "wrong"}); !errors.Is(err, casework.ErrRemainderClosed) {
			t.Errorf("reopen with a refunded remainder: %v, want ErrRemainderClosed", err)
		}
		_, err = b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionReopen, ExceptionID: rem, Reason: "refund cancelled"})
		must(t, err)
		_, err = b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionReopen, ExceptionID: over, Reason: "the engine was right"})
		must(t, err)
		// The engine has the payment back: as it decided at first.
		want = "notice TB-1 paid\n  alloc vietqr:T1 500000 payment_code by= approved= reason=\"\"\n" +
			"notice TB-2 issued\nnotice TB-Y issued\nexception overpaid|vietqr:T1 open 100000\n"
		if got := b.state(p); got != want {
			t.Errorf("after reopen:\n%s\nwant:\n%s", got, want)
		}
	})
}

// Reopening an unmatched payment's manual allocation gives the notice's
// money back: the notice is issued again, the exception open.
func TestReopenUnmatched(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 500_000, 0, "nop tien")
		id := unmatchedID(p)
		_, err := b.svc.Act(ctx, b.lan, allocate(id, "receipt", 0, part(b.n1, 500_000)))
		must(t, err)
		_, err = b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionReopen, ExceptionID: id, Reason: "wrong payer"})
		must(t, err)
		want := "notice TB-1 issued\nnotice TB-2 issued\nnotice TB-Y issued\nexception unmatched|vietqr:T1 open 500000\n"
		if got := b.state(p); got != want {
			t.Errorf("after reopen:\n%s\nwant:\n%s", got, want)
		}
		if e := b.exception(id); len(e.Candidates) == 0 || e.Candidates[0] != "TB-1" {
			t.Errorf("suggestions after reopen: %v", e.Candidates)
		}
		if got := strings.Join(b.trail(id), ","); got != "user:lan.nguyen exception.allocate,user:lan.nguyen exception.reopen" {
			t.Errorf("history %s", got)
		}
	})
}

// A bulk action: one kind, all or nothing.
func TestBulk(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p1 := b.record("T1", 10_000, 0, "nop")
		p2 := b.record("T2", 20_000, 1, "nop")
		p3 := b.record("T3", 600_000, 2, string(b.n1.Code))
		over := reconcile.ExceptionID(reconcile.ExceptionOverpaid, p3.ID)
		refund := casework.Action{Kind: reconcile.ActionRefund, Reason: "test transfers"}
		if _, err := b.svc.Bulk(ctx, b.lan, refund, []string{unmatchedID(p1), over}); !errors.Is(err, casework.ErrBulk) {
			t.Errorf("two kinds: %v, want ErrBulk", err)
		}
		if b.exception(unmatchedID(p1)).Status != reconcile.ExceptionOpen {
			t.Error("a refused bulk action applied its first row")
		}
		if _, err := b.svc.Bulk(ctx, b.lan, casework.Action{Kind: reconcile.ActionAllocate, Reason: "x"}, []string{over}); !errors.Is(err, casework.ErrBulk) {
			t.Errorf("bulk allocate: %v, want ErrBulk", err)
		}
		outs, err := b.svc.Bulk(ctx, b.lan, refund, []string{unmatchedID(p1), unmatchedID(p2)})
		must(t, err)
		if len(outs) != 2 || !outs[0].Applied || !outs[1].Applied {
			t.Errorf("bulk: %+v", outs)
		}
		for _, p := range []payment.Payment{p1, p2} {
			if e := b.exception(unmatchedID(p)); e.Status != reconcile.ExceptionRefund {
				t.Errorf("%s: %s", p.ID, e.Status)
			}
		}
	})
}

// Assign and comment are in the history; an approval of a request whose
// exception changed since is refused.
func TestAssignCommentAndChanged(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		p := b.record("T1", 5_000_000, 0, "nop")
		id := unmatchedID(p)
		_, err := b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionAssign, ExceptionID: id, Reason: "yours", Assignee: "minh.tran"})
		must(t, err)
		_, err = b.svc.Act(ctx, b.minh, casework.Action{Kind: reconcile.ActionComment, ExceptionID: id, Reason: "called the bank"})
		must(t, err)
		if e := b.exception(id); e.AssignedTo != "minh.tran" {
			t.Errorf("assigned to %q", e.AssignedTo)
		}
		out, err := b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionRefund, ExceptionID: id, Reason: "payer asked"})
		must(t, err)
		must(t, b.st.InTx(ctx, func(tx store.Tx) error {
			return tx.CloseException(ctx, id, reconcile.ExceptionResolved, "done elsewhere", "cli", base)
		}))
		if _, err := b.svc.Approve(ctx, b.minh, out.Request.ID); !errors.Is(err, casework.ErrChanged) {
			t.Errorf("approving a changed exception: %v, want ErrChanged", err)
		}
		if got := strings.Join(b.trail(id), ","); got != "user:lan.nguyen exception.assign,user:minh.tran exception.comment,user:lan.nguyen request.create" {
			t.Errorf("history %s", got)
		}
	})
}

func TestDueDates(t *testing.T) {
	t.Parallel()
	c := casework.Config{}
	fri := time.Date(2026, 11, 27, 16, 0, 0, 0, payment.Location()) // a Friday
	for _, tc := range []struct {
		amount int64
		want   string
	}{
		{500_000, "2026-12-04"},     // 5 working days: Mon..Fri next week
		{10_000_000, "2026-12-01"},  // 2: Mon, Tue
		{250_000_000, "2026-11-30"}, // 1: Monday
	} {
		got := c.DueDate(payment.VNDOf(tc.amount), fri)
		if d := payment.DateOf(got).String(); d != tc.want || got.Hour() != 23 {
			t.Errorf("%d ₫ raised Friday: due %s, want end of %s", tc.amount, got, tc.want)
		}
	}
	if c.NeedsApproval(casework.DefaultThreshold) || !c.NeedsApproval(payment.VNDOf(20_000_001)) {
		t.Error("the threshold is 'more than'")
	}
	bad := casework.Config{Threshold: payment.Money{Amount: decimal.NewFromInt(-1), Currency: payment.VND}, Bands: []casework.Band{{From: payment.VNDOf(5), Days: 0}}}
	err := bad.Validate()
	if err == nil || strings.Count(err.Error(), "\n") < 2 {
		t.Errorf("three problems at once: %v", err)
	}
}

// Agency scope: an exception of agency X's notice is not found for Y's
// accountant; money that names no notice is everyone's to claim, but only
// for notices of one's own agencies.
func TestScope(t *testing.T) {
	each(t, func(t *testing.T, b *bundle) {
		over := b.record("T1", 600_000, 0, string(b.n1.Code))
		id := reconcile.ExceptionID(reconcile.ExceptionOverpaid, over.ID)
		for _, a := range []casework.Action{
			{Kind: reconcile.ActionComment, ExceptionID: id, Reason: "mine?"},
			{Kind: reconcile.ActionRefund, ExceptionID: id, Reason: "mine?"},
			allocate(id, "mine?", 0, part(b.y, 500_000)),
		} {
			if _, err := b.svc.Act(ctx, b.other, a); !errors.Is(err, casework.ErrNotFound) {
				t.Errorf("%s by another agency: %v, want ErrNotFound", a.Kind, err)
			}
		}
		if _, err := b.svc.Act(ctx, b.lan, casework.Action{Kind: reconcile.ActionAssign, ExceptionID: id, Reason: "x", Assignee: "y.pham"}); !errors.Is(err, casework.ErrUnknownUser) {
			t.Errorf("assigning to a colleague who cannot see it: %v, want ErrUnknownUser", err)
		}
		nameless := b.record("T2", 500_000, 1, "nop tien")
		_, err := b.svc.Act(ctx, b.other, allocate(unmatchedID(nameless), "my payer's receipt", 0, part(b.y, 500_000)))
		must(t, err)
		if b.notice(b.y).Status != payment.NoticePaid {
			t.Error("G01.899's accountant could not claim unassigned money for their notice")
		}
	})
}
