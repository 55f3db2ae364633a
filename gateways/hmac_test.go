package gateways

import (
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"strings"
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

// RFC 4231 test case 2 with SHA-512, the hash VNPay signs with.
func TestVerifyHMAC(t *testing.T) {
	t.Parallel()
	const sig = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
	key, data := []byte("Jefe"), []byte("what do ya want for nothing?")
	if got := SignHMAC(sha512.New, key, data); got != sig {
		t.Errorf("SignHMAC = %s, want %s", got, sig)
	}
	for name, s := range map[string]string{"lower": sig, "upper": strings.ToUpper(sig)} {
		if err := VerifyHMAC(payment.GatewayVNPay, "hash", s, sha512.New, key, data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, s := range map[string]string{
		"missing": "", "not hex": "zz", "tampered": sig[:127] + "6", "sha256": SignHMAC(sha256.New, key, data),
	} {
		err := VerifyHMAC(payment.GatewayVNPay, "hash", s, sha512.New, key, data)
		var ge *Error
		if !errors.Is(err, ErrSignature) || !errors.As(err, &ge) || ge.Gateway != payment.GatewayVNPay {
			t.Errorf("%s: %v", name, err)
		}
	}
}
