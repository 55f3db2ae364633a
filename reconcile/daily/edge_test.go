package daily_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements/settlement"
)

// One payment for two notices of two agencies, a USD payment, and a wallet
// transaction settled twice.
func TestSplitPaymentForeignAndDoubleSettlement(t *testing.T) {
	t.Parallel()
	d := loadDay(t)
	notices := d.notices
	loc := payment.Location()
	at := time.Date(2026, 11, 26, 16, 0, 0, 0, loc)
	split := payment.Payment{ID: "vietqr:SPLIT", Gateway: payment.GatewayVietQR, TxnID: "SPLIT", Amount: payment.VNDOf(450000), PaidAt: at,
		Description: "NP000000016156 NP000000015768"}
	usd := payment.Payment{ID: "vietqr:USD1", Gateway: payment.GatewayVietQR, TxnID: "USD1",
		Amount: payment.Money{Amount: decimal.NewFromInt(10), Currency: "USD"}, PaidAt: at, Description: "NP000000015671"}
	wallet := payment.Payment{ID: "momo:77", Gateway: payment.GatewayMoMo, TxnID: "77", Amount: payment.VNDOf(120000), PaidAt: at, Description: "x"}
	in := daily.Input{
		DayRules:     daily.DefaultDayRules(),
		BusinessDate: businessDate,
		Notices:      notices,
		Payments:     []payment.Payment{split, usd, wallet},
		Allocations: []reconcile.Allocation{
			{PaymentID: split.ID, NoticeSystem: system, NoticeID: "TB-011", Amount: payment.VNDOf(400000), Rule: reconcile.RuleMultiReferenceExactSum},
			{PaymentID: split.ID, NoticeSystem: system, NoticeID: "TB-006", Amount: payment.VNDOf(50000), Rule: reconcile.RuleMultiReferenceExactSum},
		},
		Exceptions: []reconcile.Exception{{ID: "currency_mismatch|vietqr:USD1", Kind: reconcile.ExceptionCurrencyMismatch, PaymentID: usd.ID,
			Amount: usd.Amount, Status: reconcile.ExceptionOpen, CreatedAt: at}},
		SettlementLines: []settlement.Line{
			{Seq: 1, Wallet: payment.GatewayMoMo, TxnID: "77", Gross: payment.VNDOf(120000), Fee: payment.VNDOf(0), Net: payment.VNDOf(120000), SettledDate: businessDate},
			{Seq: 1, Wallet: payment.GatewayMoMo, TxnID: "77", Gross: payment.VNDOf(120000), Fee: payment.VNDOf(0), Net: payment.VNDOf(120000), SettledDate: businessDate.AddDays(-1)},
		},
		Now: nowV1,
	}
	res := reconcileOK(t, in)
	all := byAgency(t, res, daily.AgencyAll)
	if all.Control.ForeignPayments != 1 || all.Control.PaymentCount != 2 {
		t.Fatalf("foreign %d payments %d", all.Control.ForeignPayments, all.Control.PaymentCount)
	}
	g, h := byAgency(t, res, "G01.899.108"), byAgency(t, res, "H29.75")
	if !g.Totals.Collected.Equal(decimal.NewFromInt(400000)) || !h.Totals.Collected.Equal(decimal.NewFromInt(50000)) {
		t.Fatalf("split collected G01 %s H29.75 %s", g.Totals.Collected, h.Totals.Collected)
	}
	if len(g.Payments) != 1 || !g.Payments[0].Amount.Equal(decimal.NewFromInt(450000)) || !g.Payments[0].Collected.Equal(decimal.NewFromInt(400000)) {
		t.Fatalf("G01 payment line %+v", g.Payments)
	}
	// The unallocated rest of the wallet payment is unassigned money.
	if !all.Totals.Unassigned.Equal(decimal.NewFromInt(120000)) {
		t.Fatalf("unassigned %s", all.Totals.Unassigned)
	}
	var dup int
	for _, e := range res.Exceptions {
		if e.Kind == reconcile.ExceptionMissingEvent && e.StatementRef == "77" {
			dup++
		}
	}
	// The line of the day is linked only if the earlier one was not: the
	// earlier (2026-11-25) settles it first, so today's is the second credit.
	if dup != 1 {
		t.Fatalf("double settlement: %d missing_event, want 1: %+v", dup, res.Exceptions)
	}
	// The 2026-11-25 MoMo settlement was never paid out to the account by
	// T+1; the one of the day still has time.
	var batchMissing []string
	for _, e := range res.Exceptions {
		if e.Kind == reconcile.ExceptionMissingCredit && e.PaymentID == "" {
			batchMissing = append(batchMissing, e.StatementRef)
		}
	}
	if len(batchMissing) != 1 || batchMissing[0] != "settlement:momo:2026-11-25" {
		t.Fatalf("unpaid settlements %v", batchMissing)
	}
	for _, r := range res.Reports {
		if err := daily.Check(r); err != nil {
			t.Fatal(err)
		}
	}
}

// An instalment on a two-item notice lands on the items after what was paid
// before (from the notice states), never split proportionally.
func TestInstalmentFillsBudgetItemsInOrder(t *testing.T) {
	t.Parallel()
	loc := payment.Location()
	issued := time.Date(2026, 11, 20, 9, 0, 0, 0, loc)
	n := payment.Notice{ID: "TB-2", System: system, Dossier: "H29.75-261120-0001", Code: "NP000000016253", Agency: "H29.75",
		Total: payment.VNDOf(300000), IssuedAt: issued, TreasuryAccount: "3511.0.1052361", Status: payment.NoticePartiallyPaid, Version: 1,
		Items: []payment.NoticeItem{
			{Amount: payment.VNDOf(200000), BudgetChapter: "418", BudgetSubitem: "2752"},
			{Amount: payment.VNDOf(100000), BudgetChapter: "418", BudgetSubitem: "2716"},
		}}
	p := payment.Payment{ID: "vietqr:I2", Gateway: payment.GatewayVietQR, TxnID: "I2", Amount: payment.VNDOf(150000),
		PaidAt: time.Date(2026, 11, 26, 10, 0, 0, 0, loc), Description: "NP000000016253"}
	in := daily.Input{
		DayRules:     daily.DefaultDayRules(),
		BusinessDate: businessDate, Notices: []payment.Notice{n}, Payments: []payment.Payment{p},
		Allocations: []reconcile.Allocation{{PaymentID: p.ID, NoticeSystem: system, NoticeID: n.ID, Amount: p.Amount, Rule: reconcile.RulePaymentCode}},
		// 100000 paid on an earlier day, 150000 today.
		NoticeStates: []reconcile.NoticeState{{System: system, NoticeID: n.ID, Status: payment.NoticePartiallyPaid, AmountDue: n.Total, Paid: payment.VNDOf(250000)}},
		Now:          nowV1,
	}
	r := byAgency(t, reconcileOK(t, in), "H29.75")
	got := map[string]string{}
	for _, l := range r.Budget {
		got[l.Subitem] = l.Collected.String()
	}
	if got["2752"] != "100000" || got["2716"] != "50000" {
		t.Fatalf("budget lines %v, want 2752: 100000, 2716: 50000", got)
	}
}

// A settlement_short's amount is never negative: a wallet paying out more
// than it owed says so in the evidence, a short one does not.
func TestSettlementShortDirection(t *testing.T) {
	t.Parallel()
	line := func(txn string, net int64) settlement.Line {
		return settlement.Line{Seq: 1, Wallet: payment.GatewayVNPay, TxnID: txn, Gross: payment.VNDOf(50000), Fee: payment.VNDOf(550),
			Net: payment.VNDOf(net), SettledDate: businessDate}
	}
	res := reconcileOK(t, daily.Input{DayRules: daily.DefaultDayRules(), BusinessDate: businessDate, Now: nowV1,
		SettlementLines: []settlement.Line{line("OVER", 49800), line("SHORT", 49000)}})
	got := map[string]reconcile.Exception{}
	for _, e := range res.Exceptions {
		if e.Kind == reconcile.ExceptionSettlementShort {
			got[e.StatementRef] = e
		}
	}
	for _, c := range []struct {
		txn, amount string
		over        bool
	}{{"OVER", "350", true}, {"SHORT", "450", false}} {
		e, ok := got[c.txn]
		if !ok {
			t.Fatalf("%s: no settlement_short among %+v", c.txn, res.Exceptions)
		}
		if e.Amount.Amount.String() != c.amount || e.Amount.Currency != payment.VND {
			t.Errorf("%s: amount %s, want %s VND", c.txn, e.Amount, c.amount)
		}
		if over := strings.HasSuffix(e.Evidence, ": paid out "+c.amount+" more than owed"); over != c.over {
			t.Errorf("%s: evidence %q", c.txn, e.Evidence)
		}
	}
	all := byAgency(t, res, daily.AgencyAll)
	for _, k := range all.Totals.ByKind {
		if k.Kind == reconcile.ExceptionSettlementShort && k.Amount.String() != "800" {
			t.Errorf("settlement_short total %s, want 800", k.Amount)
		}
	}
}
