package vietqr

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
)

// FuzzParse: Parse never panics, and whatever it accepts rebuilds (when it
// is buildable) into a payload that parses back to the same fields.
// Corpus: testdata/fuzz/FuzzParse (the real and overrun vectors).
func FuzzParse(f *testing.F) {
	for _, tc := range realPayloads {
		f.Add(tc.s)
	}
	for _, tc := range overrunPayloads {
		f.Add(tc.s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d.HasAmount() && (!d.Amount.Amount.IsPositive() || d.Amount.Currency != payment.VND) {
			t.Fatalf("Parse(%q) accepted amount %v", s, d.Amount)
		}
		b, err := Builder{MaxPurposeLen: 95}.Build(d.Payload)
		if err != nil {
			return
		}
		again, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(Build(Parse(%q))) = %v", s, err)
		}
		if !samePayload(again.Payload, d.Payload) {
			t.Fatalf("round trip of %q: %+v != %+v", s, again.Payload, d.Payload)
		}
	})
}

// FuzzBuildRoundTrip: for every payload Build accepts, Parse gives back
// exactly the same fields, and the output is canonical (rebuilding the
// parsed payload is byte-identical).
func FuzzBuildRoundTrip(f *testing.F) {
	f.Add("970436", "0071000123456", "QRIBFTTA", "150000", "NP000000000151 LE PHI", "")
	f.Add("970403", "9704031101234567", "QRIBFTTC", "", "NP000000000151", "HS-0096")
	f.Add("970405", "1", "", "1", "", "")
	f.Fuzz(func(t *testing.T, bin, account, service, amount, purpose, bill string) {
		p := Payload{BankBIN: bin, Account: account, Service: Service(service), Purpose: purpose, BillNumber: bill}
		if amount != "" {
			d, err := decimal.NewFromString(amount)
			if err != nil {
				return
			}
			p.Amount = payment.Money{Amount: d, Currency: payment.VND}
		}
		s, err := Build(p)
		if err != nil {
			return
		}
		d, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(Build(%+v)) = %v (%s)", p, err, s)
		}
		if p.Service == "" {
			p.Service = ServiceToAccount
		}
		if !samePayload(d.Payload, p) {
			t.Fatalf("round trip: %+v != %+v", d.Payload, p)
		}
		if d.Dynamic != p.HasAmount() {
			t.Fatalf("Dynamic = %v with amount %v", d.Dynamic, p.Amount)
		}
		if s2, err := Build(d.Payload); err != nil || s2 != s {
			t.Fatalf("rebuild = %q, %v; want %q", s2, err, s)
		}
	})
}
