package dailyrun_test

import (
	"context"
	"flag"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
)

var pgDayN = flag.Int("pgday.n", 20_000, "payments (and notices) of BenchmarkJobRunPostgres's day")

// BenchmarkJobRunPostgres measures the loading and reconciling of a
// business day over PostgreSQL: -pgday.n notices issued on the day, as
// many payments, nine in ten allocated to their notice (and linked to it),
// one in ten an unmatched exception. Stored directly, not through ingest,
// so that the setup takes seconds. Each run re-reconciles the whole day
// (after the first, nothing new is stored): what it measures is the
// reads.
//
//	source /tmp/feerecon-dev.env && go test ./dailyrun -run XXX -bench JobRunPostgres -benchtime 1x -pgday.n 20000
func BenchmarkJobRunPostgres(b *testing.B) {
	st := pgtest.Store(b)
	n := *pgDayN
	storeDay(b, st, n)
	job := newJob(b, st, &clock{t: at(27, 1, 0)})
	if _, err := job.Run(context.Background(), businessDate, ""); err != nil { // the first run stores the versions
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := processCPU(b)
	for b.Loop() {
		if _, err := job.Run(context.Background(), businessDate, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((processCPU(b)-cpu0).Seconds()/float64(b.N), "client-cpu-s/op")
}

// storeDay stores n notices issued on the business day and n payments of
// the day, in transactions of 1,000.
func storeDay(b *testing.B, st store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	const chunk = 1000
	for lo := 0; lo < n; lo += chunk {
		err := st.InTx(ctx, func(tx store.Tx) error {
			for i := lo; i < min(lo+chunk, n); i++ {
				amt := payment.VNDOf(int64(10_000 + i%5000))
				code, err := payment.NewPaymentCode("NP", uint64(600_000+i))
				if err != nil {
					return err
				}
				nt := payment.Notice{ID: fmt.Sprintf("P-%07d", i), System: system, Dossier: payment.DossierCode(fmt.Sprintf("H29.75-261126-%04d", i%10000)),
					Code: code, Agency: fmt.Sprintf("H29.%02d", i%7), Total: amt, IssuedAt: at(26, 8, 0), Version: 1, Status: payment.NoticeIssued,
					TreasuryAccount: "3511.0.1052361",
					Items:           []payment.NoticeItem{{FeeType: "le_phi", Kind: payment.FeeKindLePhi, Amount: amt, BudgetChapter: "418", BudgetSubitem: "2752"}}}
				if err := tx.CreateNotice(ctx, nt); err != nil {
					return err
				}
				p := payment.Payment{ID: fmt.Sprintf("vietqr:P%07d", i), Gateway: payment.GatewayVietQR, TxnID: fmt.Sprintf("P%07d", i),
					Amount: amt, PaidAt: at(26, 9, 0).Add(time.Duration(i) * time.Second / 2), Description: string(code) + " nop phi"}
				if err := tx.InsertPayment(ctx, p); err != nil {
					return err
				}
				if i%10 == 9 {
					if err := tx.UpsertException(ctx, reconcile.Exception{ID: "unmatched-" + p.ID, Kind: reconcile.ExceptionUnmatched,
						PaymentID: p.ID, Amount: amt, CreatedAt: at(26, 23, 0)}); err != nil {
						return err
					}
					continue
				}
				k := store.NoticeKey{System: system, ID: nt.ID}
				if err := tx.LinkPayment(ctx, p.ID, []store.NoticeKey{k}); err != nil {
					return err
				}
				if err := tx.InsertAllocation(ctx, reconcile.Allocation{PaymentID: p.ID, NoticeSystem: system, NoticeID: nt.ID, Code: code,
					Amount: amt, Rule: reconcile.RulePaymentCode, Evidence: string(code)}); err != nil {
					return err
				}
				if err := tx.SetNoticeStatus(ctx, system, nt.ID, payment.NoticePaid); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// processCPU is the CPU time (user + system) this process used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
