package daily_test

import (
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
)

func refund(id string, dong int64, decided time.Time, txn string) daily.Refund {
	at := decided
	p := payment.Payment{ID: payment.PaymentID(payment.GatewayVietQR, txn), Gateway: payment.GatewayVietQR, TxnID: txn,
		Amount: payment.VNDOf(dong), PaidAt: decided.Add(-48 * time.Hour)}
	return daily.Refund{Payment: p, Exception: reconcile.Exception{
		ID: id, Kind: reconcile.ExceptionDuplicate, PaymentID: p.ID, Amount: payment.VNDOf(dong),
		Status: reconcile.ExceptionRefund, CreatedAt: p.PaidAt, ResolvedAt: &at, Resolution: "hoàn trả người nộp", ResolvedBy: "ketoan1",
	}}
}

func debit(seq int, dong int64, booked payment.Date, text string) statements.Line {
	return statements.Line{StatementID: "camt053:0071000123456:S", Seq: seq, Source: statements.SourceCamt053,
		Account: "0071000123456", Ref: "FTOUT" + string(rune('0'+seq)), Amount: payment.VNDOf(dong),
		Fee: payment.VNDOf(0), BookingDate: booked, Text: text}
}

// Refunds an accountant decided are due, with their age, until a debit
// naming their payment completes them: listed completed on the debit's
// day, not after; one decided after the day is not listed yet.
func TestRefundsDue(t *testing.T) {
	t.Parallel()
	m := engineMatcher(t)
	d := loadDay(t)
	loc := payment.Location()
	day25 := payment.Date{Year: 2026, Month: time.November, Day: 25}
	due := refund("duplicate|vietqr:SP20000001", 150000, time.Date(2026, time.November, 24, 10, 0, 0, 0, loc), "SP20000001")
	doneToday := refund("duplicate|vietqr:SP20000002", 200000, time.Date(2026, time.November, 24, 11, 0, 0, 0, loc), "SP20000002")
	doneBefore := refund("duplicate|vietqr:SP20000003", 50000, time.Date(2026, time.November, 23, 9, 0, 0, 0, loc), "SP20000003")
	later := refund("duplicate|vietqr:SP20000004", 70000, time.Date(2026, time.November, 27, 9, 0, 0, 0, loc), "SP20000004")
	in := d.input(m, d.events, nowV1, nil)
	in.Refunds = []daily.Refund{later, doneToday, due, doneBefore}
	in.RefundDebits = []statements.Line{
		debit(1, 50000, day25, "HOAN TIEN GD SP2000 0003 NOP TRUNG"), // spaces inside the reference
		debit(2, 200000, businessDate, "hoan tra giao dich sp20000002"),
		debit(3, 150000, businessDate, "HOAN TIEN KHAC"), // the amount of due, but not its payment
	}
	all := byAgency(t, reconcileOK(t, in), daily.AgencyAll)
	var got []string
	for _, l := range all.RefundsDue {
		got = append(got, l.ExceptionID+" "+l.CompletedBy)
	}
	want := []string{due.Exception.ID + " ", doneToday.Exception.ID + " camt053:0071000123456:S/2"}
	if !slices.Equal(got, want) {
		t.Fatalf("refunds due %q, want %q", got, want)
	}
	if l := all.RefundsDue[0]; l.AgeDays != 3 || l.PaymentID != due.Payment.ID || l.Amount.String() != "150000" {
		t.Errorf("due refund %+v: want 3 days old on the 27th", l)
	}
	if l := all.RefundsDue[1]; l.AgeDays != 2 {
		t.Errorf("completed refund %+v: want 2 days from decision to debit", l)
	}
	for _, r := range reconcileOK(t, in).Reports {
		if r.Agency != daily.AgencyAll && len(r.RefundsDue) != 0 {
			t.Errorf("%s lists refunds", r.ID)
		}
	}
	if err := all.Verify(); err != nil {
		t.Error(err)
	}
	bad := d.input(m, d.events, nowV1, nil)
	open := due
	open.Exception.Status, open.Exception.ResolvedAt = reconcile.ExceptionOpen, nil
	bad.Refunds = []daily.Refund{open}
	if _, err := daily.Reconcile(bad); err == nil {
		t.Error("an open exception accepted as a refund instruction")
	}
}
