package gateways

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"

	"github.com/feerecon/feerecon/payment"
)

// VerifyHMAC checks sig, the hex (any case) HMAC of data under key with the
// hash h, in constant time: how every gateway feerecon reads signs. name is
// where the message carries sig (a header, a field), for the error, which
// wraps ErrSignature.
func VerifyHMAC(g payment.Gateway, name, sig string, h func() hash.Hash, key, data []byte) error {
	if sig == "" {
		return Errorf(g, ErrSignature, "%s is missing", name)
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return Errorf(g, ErrSignature, "%s is not hex", name)
	}
	if !hmac.Equal(got, sum(h, key, data)) {
		return Errorf(g, ErrSignature, "%s does not match", name)
	}
	return nil
}

// SignHMAC is the lowercase hex HMAC of data under key with the hash h, a
// signature VerifyHMAC accepts (the simulator signs with it).
func SignHMAC(h func() hash.Hash, key, data []byte) string {
	return hex.EncodeToString(sum(h, key, data))
}

func sum(h func() hash.Hash, key, data []byte) []byte {
	mac := hmac.New(h, key)
	mac.Write(data)
	return mac.Sum(nil)
}

// VerifyBodyHMAC checks the scheme feerecon asks of banks that push to it:
// header holds the lowercase (any case accepted) hex HMAC-SHA256 of the raw
// body under secret, compared in constant time. The error wraps
// ErrSignature.
func VerifyBodyHMAC(g payment.Gateway, raw Raw, header string, secret []byte) error {
	return VerifyHMAC(g, header, raw.Header(header), sha256.New, secret, raw.Body)
}
