package daily_test

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
)

// benchDay generates a day of n notices, n payment events and n statement
// lines (camt.053 lines for bank payments, settlement lines for wallet
// payments, plus 1% credits without an event): 70% linked by bank
// reference, 10% by amount and reference in the text, 20% wallets.
func benchDay(b *testing.B, n int) daily.Input {
	b.Helper()
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		b.Fatal(err)
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
			b.Fatal(err)
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
	return in
}

// peaks are the highest HeapInuse and Sys (what the runtime holds from
// the system: close to the resident set) seen while sampling.
type peaks struct{ heap, sys uint64 }

// peakHeap samples HeapInuse and Sys until stopped and returns the highest
// values. It is a metric of the benchmark, never an assertion.
func peakHeap() (stop func() peaks) {
	var peak, peakSys atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			if ms.Sys > peakSys.Load() {
				peakSys.Store(ms.Sys)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() peaks {
		close(done)
		wg.Wait()
		return peaks{heap: peak.Load(), sys: peakSys.Load()}
	}
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDailyRender measures the renderings of a reconciled day's ALL
// report apart from the reconciliation: JSON (the report file), CSV,
// exceptions CSV, XLSX and HTML.
func BenchmarkDailyRender(b *testing.B) {
	res, err := daily.Reconcile(benchDay(b, 100_000))
	if err != nil {
		b.Fatal(err)
	}
	all := res.Reports[:1]
	p := daily.Print{}
	for _, r := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"json", func(w io.Writer) error {
			j, err := all[0].JSON()
			if err == nil {
				_, err = w.Write(j)
			}
			return err
		}},
		{"csv", func(w io.Writer) error { return daily.WriteCSV(w, all[0], p.Lang) }},
		{"exceptions-csv", func(w io.Writer) error { return daily.WriteExceptionsCSV(w, all[0], p.Lang) }},
		{"xlsx", func(w io.Writer) error { return daily.WriteXLSX(w, all, p) }},
		{"html", func(w io.Writer) error { return daily.WriteHTML(w, all[0], p) }},
	} {
		b.Run(r.name+"/n=100000", func(b *testing.B) {
			var n countingWriter
			for b.Loop() {
				n = 0
				if err := r.write(&n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/(1<<20), "MiB")
		})
	}
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// BenchmarkDailyReconcile runs one day's reconciliation, reports included
// (every scope sealed with its SHA-256). Run with -benchtime 1x for 1M:
//
//	go test ./reconcile/daily -run XXX -bench DailyReconcile -benchtime 1x -benchmem
func BenchmarkDailyReconcile(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			in := benchDay(b, n)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			stop := peakHeap()
			cpu0 := cpuTime(b)
			b.ResetTimer()
			var res daily.Result
			for b.Loop() {
				var err error
				res, err = daily.Reconcile(in)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu := cpuTime(b) - cpu0
			peak := stop()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			all := res.Reports[0]
			if all.Control.PaymentCount != n || all.Control.MissingEventCount != (n+99)/100 {
				b.Fatalf("payments %d missing events %d", all.Control.PaymentCount, all.Control.MissingEventCount)
			}
			b.ReportMetric(float64(peak.heap)/(1<<20), "peak-heap-inuse-MiB")
			b.ReportMetric(float64(peak.sys)/(1<<20), "peak-sys-MiB")
			// CPU seconds (user + system, both cores): on a shared machine
			// the wall time says more about the neighbours.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(before.HeapInuse)/(1<<20), "input-heap-MiB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MiB/op")
		})
	}
}
