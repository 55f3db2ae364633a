package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// caseworkTests are the contract of the accountants' casework: manual
// allocations, closing and reopening exceptions, maker–checker requests.
func caseworkTests() []struct {
	name string
	fn   func(t *testing.T, s store.Store)
} {
	return []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"ManualAllocationsNameWhoAndWhy", testManualAllocations},
		{"ReDecisionKeepsManualAllocations", testDeleteKeepsManual},
		{"ExceptionsCloseReopenAssign", testExceptionsCloseReopen},
		{"RequestsMakerChecker", testRequests},
	}
}

// people stores an accountant and an approver.
func people(t *testing.T, s store.Store) {
	t.Helper()
	h, err := user.HashPassword("a long test password", user.TestParams())
	must(t, err)
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateUser(ctx, user.User{Login: "lan.nguyen", Role: user.RoleAccountant, Agencies: []string{"H40.01"},
			PasswordHash: h, CreatedAt: at, UpdatedAt: at}))
		return tx.CreateUser(ctx, user.User{Login: "minh.tran", Role: user.RoleApprover, Agencies: []string{"H40.01"},
			PasswordHash: h, CreatedAt: at, UpdatedAt: at})
	})
}

func manual(p payment.Payment, n payment.Notice, dong int64) reconcile.Allocation {
	return reconcile.Allocation{PaymentID: p.ID, NoticeSystem: n.System, NoticeID: n.ID, Code: n.Code,
		Amount: payment.VNDOf(dong), Rule: reconcile.RuleManual, By: "lan.nguyen", Reason: "payer's call, receipt seen"}
}

func testManualAllocations(t *testing.T, s store.Store) {
	n := Notice(t, "dvc", "TB-1", 1, 150_000)
	p := Payment(payment.GatewayVietQR, "T1", 150_000, base)
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, n))
		return tx.InsertPayment(ctx, p)
	})
	a := manual(p, n, 150_000)
	for name, bad := range map[string]func(a reconcile.Allocation) reconcile.Allocation{
		"manual without who":     func(a reconcile.Allocation) reconcile.Allocation { a.By = " "; return a },
		"manual without why":     func(a reconcile.Allocation) reconcile.Allocation { a.Reason = ""; return a },
		"approved by its maker":  func(a reconcile.Allocation) reconcile.Allocation { a.Approved = a.By; return a },
		"engine naming a person": func(a reconcile.Allocation) reconcile.Allocation { a.Rule = reconcile.RulePaymentCode; return a },
	} {
		err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertAllocation(ctx, bad(a)) })
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", name, err)
		}
	}
	a.Approved = "minh.tran"
	inTx(t, s, func(tx store.Tx) error { return tx.InsertAllocation(ctx, a) })
	other := Notice(t, "mc", "TB-1", 2, 150_000) // the same id in another system
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, other))
		got, err := tx.NoticesByID(ctx, "TB-1")
		must(t, err)
		none, err := tx.NoticesByID(ctx, "TB-9")
		must(t, err)
		if len(got) != 2 || got[0].System != "dvc" || got[1].System != "mc" || len(none) != 0 {
			t.Errorf("NoticesByID: %+v, none %+v", got, none)
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.AllocationsByPayment(ctx, p.ID)
		must(t, err)
		if len(got) != 1 || got[0].Rule != reconcile.RuleManual || got[0].By != "lan.nguyen" || got[0].Approved != "minh.tran" ||
			got[0].Reason != a.Reason || !got[0].Amount.Equal(a.Amount) {
			t.Errorf("stored %+v, want %+v", got, a)
		}
		return nil
	})
}

func testDeleteKeepsManual(t *testing.T, s store.Store) {
	n := Notice(t, "dvc", "TB-1", 1, 300_000)
	byHand := Payment(payment.GatewayVietQR, "T1", 100_000, base)
	byCode := Payment(payment.GatewayVietQR, "T2", 200_000, base.Add(time.Minute))
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, n))
		must(t, tx.InsertPayment(ctx, byHand))
		must(t, tx.InsertPayment(ctx, byCode))
		must(t, tx.InsertAllocation(ctx, manual(byHand, n, 100_000)))
		return tx.InsertAllocation(ctx, reconcile.Allocation{PaymentID: byCode.ID, NoticeSystem: n.System, NoticeID: n.ID,
			Code: n.Code, Amount: payment.VNDOf(200_000), Rule: reconcile.RulePaymentCode, Evidence: string(n.Code)})
	})
	inTx(t, s, func(tx store.Tx) error { return tx.DeleteAllocations(ctx, n.System, n.ID) })
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
		must(t, err)
		if len(got) != 1 || got[0].PaymentID != byHand.ID || got[0].Rule != reconcile.RuleManual {
			t.Errorf("after a re-decision's delete: %+v, want the manual allocation alone", got)
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error { return tx.DeletePaymentAllocations(ctx, byHand.ID) })
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("after a reopen's delete: %+v, want none", got)
		}
		return nil
	})
}

func testExceptionsCloseReopen(t *testing.T, s store.Store) {
	p := Payment(payment.GatewayVietQR, "T1", 150_000, base)
	e := reconcile.Exception{ID: reconcile.ExceptionID(reconcile.ExceptionUnmatched, p.ID), Kind: reconcile.ExceptionUnmatched,
		PaymentID: p.ID, Amount: p.Amount, Candidates: []string{}, Status: reconcile.ExceptionOpen, CreatedAt: base}
	rem := e
	rem.ID, rem.Kind = reconcile.ExceptionID(reconcile.ExceptionRemainder, p.ID), reconcile.ExceptionRemainder
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.InsertPayment(ctx, p))
		must(t, tx.UpsertException(ctx, e))
		return tx.UpsertException(ctx, rem)
	})
	at := base.Add(time.Hour)
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CloseException(ctx, e.ID, reconcile.ExceptionOpen, "no", "lan.nguyen", at)
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("closing as open: %v, want ErrConflict", err)
	}
	for _, st := range []reconcile.ExceptionStatus{reconcile.ExceptionAllocated, reconcile.ExceptionRefund, reconcile.ExceptionWrittenOff} {
		inTx(t, s, func(tx store.Tx) error { return tx.CloseException(ctx, e.ID, st, "why "+string(st), "lan.nguyen", at) })
		inTx(t, s, func(tx store.Tx) error {
			got, err := tx.Exception(ctx, e.ID)
			must(t, err)
			if got.Status != st || got.Resolution != "why "+string(st) || got.ResolvedBy != "lan.nguyen" || got.ResolvedAt == nil ||
				!got.ResolvedAt.Equal(at) {
				t.Errorf("closed as %s: %+v", st, got)
			}
			open, err := tx.ListExceptions(ctx, store.ExceptionFilter{Status: reconcile.ExceptionOpen})
			must(t, err)
			if len(open) != 1 || open[0].ID != rem.ID {
				t.Errorf("open after closing as %s: %v", st, exceptionIDs(open))
			}
			return nil
		})
		if err := s.InTx(ctx, func(tx store.Tx) error {
			return tx.CloseException(ctx, e.ID, st, "again", "lan.nguyen", at)
		}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("closing a closed exception: %v, want ErrConflict", err)
		}
		// A closed exception survives a re-decision's delete.
		inTx(t, s, func(tx store.Tx) error { return tx.DeleteExceptionsForPayment(ctx, p.ID) })
		inTx(t, s, func(tx store.Tx) error {
			must(t, tx.ReopenException(ctx, e.ID))
			got, err := tx.Exception(ctx, e.ID)
			must(t, err)
			if got.Status != reconcile.ExceptionOpen || got.Resolution != "" || got.ResolvedBy != "" || got.ResolvedAt != nil {
				t.Errorf("reopened: %+v", got)
			}
			// remainder was open: deleted by the re-decision; store it again
			return tx.UpsertException(ctx, rem)
		})
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReopenException(ctx, e.ID) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("reopening an open exception: %v, want ErrConflict", err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReopenException(ctx, "nope") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reopening none: %v, want ErrNotFound", err)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.AssignException(ctx, e.ID, "minh.tran") })
	inTx(t, s, func(tx store.Tx) error {
		mine, err := tx.ListExceptions(ctx, store.ExceptionFilter{AssignedTo: "minh.tran"})
		must(t, err)
		if len(mine) != 1 || mine[0].ID != e.ID || mine[0].AssignedTo != "minh.tran" {
			t.Errorf("assigned to minh.tran: %+v", mine)
		}
		return tx.AssignException(ctx, e.ID, "")
	})
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.AssignException(ctx, "nope", "x") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("assigning none: %v, want ErrNotFound", err)
	}
}

func exceptionIDs(es []reconcile.Exception) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testRequests(t *testing.T, s store.Store) {
	people(t, s)
	at := base.Add(time.Hour)
	r := store.ActionRequest{ID: "req-1", ExceptionID: "unmatched|vietqr:T1", Action: reconcile.ActionAllocate,
		Body: []byte(`{"allocations":[]}`), Amount: payment.VNDOf(60_000_000), Reason: "receipt seen", Maker: "lan.nguyen",
		CreatedAt: at, State: store.RequestPending}
	inTx(t, s, func(tx store.Tx) error { return tx.CreateRequest(ctx, r) })
	second := r
	second.ID = "req-2"
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateRequest(ctx, second) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second pending request for the exception: %v, want ErrConflict", err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateRequest(ctx, r) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("the same id twice: %v, want ErrAlreadyExists", err)
	}
	noReason := second
	noReason.ExceptionID, noReason.Reason = "other", "  "
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateRequest(ctx, noReason) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a request without a reason: %v, want ErrConflict", err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.DecideRequest(ctx, r.ID, store.RequestApproved, "lan.nguyen", "", at.Add(time.Minute))
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the maker approving their own request: %v, want ErrConflict", err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.DecideRequest(ctx, r.ID, store.RequestRejected, "minh.tran", " ", at.Add(time.Minute))
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a rejection without a reason: %v, want ErrConflict", err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.DecideRequest(ctx, r.ID, store.RequestPending, "minh.tran", "", at.Add(time.Minute))
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deciding pending: %v, want ErrConflict", err)
	}
	decided := at.Add(2 * time.Minute)
	inTx(t, s, func(tx store.Tx) error {
		return tx.DecideRequest(ctx, r.ID, store.RequestApproved, "minh.tran", "", decided)
	})
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.Request(ctx, r.ID)
		must(t, err)
		if got.State != store.RequestApproved || got.Checker != "minh.tran" || got.DecidedAt == nil || !got.DecidedAt.Equal(decided) ||
			got.Maker != "lan.nguyen" || !got.Amount.Equal(r.Amount) || got.Action != reconcile.ActionAllocate ||
			!got.CreatedAt.Equal(at) || got.Reason != r.Reason {
			t.Errorf("approved request: %+v", got)
		}
		return nil
	})
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.DecideRequest(ctx, r.ID, store.RequestRejected, "minh.tran", "late", decided)
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deciding twice: %v, want ErrConflict", err)
	}
	// Decided, the exception may have a new pending request.
	inTx(t, s, func(tx store.Tx) error { return tx.CreateRequest(ctx, second) })
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.DecideRequest(ctx, second.ID, store.RequestRejected, "minh.tran", "no receipt", decided))
		all, err := tx.ListRequests(ctx, store.RequestFilter{ExceptionID: r.ExceptionID})
		must(t, err)
		pending, err := tx.ListRequests(ctx, store.RequestFilter{State: store.RequestPending})
		must(t, err)
		if len(all) != 2 || all[0].ID != "req-1" || all[1].State != store.RequestRejected || all[1].Decision != "no receipt" ||
			len(pending) != 0 {
			t.Errorf("requests %+v, pending %+v", all, pending)
		}
		return nil
	})
	if err := s.InTx(ctx, func(tx store.Tx) error { _, err := tx.Request(ctx, "nope"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no such request: %v, want ErrNotFound", err)
	}
	unknown := second
	unknown.ID, unknown.ExceptionID, unknown.Maker = "req-3", "third", "nobody"
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateRequest(ctx, unknown) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown maker: %v, want ErrNotFound", err)
	}
}
