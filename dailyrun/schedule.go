package dailyrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// Clock is the scheduler's time: Now, and a channel that fires after d.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scheduler defaults.
const (
	DefaultGrace       = 30 * time.Minute
	DefaultCatchUpDays = 7
	// DefaultRecheck is how often the scheduler looks for changes to the
	// days it has reported.
	DefaultRecheck = time.Minute
)

// DayRunner runs one business day; *Job is one.
type DayRunner interface {
	Run(ctx context.Context, date payment.Date, agency string) ([]daily.Report, error)
}

var _ DayRunner = (*Job)(nil)

// SchedulerConfig configures a Scheduler. Zero values take the defaults.
type SchedulerConfig struct {
	// Cutoff closes the business day (the Job's daily.DayRules.Cutoff);
	// 0 is 24:00.
	Cutoff time.Duration
	// Grace is waited after the cut-off before the day is run, for late
	// callbacks and statements; 0 is no grace (the commands' default is
	// DefaultGrace).
	Grace time.Duration
	// CreditWindowDays is the Job's credit window T+N: a change to a
	// payment or statement line re-runs every day that reads it.
	CreditWindowDays int
	// CatchUpDays bounds how far back a (re)started scheduler runs days
	// whose ALL report is missing, and which closed days a change re-runs;
	// default 7 (the day just closed and the six before it).
	CatchUpDays int
	// FirstDay, if set, is the first business day ever run (days before
	// the service went live are not reported). Unset, it is the earliest
	// day of the catch-up window that has a report, else (a first start)
	// the first day not yet closed: no past day is reported, and the log
	// says how to report them.
	FirstDay payment.Date
	// Recheck is how often the scheduler looks in the audit log for
	// changes to closed days (a late statement or payment, a closed
	// exception); default DefaultRecheck.
	Recheck time.Duration
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// run (doubling); default 1m and 30m.
	MinBackoff, MaxBackoff time.Duration
	Clock                  Clock
	Logger                 *slog.Logger
}

// Scheduler runs each business day once after its cut-off plus grace, and
// again after each change that may alter it, the grace after the change.
// Its Step is not safe for concurrent use (Run calls it in turn).
type Scheduler struct {
	st  store.Store
	job DayRunner
	cfg SchedulerConfig
	log *slog.Logger
	// first is FirstDay, or the one found at the first step.
	first payment.Date
	// quiet are days run that had nothing to report (Config.ReportEmptyDays
	// off): not run again until a change concerns them.
	quiet map[payment.Date]bool
}

// NewScheduler builds a Scheduler running job over st.
func NewScheduler(st store.Store, job DayRunner, cfg SchedulerConfig) (*Scheduler, error) {
	p := config.In("dailyrun: scheduler")
	if st == nil || job == nil {
		p.Addf("nil store or job")
	}
	for _, prob := range (daily.DayRules{Cutoff: cfg.Cutoff}).Problems() {
		p.Addf("%s", prob)
	}
	if cfg.Grace < 0 || cfg.Grace > 24*time.Hour || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 || cfg.Recheck < 0 {
		p.Addf("negative duration or grace over 24h")
	}
	if cfg.CreditWindowDays < 0 || cfg.CreditWindowDays > 31 {
		p.Addf("credit window %d days not within 0…31", cfg.CreditWindowDays)
	}
	if cfg.CatchUpDays < 0 || cfg.CatchUpDays > 62 {
		p.Addf("catch-up days %d not within 0…62", cfg.CatchUpDays)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if cfg.CatchUpDays == 0 {
		cfg.CatchUpDays = DefaultCatchUpDays
	}
	if cfg.Recheck == 0 {
		cfg.Recheck = DefaultRecheck
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Minute
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Minute
	}
	cfg.MinBackoff = min(cfg.MinBackoff, cfg.MaxBackoff)
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{st: st, job: job, cfg: cfg, log: log.With(slog.String("component", "daily-scheduler")),
		first: cfg.FirstDay, quiet: map[payment.Date]bool{}}, nil
}

func (s *Scheduler) rules() daily.DayRules {
	return daily.DayRules{Cutoff: s.cfg.Cutoff, CreditWindowDays: s.cfg.CreditWindowDays}
}

// due is when business day d may be run: its cut-off plus the grace.
func (s *Scheduler) due(d payment.Date) time.Time {
	return daily.DayRules{Cutoff: s.cfg.Cutoff}.DayEnd(d).Add(s.cfg.Grace)
}

// LastClosed is the latest business day whose cut-off plus grace is at or
// before now.
func (s *Scheduler) LastClosed(now time.Time) payment.Date {
	d := payment.DateOf(now).AddDays(1)
	for now.Before(s.due(d)) {
		d = d.AddDays(-1)
	}
	return d
}

// Step runs, oldest first, every day of the catch-up window (from the
// first day on) whose ALL report is missing, every closed day of it
// that an audited change may have altered (changed), and every earlier
// day with a report that a change may have altered; a payment of an
// earlier day without a report is raised as its late event
// (raiseUnreportedLate, doc.go). A change is seen
// once, the grace after it was made, and a day it did not alter stores
// nothing (its diff is empty). It returns when to step next: the next
// day's cut-off plus grace, or the next recheck. A failing day does not
// hold the others back: Step runs them all and returns the failures
// joined; the changes stay unseen until their days have run.
func (s *Scheduler) Step(ctx context.Context) (ran []payment.Date, next time.Time, err error) {
	now := s.cfg.Clock.Now()
	last := s.LastClosed(now)
	next = s.due(last.AddDays(1))
	if recheck := now.Add(s.cfg.Recheck); recheck.Before(next) {
		next = recheck
	}
	sp := span{oldest: last.AddDays(1 - s.cfg.CatchUpDays), last: last}
	first, err := s.firstDay(ctx, sp)
	if err != nil {
		return nil, next, err
	}
	if sp.oldest.Before(first) {
		sp.oldest = first
	}
	ch, err := s.changed(ctx, now, sp)
	if err != nil {
		return nil, next, err
	}
	var errs []error
	if err := s.raiseUnreportedLate(ctx, ch.late, sp.oldest, now); err != nil {
		errs = append(errs, err)
	}
	for _, d := range s.daysToRun(sp, ch) {
		if !ch.days[d] {
			if s.quiet[d] {
				continue
			}
			done, err := s.reported(ctx, d)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if done {
				continue
			}
		}
		reps, err := s.job.Run(ctx, d, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("daily run %s: %w", d, err))
			continue
		}
		ran = append(ran, d)
		if len(reps) > 0 {
			delete(s.quiet, d)
		} else if done, err := s.reported(ctx, d); err == nil && !done {
			s.quiet[d] = true
		}
		s.log.InfoContext(ctx, "business day reconciled", slog.String("date", d.String()),
			slog.Bool("after_change", ch.days[d]), slog.Int("new_versions", len(reps)))
	}
	if err := errors.Join(errs...); err != nil {
		return ran, next, err
	}
	return ran, next, s.moveCursor(ctx, ch)
}

// daysToRun are the days a step may run, oldest first: the days before
// sp that a change concerns (they have a report: within), then sp's.
func (s *Scheduler) daysToRun(sp span, ch changes) []payment.Date {
	var out []payment.Date
	for d := range ch.days {
		if d.Before(sp.oldest) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b payment.Date) int { return a.Start().Compare(b.Start()) })
	for d := sp.oldest; !sp.last.Before(d); d = d.AddDays(1) {
		out = append(out, d)
	}
	return out
}

// firstDay is FirstDay; unset, the earliest day of sp that has a report,
// else the first day not yet closed (a first start: no past day is
// reported, and the log says how to). It is found once.
func (s *Scheduler) firstDay(ctx context.Context, sp span) (payment.Date, error) {
	if !s.first.IsZero() {
		return s.first, nil
	}
	for d := sp.oldest; !sp.last.Before(d); d = d.AddDays(1) {
		done, err := s.reported(ctx, d)
		if err != nil {
			return payment.Date{}, err
		}
		if done {
			s.first = d
			return d, nil
		}
	}
	s.first = sp.last.AddDays(1)
	s.log.WarnContext(ctx, "no business day reported yet and no first day set: past days are not reported; "+
		"to report earlier days, start with --reports-from YYYY-MM-DD or run feerecon report --date YYYY-MM-DD",
		slog.String("first_day", s.first.String()))
	return s.first, nil
}

func (s *Scheduler) reported(ctx context.Context, d payment.Date) (bool, error) {
	var ok bool
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		ok, err = reportedIn(ctx, tx, d)
		return err
	})
	return ok, err
}

// reportedIn says whether day d has an ALL report.
func reportedIn(ctx context.Context, tx store.Tx, d payment.Date) (bool, error) {
	_, err := tx.LatestReport(ctx, d, daily.AgencyAll)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("report %s: %w", d, err)
}

// Run steps until ctx ends (then it returns nil): at start (catch-up), at
// each day's cut-off plus grace, and after a failure with a doubling
// backoff.
func (s *Scheduler) Run(ctx context.Context) error {
	backoff := s.cfg.MinBackoff
	for {
		_, next, err := s.Step(ctx)
		wait := next.Sub(s.cfg.Clock.Now())
		if err != nil {
			if ctx.Err() != nil {
				return nil //nolint:nilerr // shutting down: the run failed because ctx ended
			}
			s.log.ErrorContext(ctx, "daily run failed; retrying", slog.String("error", err.Error()), slog.Duration("in", backoff))
			wait = backoff
			backoff = min(2*backoff, s.cfg.MaxBackoff)
		} else {
			backoff = s.cfg.MinBackoff
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.cfg.Clock.After(max(wait, 0)):
		}
	}
}
