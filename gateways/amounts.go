package gateways

import "github.com/feerecon/feerecon/payment"

// AmountPolicy is the policy an adapter applies for its Config.Amounts:
// p itself, or payment.DefaultAmountPolicy() when p sets no ceiling (the
// zero value), so an adapter configured without one still catches a wrong
// multiplier. A negative ceiling is for the adapter's Validate to reject.
func AmountPolicy(p payment.AmountPolicy) payment.AmountPolicy {
	if p.Ceiling.IsZero() {
		return payment.DefaultAmountPolicy()
	}
	return p
}
