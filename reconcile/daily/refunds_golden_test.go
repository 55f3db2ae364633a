package daily_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
)

// TestGoldenDayReversalAndRefund is the golden day with a reversal and a
// refund, given after v1 (whose bytes are the golden v1's):
//
//   - v2 (with the late event, as the golden v2): the bank's camt.054
//     reversal of SP1001 (TB-001's 150 000, confirmed in v1), booked on
//     the day at 16:20 and delivered late, names the credit by its bank
//     ref; as ingest does, SP1001 is given still (it was received) but
//     allocated nothing, so TB-001 is no longer paid. The accountant's
//     decision to refund SP1008's overpaid 50 000 (the exception closed
//     as refund on the day, at 17:30) is a refund due, one day old on the
//     27th.
//   - v3: a later camt.053 of the collection account for the day (a
//     supplementary statement, imported after v2) has the 50 000 debit
//     naming SP1008's bank ref: it completes the refund.
//
// A refund decided, or a debit booked, after the business day belongs to
// a later day's report (daily.Input.Refunds): the day's report shows the
// refund as of the day.
func TestGoldenDayReversalAndRefund(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	if got, want := reportJSON(t, byAgency(t, v1, daily.AgencyAll)), reportJSON(t, byAgency(t, reconcileOK(t, d.input(m, d.events, nowV1, nil)), daily.AgencyAll)); !bytes.Equal(got, want) {
		t.Fatal("v1 is not reproducible")
	}
	golden(t, "report.v1.ALL.json", reportJSON(t, byAgency(t, v1, daily.AgencyAll))) // the golden v1, unchanged

	sc := reversalAndRefund(t, m, d, v1)
	in2, rev, refund, reversedID := sc.in, sc.reversal, sc.refund, sc.reversedID
	v2 := reconcileOK(t, in2)
	rep2 := byAgency(t, v2, daily.AgencyAll)
	golden(t, "report.v2.refunds.ALL.json", reportJSON(t, rep2))
	var exc bytes.Buffer
	if err := daily.WriteExceptionsCSV(&exc, rep2, daily.LangEN); err != nil {
		t.Fatal(err)
	}
	golden(t, "exceptions.v2.refunds.ALL.en.csv", exc.Bytes())

	if len(rep2.Reversals) != 1 || rep2.Reversals[0].ReversalID != rev.ID || rep2.Reversals[0].PaymentID != reversedID {
		t.Errorf("v2 reversals %+v, want %s of %s", rep2.Reversals, rev.ID, reversedID)
	}
	// SP1001's 150 000 is on no notice, but it is reversed money, not
	// money waiting for one: its line names the reversal, and the qr
	// unassigned line and the totals carry it as reversed.
	if i := slices.IndexFunc(rep2.Payments, func(l daily.PaymentLine) bool { return l.PaymentID == reversedID }); i < 0 ||
		rep2.Payments[i].ReversedBy != rev.ID || rep2.Payments[i].Reversed.String() != "150000" || rep2.Payments[i].Unassigned.String() != "150000" {
		t.Errorf("v2 payment lines %+v, want %s reversed by %s", rep2.Payments, reversedID, rev.ID)
	}
	if len(rep2.Unassigned) != 1 || rep2.Unassigned[0].Channel != "qr" || rep2.Unassigned[0].Reversed.String() != "150000" ||
		rep2.Unassigned[0].Amount.String() != "319000" || rep2.Totals.UnassignedReversed.String() != "150000" {
		t.Errorf("v2 unassigned %+v, totals reversed %s: want 150000 of qr's 319000 reversed", rep2.Unassigned, rep2.Totals.UnassignedReversed)
	}
	if err := rep2.Verify(); err != nil {
		t.Error(err)
	}
	if len(rep2.RefundsDue) != 1 || rep2.RefundsDue[0].ExceptionID != refund.ID || rep2.RefundsDue[0].AgeDays != 1 ||
		rep2.RefundsDue[0].CompletedBy != "" || rep2.RefundsDue[0].Amount.String() != "50000" {
		t.Errorf("v2 refunds due %+v, want %s due, 1 day old", rep2.RefundsDue, refund.ID)
	}
	for _, a := range in2.Allocations {
		if a.PaymentID == reversedID {
			t.Errorf("reversed %s still allocated %+v", reversedID, a)
		}
	}
	if i := slices.IndexFunc(in2.NoticeStates, func(s reconcile.NoticeState) bool { return s.NoticeID == "TB-001" }); i < 0 ||
		in2.NoticeStates[i].Status != payment.NoticeIssued {
		t.Errorf("TB-001 after the reversal of its payment: %+v, want issued", in2.NoticeStates)
	}
	if rep2.Version != 2 || rep2.Diff == nil || rep2.Diff.Empty() {
		t.Errorf("v2 version %d diff %+v", rep2.Version, rep2.Diff)
	}

	// v3: the later statement's debit completes the refund.
	debit := statements.Line{StatementID: "camt053:0071000123456:2026-11-26-2", Seq: 1, Source: statements.SourceCamt053,
		Account: "0071000123456", Ref: "FT26330200000031", Amount: payment.VNDOf(50000), Fee: payment.VNDOf(0),
		BookingDate: businessDate, ValueDate: businessDate, Text: "HOAN TRA TIEN NOP THUA GD FT26330100000008 BUI THI HOA"}
	in3 := in2
	in3.Now = nowV2.Add(3 * time.Hour)
	in3.PreviousReports = v2.Reports
	in3.StatementLines = append(slices.Clone(in2.StatementLines), debit)
	in3.RefundDebits = []statements.Line{debit}
	v3 := reconcileOK(t, in3)
	rep3 := byAgency(t, v3, daily.AgencyAll)
	golden(t, "report.v3.refunds.ALL.json", reportJSON(t, rep3))
	if len(rep3.RefundsDue) != 1 || rep3.RefundsDue[0].CompletedBy != "camt053:0071000123456:2026-11-26-2/1" || rep3.RefundsDue[0].AgeDays != 0 {
		t.Errorf("v3 refunds %+v, want %s completed by the debit, on the day of the decision", rep3.RefundsDue, refund.ID)
	}
	if rep3.Version != 3 || rep3.Diff == nil || rep3.Diff.Empty() {
		t.Errorf("v3 version %d diff %+v", rep3.Version, rep3.Diff)
	}
	// Nothing new after v3.
	in4 := in3
	in4.Now, in4.PreviousReports = in3.Now.Add(time.Hour), v3.Reports
	if r := byAgency(t, reconcileOK(t, in4), daily.AgencyAll); r.Diff == nil || !r.Diff.Empty() {
		t.Errorf("a re-run after v3 has diff %+v, want empty", r.Diff)
	}
}

// reversalAndRefundDay is the input of the golden day's v2 with a
// reversal and a refund (TestGoldenDayReversalAndRefund).
type reversalAndRefundDay struct {
	in         daily.Input
	reversal   payment.Reversal
	refund     reconcile.Exception
	reversedID string
}

func reversalAndRefund(t *testing.T, m matcher, d day, v1 daily.Result) reversalAndRefundDay {
	t.Helper()
	loc := payment.Location()
	const reversedID, overpaidID = "vietqr:SP1001", "vietqr:SP1008"
	rev := payment.Reversal{ID: "camt054:FT26330199000001", Gateway: payment.GatewayCamt054, TxnID: "FT26330199000001",
		OriginalRefs: []string{"FT26330100000001"}, PaymentID: reversedID, Amount: payment.VNDOf(150000),
		ReversedAt: time.Date(2026, time.November, 26, 16, 20, 0, 0, loc), Description: "HOAN TRA GD FT26330100000001 THEO YC NH CHUYEN"}
	all := append(append([]payment.Payment(nil), d.events...), d.late...)
	var kept []payment.Payment // what the engine decides from: the reversed payment allocates nothing
	var paid payment.Payment
	for _, p := range all {
		switch p.ID {
		case reversedID:
			continue
		case overpaidID:
			paid = p
		}
		kept = append(kept, p)
	}
	in2 := d.input(m, kept, nowV2, v1.Reports)
	in2.Payments = all
	in2.Reversals = []payment.Reversal{rev}
	decided := time.Date(2026, time.November, 26, 17, 30, 0, 0, loc)
	var refund reconcile.Exception
	for i, e := range in2.Exceptions {
		if e.Kind == reconcile.ExceptionOverpaid && e.PaymentID == overpaidID {
			e.Status, e.ResolvedAt, e.ResolvedBy, e.Resolution = reconcile.ExceptionRefund, &decided, "ketoan1", "hoàn trả phần nộp thừa cho người nộp"
			in2.Exceptions[i], refund = e, e
		}
	}
	if refund.ID == "" {
		t.Fatalf("no overpaid exception of %s in the day", overpaidID)
	}
	in2.Refunds = []daily.Refund{{Exception: refund, Payment: paid}}
	return reversalAndRefundDay{in: in2, reversal: rev, refund: refund, reversedID: reversedID}
}
