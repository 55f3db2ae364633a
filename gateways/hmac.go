package gateways

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/feerecon/feerecon/payment"
)

// VerifyBodyHMAC checks the scheme feerecon asks of banks that push to it:
// header holds the lowercase (any case accepted) hex HMAC-SHA256 of the raw
// body under secret, compared in constant time. The error wraps
// ErrSignature.
func VerifyBodyHMAC(g payment.Gateway, raw Raw, header string, secret []byte) error {
	sig := raw.Header(header)
	if sig == "" {
		return Errorf(g, ErrSignature, "%s is missing", header)
	}
	sum, err := hex.DecodeString(sig)
	if err != nil {
		return Errorf(g, ErrSignature, "%s is not hex", header)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(raw.Body)
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return Errorf(g, ErrSignature, "%s does not match", header)
	}
	return nil
}
