package daily

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
)

// Defaults.
const (
	// DefaultCutoff closes the business day at midnight: the business day of
	// an event is its calendar day in Asia/Ho_Chi_Minh.
	DefaultCutoff = 24 * time.Hour
	// DefaultCreditWindowDays: a payment of day T whose credit is not on a
	// statement or settlement file by the end of T+1 is a missing_credit.
	DefaultCreditWindowDays = 1
	// MaxCreditWindowDays bounds the window; a longer one hides losses.
	MaxCreditWindowDays = 10
)

// ErrInvalidInput is wrapped by every Input validation error.
var ErrInvalidInput = errors.New("invalid daily reconciliation input")

// Input is everything one business day's reconciliation looks at. Slices
// are read, never modified; their order does not matter.
type Input struct {
	// BusinessDate is the day reconciled.
	BusinessDate payment.Date
	// Cutoff is the time of day (since midnight, Asia/Ho_Chi_Minh) at which
	// a business day closes: an event paid at or after the cut-off belongs
	// to the next business day. 0 means DefaultCutoff (24h: the calendar
	// day). Allowed: (0, 24h].
	Cutoff time.Duration
	// CreditWindowDays is N in T+N: a payment of business day T needs its
	// credit (a camt.053 entry, or for an e-wallet a settlement line) by
	// the end of T+N. 0 means DefaultCreditWindowDays; use NoCreditWindow
	// for same-day (T+0).
	CreditWindowDays int
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
}

// NoCreditWindow is the CreditWindowDays value for a same-day (T+0) window.
const NoCreditWindow = -1

type config struct {
	date   payment.Date
	cutoff time.Duration
	window int
	// loc and start are computed once: payment.Location loads the zone on
	// every call, far too slow for a million events.
	loc   *time.Location
	start time.Time
}

// day is BusinessDay with the run's zone and cut-off.
func (c config) day(t time.Time) payment.Date { return c.calendarDay(t.Add(24*time.Hour - c.cutoff)) }

// calendarDay is the calendar day of t in the business zone.
func (c config) calendarDay(t time.Time) payment.Date {
	y, m, d := t.In(c.loc).Date()
	return payment.Date{Year: y, Month: m, Day: d}
}

// before compares calendar dates without a time zone.
func before(a, b payment.Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}

// addDays is calendar arithmetic (no zone needed: dates, not instants).
func addDays(d payment.Date, n int) payment.Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC)
	return payment.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

func (in Input) config() (config, error) {
	c := config{date: in.BusinessDate, cutoff: in.Cutoff, window: in.CreditWindowDays, loc: payment.Location()}
	c.start = time.Date(c.date.Year, c.date.Month, c.date.Day, 0, 0, 0, 0, c.loc)
	if c.cutoff == 0 {
		c.cutoff = DefaultCutoff
	}
	switch {
	case c.window == 0:
		c.window = DefaultCreditWindowDays
	case c.window == NoCreditWindow:
		c.window = 0
	}
	var probs []string
	if in.BusinessDate.IsZero() {
		probs = append(probs, "business date is missing")
	}
	if c.cutoff <= 0 || c.cutoff > 24*time.Hour {
		probs = append(probs, fmt.Sprintf("cut-off %s is not within (0, 24h]", in.Cutoff))
	}
	if c.window < 0 || c.window > MaxCreditWindowDays {
		probs = append(probs, fmt.Sprintf("credit window %d days is not within 0…%d", in.CreditWindowDays, MaxCreditWindowDays))
	}
	if in.Now.IsZero() {
		probs = append(probs, "now is missing")
	}
	for _, l := range in.StatementLines {
		if l.Source != statements.SourceCamt053 {
			probs = append(probs, fmt.Sprintf("statement line %s/%d has source %q: settlement lines go in SettlementLines", l.StatementID, l.Seq, l.Source))
			break
		}
	}
	if len(probs) > 0 {
		return c, fmt.Errorf("%w: %s", ErrInvalidInput, strings.Join(probs, "; "))
	}
	return c, nil
}

// BusinessDay returns the business day of an event at t under cutoff: the
// calendar day in Asia/Ho_Chi_Minh, or the next one at or after the cut-off.
// (Viet Nam has no daylight saving time, so shifting by 24h − cutoff is
// exact.)
func BusinessDay(t time.Time, cutoff time.Duration) payment.Date {
	return payment.DateOf(t.Add(24*time.Hour - cutoff))
}

// FormatCutoff prints a cut-off as HH:MM:SS (24:00:00 for the default).
func FormatCutoff(d time.Duration) string {
	if d == 0 {
		d = DefaultCutoff
	}
	return fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}
