package gateways_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

func TestSecretConfigValidate(t *testing.T) {
	t.Parallel()
	if err := (gateways.SecretConfig{Secret: strings.Repeat("k", gateways.MinSecretBytes)}).Validate(); err != nil {
		t.Errorf("a secret of MinSecretBytes: %v", err)
	}
	err := gateways.SecretConfig{Secret: "short", Amounts: payment.AmountPolicy{Ceiling: decimal.New(-1, 0)}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "Secret") || !strings.Contains(err.Error(), "Ceiling") {
		t.Errorf("Validate = %v, want the short secret and the negative ceiling reported", err)
	}
}

func TestConfigError(t *testing.T) {
	t.Parallel()
	problems := errors.Join(gateways.Required("Key2", ""), gateways.Required("AppID", "2553"), gateways.CheckAmounts(payment.AmountPolicy{}))
	err := gateways.ConfigError(payment.GatewayZaloPay, problems)
	if got, want := err.Error(), "zalopay config: Key2 is required"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	var v struct{ A int }
	if err := gateways.DecodeJSON([]byte(` {"A": 1} `), &v); err != nil || v.A != 1 {
		t.Errorf("one object: %v, %+v", err, v)
	}
	for _, b := range []string{``, `{"A":1}{}`, `{"A":1} x`, `{"A":`} {
		if err := gateways.DecodeJSON([]byte(b), &v); err == nil {
			t.Errorf("%q: no error", b)
		}
	}
}

func TestCheckSize(t *testing.T) {
	t.Parallel()
	if err := gateways.CheckSize(payment.GatewayMoMo, gateways.Raw{Body: make([]byte, gateways.MaxMessageBytes)}); err != nil {
		t.Errorf("MaxMessageBytes: %v", err)
	}
	err := gateways.CheckSize(payment.GatewayMoMo, gateways.Raw{Body: make([]byte, gateways.MaxMessageBytes+1)})
	if !errors.Is(err, gateways.ErrTooLarge) || !gateways.Poison(err) {
		t.Errorf("one byte more: %v, want ErrTooLarge", err)
	}
}
