package dailyrun_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

var (
	pgDayN  = flag.Int("pgday.n", 20_000, "payments (and notices) of BenchmarkJobRunPostgres's day")
	pgDayDB = flag.String("pgday.db", "", "BenchmarkJobRunPostgres's database on the test server: created and stored once, kept after the run "+
		"(drop it by hand), so that several runs and versions of the code measure the same day without storing it again; default a fresh one, dropped")
)

// BenchmarkJobRunPostgres measures the loading and reconciling of a
// business day over PostgreSQL: -pgday.n notices issued on the day, as
// many payments, nine in ten allocated to their notice (and linked to it),
// one in ten an unmatched exception. Stored directly, not through ingest,
// so that the setup takes minutes, not hours. Each run re-reconciles the
// whole day (after the first, nothing new is stored): what it measures is
// the reads. It reports the CPU seconds of this process and of the
// PostgreSQL backends serving it (read from /proc: the server is on this
// machine).
//
//	source /tmp/feerecon-dev.env && go test ./dailyrun -run XXX -bench JobRunPostgres -benchtime 1x -pgday.n 20000
func BenchmarkJobRunPostgres(b *testing.B) {
	dsn := pgDayDatabase(b, *pgDayDB)
	if _, err := postgres.Migrate(dsn); err != nil {
		b.Fatal(err)
	}
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	var stored []payment.Payment
	err = st.InTx(context.Background(), func(tx store.Tx) error {
		stored, err = tx.ListPayments(context.Background(), at(26, 0, 0), at(27, 0, 0))
		return err
	})
	switch {
	case err != nil:
		b.Fatal(err)
	case len(stored) == 0:
		storeDay(b, st, *pgDayN)
	case len(stored) != *pgDayN:
		b.Fatalf("database %s holds a day of %d payments, not %d", db, len(stored), *pgDayN)
	}
	job := newJob(b, st, &clock{t: at(27, 1, 0)})
	if _, err := job.Run(context.Background(), businessDate, ""); err != nil { // the first run stores the versions
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0, srv0 := processCPU(b), serverCPU(b, db)
	for b.Loop() {
		if _, err := job.Run(context.Background(), businessDate, ""); err != nil {
			b.Fatal(err)
		}
	}
	// CPU seconds, not the wall time, which on a shared machine says
	// more about the neighbours.
	b.ReportMetric((processCPU(b)-cpu0).Seconds()/float64(b.N), "client-cpu-s/op")
	b.ReportMetric((serverCPU(b, db)-srv0).Seconds()/float64(b.N), "server-cpu-s/op")
}

// pgDayDatabase returns the URL of database name on the test server,
// created if it does not exist and never dropped; a fresh database,
// dropped at the end, for no name.
func pgDayDatabase(b *testing.B, name string) string {
	if name == "" {
		return testenv.Postgres(b)
	}
	base := os.Getenv(testenv.EnvPG)
	if base == "" {
		b.Skipf("%s not set", testenv.EnvPG)
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		if _, err := admin.Exec("CREATE DATABASE " + pq.QuoteIdentifier(name)); err != nil {
			b.Fatal(err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
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

// serverCPU is the CPU time (user + system) of the PostgreSQL backends
// connected to database db, read from /proc: the server runs on this
// machine. A backend that exits between two readings takes its time
// with it; the store keeps its idle connections.
func serverCPU(b *testing.B, db string) time.Duration {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	var ticks int64
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil || !strings.HasPrefix(string(cmd), "postgres: ") || !strings.Contains(string(cmd), " "+db+" ") {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		for _, s := range f[11:13] {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			ticks += v
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// processCPU is the CPU time (user + system) this process used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
