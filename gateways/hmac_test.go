package gateways

import (
	"errors"
	"testing"

	"github.com/feerecon/feerecon/payment"
)

// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
func TestVerifyBodyHMAC(t *testing.T) {
	t.Parallel()
	const sig = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	raw := func(s string) Raw {
		return Raw{Body: []byte("what do ya want for nothing?"), Headers: map[string]string{"X-Sig": s}}
	}
	if err := VerifyBodyHMAC(payment.GatewayVietQR, raw(sig), "X-Sig", []byte("Jefe")); err != nil {
		t.Fatalf("RFC 4231 vector: %v", err)
	}
	for name, r := range map[string]Raw{
		"missing":  {Body: []byte("x")},
		"not hex":  raw("zz"),
		"tampered": raw(sig[:63] + "4"),
		"body changed": func() Raw {
			r := raw(sig)
			r.Body = append(r.Body, '!')
			return r
		}(),
	} {
		err := VerifyBodyHMAC(payment.GatewayVietQR, r, "X-Sig", []byte("Jefe"))
		var ge *Error
		if !errors.Is(err, ErrSignature) || !errors.As(err, &ge) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
