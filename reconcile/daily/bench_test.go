package daily_test

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/reconcile/daily/benchday"
)

// benchDay is benchday.Generate(n): the day `make bench` reconciles too.
func benchDay(b *testing.B, n int) daily.Input {
	b.Helper()
	in, err := benchday.Generate(n)
	if err != nil {
		b.Fatal(err)
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
		{"json", all[0].WriteJSON},
		{"csv", func(w io.Writer) error { return daily.WriteCSV(w, all[0], p.Lang) }},
		{"exceptions-csv", func(w io.Writer) error { return daily.WriteExceptionsCSV(w, all[0], p.Lang) }},
		{"xlsx", func(w io.Writer) error { return daily.WriteXLSX(w, all, p) }},
		{"html", func(w io.Writer) error { return daily.WriteHTML(w, all[0], p) }},
	} {
		b.Run(r.name+"/n=100000", func(b *testing.B) {
			var n countingWriter
			cpu0 := cpuTime(b)
			for b.Loop() {
				n = 0
				if err := r.write(&n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
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
