package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// World builds n notices and n payments with the mix of descriptions of
// reconcile's BenchmarkDecide (benchWorld, which lives in reconcile's own
// tests and cannot be imported): codes in bank envelopes, spaced and
// look-alike codes, bare digits, dossier codes, and one in ten with no
// reference at all (the suggestion path).
func World(n int) ([]payment.Notice, []payment.Payment, error) {
	r := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: a seeded, reproducible world
	t0 := BusinessDate.Start().Add(9 * time.Hour)
	amounts := []int64{10000, 20000, 50000, 100000, 150000, 200000, 500000}
	names := []string{"Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Cường", "Phạm Thu Dung", "Đặng Văn Em"}
	ns := make([]payment.Notice, n)
	for i := range ns {
		code, err := payment.NewPaymentCode(payment.DefaultCodePrefix, uint64(i)*7919+13)
		if err != nil {
			return nil, nil, err
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
		switch r.IntN(10) {
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
	return ns, ps, nil
}

// matching runs Decide once over World(n) and returns payments per
// second.
func matching(n int) (float64, error) {
	ns, ps, err := World(n)
	if err != nil {
		return 0, err
	}
	e, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	d := e.Decide(ns, ps)
	secs := time.Since(start).Seconds()
	if len(d.Allocations) == 0 {
		return 0, fmt.Errorf("bench: Decide %d × %d allocated nothing", n, n)
	}
	return float64(n) / secs, nil
}
