package gatewaytest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaytest"
	"github.com/feerecon/feerecon/payment"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	g := payment.GatewayMoMo
	good := payment.Payment{ID: "momo:1", Gateway: g, TxnID: "1", Amount: payment.VNDOf(1000), PaidAt: time.Unix(1_800_000_000, 0)}
	withDesc := func(d string) payment.Payment { p := good; p.Description = d; return p }
	tests := []struct {
		name string
		ps   []payment.Payment
		err  error
		ok   bool
	}{
		{"valid payment", []payment.Payment{good}, nil, true},
		{"decode error", nil, gateways.Errorf(g, gateways.ErrMalformed, "x"), true},
		{"plain error", nil, errors.New("boom"), false},
		{"sentinel without *Error", nil, fmt.Errorf("x: %w", gateways.ErrMalformed), false},
		{"two sentinels", nil, &gateways.Error{Gateway: g, Err: fmt.Errorf("%w %w", gateways.ErrMalformed, gateways.ErrAmount)}, false},
		{"other gateway's error", nil, gateways.Errorf(payment.GatewayVNPay, gateways.ErrMalformed, "x"), false},
		{"error with payments", []payment.Payment{good}, gateways.Errorf(g, gateways.ErrMalformed, "x"), false},
		{"nothing at all", nil, nil, false},
		{"invalid payment", []payment.Payment{{ID: "momo:", Gateway: g}}, nil, false},
		{"other gateway's payment", []payment.Payment{{ID: "vnpay:1", Gateway: payment.GatewayVNPay, TxnID: "1", Amount: payment.VNDOf(1), PaidAt: time.Unix(1_800_000_000, 0)}}, nil, false},
		{"NUL in text", []payment.Payment{withDesc("a\x00b")}, nil, false},
		{"invalid UTF-8", []payment.Payment{withDesc("a\xffb")}, nil, false},
	}
	for _, tt := range tests {
		if err := gatewaytest.Check(g, tt.ps, tt.err); (err == nil) != tt.ok {
			t.Errorf("%s: Check = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
