package gateways_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

type fake payment.Gateway

func (f fake) Gateway() payment.Gateway                         { return payment.Gateway(f) }
func (f fake) Decode(gateways.Raw) ([]payment.Payment, error)   { return nil, nil }
func (f fake) Verify(gateways.Raw) error                        { return nil }
func (f fake) Reply(error) (status int, ct string, body []byte) { return 200, "", nil }

func TestNewSet(t *testing.T) {
	t.Parallel()
	s, err := gateways.NewSet(fake(payment.GatewayMoMo), fake(payment.GatewayVNPay))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Gateways(); len(got) != 2 || got[0] != payment.GatewayVNPay || got[1] != payment.GatewayMoMo {
		t.Errorf("Gateways() = %v, want [vnpay momo]", got)
	}
	if d, err := s.Get(payment.GatewayMoMo); err != nil || d.Gateway() != payment.GatewayMoMo {
		t.Errorf("Get(momo) = %v, %v", d, err)
	}
	if _, err := s.Get(payment.GatewayZaloPay); !errors.Is(err, gateways.ErrUnknownGateway) {
		t.Errorf("Get(zalopay) err = %v, want ErrUnknownGateway", err)
	}

	_, err = gateways.NewSet(fake(payment.GatewayMoMo), fake(payment.GatewayMoMo), fake("paypal"), nil)
	if err == nil {
		t.Fatal("NewSet accepted a duplicate, an unknown gateway and nil")
	}
	for _, want := range []string{"twice", "unknown", "nil"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
