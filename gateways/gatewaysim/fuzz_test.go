package gatewaysim

import (
	"errors"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/payment"
	"github.com/shopspring/decimal"
)

// FuzzRoundTrip checks Encode's promise on arbitrary payments: it either
// refuses (ErrUnencodable, payment.ErrInvalidPayment) or the real adapter
// decodes exactly Expected(p), or, above the adapter's amount ceiling,
// ErrAmount.
func FuzzRoundTrip(f *testing.F) {
	paid := at(2026, 11, 26, 23, 59, 59, 0).UnixNano()
	f.Add(uint8(0), "92704", int64(150_000), paid, "NP000000000151 lệ phí", "", "", "MBVCB.1")
	f.Add(uint8(1), "FT26331000001", int64(1), paid+123, "Nộp phí <hộ tịch> & \"bản sao\"", "NGUYỄN VĂN ÂN", "0071000100001", "")
	f.Add(uint8(2), "14422574", int64(100_000_000), paid, "Thanh toan don hang+%~", "", "", "VNP14422574")
	f.Add(uint8(3), "2588659987", int64(99_999), paid+int64(time.Millisecond), "", "", "", "")
	f.Add(uint8(4), "240911000001", int64(10_000), paid, "261127_NP000000000151 {\"a\":\"b\"}", "", "", "")
	f.Add(uint8(4), "1", int64(10_000), paid, " x", "", "", "")
	f.Add(uint8(1), " FT1", int64(5), int64(-1), "\x00\xff", " A", "1 ", "")
	f.Add(uint8(0), "0123", int64(200_000_000_000), paid, "a", "", "", "")
	set, err := Decoders(DemoSecrets())
	if err != nil {
		f.Fatal(err)
	}
	ceiling := payment.DefaultAmountPolicy().Ceiling
	f.Fuzz(func(t *testing.T, gi uint8, txn string, dong int64, unixNano int64, desc, name, acct, ref string) {
		gs := payment.Gateways()
		g := gs[int(gi)%len(gs)]
		p := payment.Payment{
			ID:           payment.PaymentID(g, txn),
			Gateway:      g,
			TxnID:        txn,
			Amount:       payment.Money{Amount: decimal.NewFromInt(dong), Currency: payment.VND},
			PaidAt:       time.Unix(0, unixNano),
			PayerName:    name,
			PayerAccount: acct,
			Description:  desc,
			BankRef:      ref,
		}
		raw, err := Encode(p, DemoSecrets())
		if err != nil {
			if !errors.Is(err, ErrUnencodable) && !errors.Is(err, payment.ErrInvalidPayment) {
				t.Fatalf("Encode refused with %v, want ErrUnencodable or ErrInvalidPayment", err)
			}
			return
		}
		ps, err := set[g].Decode(raw)
		if err := gatewaytest.Check(g, ps, err); err != nil {
			t.Fatal(err)
		}
		if p.Amount.Amount.GreaterThan(ceiling) {
			if !errors.Is(err, gateways.ErrAmount) {
				t.Fatalf("amount %s above the ceiling: err %v, want ErrAmount", p.Amount, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Decode(Encode(p)): %v\np: %+v\nbody: %q", err, p, raw.Body)
		}
		if len(ps) != 1 {
			t.Fatalf("%d payments, want 1", len(ps))
		}
		if diff := diffPayment(ps[0], Expected(p)); diff != "" {
			t.Fatalf("decoded differs from Expected: %s\nbody: %q", diff, raw.Body)
		}
	})
}
