package daily

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
)

// ErrInvalidInput is wrapped by every Input validation error.
var ErrInvalidInput = errors.New("invalid daily reconciliation input")

// Input is everything one business day's reconciliation looks at. Slices
// are read, never modified; their order does not matter.
type Input struct {
	// BusinessDate is the day reconciled.
	BusinessDate payment.Date
	// DayRules: the business day's cut-off and the credit window T+N.
	DayRules
	// Notices are the notices issued on the day plus every notice the
	// allocations and exceptions refer to.
	Notices []payment.Notice
	// NoticeStates, when given (reconcile.Decision.Notices), say how much of
	// each notice was paid; the day's allocations are spread over a
	// notice's budget items after what was paid before. Without them the
	// day's allocations fill the items from the first.
	NoticeStates []reconcile.NoticeState
	// Payments are the payment events of business days BusinessDate−N …
	// BusinessDate (earlier ones are still waiting for their credit). Events
	// of later days (after the cut-off) may be given: they can explain a
	// credit booked on the day but are not reported. A payment id given
	// twice is one payment.
	Payments []payment.Payment
	// Allocations and Exceptions are the matching result
	// (reconcile.Decision) for the payments, plus the exceptions of
	// earlier runs that should appear in the report, with their status.
	// An exception given with status resolved is an accountant's decision:
	// no report lists it as open, not even when this run finds the same
	// discrepancy again (the ids are deterministic: give every resolved
	// exception whose id this run may raise); the reports list it under
	// Resolved, and Result.Exceptions returns the discrepancy resolved.
	Allocations []reconcile.Allocation
	Exceptions  []reconcile.Exception
	// StatementLines are camt.053 lines (statements.SourceCamt053) booked on
	// BusinessDate−N … BusinessDate. Lines of other sources are refused.
	StatementLines []statements.Line
	// SettlementLines are e-wallet settlement lines of the same days.
	SettlementLines []settlement.Line
	// Reversals are the reversals of earlier credits; those booked on
	// BusinessDate (DayRules.BusinessDay of ReversedAt) are listed in the
	// ALL report's reversals section, the others only there on their own
	// day. A reversal that names a payment of the day marks its payment
	// lines (PaymentLine.ReversedBy), whatever day it was booked on, and
	// its unassigned money as reversed: give the reversals of the day's
	// payments booked later too, or the day's report counts that money as
	// waiting for a notice.
	Reversals []payment.Reversal
	// Refunds are the refund instructions (exceptions closed with status
	// refund, with ResolvedAt) and RefundDebits the statement debits that
	// may complete them: booked from the oldest instruction's day to
	// BusinessDate (a debit completes a refund on the day it is booked;
	// see RefundLine). The ALL report lists them as refunds due.
	Refunds      []Refund
	RefundDebits []statements.Line
	// LateUnreported are the stored late events of days before a
	// scheduler's reporting window that no report covers
	// (LateBeforeWindow, IsBeforeWindow), each with its payment; those
	// raised on BusinessDate (DayRules.BusinessDay of CreatedAt) are listed
	// in the ALL report, the others are ignored.
	LateUnreported []UnreportedLate
	// ExtractRefs returns the notice references (payment codes, dossier
	// keys) in a description; e.g. the Key of each reconcile.Engine
	// References result. Nil disables the amount_date_reference link rule.
	ExtractRefs func(string) []string
	// PreviousReports are the versions already sent for this business date:
	// at least the latest of each scope (ALL and each agency); earlier
	// versions may be given too and change nothing. Each new report is the
	// next version of its scope's latest one, with a diff (a report whose
	// Diff is Empty says nothing new: do not send it). A payment of the day
	// that no given ALL version lists on time (absent, or listed as late)
	// is a late_event: it was not in version 1, the report first sent. As
	// every version lists a late payment as late, the latest ALL version is
	// enough, a late payment stays late (with its adjustment) in every
	// later version, and a re-run with nothing new changes nothing. Sent
	// reports are never changed.
	PreviousReports []Report
	// Now is when the reconciliation runs: the report's as-of time and the
	// reference for the age of open exceptions.
	Now time.Time
	// AuditHead, when given, is the audit chain's head at the day's
	// cut-off; every report carries it. Nil where there is no audit log.
	// It is not compared between versions: it never makes a version of its
	// own.
	AuditHead *AuditHead
}

type config struct {
	date   payment.Date
	cutoff time.Duration
	window int
	// loc and start are computed once: payment.Location loads the zone on
	// every call, far too slow for a million events.
	loc   *time.Location
	start time.Time
}

// day is DayRules.BusinessDay with the zone loaded once.
func (c config) day(t time.Time) payment.Date { return c.calendarDay(t.Add(24*time.Hour - c.cutoff)) }

// calendarDay is the calendar day of t in the business zone.
func (c config) calendarDay(t time.Time) payment.Date {
	y, m, d := t.In(c.loc).Date()
	return payment.Date{Year: y, Month: m, Day: d}
}

// compareDates orders calendar dates without a time zone.
func compareDates(a, b payment.Date) int {
	return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day))
}

// before compares calendar dates without a time zone.
func before(a, b payment.Date) bool { return compareDates(a, b) < 0 }

// addDays is calendar arithmetic (no zone needed: dates, not instants).
func addDays(d payment.Date, n int) payment.Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC)
	return payment.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

func (in Input) config() (config, error) {
	c := config{date: in.BusinessDate, cutoff: in.CutoffTime(), window: in.CreditWindowDays, loc: payment.Location()}
	c.start = time.Date(c.date.Year, c.date.Month, c.date.Day, 0, 0, 0, 0, c.loc)
	var probs []string
	if in.BusinessDate.IsZero() {
		probs = append(probs, "business date is missing")
	}
	probs = append(probs, in.Problems()...)
	if in.Now.IsZero() {
		probs = append(probs, "now is missing")
	}
	for _, l := range in.StatementLines {
		if l.Source != statements.SourceCamt053 {
			probs = append(probs, fmt.Sprintf("statement line %s/%d has source %q: settlement lines go in SettlementLines", l.StatementID, l.Seq, l.Source))
			break
		}
	}
	for _, f := range in.Refunds {
		if f.Exception.Status != reconcile.ExceptionRefund || f.Exception.ResolvedAt == nil {
			probs = append(probs, fmt.Sprintf("refund %s is not an exception closed as refund", f.Exception.ID))
			break
		}
	}
	if len(probs) > 0 {
		return c, fmt.Errorf("%w: %s", ErrInvalidInput, strings.Join(probs, "; "))
	}
	return c, nil
}
