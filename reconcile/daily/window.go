package daily

import (
	"cmp"
	"slices"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// LateBeforeWindow is the late_event of payment p when its business day is
// before windowStart, the first day of a scheduler's reporting window, and
// that day was never reported (the caller knows; a reported day gets its
// next version instead, where detectLate raises the late_event). Its id is
// the one detectLate gives the same payment on the same day, so a payment
// is one late event however it was found; its evidence
// (reconcile.EvidenceBeforeWindow) names the day, the window and how to
// report the day; CreatedAt is now, when it is raised. false: p's day is
// not before the window, or p is not in VND (matching raised
// currency_mismatch for it; no report sums it).
func (r DayRules) LateBeforeWindow(p payment.Payment, windowStart payment.Date, now time.Time) (reconcile.Exception, bool) {
	day := r.BusinessDay(p.PaidAt)
	if !day.Before(windowStart) || p.Amount.Currency != payment.VND {
		return reconcile.Exception{}, false
	}
	return reconcile.Exception{
		ID:         reconcile.ExceptionID(reconcile.ExceptionLateEvent, p.ID, day.String()),
		Kind:       reconcile.ExceptionLateEvent,
		PaymentID:  p.ID,
		Amount:     p.Amount,
		Candidates: []string{},
		Evidence: reconcile.EvidenceBeforeWindow.Format(p.PaidAt.In(payment.Location()).Format(time.RFC3339),
			day.String(), windowStart.String(), day.String()),
		Status:    reconcile.ExceptionOpen,
		CreatedAt: now,
	}, true
}

// IsBeforeWindow says whether e is a late event LateBeforeWindow raised:
// one of a day before the reporting window that no report covers.
func IsBeforeWindow(e reconcile.Exception, rd *reconcile.EvidenceReader) bool {
	if e.Kind != reconcile.ExceptionLateEvent {
		return false
	}
	form, _, ok := rd.Read(e.Evidence)
	return ok && form == reconcile.EvidenceBeforeWindow
}

// UnreportedLate is a late event of a day before the reporting window
// (LateBeforeWindow), stored, with its payment.
type UnreportedLate struct {
	Exception reconcile.Exception
	Payment   payment.Payment
}

// UnreportedLateLine is a late event of a day that has no report, listed
// by the ALL report of the business day it was raised on (the business day
// of its stored CreatedAt): the day it belongs to is never reported by
// itself, so this is where the treasury first hears of the payment. It
// names its own day (BusinessDate); its money is in none of the report's
// sums, which are the report's own day's.
type UnreportedLateLine struct {
	ExceptionID string `json:"exception_id"`
	PaymentID   string `json:"payment_id"`
	// BusinessDate is the day the payment belongs to, before the window.
	BusinessDate payment.Date     `json:"business_date"`
	Channel      string           `json:"channel"`
	Amount       Amount           `json:"amount"`
	Currency     payment.Currency `json:"currency"`
	PaidAt       time.Time        `json:"paid_at"`
	RaisedAt     time.Time        `json:"raised_at"`
	Evidence     string           `json:"evidence"`
}

// lateUnreportedLines are the late events of unreported days raised on
// the report's business day, by (raised_at, exception id); each id once.
func (r *run) lateUnreportedLines() []UnreportedLateLine {
	given := slices.Clone(r.in.LateUnreported)
	// The same id twice: the first raised (the store keeps the first).
	slices.SortStableFunc(given, func(a, b UnreportedLate) int {
		return cmp.Or(cmp.Compare(a.Exception.ID, b.Exception.ID), a.Exception.CreatedAt.Compare(b.Exception.CreatedAt))
	})
	var out []UnreportedLateLine
	for i, u := range given {
		e := u.Exception
		if i > 0 && given[i-1].Exception.ID == e.ID || r.cfg.day(e.CreatedAt) != r.cfg.date {
			continue
		}
		out = append(out, UnreportedLateLine{
			ExceptionID: e.ID, PaymentID: e.PaymentID, BusinessDate: r.cfg.day(u.Payment.PaidAt),
			Channel: u.Payment.Gateway.Channel(), Amount: Amount{e.Amount.Amount}, Currency: e.Amount.Currency,
			PaidAt: u.Payment.PaidAt.UTC(), RaisedAt: e.CreatedAt.UTC(), Evidence: e.Evidence,
		})
	}
	slices.SortFunc(out, func(a, b UnreportedLateLine) int {
		return cmp.Or(a.RaisedAt.Compare(b.RaisedAt), cmp.Compare(a.ExceptionID, b.ExceptionID))
	})
	return out
}
