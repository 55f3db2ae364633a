package daily

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
)

// Refund is a refund an accountant decided (an exception closed with
// status refund, the console's "mark for refund"): a refund instruction,
// due until a debit on a statement completes it (RefundLine).
type Refund struct {
	// Exception is the closed exception: its id, amount, payment and when
	// it was decided (ResolvedAt).
	Exception reconcile.Exception
	// Payment is the exception's payment, when it has one: its references
	// are what the refund's debit names.
	Payment payment.Payment
}

// RefundLine is a refund instruction as of the report's day: due (with
// its age) until a statement debit completes it, listed with that debit
// on the day it is booked, absent afterwards. ALL only.
type RefundLine struct {
	ExceptionID string           `json:"exception_id"`
	PaymentID   string           `json:"payment_id,omitempty"`
	Amount      Amount           `json:"amount"`
	Currency    payment.Currency `json:"currency"`
	DecidedAt   time.Time        `json:"decided_at"`
	// AgeDays counts the days from the decision to the report's as-of day
	// (to the completing debit's booking day, once completed).
	AgeDays int `json:"age_days"`
	// CompletedBy is the statement line of the debit ("<statement
	// id>/<seq>"), booked on the report's day; absent while due.
	CompletedBy string `json:"completed_by,omitempty"`
}

// minRefundRef is the shortest payment reference a refund debit's text is
// searched for: shorter ones (a wallet's 6-digit id) would match by chance.
const minRefundRef = 8

// refundDebit is the first debit of lines that completes refund f: booked
// from the decision's day on, not after the business date, of f's amount
// and currency, and naming f's payment (its txn id or bank ref, at least
// minRefundRef characters, in the line's reference, end-to-end id or text,
// case and spaces ignored). taken marks the lines already used: one debit
// completes one refund.
func (c config) refundDebit(f Refund, lines []statements.Line, taken map[string]bool) (statements.Line, bool) {
	var refs []string
	for _, r := range []string{f.Payment.TxnID, f.Payment.BankRef} {
		if r = squash(r); len(r) >= minRefundRef {
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 || f.Exception.ResolvedAt == nil {
		return statements.Line{}, false
	}
	from := c.calendarDay(*f.Exception.ResolvedAt)
	for _, l := range lines {
		key := lineKey(l)
		if l.Credit || taken[key] || !l.Amount.Equal(f.Exception.Amount) ||
			before(l.BookingDate, from) || before(c.date, l.BookingDate) {
			continue
		}
		hay := squash(l.Ref + " " + l.EndToEndID + " " + l.Text)
		for _, r := range refs {
			if strings.Contains(hay, r) {
				taken[key] = true
				return l, true
			}
		}
	}
	return statements.Line{}, false
}

func lineKey(l statements.Line) string { return l.StatementID + "/" + strconv.Itoa(l.Seq) }

// squash is s upper-cased without spaces: how a reference survives a
// bank's text.
func squash(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// refundLines are the refund instructions of the day: decided on or
// before it, not completed before it; ordered by (decided_at, exception
// id). Refunds are taken oldest decision first, so that an older
// instruction gets the first matching debit.
func (r *run) refundLines() []RefundLine {
	refunds := slices.Clone(r.in.Refunds)
	slices.SortFunc(refunds, func(a, b Refund) int {
		return cmp.Or(a.Exception.ResolvedAt.Compare(*b.Exception.ResolvedAt), cmp.Compare(a.Exception.ID, b.Exception.ID))
	})
	taken := map[string]bool{}
	var out []RefundLine
	for _, f := range refunds {
		at := *f.Exception.ResolvedAt
		if before(r.cfg.date, r.cfg.day(at)) {
			continue // decided after the day
		}
		l := RefundLine{ExceptionID: f.Exception.ID, PaymentID: f.Exception.PaymentID,
			Amount: Amount{f.Exception.Amount.Amount}, Currency: f.Exception.Amount.Currency, DecidedAt: at.UTC(),
			AgeDays: days(r.cfg.calendarDay(at), r.asOfDay())}
		if debit, ok := r.cfg.refundDebit(f, r.in.RefundDebits, taken); ok {
			if debit.BookingDate != r.cfg.date {
				continue // completed on an earlier day
			}
			l.CompletedBy = lineKey(debit)
			l.AgeDays = days(r.cfg.calendarDay(at), debit.BookingDate)
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b RefundLine) int {
		return cmp.Or(a.DecidedAt.Compare(b.DecidedAt), cmp.Compare(a.ExceptionID, b.ExceptionID))
	})
	return out
}

// asOfDay is the calendar day of the run's as-of time.
func (r *run) asOfDay() payment.Date { return r.cfg.calendarDay(r.in.Now) }
