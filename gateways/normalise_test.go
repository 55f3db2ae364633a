package gateways_test

import (
	"errors"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

func TestNormalise(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 23, 59, 59, 0, payment.Location())
	got := gateways.Normalise(payment.GatewayCamt054, payment.Payment{TxnID: "REF1", Amount: payment.VNDOf(1000), PaidAt: at,
		Description: "a\x00b", BankRef: "\xff", PayerName: "Nguyễn", PayerAccount: "\x00"})
	want := payment.Payment{ID: "camt054:REF1", Gateway: payment.GatewayCamt054, TxnID: "REF1", Amount: payment.VNDOf(1000), PaidAt: at,
		Description: "ab", BankRef: "\uFFFD", PayerName: "Nguyễn"}
	if !got.Amount.Equal(want.Amount) {
		t.Errorf("Amount = %v, want %v", got.Amount, want.Amount)
	}
	got.Amount, want.Amount = payment.Money{}, payment.Money{}
	if got != want {
		t.Errorf("Normalise = %+v, want %+v", got, want)
	}
}

func TestEpochMillis(t *testing.T) {
	t.Parallel()
	got, err := gateways.EpochMillis(payment.GatewayMoMo, "responseTime", "1721720663942")
	if err != nil || !got.Equal(time.UnixMilli(1721720663942)) || got.Location() != payment.Location() {
		t.Errorf("EpochMillis = %v, %v", got, err)
	}
	for _, s := range []string{"", "0", "-1", "1.5", "1e3", "99999999999999999999"} {
		if _, err := gateways.EpochMillis(payment.GatewayMoMo, "responseTime", s); !errors.Is(err, gateways.ErrMalformed) {
			t.Errorf("%q: err = %v, want ErrMalformed", s, err)
		}
	}
}

func TestOne(t *testing.T) {
	t.Parallel()
	p := payment.Payment{TxnID: "1"}
	if ps, err := gateways.One(p, nil); err != nil || len(ps) != 1 || ps[0].TxnID != "1" {
		t.Errorf("One(p, nil) = %v, %v", ps, err)
	}
	if ps, err := gateways.One(p, gateways.ErrMalformed); ps != nil || !errors.Is(err, gateways.ErrMalformed) {
		t.Errorf("One(p, err) = %v, %v; want no payment", ps, err)
	}
}
