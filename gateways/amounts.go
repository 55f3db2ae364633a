package gateways

import (
	"errors"
	"fmt"

	"github.com/feerecon/feerecon/payment"
)

// AmountPolicy is the policy an adapter applies for its Config.Amounts:
// p itself, or payment.DefaultAmountPolicy() when p sets no ceiling (the
// zero value), so an adapter configured without one still catches a wrong
// multiplier. A negative ceiling is for ValidateConfig to reject.
func AmountPolicy(p payment.AmountPolicy) payment.AmountPolicy {
	if p.Ceiling.IsZero() {
		return payment.DefaultAmountPolicy()
	}
	return p
}

// checkAmounts is the problem of a Config.Amounts with a negative ceiling,
// or nil.
func checkAmounts(p payment.AmountPolicy) error {
	if p.Ceiling.IsNegative() {
		return errors.New("Amounts.Ceiling is negative")
	}
	return nil
}

// InvalidAmount is the decode error of an amount the policy refused: it
// wraps ErrAmount and err (the *payment.AmountError), and names field, the
// format's name for the amount.
func InvalidAmount(g payment.Gateway, field string, err error) error {
	return &Error{Gateway: g, Err: fmt.Errorf("%w: %s: %w", ErrAmount, field, err)}
}
