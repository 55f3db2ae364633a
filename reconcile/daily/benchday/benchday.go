// Package benchday generates a reconciliation day of any size for
// benchmarks: reconcile/daily's BenchmarkDailyReconcile and the daily row
// of `make bench` (package bench) measure the same input. Nothing in a
// production path imports it.
package benchday

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
)

// Generate generates a day of n notices, n payment events and n statement
// lines (camt.053 lines for bank payments, settlement lines for wallet
// payments, plus 1% credits without an event): 70% linked by bank
// reference, 10% by amount and reference in the text, 20% wallets. Every notice is paid by its
// payment, allocated by its payment code.
func Generate(n int) (daily.Input, error) {
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		return daily.Input{}, err
	}
	loc := payment.Location()
	day := payment.Date{Year: 2026, Month: time.November, Day: 26}
	start := day.Start()
	subitems := []string{"2752", "2764", "2767", "2768", "2771"}
	in := daily.Input{
		DayRules:        daily.DefaultDayRules(),
		BusinessDate:    day,
		Notices:         make([]payment.Notice, 0, n),
		Payments:        make([]payment.Payment, 0, n),
		Allocations:     make([]reconcile.Allocation, 0, n),
		StatementLines:  make([]statements.Line, 0, n),
		SettlementLines: make([]settlement.Line, 0, n/5+1),
		ExtractRefs: func(s string) []string {
			refs := eng.References(s)
			out := make([]string, len(refs))
			for i, r := range refs {
				out[i] = r.Key
			}
			return out
		},
		Now: time.Date(2026, time.November, 27, 1, 0, 0, 0, loc),
	}
	const stmt = "camt053:0071000123456:bench"
	seq := 0
	for i := 0; i < n; i++ {
		code, err := payment.NewPaymentCode("NP", uint64(i+1))
		if err != nil {
			return daily.Input{}, err
		}
		amount := payment.VNDOf(int64(50_000 + (i%50)*1_000))
		agency := "AG" + strconv.Itoa(i%50)
		in.Notices = append(in.Notices, payment.Notice{
			ID: "TB-" + strconv.Itoa(i), System: "motcua", Code: code, Agency: agency,
			Total: amount, IssuedAt: start.Add(8 * time.Hour), TreasuryAccount: "3511.0." + agency,
			Items:  []payment.NoticeItem{{Amount: amount, BudgetChapter: "418", BudgetSubitem: subitems[i%5]}},
			Status: payment.NoticePaid, Version: 1,
		})
		paidAt := start.Add(time.Duration(i%43_200) * time.Second)
		var p payment.Payment
		switch k := i % 10; {
		case k < 8:
			txn := "SP" + strconv.Itoa(i)
			p = payment.Payment{ID: payment.PaymentID(payment.GatewayVietQR, txn), Gateway: payment.GatewayVietQR, TxnID: txn,
				Amount: amount, PaidAt: paidAt, Description: string(code) + " le phi"}
			seq++
			l := statements.Line{StatementID: stmt, Seq: seq, Source: statements.SourceCamt053, Account: "0071000123456",
				Credit: true, Amount: amount, Fee: payment.VNDOf(0), BookingDate: day, ValueDate: day}
			if k < 7 {
				p.BankRef = "FT" + strconv.Itoa(i)
				l.Ref = p.BankRef
			} else {
				l.Ref = "NP" + strconv.Itoa(i)
				l.Text = "IBFT " + string(code) + " nop phi"
			}
			in.StatementLines = append(in.StatementLines, l)
		default:
			w := payment.GatewayVNPay
			if k == 9 {
				w = payment.GatewayMoMo
			}
			txn := strconv.Itoa(10_000_000 + i)
			p = payment.Payment{ID: payment.PaymentID(w, txn), Gateway: w, TxnID: txn, Amount: amount, PaidAt: paidAt, Description: string(code)}
			fee := amount.Amount.Div(decimal.NewFromInt(100)).Floor()
			in.SettlementLines = append(in.SettlementLines, settlement.Line{Seq: i + 1, Wallet: w, TxnID: txn, Gross: amount,
				Fee: payment.Money{Amount: fee, Currency: payment.VND}, Net: payment.Money{Amount: amount.Amount.Sub(fee), Currency: payment.VND}, SettledDate: day})
		}
		in.Payments = append(in.Payments, p)
		in.Allocations = append(in.Allocations, reconcile.Allocation{PaymentID: p.ID, NoticeSystem: "motcua", NoticeID: "TB-" + strconv.Itoa(i),
			Code: code, Amount: amount, Rule: reconcile.RulePaymentCode})
		if i%100 == 0 {
			seq++
			in.StatementLines = append(in.StatementLines, statements.Line{StatementID: stmt, Seq: seq, Source: statements.SourceCamt053,
				Ref: "FTX" + strconv.Itoa(i), Credit: true, Amount: payment.VNDOf(75_000), BookingDate: day, ValueDate: day, Text: "khong ro"})
		}
	}
	return in, nil
}
