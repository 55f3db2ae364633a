package daily

import (
	"fmt"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// Defaults of DayRules, for the callers that offer them (the commands'
// flags); DayRules itself takes every value as given.
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

// DayRules are the two rules of the business day, in one place for the
// reconciliation, the job that loads its input, the scheduler that runs it
// and the batch command: which day an event belongs to (Cutoff) and how
// long its credit may take (CreditWindowDays).
type DayRules struct {
	// Cutoff is the time of day (since midnight, Asia/Ho_Chi_Minh) at which
	// a business day closes: an event paid at or after the cut-off belongs
	// to the next business day. Allowed: (0, 24h]; 0 stands for
	// DefaultCutoff (24h, the calendar day), as a cut-off at 00:00 would be
	// the same day boundary under the previous day's name.
	Cutoff time.Duration
	// CreditWindowDays is N in T+N: a payment of business day T needs its
	// credit (a camt.053 entry, or for an e-wallet a settlement line) by
	// the end of T+N. 0 is T+0, the same day. Allowed: 0…MaxCreditWindowDays.
	CreditWindowDays int
}

// DefaultDayRules are the defaults: calendar days, T+1.
func DefaultDayRules() DayRules {
	return DayRules{Cutoff: DefaultCutoff, CreditWindowDays: DefaultCreditWindowDays}
}

// Problems lists what is wrong with r, one entry a problem.
func (r DayRules) Problems() []string {
	var probs []string
	if r.Cutoff < 0 || r.Cutoff > 24*time.Hour {
		probs = append(probs, fmt.Sprintf("cut-off %s is not within (0, 24h]", r.Cutoff))
	}
	if r.CreditWindowDays < 0 || r.CreditWindowDays > MaxCreditWindowDays {
		probs = append(probs, fmt.Sprintf("credit window %d days is not within 0…%d", r.CreditWindowDays, MaxCreditWindowDays))
	}
	return probs
}

// CutoffTime is the cut-off in force: Cutoff, or DefaultCutoff for 0.
func (r DayRules) CutoffTime() time.Duration {
	if r.Cutoff == 0 {
		return DefaultCutoff
	}
	return r.Cutoff
}

// DayStart is when business day d opens: the previous day's cut-off.
func (r DayRules) DayStart(d payment.Date) time.Time {
	return d.AddDays(-1).Start().Add(r.CutoffTime())
}

// DayEnd is when business day d closes: d's midnight plus the cut-off, so
// business day d is [DayStart(d), DayEnd(d)).
func (r DayRules) DayEnd(d payment.Date) time.Time { return d.Start().Add(r.CutoffTime()) }

// WindowStart is when the oldest business day whose payments may still
// wait for a credit on day d opens: DayStart(d − N).
func (r DayRules) WindowStart(d payment.Date) time.Time {
	return r.DayStart(d.AddDays(-r.CreditWindowDays))
}

// BusinessDay returns the business day of an event at t: its calendar day
// in Asia/Ho_Chi_Minh, or the next one at or after the cut-off. (Viet Nam
// has no daylight saving time, so shifting by 24h − cutoff is exact.)
func (r DayRules) BusinessDay(t time.Time) payment.Date {
	return payment.DateOf(t.Add(24*time.Hour - r.CutoffTime()))
}

// FormatCutoff prints a cut-off as HH:MM:SS: DayRules{Cutoff: d}'s in
// force, 24:00:00 for the calendar day.
func FormatCutoff(d time.Duration) string {
	d = DayRules{Cutoff: d}.CutoffTime()
	return fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}
