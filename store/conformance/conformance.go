// Package conformance is the one test suite every store backend passes:
// RunTests(t, newStore) checks the contract of store/store.go (keys,
// idempotency, money constraints, rollback, ordering) against a fresh,
// empty store from newStore for each test.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// RunTests runs the suite. newStore must return an empty store; the suite
// closes it.
func RunTests(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"NoticeCreateAndGet", testNoticeCreateAndGet},
		{"NoticeKeysUnique", testNoticeKeysUnique},
		{"NoticeUpdateVersions", testNoticeUpdateVersions},
		{"NoticeLookups", testNoticeLookups},
		{"CodeSerialsNeverReused", testCodeSerials},
		{"PaymentIdempotent", testPaymentIdempotent},
		{"PaymentRejectsBadMoney", testPaymentRejectsBadMoney},
		{"AllocationsGuardMoney", testAllocationsGuardMoney},
		{"PaymentLinks", testPaymentLinks},
		{"PaymentCreditedAccount", testPaymentCreditedAccount},
		{"ExceptionsLifecycle", testExceptionsLifecycle},
		{"ExceptionKeepsNoticeAndFirstTime", testExceptionNoticeAndTime},
		{"OutboxLifecycle", testOutboxLifecycle},
		{"OutboxPaging", testOutboxPaging},
		{"OutboxRetryNow", testOutboxRetryNow},
		{"APIKeys", testAPIKeys},
		{"ReportsImmutable", testReports},
		{"StatementsIdempotent", testStatements},
		{"AuditAppendOnly", testAudit},
		{"AuditChainLinks", testAuditChain},
		{"AuditChainConcurrent", testAuditConcurrent},
		{"AuditChainRollbackLeavesNoHole", testAuditRollback},
		{"AuditHeadAt", testAuditHeadAt},
		{"AuditManyInOneTransaction", testAuditMany},
		{"RollbackUndoesEverything", testRollback},
		{"UsersAndSessions", testUsersAndSessions},
		{"ExceptionsScopedByAgency", testExceptionsScoped},
		{"NoticeSearch", testNoticeSearch}, {"AuditEntriesFiltered", testAuditEntriesFiltered}, // search.go
		{"LatestReportsOfADay", testLatestReports},
		{"AuditCursorsOnlyForward", testAuditCursors},       // cursors.go
		{"AwaitedReferences", testAwaiting},                 // awaiting.go
		{"ConsumerOffsetsOnlyForward", testConsumerOffsets}, // offsets.go
		{"ConsumerOffsetsSerialise", testConsumerOffsetsSerialise},
		{"NestedUndoesItsOwn", testNested}, // offsets.go
		{"BulkAsRowByRow", testBulk},       // bulk.go
	}
	tests = append(tests, caseworkTests()...)
	tests = append(tests, reversalTests()...)
	tests = append(tests, dayReadTests()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

var (
	ctx  = context.Background()
	base = time.Date(2026, 11, 20, 8, 30, 0, 0, payment.Location())
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func inTx(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	must(t, s.InTx(ctx, fn))
}

// Notice builds a valid notice with code serial n.
func Notice(t *testing.T, system, id string, serial uint64, dong int64) payment.Notice {
	t.Helper()
	code, err := payment.NewPaymentCode("NP", serial)
	must(t, err)
	half := dong / 2
	return payment.Notice{
		ID: id, System: system,
		Dossier: payment.DossierCode(fmt.Sprintf("000.00.20.H40-261120-%04d", serial%10000)),
		Code:    code, Agency: "H40.01", PayerName: "Nguyễn Văn An",
		Items: []payment.NoticeItem{
			{FeeType: "Lệ phí hộ tịch", Kind: payment.FeeKindLePhi, Amount: payment.VNDOf(half), BudgetChapter: "599", BudgetSubitem: "2771"},
			{FeeType: "Phí chứng thực", Kind: payment.FeeKindPhi, Amount: payment.VNDOf(dong - half), BudgetChapter: "599", BudgetSubitem: "2716"},
		},
		Total: payment.VNDOf(dong), IssuedAt: base, DueAt: base.Add(72 * time.Hour),
		TreasuryAccount: "3511.0.1055555", Status: payment.NoticeIssued, Version: 1,
	}
}

// Payment builds a valid VND payment.
func Payment(gw payment.Gateway, txn string, dong int64, at time.Time) payment.Payment {
	return payment.Payment{
		ID: payment.PaymentID(gw, txn), Gateway: gw, TxnID: txn, Amount: payment.VNDOf(dong),
		PaidAt: at, PayerName: "NGUYEN VAN AN", PayerAccount: "0071000123456", Description: "NP000000000151 le phi",
	}
}

func testNoticeCreateAndGet(t *testing.T, s store.Store) {
	n := Notice(t, "dvc", "TB-1", 1, 150_000)
	inTx(t, s, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.Notice(ctx, "dvc", "TB-1")
		must(t, err)
		if got.Code != n.Code || !got.Total.Equal(n.Total) || got.Status != payment.NoticeIssued || got.Version != 1 {
			t.Errorf("got %+v", got)
		}
		if len(got.Items) != 2 || got.Items[1].BudgetSubitem != "2716" || !got.Items[0].Amount.Equal(payment.VNDOf(75_000)) {
			t.Errorf("items %+v", got.Items)
		}
		if !got.IssuedAt.Equal(base) || !got.DueAt.Equal(n.DueAt) {
			t.Errorf("times %v %v", got.IssuedAt, got.DueAt)
		}
		if got.PayerName != "Nguyễn Văn An" {
			t.Errorf("payer %q", got.PayerName)
		}
		_, err = tx.Notice(ctx, "dvc", "TB-2")
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing notice: %v", err)
		}
		return nil
	})
}

func testNoticeKeysUnique(t *testing.T, s store.Store) {
	n := Notice(t, "dvc", "TB-1", 1, 150_000)
	inTx(t, s, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("same (system, id): %v", err)
	}
	other := Notice(t, "dvc", "TB-2", 1, 150_000) // same payment code
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.CreateNotice(ctx, other) })
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("same payment code: %v", err)
	}
	// The same id from another system is another notice.
	third := Notice(t, "motcua", "TB-1", 2, 150_000)
	inTx(t, s, func(tx store.Tx) error { return tx.CreateNotice(ctx, third) })
}

func testNoticeUpdateVersions(t *testing.T, s store.Store) {
	n := Notice(t, "dvc", "TB-1", 1, 150_000)
	inTx(t, s, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
	// Status change alone keeps the version.
	st := n
	st.Status = payment.NoticePartiallyPaid
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateNotice(ctx, st) })
	// An amendment without a version bump is a conflict.
	am := st
	am.PayerName = "Trần Thị Bình"
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.UpdateNotice(ctx, am) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("amendment without version: %v", err)
	}
	am.Version = 2
	oldDossier := am.Dossier
	am.Dossier = "000.00.20.H40-261121-0777"
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateNotice(ctx, am) })
	inTx(t, s, func(tx store.Tx) error {
		now, err := tx.NoticesByDossier(ctx, reconcile.DossierKey(string(am.Dossier)))
		must(t, err)
		was, err := tx.NoticesByDossier(ctx, reconcile.DossierKey(string(oldDossier)))
		must(t, err)
		if len(now) != 1 || len(was) != 0 {
			t.Errorf("after the dossier code changed: new %v, old %v", ids(now), ids(was))
		}
		return nil
	})
	stale := am
	stale.Version = 2
	stale.PayerName = "Lê Văn Cường"
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.UpdateNotice(ctx, stale) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale version: %v", err)
	}
	code := am
	code.Version = 3
	code.Code, _ = payment.NewPaymentCode("NP", 99)
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.UpdateNotice(ctx, code) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("payment code change: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.SetNoticeStatus(ctx, "dvc", "TB-1", payment.NoticePaid) })
	inTx(t, s, func(tx store.Tx) error { return tx.SetNoticeStatus(ctx, "dvc", "TB-1", payment.NoticePartiallyPaid) })
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.SetNoticeStatus(ctx, "dvc", "TB-404", payment.NoticePaid) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("status of a missing notice: %v", err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.SetNoticeStatus(ctx, "dvc", "TB-1", "settled") }); err == nil {
		t.Error("unknown status accepted")
	}
	missing := Notice(t, "dvc", "TB-404", 5, 1000)
	missing.Version = 2
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.UpdateNotice(ctx, missing) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing notice: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.Notice(ctx, "dvc", "TB-1")
		must(t, err)
		if got.Version != 2 || got.PayerName != "Trần Thị Bình" || got.Status != payment.NoticePartiallyPaid {
			t.Errorf("after updates: %+v", got)
		}
		return nil
	})
}

func testNoticeLookups(t *testing.T, s store.Store) {
	a := Notice(t, "dvc", "A", 3, 150_000)
	b := Notice(t, "dvc", "B", 1, 150_000)
	b.IssuedAt = base.Add(time.Hour)
	b.DueAt = b.IssuedAt.Add(time.Hour)
	c := Notice(t, "dvc", "C", 2, 90_000)
	c.Status = payment.NoticeCancelled
	d := Notice(t, "dvc", "D", 4, 150_000)
	d.Status = payment.NoticePaid
	inTx(t, s, func(tx store.Tx) error {
		for _, n := range []payment.Notice{a, b, c, d} {
			if err := tx.CreateNotice(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.NoticeByCode(ctx, b.Code)
		must(t, err)
		if got.ID != "B" {
			t.Errorf("by code: %s", got.ID)
		}
		if _, err := tx.NoticeByCode(ctx, "NP999999999999"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown code: %v", err)
		}
		ds, err := tx.NoticesByDossier(ctx, reconcile.DossierKey(string(a.Dossier)))
		must(t, err)
		if len(ds) != 1 || ds[0].ID != "A" {
			t.Errorf("by dossier: %v", ids(ds))
		}
		// The key reads OCR's O for 0 and I/L for 1, as the extractor does.
		ocr := strings.NewReplacer("0", "O", "1", "l").Replace(string(a.Dossier))
		ds, err = tx.NoticesByDossier(ctx, reconcile.DossierKey(ocr))
		must(t, err)
		if len(ds) != 1 || ds[0].ID != "A" {
			t.Errorf("by OCR'd dossier %s: %v", ocr, ids(ds))
		}
		locked, err := tx.LockNotices(ctx, []payment.PaymentCode{a.Code, b.Code, "NP999999999999", a.Code})
		must(t, err)
		if got := ids(locked); fmt.Sprint(got) != "[B A]" { // ordered by code: serial 1 before 3
			t.Errorf("locked %v", got)
		}
		open, err := tx.OpenNoticesByAmount(ctx, payment.VNDOf(150_000), base, 10)
		must(t, err)
		if got := ids(open); fmt.Sprint(got) != "[B A]" { // newest first; paid D excluded
			t.Errorf("open by amount %v", got)
		}
		open, err = tx.OpenNoticesByAmount(ctx, payment.VNDOf(150_000), base, 1)
		must(t, err)
		if len(open) != 1 {
			t.Errorf("limit ignored: %v", ids(open))
		}
		all, err := tx.ListNotices(ctx, base, base.Add(time.Minute))
		must(t, err)
		if got := ids(all); fmt.Sprint(got) != "[A C D]" {
			t.Errorf("list %v", got)
		}
		return nil
	})
}

func ids(ns []payment.Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func testCodeSerials(t *testing.T, s store.Store) {
	seen := map[uint64]bool{}
	for i := 0; i < 5; i++ {
		var v uint64
		err := s.InTx(ctx, func(tx store.Tx) error {
			var err error
			v, err = tx.NextCodeSerial(ctx)
			if err != nil {
				return err
			}
			if i%2 == 1 {
				return errors.New("roll back")
			}
			return nil
		})
		if i%2 == 0 && err != nil {
			t.Fatal(err)
		}
		if v == 0 || seen[v] {
			t.Fatalf("serial %d reused or zero (seen %v)", v, seen)
		}
		seen[v] = true
	}
}

func testPaymentIdempotent(t *testing.T, s store.Store) {
	p := Payment(payment.GatewayVNPay, "14422574", 150_000, base)
	inTx(t, s, func(tx store.Tx) error { return tx.InsertPayment(ctx, p) })
	again := p
	again.Description = "redelivered"
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, again) })
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("redelivery: %v", err)
	}
	// ErrAlreadyExists leaves the transaction usable: a consumer takes it as
	// "nothing new" and commits the rest of its work.
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.InsertPayment(ctx, again); !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("redelivery in a transaction: %v", err)
		}
		return tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "t", Action: "redelivery", Entity: store.PaymentEntity(p.ID)})
	})
	inTx(t, s, func(tx store.Tx) error {
		if trail, _ := tx.AuditTrail(ctx, store.PaymentEntity(p.ID)); len(trail) != 1 {
			t.Errorf("work after ErrAlreadyExists lost: %+v", trail)
		}
		return nil
	})
	// The same txn id at another gateway is another payment.
	inTx(t, s, func(tx store.Tx) error {
		return tx.InsertPayment(ctx, Payment(payment.GatewayMoMo, "14422574", 150_000, base))
	})
	later := Payment(payment.GatewayVietQR, "9", 10_000, base.Add(-time.Minute))
	inTx(t, s, func(tx store.Tx) error { return tx.InsertPayment(ctx, later) })
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.Payment(ctx, p.ID)
		must(t, err)
		if got.Description != p.Description || !got.Amount.Equal(p.Amount) || !got.PaidAt.Equal(base) || got.PayerAccount != p.PayerAccount {
			t.Errorf("stored %+v", got)
		}
		list, err := tx.ListPayments(ctx, base.Add(-time.Hour), base.Add(time.Second))
		must(t, err)
		var order []string
		for _, x := range list {
			order = append(order, x.ID)
		}
		if fmt.Sprint(order) != "[vietqr:9 momo:14422574 vnpay:14422574]" {
			t.Errorf("list order %v", order)
		}
		return nil
	})
}

func testPaymentRejectsBadMoney(t *testing.T, s store.Store) {
	bad := []payment.Payment{
		func() payment.Payment {
			p := Payment(payment.GatewayMoMo, "f1", 1, base)
			p.Amount.Amount = decimal.RequireFromString("1000.5")
			return p
		}(),
		func() payment.Payment {
			p := Payment(payment.GatewayMoMo, "n1", 1, base)
			p.Amount.Amount = decimal.NewFromInt(-5)
			return p
		}(),
		func() payment.Payment {
			p := Payment(payment.GatewayMoMo, "z1", 1, base)
			p.Amount.Amount = decimal.Zero
			return p
		}(),
	}
	for _, p := range bad {
		if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, p) }); err == nil {
			t.Errorf("payment %s with amount %s accepted", p.ID, p.Amount)
		}
	}
}

func testAllocationsGuardMoney(t *testing.T, s store.Store) {
	n1 := Notice(t, "dvc", "N1", 1, 100_000)
	n2 := Notice(t, "dvc", "N2", 2, 100_000)
	p := Payment(payment.GatewayVietQR, "T1", 150_000, base)
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, n1))
		must(t, tx.CreateNotice(ctx, n2))
		return tx.InsertPayment(ctx, p)
	})
	alloc := func(n payment.Notice, dong int64) reconcile.Allocation {
		return reconcile.Allocation{PaymentID: p.ID, NoticeSystem: n.System, NoticeID: n.ID, Code: n.Code,
			Amount: payment.VNDOf(dong), Rule: reconcile.RulePaymentCode, Evidence: string(n.Code)}
	}
	inTx(t, s, func(tx store.Tx) error { return tx.InsertAllocation(ctx, alloc(n1, 100_000)) })
	// 100k + 60k > 150k: refused.
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertAllocation(ctx, alloc(n2, 60_000)) }); err == nil {
		t.Error("over-allocation accepted")
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertAllocation(ctx, alloc(n1, 1)) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("second allocation to the same notice: %v", err)
	}
	ghost := alloc(n2, 1)
	ghost.NoticeID = "nope"
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertAllocation(ctx, ghost) }); err == nil {
		t.Error("allocation to a missing notice accepted")
	}
	zero := alloc(n2, 0)
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertAllocation(ctx, zero) }); err == nil {
		t.Error("zero allocation accepted")
	}
	inTx(t, s, func(tx store.Tx) error { return tx.InsertAllocation(ctx, alloc(n2, 50_000)) })
	inTx(t, s, func(tx store.Tx) error {
		byP, err := tx.AllocationsByPayment(ctx, p.ID)
		must(t, err)
		if len(byP) != 2 || byP[0].NoticeID != "N1" || !byP[1].Amount.Equal(payment.VNDOf(50_000)) || byP[1].Rule != reconcile.RulePaymentCode {
			t.Errorf("by payment %+v", byP)
		}
		must(t, tx.DeleteAllocations(ctx, "dvc", "N1"))
		byN, err := tx.AllocationsByNotice(ctx, "dvc", "N1")
		must(t, err)
		if len(byN) != 0 {
			t.Errorf("after delete %+v", byN)
		}
		byN, err = tx.AllocationsByNotice(ctx, "dvc", "N2")
		must(t, err)
		if len(byN) != 1 || byN[0].Evidence != string(n2.Code) {
			t.Errorf("N2 %+v", byN)
		}
		return nil
	})
}

func testExceptionsLifecycle(t *testing.T, s store.Store) {
	p := Payment(payment.GatewayZaloPay, "Z1", 70_000, base)
	inTx(t, s, func(tx store.Tx) error { return tx.InsertPayment(ctx, p) })
	e := reconcile.Exception{
		ID: reconcile.ExceptionID(reconcile.ExceptionUnmatched, p.ID), Kind: reconcile.ExceptionUnmatched,
		PaymentID: p.ID, Amount: p.Amount, Candidates: []string{"dvc/A", "dvc/B"}, Evidence: "no code",
		Status: reconcile.ExceptionOpen, CreatedAt: base,
	}
	inTx(t, s, func(tx store.Tx) error { return tx.UpsertException(ctx, e) })
	changed := e
	changed.Evidence = "second"
	inTx(t, s, func(tx store.Tx) error { return tx.UpsertException(ctx, changed) }) // keeps the first
	miss := reconcile.Exception{ID: "missing_event|REF1", Kind: reconcile.ExceptionMissingEvent, StatementRef: "REF1",
		Amount: payment.VNDOf(5000), Status: reconcile.ExceptionOpen, CreatedAt: base}
	inTx(t, s, func(tx store.Tx) error { return tx.UpsertException(ctx, miss) })
	noTime := miss
	noTime.ID, noTime.Status = "missing_event|REF2", reconcile.ExceptionResolved
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.UpsertException(ctx, noTime) }); err == nil {
		t.Error("a resolved exception without a resolution time was accepted")
	}
	neg := miss
	neg.ID, neg.Amount = "missing_event|REF3", payment.Money{Amount: decimal.NewFromInt(-1), Currency: payment.VND}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.UpsertException(ctx, neg) }); err == nil {
		t.Error("an exception with a negative amount was accepted")
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.Exception(ctx, e.ID)
		must(t, err)
		if got.Evidence != "no code" || fmt.Sprint(got.Candidates) != "[dvc/A dvc/B]" || !got.Amount.Equal(p.Amount) {
			t.Errorf("got %+v", got)
		}
		page, err := tx.ListExceptions(ctx, store.ExceptionFilter{Limit: 1})
		must(t, err)
		if len(page) != 1 || page[0].ID != miss.ID { // "missing_event|…" sorts before "unmatched|…"
			t.Errorf("first page %+v", page)
		}
		page, err = tx.ListExceptions(ctx, store.ExceptionFilter{After: page[0].ID, Limit: 5})
		must(t, err)
		if len(page) != 1 || page[0].ID != e.ID {
			t.Errorf("second page %+v", page)
		}
		list, err := tx.ListExceptions(ctx, store.ExceptionFilter{Kind: reconcile.ExceptionMissingEvent})
		must(t, err)
		if len(list) != 1 || list[0].StatementRef != "REF1" || list[0].PaymentID != "" {
			t.Errorf("filter by kind %+v", list)
		}
		return nil
	})
	at := base.Add(time.Hour)
	inTx(t, s, func(tx store.Tx) error {
		return tx.ResolveException(ctx, e.ID, "refunded to payer", "ke.toan@khobac", at)
	})
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ResolveException(ctx, e.ID, "again", "x", at) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("resolve twice: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		open, err := tx.ListExceptions(ctx, store.ExceptionFilter{Status: reconcile.ExceptionOpen})
		must(t, err)
		if len(open) != 1 || open[0].ID != miss.ID {
			t.Errorf("open %+v", open)
		}
		got, err := tx.Exception(ctx, e.ID)
		must(t, err)
		if got.Status != reconcile.ExceptionResolved || got.ResolvedBy != "ke.toan@khobac" || got.ResolvedAt == nil || !got.ResolvedAt.Equal(at) {
			t.Errorf("resolved %+v", got)
		}
		// Resolved exceptions survive a re-decision; open ones are replaced.
		e2 := reconcile.Exception{ID: "duplicate|" + p.ID, Kind: reconcile.ExceptionDuplicate, PaymentID: p.ID,
			Amount: p.Amount, Status: reconcile.ExceptionOpen, CreatedAt: base}
		must(t, tx.UpsertException(ctx, e2))
		must(t, tx.DeleteExceptionsForPayment(ctx, p.ID))
		left, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID})
		must(t, err)
		if len(left) != 1 || left[0].ID != e.ID {
			t.Errorf("after delete %+v", left)
		}
		return nil
	})
}

// An exception keeps its notice's system beside its id, and the time it was
// first raised: upserting the same id again (a re-run, a replay into the
// same store) changes neither.
func testExceptionNoticeAndTime(t *testing.T, s store.Store) {
	p := Payment(payment.GatewayVietQR, "Q9", 90_000, base)
	inTx(t, s, func(tx store.Tx) error { return tx.InsertPayment(ctx, p) })
	raised := base.Add(26 * time.Hour)
	e := reconcile.Exception{
		ID: reconcile.ExceptionID(reconcile.ExceptionDuplicate, p.ID), Kind: reconcile.ExceptionDuplicate,
		PaymentID: p.ID, NoticeSystem: "dvc-hanoi", NoticeID: "TB-1", Amount: p.Amount, Candidates: []string{"TB-1"},
		Status: reconcile.ExceptionOpen, CreatedAt: raised,
	}
	none := reconcile.Exception{ID: "missing_event|REF9", Kind: reconcile.ExceptionMissingEvent, StatementRef: "REF9",
		Amount: payment.VNDOf(5000), Status: reconcile.ExceptionOpen, CreatedAt: raised}
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.UpsertException(ctx, e))
		return tx.UpsertException(ctx, none)
	})
	later := e
	later.CreatedAt, later.NoticeSystem = raised.Add(48*time.Hour), "other"
	inTx(t, s, func(tx store.Tx) error { return tx.UpsertException(ctx, later) })
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.Exception(ctx, e.ID)
		must(t, err)
		if got.NoticeSystem != "dvc-hanoi" || got.NoticeID != "TB-1" || !got.CreatedAt.Equal(raised) {
			t.Errorf("got notice %s/%s created %v, want dvc-hanoi/TB-1 created %v (the first)", got.NoticeSystem, got.NoticeID, got.CreatedAt, raised)
		}
		list, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID})
		must(t, err)
		if len(list) != 1 || list[0].NoticeSystem != "dvc-hanoi" {
			t.Errorf("listed %+v", list)
		}
		got, err = tx.Exception(ctx, none.ID)
		must(t, err)
		if got.NoticeSystem != "" || got.NoticeID != "" {
			t.Errorf("an exception of no notice names %q/%q", got.NoticeSystem, got.NoticeID)
		}
		return nil
	})
}

func testOutboxLifecycle(t *testing.T, s store.Store) {
	mk := func(id string, created time.Time) store.OutboxMessage {
		return store.OutboxMessage{ID: id, Kind: store.OutboxConfirmation, Destination: "dvc",
			Payload: []byte(`{"notice_id":"` + id + `"}`), State: store.OutboxPending, NextAttempt: created, CreatedAt: created}
	}
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.Enqueue(ctx, mk("c2", base.Add(time.Second))))
		must(t, tx.Enqueue(ctx, mk("c1", base)))
		return tx.Enqueue(ctx, mk("c3", base.Add(time.Hour)))
	})
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, mk("c1", base)) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("enqueue twice: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		due, err := tx.Due(ctx, store.OutboxConfirmation, base.Add(time.Minute), 10)
		must(t, err)
		if len(due) != 2 || due[0].ID != "c1" || due[1].ID != "c2" || string(due[0].Payload) != `{"notice_id":"c1"}` {
			t.Fatalf("due %+v", due)
		}
		if d, _ := tx.Due(ctx, store.OutboxReport, base.Add(time.Hour), 10); len(d) != 0 {
			t.Errorf("wrong kind due: %+v", d)
		}
		must(t, tx.MarkDelivered(ctx, "c1", base.Add(2*time.Minute)))
		must(t, tx.MarkFailed(ctx, "c2", "HTTP 503", base.Add(10*time.Minute), false))
		return tx.MarkFailed(ctx, "c3", "HTTP 400", base.Add(10*time.Minute), true)
	})
	inTx(t, s, func(tx store.Tx) error {
		if due, _ := tx.Due(ctx, store.OutboxConfirmation, base.Add(5*time.Minute), 10); len(due) != 0 {
			t.Errorf("due before the next attempt: %+v", due)
		}
		c2, err := tx.OutboxMessage(ctx, "c2")
		must(t, err)
		if c2.Attempts != 1 || c2.LastError != "HTTP 503" || !c2.NextAttempt.Equal(base.Add(10*time.Minute)) || c2.State != store.OutboxPending {
			t.Errorf("c2 %+v", c2)
		}
		c1, _ := tx.OutboxMessage(ctx, "c1")
		if c1.State != store.OutboxDelivered || c1.DeliveredAt == nil {
			t.Errorf("c1 %+v", c1)
		}
		if err := tx.MarkDelivered(ctx, "c1", base); !errors.Is(err, store.ErrConflict) {
			t.Errorf("deliver twice: %v", err)
		}
		dead, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxConfirmation, State: store.OutboxDead})
		must(t, err)
		if len(dead) != 1 || dead[0].ID != "c3" {
			t.Errorf("dead %+v", dead)
		}
		return nil
	})
}

// RetryNow moves only the pending messages of its kind and destination
// that failed before and wait for later; the others keep their times.
func testOutboxRetryNow(t *testing.T, s store.Store) {
	mk := func(id string, kind store.OutboxKind, dest string) store.OutboxMessage {
		return store.OutboxMessage{ID: id, Kind: kind, Destination: dest, Payload: []byte(`{}`),
			State: store.OutboxPending, NextAttempt: base, CreatedAt: base}
	}
	later := base.Add(time.Hour)
	inTx(t, s, func(tx store.Tx) error {
		for _, m := range []store.OutboxMessage{
			mk("r-failed", store.OutboxConfirmation, "dvc"), mk("r-fresh", store.OutboxConfirmation, "dvc"),
			mk("r-other-dest", store.OutboxConfirmation, "hcm"), mk("r-other-kind", store.OutboxReport, "dvc"),
			mk("r-dead", store.OutboxConfirmation, "dvc"), mk("r-soon", store.OutboxConfirmation, "dvc"),
		} {
			must(t, tx.Enqueue(ctx, m))
		}
		for _, id := range []string{"r-failed", "r-other-dest", "r-other-kind"} {
			must(t, tx.MarkFailed(ctx, id, "HTTP 503", later, false))
		}
		must(t, tx.MarkFailed(ctx, "r-dead", "HTTP 400", later, true))
		return tx.MarkFailed(ctx, "r-soon", "HTTP 503", base.Add(time.Second), false)
	})
	now := base.Add(2 * time.Second)
	inTx(t, s, func(tx store.Tx) error {
		n, err := tx.RetryNow(ctx, store.OutboxConfirmation, "dvc", now)
		must(t, err)
		if n != 1 {
			t.Errorf("RetryNow moved %d, want 1 (r-failed)", n)
		}
		for id, want := range map[string]time.Time{"r-failed": now, "r-fresh": base, "r-other-dest": later, "r-other-kind": later,
			"r-dead": later, "r-soon": base.Add(time.Second)} {
			m, err := tx.OutboxMessage(ctx, id)
			must(t, err)
			if !m.NextAttempt.Equal(want) {
				t.Errorf("%s next attempt %s, want %s", id, m.NextAttempt, want)
			}
		}
		return nil
	})
}

func testOutboxPaging(t *testing.T, s store.Store) {
	ids := []string{"m3", "m1", "m5", "m2", "m4"}
	inTx(t, s, func(tx store.Tx) error {
		for i, id := range ids {
			kind := store.OutboxConfirmation
			if id == "m4" {
				kind = store.OutboxReport
			}
			// Created in another order than their ids: pages follow ids.
			must(t, tx.Enqueue(ctx, store.OutboxMessage{ID: id, Kind: kind, Destination: "dvc", Payload: []byte(`{}`),
				State: store.OutboxPending, NextAttempt: base, CreatedAt: base.Add(time.Duration(-i) * time.Minute)}))
		}
		return nil
	})
	page := func(f store.OutboxFilter) string {
		t.Helper()
		var got []string
		inTx(t, s, func(tx store.Tx) error {
			l, err := tx.ListOutbox(ctx, f)
			for _, m := range l {
				got = append(got, m.ID)
			}
			return err
		})
		return strings.Join(got, ",")
	}
	for _, c := range []struct {
		f    store.OutboxFilter
		want string
	}{
		{store.OutboxFilter{}, "m1,m2,m3,m4,m5"},
		{store.OutboxFilter{Limit: 2}, "m1,m2"},
		{store.OutboxFilter{After: "m2", Limit: 2}, "m3,m4"},
		{store.OutboxFilter{After: "m4", Limit: 2}, "m5"},
		{store.OutboxFilter{After: "m5"}, ""},
		{store.OutboxFilter{Kind: store.OutboxConfirmation, After: "m3", Limit: 5}, "m5"},
		{store.OutboxFilter{Kind: store.OutboxReport}, "m4"},
		{store.OutboxFilter{State: store.OutboxDelivered}, ""},
	} {
		if got := page(c.f); got != c.want {
			t.Errorf("ListOutbox(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func testAPIKeys(t *testing.T, s store.Store) {
	hash := func(b byte) []byte { return []byte(strings.Repeat(string(rune(b)), 32)) }
	k1 := store.APIKey{ID: "00000000000000a1", System: "dvc-hanoi", Role: store.RoleSystem, SecretHash: hash('a'), CreatedAt: base}
	k2 := store.APIKey{ID: "00000000000000b2", System: "dvc-hanoi", Role: store.RoleSystem, SecretHash: hash('b'), CreatedAt: base.Add(time.Hour)}
	op := store.APIKey{ID: "00000000000000c3", System: "ops", Role: store.RoleOperator, SecretHash: hash('c'), CreatedAt: base}
	inTx(t, s, func(tx store.Tx) error {
		if ok, err := tx.SystemHasKey(ctx, "dvc-hanoi"); ok || err != nil {
			t.Errorf("empty store: SystemHasKey = %v, %v", ok, err)
		}
		must(t, tx.CreateAPIKey(ctx, k2))
		must(t, tx.CreateAPIKey(ctx, op))
		return tx.CreateAPIKey(ctx, k1)
	})
	dup := k1
	dup.SecretHash = hash('z')
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, dup) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("same id twice: %v", err)
	}
	bad := store.APIKey{ID: "00000000000000d4", System: "x", Role: "admin", SecretHash: hash('d'), CreatedAt: base}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, bad) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("unknown role: %v", err)
	}
	bad.Role, bad.System = store.RoleSystem, "dvc hanoi"
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, bad) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("invalid name: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.APIKey(ctx, k1.ID)
		must(t, err)
		if got.System != k1.System || got.Role != store.RoleSystem || string(got.SecretHash) != string(k1.SecretHash) ||
			!got.CreatedAt.Equal(base) || !got.Active() {
			t.Errorf("APIKey = %+v", got)
		}
		if _, err := tx.APIKey(ctx, "00000000000000ff"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		l, err := tx.ListAPIKeys(ctx)
		must(t, err)
		if len(l) != 3 || l[0].ID != k1.ID || l[1].ID != k2.ID || l[2].ID != op.ID {
			t.Errorf("list %+v", l)
		}
		if ok, _ := tx.SystemHasKey(ctx, "ops"); ok {
			t.Error("an operator key makes a system known")
		}
		return tx.RevokeAPIKey(ctx, k1.ID, base.Add(2*time.Hour))
	})
	inTx(t, s, func(tx store.Tx) error {
		got, _ := tx.APIKey(ctx, k1.ID)
		if got.Active() || !got.RevokedAt.Equal(base.Add(2*time.Hour)) {
			t.Errorf("revoked key %+v", got)
		}
		if ok, _ := tx.SystemHasKey(ctx, "dvc-hanoi"); !ok {
			t.Error("the system's second key is active: SystemHasKey false")
		}
		if err := tx.RevokeAPIKey(ctx, k1.ID, base.Add(3*time.Hour)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("revoke twice: %v", err)
		}
		if err := tx.RevokeAPIKey(ctx, "00000000000000ff", base); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: %v", err)
		}
		return tx.RevokeAPIKey(ctx, k2.ID, base.Add(2*time.Hour))
	})
	inTx(t, s, func(tx store.Tx) error {
		if ok, _ := tx.SystemHasKey(ctx, "dvc-hanoi"); ok {
			t.Error("every key revoked: SystemHasKey true")
		}
		return nil
	})
}

func testReports(t *testing.T, s store.Store) {
	day := payment.DateOf(base)
	r := store.Report{ID: "r1", BusinessDate: day, Agency: "H40.01", Version: 1,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Body: []byte(`{"v":1}`), CreatedAt: base}
	inTx(t, s, func(tx store.Tx) error { return tx.InsertReport(ctx, r) })
	if err := s.InTx(ctx, func(tx store.Tx) error { r2 := r; r2.ID = "r1b"; return tx.InsertReport(ctx, r2) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("same version twice: %v", err)
	}
	v2 := r
	v2.ID, v2.Version, v2.Body = "r2", 2, []byte(`{"v":2}`)
	inTx(t, s, func(tx store.Tx) error { return tx.InsertReport(ctx, v2) })
	inTx(t, s, func(tx store.Tx) error {
		latest, err := tx.LatestReport(ctx, day, "H40.01")
		must(t, err)
		if latest.Version != 2 || string(latest.Body) != `{"v":2}` {
			t.Errorf("latest %+v", latest)
		}
		v1, err := tx.ReportVersion(ctx, day, "H40.01", 1)
		must(t, err)
		if string(v1.Body) != `{"v":1}` || v1.SHA256 != r.SHA256 || v1.BusinessDate != day {
			t.Errorf("v1 %+v", v1)
		}
		if _, err := tx.LatestReport(ctx, day.AddDays(1), "H40.01"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no report: %v", err)
		}
		return nil
	})
}

func testStatements(t *testing.T, s store.Store) {
	day := payment.DateOf(base)
	lines := []statements.Line{
		{StatementID: "STMT-1", Seq: 1, Source: "camt053", Account: "0071000123456", Ref: "FT1", Credit: true,
			Amount: payment.VNDOf(150_000), Fee: payment.VNDOf(0), BookingDate: day, ValueDate: day, Text: "NP000000000151"},
		{StatementID: "STMT-1", Seq: 0, Source: "camt053", Account: "0071000123456", Ref: "FT0", EndToEndID: "E2E", Credit: true,
			Amount: payment.VNDOf(50_000), Fee: payment.VNDOf(0), BookingDate: day.AddDays(-1), ValueDate: day, Text: "x"},
	}
	inTx(t, s, func(tx store.Tx) error { return tx.InsertStatement(ctx, "STMT-1", "camt053", lines) })
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertStatement(ctx, "STMT-1", "camt053", lines) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("import twice: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.StatementLines(ctx, day.AddDays(-1), day)
		must(t, err)
		if len(got) != 2 || got[0].Ref != "FT0" || got[0].EndToEndID != "E2E" || !got[1].Amount.Equal(payment.VNDOf(150_000)) || got[1].BookingDate != day {
			t.Errorf("lines %+v", got)
		}
		got, _ = tx.StatementLines(ctx, day, day)
		if len(got) != 1 {
			t.Errorf("one day %+v", got)
		}
		return nil
	})
}

func testAudit(t *testing.T, s store.Store) {
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "api", Action: "notice.create", Entity: "notice:dvc/A", Detail: []byte(`{"version":1}`)}))
		must(t, tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "engine", Action: "allocate", Entity: "notice:dvc/A", Detail: []byte(`{"amount":"150000"}`)}))
		return tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "api", Action: "notice.create", Entity: "notice:dvc/B"})
	})
	inTx(t, s, func(tx store.Tx) error {
		trail, err := tx.AuditTrail(ctx, "notice:dvc/A")
		must(t, err)
		if len(trail) != 2 || trail[0].Action != "notice.create" || trail[1].Actor != "engine" || trail[0].Seq >= trail[1].Seq {
			t.Errorf("trail %+v", trail)
		}
		return nil
	})
}

func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	n := Notice(t, "dvc", "R", 7, 10_000)
	p := Payment(payment.GatewayMoMo, "R1", 10_000, base)
	err := s.InTx(ctx, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, n))
		must(t, tx.InsertPayment(ctx, p))
		must(t, tx.InsertAllocation(ctx, reconcile.Allocation{PaymentID: p.ID, NoticeSystem: "dvc", NoticeID: "R", Amount: p.Amount, Rule: reconcile.RulePaymentCode}))
		must(t, tx.LinkPayment(ctx, p.ID, []store.NoticeKey{{System: "dvc", ID: "R"}}))
		must(t, tx.UpsertException(ctx, reconcile.Exception{ID: "duplicate|" + p.ID, Kind: reconcile.ExceptionDuplicate,
			PaymentID: p.ID, Amount: p.Amount, Status: reconcile.ExceptionOpen, CreatedAt: base}))
		must(t, tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "t", Action: "x", Entity: "notice:dvc/R"}))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = s.InTx(ctx, func(tx store.Tx) error {
			must(t, tx.InsertPayment(ctx, Payment(payment.GatewayMoMo, "R2", 10_000, base)))
			panic("crash inside a transaction")
		})
	}()
	inTx(t, s, func(tx store.Tx) error {
		if _, err := tx.Notice(ctx, "dvc", "R"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("notice survived rollback: %v", err)
		}
		for _, id := range []string{p.ID, "momo:R2"} {
			if _, err := tx.Payment(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("payment %s survived rollback: %v", id, err)
			}
		}
		if trail, _ := tx.AuditTrail(ctx, "notice:dvc/R"); len(trail) != 0 {
			t.Errorf("audit survived rollback: %+v", trail)
		}
		return nil
	})
	// The store still works, and nothing of the rolled-back links,
	// allocations and exceptions is found through any lookup.
	inTx(t, s, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
	inTx(t, s, func(tx store.Tx) error { return tx.InsertPayment(ctx, p) })
	inTx(t, s, func(tx store.Tx) error {
		as, err := tx.AllocationsByNotice(ctx, "dvc", "R")
		must(t, err)
		bp, err := tx.AllocationsByPayment(ctx, p.ID)
		must(t, err)
		ps, err := tx.PaymentsByNotice(ctx, "dvc", "R")
		must(t, err)
		ks, err := tx.LinkedNotices(ctx, p.ID)
		must(t, err)
		es, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID})
		must(t, err)
		if len(as)+len(bp)+len(ps)+len(ks)+len(es) != 0 {
			t.Errorf("rolled back rows still found: %v %v %v %v %v", as, bp, ps, ks, es)
		}
		return nil
	})
}

func testPaymentLinks(t *testing.T, s store.Store) {
	n1 := Notice(t, "dvc", "N1", 1, 100_000)
	n2 := Notice(t, "dvc", "N2", 2, 100_000)
	late := Payment(payment.GatewayVietQR, "T2", 100_000, base.Add(time.Hour))
	early := Payment(payment.GatewayMoMo, "T1", 200_000, base)
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, n1))
		must(t, tx.CreateNotice(ctx, n2))
		must(t, tx.InsertPayment(ctx, late))
		must(t, tx.InsertPayment(ctx, early))
		must(t, tx.LinkPayment(ctx, late.ID, []store.NoticeKey{{System: "dvc", ID: "N1"}}))
		must(t, tx.LinkPayment(ctx, early.ID, []store.NoticeKey{{System: "dvc", ID: "N2"}, {System: "dvc", ID: "N1"}}))
		return tx.LinkPayment(ctx, early.ID, []store.NoticeKey{{System: "dvc", ID: "N1"}}) // again: no-op
	})
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.LinkPayment(ctx, late.ID, []store.NoticeKey{{System: "dvc", ID: "missing"}})
	}); err == nil {
		t.Error("link to a missing notice accepted")
	}
	inTx(t, s, func(tx store.Tx) error {
		ps, err := tx.PaymentsByNotice(ctx, "dvc", "N1")
		must(t, err)
		if len(ps) != 2 || ps[0].ID != early.ID || ps[1].ID != late.ID || !ps[0].Amount.Equal(payment.VNDOf(200_000)) {
			t.Errorf("payments of N1: %+v", ps)
		}
		ks, err := tx.LinkedNotices(ctx, early.ID)
		must(t, err)
		if fmt.Sprint(ks) != "[{dvc N1} {dvc N2}]" {
			t.Errorf("notices of %s: %v", early.ID, ks)
		}
		return nil
	})
}

func testUsersAndSessions(t *testing.T, s store.Store) {
	h, err := user.HashPassword("a long test password", user.TestParams())
	must(t, err)
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	lan := user.User{Login: "lan.nguyen", Role: user.RoleAccountant, Agencies: []string{"H29.75", "G01.899.108"},
		PasswordHash: h, CreatedAt: base, UpdatedAt: base}
	admin := user.User{Login: "admin", Role: user.RoleAdmin, PasswordHash: h, CreatedAt: base, UpdatedAt: base}
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateUser(ctx, lan))
		return tx.CreateUser(ctx, admin)
	})
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, lan) }); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("a login twice: %v, want ErrAlreadyExists", err)
	}
	bad := lan
	bad.Login, bad.Agencies = "binh.tran", nil // an accountant without an agency
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, bad) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("an accountant without agencies: %v, want ErrConflict", err)
	}
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.User(ctx, "lan.nguyen")
		must(t, err)
		if got.Role != user.RoleAccountant || !slices.Equal(got.Agencies, lan.Agencies) || got.PasswordHash != h ||
			got.Disabled || !got.LockedUntil.IsZero() || !got.CreatedAt.Equal(base) {
			t.Errorf("user read back: %+v", got)
		}
		all, err := tx.ListUsers(ctx)
		must(t, err)
		if len(all) != 2 || all[0].Login != "admin" || all[0].Agencies != nil || all[1].Login != "lan.nguyen" {
			t.Errorf("ListUsers: %+v", all)
		}
		if _, err := tx.User(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown login: %v", err)
		}
		return nil
	})
	// A failure counted and a lock set are kept; an unknown user is ErrNotFound.
	locked := lan
	locked.FailedLogins, locked.LockedUntil, locked.UpdatedAt = 2, base.Add(15*time.Minute), base.Add(time.Minute)
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateUser(ctx, locked) })
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.User(ctx, "lan.nguyen")
		must(t, err)
		if got.FailedLogins != 2 || !got.LockedUntil.Equal(base.Add(15*time.Minute)) {
			t.Errorf("after update: %+v", got)
		}
		ghost := lan
		ghost.Login = "ghost"
		if err := tx.UpdateUser(ctx, ghost); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update of an unknown user: %v", err)
		}
		return nil
	})

	_, h1, err := user.NewSessionToken()
	must(t, err)
	_, h2, err := user.NewSessionToken()
	must(t, err)
	_, h3, err := user.NewSessionToken()
	must(t, err)
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateSession(ctx, user.Session{TokenHash: h1, Login: "lan.nguyen", Role: user.RoleAccountant, CreatedAt: base, LastSeen: base}))
		must(t, tx.CreateSession(ctx, user.Session{TokenHash: h2, Login: "lan.nguyen", Role: user.RoleAccountant, CreatedAt: base, LastSeen: base}))
		return tx.CreateSession(ctx, user.Session{TokenHash: h3, Login: "admin", Role: user.RoleAdmin, CreatedAt: base, LastSeen: base})
	})
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateSession(ctx, user.Session{TokenHash: h1, Login: "lan.nguyen", Role: user.RoleAccountant, CreatedAt: base, LastSeen: base})
	}); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("a token twice: %v", err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error {
		_, h4, _ := user.NewSessionToken()
		return tx.CreateSession(ctx, user.Session{TokenHash: h4, Login: "nobody", Role: user.RoleAdmin, CreatedAt: base, LastSeen: base})
	}); err == nil {
		t.Error("a session of an unknown login was stored")
	}
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.TouchSession(ctx, h1, base.Add(5*time.Minute)))
		got, err := tx.Session(ctx, h1)
		must(t, err)
		if got.Login != "lan.nguyen" || got.Role != user.RoleAccountant || !got.LastSeen.Equal(base.Add(5*time.Minute)) || !got.CreatedAt.Equal(base) {
			t.Errorf("session read back: %+v", got)
		}
		// One session ends; then every session of the user (a role change).
		must(t, tx.DeleteSession(ctx, h1))
		must(t, tx.DeleteSession(ctx, h1))
		if _, err := tx.Session(ctx, h1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a deleted session: %v", err)
		}
		if err := tx.TouchSession(ctx, h1, base); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("touch of a deleted session: %v", err)
		}
		must(t, tx.DeleteSessions(ctx, "lan.nguyen"))
		if _, err := tx.Session(ctx, h2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the user's other session survived DeleteSessions: %v", err)
		}
		if _, err := tx.Session(ctx, h3); err != nil {
			t.Errorf("another user's session was deleted: %v", err)
		}
		return nil
	})
}

// chain reads the whole chain in pages of 2 and verifies it.
func chain(t *testing.T, s store.Store) []store.AuditRecord {
	t.Helper()
	var all []store.AuditRecord
	v := store.NewAuditVerifier(1)
	for from := int64(1); ; {
		var page []store.AuditRecord
		inTx(t, s, func(tx store.Tx) error {
			var err error
			page, err = tx.AuditRecords(ctx, from, 2)
			return err
		})
		if len(page) == 0 {
			return all
		}
		for _, r := range page {
			if err := v.Next(r); err != nil {
				t.Fatalf("chain: %v", err)
			}
		}
		all = append(all, page...)
		from = page[len(page)-1].Seq + 1
	}
}

func testAuditChain(t *testing.T, s store.Store) {
	// A time with nanoseconds in another zone: the chain keeps it in UTC at
	// the microsecond.
	at := time.Date(2026, 11, 20, 8, 30, 0, 123456789, payment.Location())
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.AppendAudit(ctx, store.AuditEntry{At: at, Actor: store.ActorAPI, Action: store.AuditNoticeCreate,
			Entity: store.NoticeEntity("dvc", "A"), Detail: []byte(`{"b": 1,  "a":"x\ny"}`)}))
		// Earlier than the previous entry: raised to its time.
		return tx.AppendAudit(ctx, store.AuditEntry{At: at.Add(-time.Hour), Actor: store.ActorEngine, Action: store.AuditPaymentDecide,
			Entity: store.PaymentEntity("momo:1")})
	})
	must(t, store.AppendAuditTx(ctx, s, store.AuditEntry{At: at.Add(time.Second), Actor: store.ActorDailyRun, Action: store.AuditReportVersion,
		Entity: store.ReportEntity("daily/2026-11-20/ALL/v1"), Detail: []byte(`{"version":1}`)}))
	rs := chain(t, s)
	if len(rs) != 3 {
		t.Fatalf("chain has %d entries, want 3", len(rs))
	}
	want1 := "feerecon-audit-v1\nseq=1\nat=2026-11-20T01:30:00.123456Z\nactor=3:api\naction=13:notice.create\n" +
		"entity=12:notice:dvc/A\ndetail=21:{\"b\": 1,  \"a\":\"x\\ny\"}\n"
	if string(rs[0].Canonical) != want1 {
		t.Errorf("canonical bytes of seq 1:\n%q\nwant\n%q", rs[0].Canonical, want1)
	}
	if string(rs[0].Detail) != `{"b": 1,  "a":"x\ny"}` {
		t.Errorf("detail rewritten: %s", rs[0].Detail)
	}
	if !bytesEqual(rs[0].PrevHash, store.AuditGenesis) || !bytesEqual(rs[1].PrevHash, rs[0].Hash) || !bytesEqual(rs[2].PrevHash, rs[1].Hash) {
		t.Error("entries are not linked by their hashes")
	}
	if !rs[1].At.Equal(rs[0].At) || string(rs[1].Detail) != "{}" {
		t.Errorf("seq 2: at %s (want %s, the previous entry's), detail %s", rs[1].At, rs[0].At, rs[1].Detail)
	}
	for i, r := range rs {
		if r.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i, r.Seq)
		}
	}
	// The trail shows the entry as the chain keeps it.
	inTx(t, s, func(tx store.Tx) error {
		trail, err := tx.AuditTrail(ctx, store.NoticeEntity("dvc", "A"))
		must(t, err)
		if len(trail) != 1 || !trail[0].At.Equal(store.AuditTime(at)) {
			t.Errorf("trail %+v", trail)
		}
		return nil
	})
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

func testAuditConcurrent(t *testing.T, s store.Store) {
	const writers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.InTx(ctx, func(tx store.Tx) error {
					// Two entries per transaction: they stay adjacent.
					for k := range 2 {
						if err := tx.AppendAudit(ctx, store.AuditEntry{At: base.Add(time.Duration(i) * time.Millisecond), Actor: "t",
							Action: "x", Entity: fmt.Sprintf("w%d/%d", w, i), Detail: fmt.Appendf(nil, `{"k":%d}`, k)}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rs := chain(t, s)
	if len(rs) != writers*each*2 {
		t.Fatalf("chain has %d entries, want %d", len(rs), writers*each*2)
	}
	for i := 0; i < len(rs); i += 2 {
		if rs[i].Entity != rs[i+1].Entity || string(rs[i].Detail) != `{"k":0}` {
			t.Fatalf("a transaction's entries were interleaved at seq %d: %s %s", rs[i].Seq, rs[i].Entity, rs[i+1].Entity)
		}
	}
}

func testAuditRollback(t *testing.T, s store.Store) {
	add := func(tx store.Tx, entity string) error {
		return tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "t", Action: "x", Entity: entity})
	}
	inTx(t, s, func(tx store.Tx) error { return add(tx, "first") })
	boom := errors.New("boom")
	if err := s.InTx(ctx, func(tx store.Tx) error {
		must(t, add(tx, "rolled back"))
		// Read in the transaction: the entry is written (and the chain
		// locked) before the rollback.
		trail, err := tx.AuditTrail(ctx, "rolled back")
		if err != nil || len(trail) != 1 || trail[0].Seq != 2 {
			t.Errorf("trail inside the transaction: %+v %v", trail, err)
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("InTx: %v", err)
	}
	inTx(t, s, func(tx store.Tx) error { return add(tx, "second") })
	rs := chain(t, s)
	if len(rs) != 2 || rs[1].Seq != 2 || rs[1].Entity != "second" {
		t.Fatalf("after a rollback the chain is %+v, want seq 1 and 2 with no hole", rs)
	}
}

func testAuditHeadAt(t *testing.T, s store.Store) {
	inTx(t, s, func(tx store.Tx) error {
		head, err := tx.AuditHeadAt(ctx, base)
		if err != nil || head != (store.AuditLink{}) {
			t.Errorf("head of an empty chain: %+v %v", head, err)
		}
		for i := range 3 {
			must(t, tx.AppendAudit(ctx, store.AuditEntry{At: base.Add(time.Duration(i) * time.Hour), Actor: "t", Action: "x", Entity: "e"}))
		}
		return nil
	})
	rs := chain(t, s)
	inTx(t, s, func(tx store.Tx) error {
		for _, c := range []struct {
			at   time.Time
			want int64
		}{{base.Add(-time.Nanosecond), 0}, {base, 1}, {base.Add(90 * time.Minute), 2}, {base.Add(2 * time.Hour), 3}, {base.Add(48 * time.Hour), 3}} {
			head, err := tx.AuditHeadAt(ctx, c.at)
			must(t, err)
			want := store.AuditLink{}
			if c.want > 0 {
				want = rs[c.want-1].Link()
			}
			if head != want {
				t.Errorf("head at %s = %+v, want %+v", c.at, head, want)
			}
		}
		return nil
	})
}

// A transaction of many entries (more than one INSERT of the PostgreSQL
// backend holds) is one unbroken run of the chain.
func testAuditMany(t *testing.T, s store.Store) {
	const n = 1201
	must(t, store.AppendAuditTx(ctx, s, store.AuditEntry{At: base, Actor: "t", Action: "x", Entity: "before"}))
	inTx(t, s, func(tx store.Tx) error {
		for i := range n {
			must(t, tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: "t", Action: "x", Entity: fmt.Sprintf("e%04d", i)}))
		}
		return nil
	})
	rs := chain(t, s)
	if len(rs) != n+1 || rs[n].Entity != fmt.Sprintf("e%04d", n-1) || rs[1].Entity != "e0000" {
		t.Fatalf("chain of %d entries, want %d in order", len(rs), n+1)
	}
}

// An exception belongs to the agencies of the notices its payment is
// allocated to or referenced; one without such a notice is in no scope.
func testExceptionsScoped(t *testing.T, s store.Store) {
	hue := Notice(t, "dvc", "HUE-1", 1, 100_000)
	hue.Agency = "H29.75"
	vinh := Notice(t, "dvc", "VINH-1", 2, 100_000)
	vinh.Agency = "G01.899.108"
	over := Payment(payment.GatewayVietQR, "T1", 150_000, base)     // allocated to HUE-1, overpaid
	named := Payment(payment.GatewayMoMo, "T2", 100_000, base)      // referenced VINH-1, not allocated
	nameless := Payment(payment.GatewayZaloPay, "T3", 70_000, base) // names no notice
	exc := func(kind reconcile.ExceptionKind, pid, ref string) reconcile.Exception {
		return reconcile.Exception{ID: reconcile.ExceptionID(kind, pid+ref), Kind: kind, PaymentID: pid, StatementRef: ref,
			Amount: payment.VNDOf(50_000), Candidates: []string{}, Status: reconcile.ExceptionOpen, CreatedAt: base}
	}
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, hue))
		must(t, tx.CreateNotice(ctx, vinh))
		for _, p := range []payment.Payment{over, named, nameless} {
			must(t, tx.InsertPayment(ctx, p))
		}
		must(t, tx.InsertAllocation(ctx, reconcile.Allocation{PaymentID: over.ID, NoticeSystem: "dvc", NoticeID: "HUE-1",
			Amount: payment.VNDOf(100_000), Rule: reconcile.RulePaymentCode}))
		must(t, tx.LinkPayment(ctx, named.ID, []store.NoticeKey{{System: "dvc", ID: "VINH-1"}}))
		for _, e := range []reconcile.Exception{
			exc(reconcile.ExceptionOverpaid, over.ID, ""),
			exc(reconcile.ExceptionAmbiguous, named.ID, ""),
			exc(reconcile.ExceptionUnmatched, nameless.ID, ""),
			exc(reconcile.ExceptionMissingEvent, "", "stmt-1/9"),
		} {
			must(t, tx.UpsertException(ctx, e))
		}
		return nil
	})
	kinds := func(f store.ExceptionFilter) string {
		t.Helper()
		var out []string
		inTx(t, s, func(tx store.Tx) error {
			es, err := tx.ListExceptions(ctx, f)
			for _, e := range es {
				out = append(out, string(e.Kind))
			}
			return err
		})
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		f    store.ExceptionFilter
		want string
	}{
		{store.ExceptionFilter{}, "ambiguous,missing_event,overpaid,unmatched"},
		{store.ExceptionFilter{Scoped: true, Agencies: []string{"H29.75"}}, "overpaid"},
		{store.ExceptionFilter{Scoped: true, Agencies: []string{"G01.899.108"}}, "ambiguous"},
		{store.ExceptionFilter{Scoped: true, Agencies: []string{"H29.75", "G01.899.108"}}, "ambiguous,overpaid"},
		{store.ExceptionFilter{Scoped: true, Agencies: []string{"H40.01"}}, ""},
		{store.ExceptionFilter{Scoped: true}, ""},
		{store.ExceptionFilter{Scoped: true, Agencies: []string{"H29.75"}, Kind: reconcile.ExceptionAmbiguous}, ""},
		{store.ExceptionFilter{Scoped: true, Unassigned: true, Agencies: []string{"H29.75"}}, "missing_event,overpaid,unmatched"},
		{store.ExceptionFilter{Scoped: true, Unassigned: true, Agencies: []string{"H40.01"}}, "missing_event,unmatched"},
		{store.ExceptionFilter{Unassigned: true}, "ambiguous,missing_event,overpaid,unmatched"},
	} {
		if got := kinds(tc.f); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
}

// testPaymentCreditedAccount: the account a payment was credited to is
// stored as given (a bank with and without its BIN, a wallet merchant,
// unknown) and read back by every read; a BIN without an account is
// refused.
func testPaymentCreditedAccount(t *testing.T, s store.Store) {
	n := Notice(t, "dvc", "N1", 1, 100_000)
	bank := Payment(payment.GatewayVietQR, "1", 10_000, base)
	bank.CreditedAccount = payment.CreditedAccount{Account: "113000006100"}
	camt := Payment(payment.GatewayCamt054, "2", 10_000, base.Add(time.Second))
	camt.CreditedAccount = payment.CreditedAccount{BIN: "970415", Account: "113000006100"}
	wallet := Payment(payment.GatewayMoMo, "3", 10_000, base.Add(2*time.Second))
	wallet.CreditedAccount = payment.WalletAccount(payment.GatewayMoMo, "MOMOFEER2024")
	unknown := Payment(payment.GatewayVNPay, "4", 10_000, base.Add(3*time.Second))
	want := []payment.Payment{bank, camt, wallet, unknown}
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.CreateNotice(ctx, n))
		for _, p := range want {
			must(t, tx.InsertPayment(ctx, p))
			must(t, tx.LinkPayment(ctx, p.ID, []store.NoticeKey{{System: "dvc", ID: "N1"}}))
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		list, err := tx.ListPayments(ctx, base, base.Add(time.Minute))
		must(t, err)
		linked, err := tx.PaymentsByNotice(ctx, "dvc", "N1")
		must(t, err)
		for name, got := range map[string][]payment.Payment{"ListPayments": list, "PaymentsByNotice": linked} {
			if len(got) != len(want) {
				t.Fatalf("%s: %d payments, want %d", name, len(got), len(want))
			}
			for i := range want {
				if got[i].CreditedAccount != want[i].CreditedAccount {
					t.Errorf("%s %s: credited %+v, want %+v", name, want[i].ID, got[i].CreditedAccount, want[i].CreditedAccount)
				}
			}
		}
		for _, p := range want {
			got, err := tx.Payment(ctx, p.ID)
			must(t, err)
			if got.CreditedAccount != p.CreditedAccount {
				t.Errorf("Payment %s: credited %+v, want %+v", p.ID, got.CreditedAccount, p.CreditedAccount)
			}
		}
		return nil
	})
	bad := Payment(payment.GatewayVietQR, "5", 10_000, base)
	bad.CreditedAccount = payment.CreditedAccount{BIN: "970415"}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.InsertPayment(ctx, bad) }); !errors.Is(err, payment.ErrInvalidPayment) {
		t.Errorf("a BIN without an account: %v, want ErrInvalidPayment", err)
	}
}
