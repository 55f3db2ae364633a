package kafkabus

import (
	"errors"
	"fmt"

	"github.com/feerecon/feerecon/gateways"
)

// ErrorKind says why a message was dead-lettered.
type ErrorKind string

// Error kinds, written to the HeaderErrorKind header of a dead letter.
const (
	// KindPoison: a gateway decode error (gateways.Poison): bad signature,
	// malformed, invalid amount, too large.
	KindPoison ErrorKind = "poison"
	// KindPermanent: the handler marked the error Permanent.
	KindPermanent ErrorKind = "permanent"
)

// PermanentError marks a handler error that no retry can fix. Reason is a
// short, stable label (it becomes a metric label: keep the set small).
type PermanentError struct {
	Reason string
	Err    error
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("permanent (%s): %v", e.Reason, e.Err)
}
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as permanent with a short reason label: the consumer
// dead-letters the message and moves on instead of retrying.
func Permanent(reason string, err error) error {
	if reason == "" {
		reason = "permanent"
	}
	return &PermanentError{Reason: reason, Err: err}
}

// Classify tells whether a handler error is permanent, and if so its kind
// and reason label. A nil error is not permanent. Anything not marked is
// transient.
func Classify(err error) (permanent bool, kind ErrorKind, reason string) {
	if err == nil {
		return false, "", ""
	}
	var pe *PermanentError
	if errors.As(err, &pe) {
		return true, KindPermanent, pe.Reason
	}
	if gateways.Poison(err) {
		return true, KindPoison, PoisonReason(err)
	}
	return false, "", ""
}

// PoisonReason names the gateway sentinel a poison error wraps:
// "signature", "malformed", "amount", "too_large", or "poison".
func PoisonReason(err error) string {
	switch {
	case errors.Is(err, gateways.ErrSignature):
		return "signature"
	case errors.Is(err, gateways.ErrMalformed):
		return "malformed"
	case errors.Is(err, gateways.ErrAmount):
		return "amount"
	case errors.Is(err, gateways.ErrTooLarge):
		return "too_large"
	}
	return "poison"
}
