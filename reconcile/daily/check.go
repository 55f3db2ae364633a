package daily

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// ErrControl is wrapped by every control-total failure.
var ErrControl = errors.New("control totals do not add up")

// Check verifies that a report's counts and sums add up:
//
//   - budget lines, account lines and channel lines each sum to the totals
//     (channels carry no expected amount);
//   - matched + unmatched = collected; collected = allocations + excess;
//     refunds due = excess;
//   - the payments listed sum to the payment control total, which is
//     collected + unassigned, and their count is the payment count;
//   - the allocations listed match their count and sum; unassigned lines
//     sum to the unassigned total;
//   - reversed money is part of unassigned money: on each payment line
//     0 ≤ reversed ≤ min(unassigned, amount), and a line with reversed money
//     names its reversal; on each unassigned line 0 ≤ reversed ≤ amount;
//     the payment lines' reversed parts sum to the unassigned lines'
//     reversed, which sum to the totals' unassigned_reversed;
//   - statement credits of the day = linked credits + missing events, in
//     count and sum;
//   - the exceptions listed match their count and the per-kind counts, the
//     resolved ones their count.
//
// It reports every failure at once (errors.Join), each wrapping ErrControl.
func Check(r Report) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("report %s: %w: "+format, append([]any{r.ID, ErrControl}, args...)...))
	}
	eqd := func(name string, a, b decimal.Decimal) {
		if !a.Equal(b) {
			fail("%s: %s != %s", name, a, b)
		}
	}
	eqi := func(name string, a, b int) {
		if a != b {
			fail("%s: %d != %d", name, a, b)
		}
	}
	t := r.Totals

	var budget, accounts, channels Figures
	nb, na := 0, 0
	for _, l := range r.Budget {
		budget.add(l.Figures)
		nb += l.NoticesExpected
	}
	for _, l := range r.Accounts {
		accounts.add(l.Figures)
		na += l.NoticesExpected
	}
	for _, l := range r.Channels {
		channels.add(l.Figures)
	}
	if !budget.equal(t.Figures, true) {
		fail("budget lines %+v != totals %+v", budget, t.Figures)
	}
	if !accounts.equal(t.Figures, true) {
		fail("account lines %+v != totals %+v", accounts, t.Figures)
	}
	if !channels.equal(t.Figures, false) {
		fail("channel lines %+v != totals %+v", channels, t.Figures)
	}
	eqi("notices expected (budget)", nb, t.NoticesExpected)
	eqi("notices expected (accounts)", na, t.NoticesExpected)

	c := r.Control
	eqd("matched + unmatched vs collected", t.Matched.Add(t.Unmatched.Decimal), t.Collected.Decimal)
	eqd("allocations + excess vs collected", c.AllocationSum.Add(c.ExcessSum.Decimal), t.Collected.Decimal)
	eqd("refunds due vs excess", t.RefundsDue.Decimal, c.ExcessSum.Decimal)
	eqd("collected + unassigned vs payment sum", t.Collected.Add(c.UnassignedSum.Decimal), c.PaymentSum.Decimal)

	pays, payColl, payUn := decimal.Zero, decimal.Zero, decimal.Zero
	for _, p := range r.Payments {
		pays = pays.Add(p.Collected.Decimal).Add(p.Unassigned.Decimal)
		payColl = payColl.Add(p.Collected.Decimal)
		payUn = payUn.Add(p.Unassigned.Decimal)
	}
	eqd("payment lines vs payment sum", pays, c.PaymentSum.Decimal)
	eqd("payment lines collected vs collected", payColl, t.Collected.Decimal)
	eqd("payment lines unassigned vs unassigned", payUn, c.UnassignedSum.Decimal)
	eqi("payment lines vs payment count", len(r.Payments), c.PaymentCount)
	eqi("payment lines vs totals", len(r.Payments), t.Payments)

	allocs := decimal.Zero
	for _, a := range r.Allocations {
		allocs = allocs.Add(a.Amount.Decimal)
	}
	eqd("allocation lines vs allocation sum", allocs, c.AllocationSum.Decimal)
	eqi("allocation lines vs allocation count", len(r.Allocations), c.AllocationCount)

	un := decimal.Zero
	for _, u := range r.Unassigned {
		un = un.Add(u.Amount.Decimal)
		eqd("unassigned "+u.Channel+" matched + unmatched", u.Matched.Add(u.Unmatched.Decimal), u.Amount.Decimal)
	}
	eqd("unassigned lines vs unassigned sum", un, c.UnassignedSum.Decimal)
	eqd("unassigned lines vs totals", un, t.Unassigned.Decimal)
	checkReversed(r, fail, eqd)

	eqi("credits = linked + missing (count)", c.CreditCount, c.LinkedCreditCount+c.MissingEventCount)
	eqd("credits = linked + missing (sum)", c.CreditSum.Decimal, c.LinkedCreditSum.Add(c.MissingEventSum.Decimal))

	eqi("exception lines vs count", len(r.Exceptions), c.ExceptionCount)
	eqi("exception lines vs totals", len(r.Exceptions), t.OpenExceptions)
	kinds := 0
	for _, k := range t.ByKind {
		kinds += k.Count
	}
	eqi("exceptions by kind", kinds, len(r.Exceptions))
	eqi("resolved exception lines vs totals", len(r.Resolved), t.ResolvedExceptions)
	return errors.Join(errs...)
}

// checkReversed verifies the reversed parts (Check): each within its
// line's money, and the same sum on the payment lines, the unassigned
// lines and the totals.
func checkReversed(r Report, fail func(string, ...any), eqd func(string, decimal.Decimal, decimal.Decimal)) {
	within := func(name string, part, whole decimal.Decimal) {
		if part.IsNegative() || part.GreaterThan(whole) {
			fail("%s: reversed %s not within 0 … %s", name, part, whole)
		}
	}
	pays := decimal.Zero
	for _, p := range r.Payments {
		within("payment "+p.PaymentID, p.Reversed.Decimal, decimal.Min(p.Unassigned.Decimal, p.Amount.Decimal))
		if !p.Reversed.IsZero() && p.ReversedBy == "" {
			fail("payment %s: reversed %s names no reversal", p.PaymentID, p.Reversed)
		}
		pays = pays.Add(p.Reversed.Decimal)
	}
	un := decimal.Zero
	for _, u := range r.Unassigned {
		within("unassigned "+u.Channel, u.Reversed.Decimal, u.Amount.Decimal)
		un = un.Add(u.Reversed.Decimal)
	}
	eqd("payment lines reversed vs unassigned lines reversed", pays, un)
	eqd("unassigned lines reversed vs totals", un, r.Totals.UnassignedReversed.Decimal)
}
