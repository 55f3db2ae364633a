// Package gateways is the contract every payment-gateway adapter satisfies:
// bytes in, verified and normalised payment.Payment values out. One
// sub-package per format (vietqr, camt054, vnpay, momo, zalopay) implements
// Decoder; none of them knows about matching, storage or Kafka.
//
// It also holds what the adapters do alike, so that each rule has one
// home: their configs (ValidateConfig, Required, SecretConfig, CheckSecret),
// signatures (VerifyHMAC, VerifyBodyHMAC, SignHMAC), reading (CheckSize,
// DecodeJSON, DecimalID, Raw.Header) and normalising (Normalise, One,
// InvalidAmount, EpochMillis, StorableText, AmountPolicy).
package gateways

import (
	"errors"
	"fmt"

	"github.com/feerecon/feerecon/payment"
)

// Raw is one gateway message exactly as it was received: the request body
// (for a GET callback such as VNPay's IPN, the raw query string) and the
// request headers that carry its authenticity (e.g. a signature header).
// Ingress writes Body as the Kafka message value and Headers as Kafka
// headers, so a consumer can verify the message again, byte for byte.
type Raw struct {
	Body []byte
	// Headers holds only the headers an adapter needs, under their
	// canonical MIME names (http.CanonicalHeaderKey), e.g. "X-Signature".
	Headers map[string]string
}

// Decoder verifies and normalises one gateway format.
//
// Decode returns the payments a message carries: one for a callback, zero
// or more for a camt.054 notification (one per credit entry). Every error
// wraps exactly one of the sentinel errors below, inside an *Error, so a
// consumer can decide with errors.Is whether it is poison (dead-letter) or
// merely "not a payment" (an authentic message that records no money in,
// such as a failed VNPay transaction).
type Decoder interface {
	Gateway() payment.Gateway
	// Verify checks only whether raw is authentic: its size, then its
	// signature under the configured key, the checks Decode runs before it
	// trusts the message, with the same code. It returns nil or an error
	// wrapping ErrTooLarge or ErrSignature; a message whose signature
	// cannot even be read (an envelope that does not parse) does not
	// verify: ErrSignature (see Unverified). Ingress calls it to refuse a
	// callback before it stores anything. For a raw Verify accepts, Decode
	// never returns ErrTooLarge, and ErrSignature only when the authentic
	// message names another account than the configured one (MoMo's
	// partnerCode, VNPay's vnp_TmnCode, ZaloPay's app_id): signed with our
	// key, so kept in full like any authentic poison.
	Verify(raw Raw) error
	Decode(raw Raw) ([]payment.Payment, error)
	// Reply is the answer the gateway expects from a callback endpoint:
	// err is nil when the message was verified and durably stored (in
	// Kafka); otherwise the decode or storage error. A storage failure must
	// make the gateway retry.
	Reply(err error) (status int, contentType string, body []byte)
}

// ReversalDecoder is what a Decoder whose format carries reversals of
// earlier credits satisfies too (camt054: a DBIT entry with RvslInd true).
// DecodeReversals verifies raw as Decode does and returns the reversals it
// carries: none (nil, nil) for a message without any. Its errors follow
// Decode's; ingest.Processor.HandleRaw calls it beside Decode.
type ReversalDecoder interface {
	DecodeReversals(raw Raw) ([]payment.Reversal, error)
}

// BothDecoder is a ReversalDecoder that reads a message's credits and
// reversals from one verification and one parse: DecodeBoth returns what
// Decode and DecodeReversals would (each with its error), for the price of
// one. A message Decode refuses (a signature, a parse) is refused through
// credErr, with nothing in the rest.
type BothDecoder interface {
	ReversalDecoder
	DecodeBoth(raw Raw) (credits []payment.Payment, credErr error, reversals []payment.Reversal, revErr error)
}

// Sentinel errors. Decode errors wrap exactly one of them.
var (
	// ErrSignature: the signature is missing or does not verify. Poison.
	ErrSignature = errors.New("signature does not verify")
	// ErrMalformed: the body cannot be read as the format (syntax, missing
	// or unknown required fields, bad dates). Poison.
	ErrMalformed = errors.New("malformed message")
	// ErrAmount: the amount is not valid money (fractional or negative VND,
	// unknown currency, above the ceiling). Poison; wraps the
	// *payment.AmountError too.
	ErrAmount = errors.New("invalid amount")
	// ErrTooLarge: the message is larger than MaxMessageBytes. Poison.
	ErrTooLarge = errors.New("message too large")
	// ErrNotPayment: an authentic, well-formed message that records no
	// money in (failed transaction, debit entry). Not poison: counted and
	// logged, never stored as a payment.
	ErrNotPayment = errors.New("not a completed incoming payment")
)

// MaxMessageBytes bounds a raw gateway message; larger ones are rejected
// before parsing.
const MaxMessageBytes = 1 << 20

// CheckSize is the ErrTooLarge error of gateway g for a raw larger than
// MaxMessageBytes, or nil: the first check of every Decode.
func CheckSize(g payment.Gateway, raw Raw) error {
	if len(raw.Body) > MaxMessageBytes {
		return Errorf(g, ErrTooLarge, "%d bytes", len(raw.Body))
	}
	return nil
}

// Unverified is Verify's answer for err, an error of the checks a decoder
// runs before it trusts a message: nil, ErrTooLarge and ErrSignature errors
// are returned as they are; any other error (the envelope that carries the
// signature cannot be read) becomes an ErrSignature error of gateway g
// keeping its text, since a signature that cannot be found does not verify.
func Unverified(g payment.Gateway, err error) error {
	if err == nil || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrSignature) {
		return err
	}
	detail := err.Error()
	var ge *Error
	if errors.As(err, &ge) {
		detail = ge.Err.Error()
	}
	return Errorf(g, ErrSignature, "cannot be checked: %s", detail)
}

// Error says which gateway failed on what, and why.
type Error struct {
	Gateway payment.Gateway
	// Err wraps one sentinel error above, possibly with more detail.
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("decode %s: %v", e.Gateway, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error for gateway g wrapping sentinel with detail.
func Errorf(g payment.Gateway, sentinel error, format string, args ...any) error {
	return &Error{Gateway: g, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}

// Poison reports whether err means the message can never be decoded and
// belongs in the dead-letter topic.
func Poison(err error) bool {
	return errors.Is(err, ErrSignature) || errors.Is(err, ErrMalformed) ||
		errors.Is(err, ErrAmount) || errors.Is(err, ErrTooLarge)
}
