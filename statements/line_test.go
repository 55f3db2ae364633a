package statements_test

import (
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements"
)

func TestSourceWallet(t *testing.T) {
	t.Parallel()
	s := statements.SettlementSource(payment.GatewayVNPay)
	if s != "settlement:vnpay" {
		t.Errorf("SettlementSource(vnpay) = %q", s)
	}
	if w, ok := s.Wallet(); !ok || w != payment.GatewayVNPay {
		t.Errorf("Wallet of %q = %q, %v", s, w, ok)
	}
	for _, other := range []statements.Source{statements.SourceCamt053, "settlement:", "momo", ""} {
		if w, ok := other.Wallet(); ok {
			t.Errorf("Wallet of %q = %q, want none", other, w)
		}
	}
}
