package outbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Header names of an attempt.
const (
	HeaderTimestamp      = "X-Feerecon-Timestamp"
	HeaderSignature      = "X-Feerecon-Signature"
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderKind           = "X-Feerecon-Kind"
)

// Secret is a shared HMAC key. It prints as "[REDACTED]" in logs, fmt and
// JSON; only Sign and Verify read it.
type Secret string

func (Secret) String() string               { return "[REDACTED]" }
func (Secret) GoString() string             { return "[REDACTED]" }
func (Secret) LogValue() slog.Value         { return slog.StringValue("[REDACTED]") }
func (Secret) MarshalText() ([]byte, error) { return []byte("[REDACTED]"), nil }
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[REDACTED]")) }
func (s Secret) key() []byte                { return []byte(string(s)) }

// ErrSignature: the signature is missing, not hex, or does not match.
var ErrSignature = errors.New("delivery signature does not verify")

// ErrTimestamp: the timestamp is not decimal Unix seconds or is outside the
// tolerance.
var ErrTimestamp = errors.New("delivery timestamp invalid or out of tolerance")

// Sign returns the signature header value for a timestamp header value and
// a body: lowercase hex HMAC-SHA256(secret, timestamp + "." + body).
func Sign(secret Secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret.key())
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a received signature in constant time. timestamp is the
// X-Feerecon-Timestamp header exactly as received.
func Verify(secret Secret, timestamp string, body []byte, signature string) error {
	got, err := hex.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not %d bytes of hex", ErrSignature, sha256.Size)
	}
	want, _ := hex.DecodeString(Sign(secret, timestamp, body))
	if !hmac.Equal(got, want) {
		return ErrSignature
	}
	return nil
}

// CheckTimestamp reports whether timestamp (decimal Unix seconds) is within
// tolerance of now, for receivers that bound replays.
func CheckTimestamp(timestamp string, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrTimestamp, timestamp)
	}
	d := now.Sub(time.Unix(sec, 0))
	if d < -tolerance || d > tolerance {
		return fmt.Errorf("%w: %s off", ErrTimestamp, d)
	}
	return nil
}
