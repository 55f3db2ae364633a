package camt054_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/payment"
)

func TestDecodeReversals(t *testing.T) {
	t.Parallel()
	d := newDecoder(t)
	raw := read(t, "reversal_of_credit.xml")
	// No credit in the message: not a payment, yet not dropped.
	if _, err := d.Decode(raw); !errors.Is(err, gateways.ErrNotPayment) {
		t.Fatalf("Decode = %v, want ErrNotPayment", err)
	}
	rs, err := d.DecodeReversals(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("%d reversals, want 3 (the plain debit is none): %+v", len(rs), rs)
	}
	loc := payment.Location()
	want := []struct {
		id, txn string
		refs    []string
		amount  string
		at      time.Time
	}{
		{"camt054:FT24331000000077", "FT24331000000077", []string{"FT24330123456789"}, "150000", time.Date(2024, 11, 26, 9, 11, 2, 0, loc)},
		// No AcctSvcrRef: the notification id and entry number; the
		// EndToEndId names the original. A booking date alone: the day's
		// last microsecond (as camt.053 takes it).
		{"camt054:VCB-NTF-20241126-0007/2", "VCB-NTF-20241126-0007/2", []string{"NAPAS2411259988"}, "80000", time.Date(2024, 11, 26, 23, 59, 59, 999_999_000, loc)},
		// No RvslInd: a return (BkTxCd RRTN, RtrInf) naming the credit.
		{"camt054:FT24331000000079", "FT24331000000079", []string{"FT24330987654321"}, "2277000", time.Date(2024, 11, 26, 9, 13, 40, 0, loc)},
	}
	for i, w := range want {
		r := rs[i]
		if err := r.Validate(); err != nil {
			t.Errorf("reversal %d: %v", i, err)
		}
		if r.ID != w.id || r.TxnID != w.txn || !slices.Equal(r.OriginalRefs, w.refs) ||
			r.Amount.Amount.String() != w.amount || r.Amount.Currency != payment.VND || !r.ReversedAt.Equal(w.at) {
			t.Errorf("reversal %d = %+v, want %+v", i, r, w)
		}
	}
}

func TestDecodeReversalsNoneAndTampered(t *testing.T) {
	t.Parallel()
	d := newDecoder(t)
	// A credit reversing a debit (CRDT + RvslInd) is not a reversal of
	// feerecon's money; plain credits carry none either.
	for _, f := range []string{"reversal_only.xml", "vnd_credits_v08.xml"} {
		rs, err := d.DecodeReversals(read(t, f))
		if err != nil || len(rs) != 0 {
			t.Errorf("%s: %v, %v; want none", f, rs, err)
		}
	}
	raw := read(t, "reversal_of_credit.xml")
	raw.Body = append([]byte(nil), raw.Body...)
	raw.Body[len(raw.Body)-3] = 'X'
	if _, err := d.DecodeReversals(raw); !errors.Is(err, gateways.ErrSignature) {
		t.Fatalf("tampered: %v, want ErrSignature", err)
	}
}

// DecodeReversals never panics and, on an authentic message, returns
// reversals that validate or a classified error.
func FuzzDecodeReversals(f *testing.F) {
	gatewaytest.AddSeeds(f, filepath.Join(dir, "*.xml"))
	d := newDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		raw := resign(body)
		rs, err := d.DecodeReversals(raw)
		// DecodeBoth reads what the two calls read.
		ps, perr := d.Decode(raw)
		bps, bperr, brs, brerr := d.DecodeBoth(raw)
		if fmt.Sprint(ps, perr) != fmt.Sprint(bps, bperr) {
			t.Fatalf("DecodeBoth credits %v %v, Decode %v %v", bps, bperr, ps, perr)
		}
		if perr == nil || errors.Is(perr, gateways.ErrNotPayment) {
			if fmt.Sprint(rs, err) != fmt.Sprint(brs, brerr) {
				t.Fatalf("DecodeBoth reversals %v %v, DecodeReversals %v %v", brs, brerr, rs, err)
			}
		} else if brs != nil || brerr != nil {
			t.Fatalf("DecodeBoth refused the message (%v) yet gave reversals %v %v", bperr, brs, brerr)
		}
		if err != nil {
			if !gateways.Poison(err) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		for _, r := range rs {
			if err := r.Validate(); err != nil {
				t.Fatalf("reversal does not validate: %v", err)
			}
		}
	})
}
