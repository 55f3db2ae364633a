package gateways_test

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

func TestValidateConfig(t *testing.T) {
	t.Parallel()
	if err := gateways.ValidateConfig(payment.GatewayZaloPay, payment.AmountPolicy{}, gateways.Required("Key2", "k"), nil); err != nil {
		t.Errorf("a valid config: %v", err)
	}
	negative := payment.AmountPolicy{Ceiling: decimal.New(-1, 0)}
	err := gateways.ValidateConfig(payment.GatewayZaloPay, negative, gateways.Required("Key2", ""), gateways.Required("AppID", "2553"))
	want := "zalopay config: Key2 is required\nzalopay config: Amounts.Ceiling is negative"
	if err == nil || err.Error() != want || !errors.Is(err, config.ErrInvalid) {
		t.Errorf("err = %v, want %q wrapping config.ErrInvalid", err, want)
	}
}

func TestCheckSecret(t *testing.T) {
	t.Parallel()
	if err := gateways.CheckSecret(strings.Repeat("k", gateways.MinSecretBytes)); err != nil {
		t.Errorf("a secret of MinSecretBytes: %v", err)
	}
	if err := gateways.CheckSecret(strings.Repeat("k", gateways.MinSecretBytes-1)); err == nil {
		t.Error("a secret one byte short accepted")
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

func TestBodySigned(t *testing.T) {
	t.Parallel()
	if _, err := gateways.NewBodySigned(payment.GatewayVietQR, "X-Sig", gateways.SecretConfig{Secret: "short"}); !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("a short secret: %v, want config.ErrInvalid", err)
	}
	key := strings.Repeat("k", gateways.MinSecretBytes)
	b, err := gateways.NewBodySigned(payment.GatewayVietQR, "X-Sig", gateways.SecretConfig{Secret: key})
	if err != nil {
		t.Fatal(err)
	}
	if b.Gateway() != payment.GatewayVietQR || b.Amounts != payment.DefaultAmountPolicy() {
		t.Errorf("gateway %q, amounts %+v", b.Gateway(), b.Amounts)
	}
	body := []byte(`{"id":1}`)
	good := gateways.Raw{Body: body, Headers: map[string]string{"X-Sig": gateways.SignHMAC(sha256.New, []byte(key), body)}}
	if err := b.Verify(good); err != nil {
		t.Errorf("a signed body: %v", err)
	}
	bad := gateways.Raw{Body: []byte(`{"id":2}`), Headers: good.Headers}
	if err := b.Verify(bad); !errors.Is(err, gateways.ErrSignature) {
		t.Errorf("a changed body: %v, want ErrSignature", err)
	}
	if err := b.Verify(gateways.Raw{Body: make([]byte, gateways.MaxMessageBytes+1)}); !errors.Is(err, gateways.ErrTooLarge) {
		t.Errorf("an oversized body: %v, want ErrTooLarge (before the signature)", err)
	}
}
