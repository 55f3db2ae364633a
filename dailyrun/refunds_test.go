package dailyrun_test

import (
	"context"
	"testing"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// A debit of the collection account that returns SP9001's money, booked
// on the 28th.
const refundStatement = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>VCB-STMT-20261128-0001</MsgId><CreDtTm>2026-11-28T23:59:59+07:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>0071000123456-20261128</Id>
      <Acct><Id><Othr><Id>0071000123456</Id></Othr></Id><Ccy>VND</Ccy></Acct>
      <Ntry>
        <Amt Ccy="VND">120000</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-28</Dt></BookgDt>
        <AcctSvcrRef>FT26332000000005</AcctSvcrRef>
        <NtryDtls><TxDtls><RmtInf><Ustrd>HOAN TRA GD FT26330199999999 CHUYEN NHAM</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
`

// An accountant's refund (an exception closed as refund) is listed as due,
// with its age, in the ALL report of every day from the decision until a
// later statement's debit naming the payment completes it; listed with
// that debit on its day, absent afterwards.
func TestRefundDueUntilTheDebit(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		p := payment.Payment{ID: "vietqr:SP9001", Gateway: payment.GatewayVietQR, TxnID: "SP9001", BankRef: "FT26330199999999",
			Amount: payment.VNDOf(120000), PaidAt: at(26, 10, 0), Description: "chuyen tien", PayerName: "LE VAN C"}
		record(t, st, at(26, 10, 1), []payment.Payment{p})
		exc := reconcile.ExceptionID(reconcile.ExceptionUnmatched, p.ID)
		if err := st.InTx(ctx, func(tx store.Tx) error {
			return tx.CloseException(ctx, exc, reconcile.ExceptionRefund, "chuyển nhầm: hoàn trả", "ketoan1", at(27, 9, 0))
		}); err != nil {
			t.Fatalf("close %s as refund: %v", exc, err)
		}
		clk := newFakeClock(at(28, 1, 0))
		job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		all := func(date payment.Date) daily.Report {
			t.Helper()
			reps, err := job.Run(ctx, date, daily.AgencyAll)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range reps {
				if r.Agency == daily.AgencyAll {
					return r
				}
			}
			t.Fatalf("no ALL report of %s", date)
			return daily.Report{}
		}
		d27 := all(businessDate.AddDays(1))
		if len(d27.RefundsDue) != 1 || d27.RefundsDue[0].ExceptionID != exc || d27.RefundsDue[0].CompletedBy != "" ||
			d27.RefundsDue[0].AgeDays != 1 {
			t.Fatalf("the 27th's refunds %+v: want %s due, 1 day old", d27.RefundsDue, exc)
		}
		if _, err := dailyrun.ImportStatement(ctx, st, []byte(refundStatement), importOptions(st, at(29, 0, 10))); err != nil {
			t.Fatal(err)
		}
		clk.Set(at(29, 1, 0))
		d28 := all(businessDate.AddDays(2))
		if len(d28.RefundsDue) != 1 || d28.RefundsDue[0].CompletedBy != "camt053:0071000123456:0071000123456-20261128/1" {
			t.Fatalf("the 28th's refunds %+v: want completed by the debit", d28.RefundsDue)
		}
		clk.Set(at(30, 1, 0))
		reps, err := job.Run(ctx, businessDate.AddDays(3), daily.AgencyAll)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reps {
			if len(r.RefundsDue) != 0 {
				t.Errorf("%s still lists %+v", r.ID, r.RefundsDue)
			}
		}
	})
}
