package dailyrun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// BenchmarkJobRun measures a business day over the memory store: n notices
// issued and paid by QR on the day, each run re-reconciling the whole day
// (after the first, nothing new is stored).
func BenchmarkJobRun(b *testing.B) {
	for _, n := range []int{100, 2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			st := memoryStore()
			var ps []payment.Payment
			err := st.InTx(ctx, func(tx store.Tx) error {
				for i := range n {
					amt := payment.Money{Amount: decimal.NewFromInt(int64(10000 + i)), Currency: payment.VND}
					code, err := payment.NewPaymentCode("NP", uint64(500000+i))
					if err != nil {
						return err
					}
					nt := payment.Notice{ID: fmt.Sprintf("B-%05d", i), System: system, Dossier: payment.DossierCode(fmt.Sprintf("H29.75-261126-%04d", i%10000)),
						Code: code, Agency: "H29.75", Total: amt, IssuedAt: at(26, 8, 0), Version: 1, Status: payment.NoticeIssued,
						TreasuryAccount: "3511.0.1052361",
						Items:           []payment.NoticeItem{{FeeType: "le_phi", Kind: payment.FeeKindLePhi, Amount: amt, BudgetChapter: "418", BudgetSubitem: "2752"}}}
					if err := tx.CreateNotice(ctx, nt); err != nil {
						return err
					}
					ps = append(ps, payment.Payment{ID: fmt.Sprintf("vietqr:B%05d", i), Gateway: payment.GatewayVietQR, TxnID: fmt.Sprintf("B%05d", i),
						Amount: amt, PaidAt: at(26, 9, 0).Add(time.Duration(i) * time.Second), Description: string(code) + " nop phi"})
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			record(b, st, at(26, 23, 0), ps)
			job := newJob(b, st, &clock{t: at(27, 1, 0)})
			b.ResetTimer()
			for b.Loop() {
				if _, err := job.Run(ctx, businessDate, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
