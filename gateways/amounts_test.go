package gateways_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

func TestAmountPolicy(t *testing.T) {
	t.Parallel()
	def := payment.DefaultAmountPolicy()
	if got := gateways.AmountPolicy(payment.AmountPolicy{}); !got.Ceiling.Equal(def.Ceiling) {
		t.Errorf("zero policy: ceiling %s, want the default %s", got.Ceiling, def.Ceiling)
	}
	own := payment.AmountPolicy{Ceiling: decimal.New(5_000_000, 0)}
	if got := gateways.AmountPolicy(own); !got.Ceiling.Equal(own.Ceiling) {
		t.Errorf("own policy: ceiling %s, want %s", got.Ceiling, own.Ceiling)
	}
	if _, err := gateways.AmountPolicy(payment.AmountPolicy{}).ParsePositive("100000000001", "VND"); err == nil {
		t.Error("the defaulted policy accepts an amount above 100 billion đồng")
	}
}

func TestInvalidAmount(t *testing.T) {
	t.Parallel()
	_, aerr := payment.DefaultAmountPolicy().ParsePositive("-1", "VND")
	err := gateways.InvalidAmount(payment.GatewayVNPay, "vnp_Amount", aerr)
	var ae *payment.AmountError
	var ge *gateways.Error
	if !errors.Is(err, gateways.ErrAmount) || !errors.As(err, &ae) || !errors.As(err, &ge) || ge.Gateway != payment.GatewayVNPay {
		t.Errorf("err = %v, want a vnpay *gateways.Error wrapping ErrAmount and the *payment.AmountError", err)
	}
	if !strings.Contains(err.Error(), "vnp_Amount") {
		t.Errorf("err = %v, want the field named", err)
	}
}
