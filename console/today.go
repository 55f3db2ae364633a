package console

import (
	"cmp"
	"slices"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// Figure is a count and its amounts, one per currency (VND first).
type Figure struct {
	Count   int
	Amounts []payment.Money
}

// add counts one item of amount m.
func (f *Figure) add(m payment.Money) {
	f.Count++
	f.addAmount(m)
}

func (f *Figure) addAmount(m payment.Money) {
	for i, a := range f.Amounts {
		if a.Currency == m.Currency {
			f.Amounts[i].Amount = a.Amount.Add(m.Amount)
			return
		}
	}
	f.Amounts = append(f.Amounts, m)
	slices.SortFunc(f.Amounts, func(a, b payment.Money) int {
		switch {
		case a.Currency == b.Currency:
			return 0
		case a.Currency == "VND":
			return -1
		case b.Currency == "VND":
			return 1
		}
		return cmp.Compare(a.Currency, b.Currency)
	})
}

// Row is a Figure under a key (a gateway, an agency code).
type Row struct {
	Key string
	Figure
}

// DayInput is what the Today page is computed from, read from the store.
type DayInput struct {
	// Payments are the day's payments (ListPayments over the day).
	Payments []payment.Payment
	// Allocations are each payment's allocations (AllocationsByPayment).
	Allocations map[string][]reconcile.Allocation
	// NoticeAgency is the agency of each allocated notice; a notice not
	// in it has no known agency ("").
	NoticeAgency map[store.NoticeKey]string
	// Exceptions are those the person may see (ListExceptions with their
	// scope), of any status; only those of the day's payments count.
	Exceptions []reconcile.Exception
}

// Today is a day's figures within a person's scope.
type Today struct {
	Date payment.Date
	// Collected is the money of the day's payments the scope sees: its
	// allocations to notices of the scope plus its exceptions (the money
	// matching left unallocated); ByChannel splits it by gateway.
	Collected Figure
	ByChannel []Row
	// ByAgency is the matched money per agency of the scope (a count of
	// allocations); Matched is their total.
	ByAgency []Row
	Matched  Figure
	// Open and Resolved are the day's payments' exceptions by status.
	Open     Figure
	Resolved Figure
}

// ComputeToday computes the figures of date from in for a person who
// sees the agencies sees accepts. Only matching's exceptions count (they
// hold money no allocation holds, so allocations plus exceptions are the
// payment); the daily run's (a missing credit, a short settlement) belong
// to the day's report.
func ComputeToday(date payment.Date, sees func(agency string) bool, in DayInput) Today {
	t := Today{Date: date}
	excs := map[string][]reconcile.Exception{}
	for _, e := range in.Exceptions {
		// Closed as allocated, its money is in the payment's manual
		// allocations now: counted there, not twice.
		if e.PaymentID != "" && fromMatching(e.Kind) && e.Status != reconcile.ExceptionAllocated {
			excs[e.PaymentID] = append(excs[e.PaymentID], e)
		}
	}
	channels := map[string]*Figure{}
	agencies := map[string]*Figure{}
	for _, p := range in.Payments {
		var seen Figure
		for _, a := range in.Allocations[p.ID] {
			agency := in.NoticeAgency[store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID}]
			if !sees(agency) {
				continue
			}
			seen.addAmount(a.Amount)
			t.Matched.add(a.Amount)
			fig(agencies, agency).add(a.Amount)
		}
		for _, e := range excs[p.ID] {
			seen.addAmount(e.Amount)
			switch e.Status {
			case reconcile.ExceptionOpen:
				t.Open.add(e.Amount)
			case reconcile.ExceptionResolved, reconcile.ExceptionRefund, reconcile.ExceptionWrittenOff, reconcile.ExceptionAllocated:
				t.Resolved.add(e.Amount)
			}
		}
		if len(seen.Amounts) == 0 {
			continue // nothing of this payment is the scope's
		}
		ch := fig(channels, string(p.Gateway))
		ch.Count++
		t.Collected.Count++
		for _, m := range seen.Amounts {
			ch.addAmount(m)
			t.Collected.addAmount(m)
		}
	}
	t.ByChannel = rows(channels)
	t.ByAgency = rows(agencies)
	return t
}

// fromMatching reports whether the matching engine raises exceptions of
// kind k (reconcile: "the first six come from matching"), or an
// accountant's allocation leaves (remainder): money of a payment.
func fromMatching(k reconcile.ExceptionKind) bool {
	switch k {
	case reconcile.ExceptionUnmatched, reconcile.ExceptionAmbiguous, reconcile.ExceptionOverpaid,
		reconcile.ExceptionDuplicate, reconcile.ExceptionCancelledNotice, reconcile.ExceptionCurrencyMismatch,
		reconcile.ExceptionRemainder:
		return true
	case reconcile.ExceptionMissingEvent, reconcile.ExceptionMissingCredit, reconcile.ExceptionAmountMismatch,
		reconcile.ExceptionSettlementShort, reconcile.ExceptionLateEvent, reconcile.ExceptionInvalidInput:
		return false
	}
	return false
}

func fig(m map[string]*Figure, key string) *Figure {
	f, ok := m[key]
	if !ok {
		f = &Figure{}
		m[key] = f
	}
	return f
}

func rows(m map[string]*Figure) []Row {
	out := make([]Row, 0, len(m))
	for k, f := range m {
		out = append(out, Row{Key: k, Figure: *f})
	}
	slices.SortFunc(out, func(a, b Row) int { return cmp.Compare(a.Key, b.Key) })
	return out
}
