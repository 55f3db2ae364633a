package reconcile

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// benchWorld builds n notices and n payments with a realistic mix of
// descriptions: codes in bank envelopes, spaced and look-alike codes, bare
// digits, dossier codes, and one in ten with no reference at all (which
// takes the suggestion path).
func benchWorld(b testing.TB, n int) ([]payment.Notice, []payment.Payment) {
	r := rand.New(rand.NewPCG(1, 2))
	amounts := []int64{10000, 20000, 50000, 100000, 150000, 200000, 500000}
	names := []string{"Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Cường", "Phạm Thu Dung", "Đặng Văn Em"}
	ns := make([]payment.Notice, n)
	for i := range ns {
		code, err := payment.NewPaymentCode("NP", uint64(i)*7919+13)
		if err != nil {
			b.Fatal(err)
		}
		ns[i] = payment.Notice{
			ID: fmt.Sprintf("N%08d", i), System: "sys", Code: code,
			Dossier: payment.DossierCode(fmt.Sprintf("G01.899.%03d.000-2611%02d-%04d", i%1000, 1+i%28, i%10000)),
			Agency:  "A", PayerName: names[i%len(names)], Total: payment.VNDOf(amounts[r.IntN(len(amounts))]),
			IssuedAt: t0.Add(-time.Duration(r.IntN(30*24)) * time.Hour), Status: payment.NoticeIssued, Version: 1,
		}
	}
	ps := make([]payment.Payment, n)
	for i := range ps {
		nt := &ns[r.IntN(n)]
		var desc string
		switch k := r.IntN(10); k {
		case 0:
			desc = "MBVCB.3278614134." + string(nt.Code) + " thanh toan le phi.CT tu 0071000123456 NGUYEN VAN AN toi 1234567890123"
		case 1:
			desc = "123456.201126.101530.Thanh toán lệ phí " + nt.Code.Digits()
		case 2:
			d := nt.Code.Digits()
			desc = "np " + d[:4] + " " + d[4:8] + " " + d[8:] + " nop phi"
		case 3:
			desc = "IBFT " + strings.Replace(string(nt.Code), "0", "O", 1)
		case 4:
			desc = "Thanh toán lệ phí cho hồ sơ " + string(nt.Dossier)
		case 5:
			desc = "chuyển tiền lệ phí hộ tịch"
		default:
			desc = "FT23329138005389 " + string(nt.Code) + " " + nt.PayerName
		}
		ps[i] = payment.Payment{
			ID: fmt.Sprintf("vietqr:%08d", i), Gateway: payment.GatewayVietQR, TxnID: fmt.Sprintf("%08d", i),
			Amount: nt.Total, PaidAt: t0.Add(time.Duration(r.IntN(86400)) * time.Second),
			Description: desc, PayerName: nt.PayerName,
		}
	}
	return ns, ps
}

func benchmarkDecide(b *testing.B, n int) {
	ns, ps := benchWorld(b, n)
	e, err := NewEngine(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var d Decision
	cpu0 := cpuTime(b)
	for b.Loop() {
		d = e.Decide(ns, ps)
	}
	// CPU time beside wall time: on a shared machine, parallel work
	// shows in one and not the other.
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	b.ReportMetric(float64(len(d.Allocations)), "allocations")
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkDecide10k(b *testing.B)  { benchmarkDecide(b, 10_000) }
func BenchmarkDecide1M(b *testing.B)   { benchmarkDecide(b, 1_000_000) }
func BenchmarkDecide100k(b *testing.B) { benchmarkDecide(b, 100_000) }

func BenchmarkReferences(b *testing.B) {
	e, err := NewEngine(Config{})
	if err != nil {
		b.Fatal(err)
	}
	desc := "MBVCB.3278614134.NP000012345632 Thanh toán lệ phí hồ sơ G01.899.108.000-231110-0096.CT tu 0071000123456 NGUYEN VAN AN toi 1234567890123"
	b.ReportAllocs()
	for b.Loop() {
		_ = e.References(desc)
	}
}
