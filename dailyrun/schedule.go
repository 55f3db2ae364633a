package dailyrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// CatchUpDays bounds how far back a (re)started scheduler runs days
	// whose ALL report is missing; default 7 (the day just closed and the
	// six before it).
	CatchUpDays int
	// FirstDay, if set, is the first business day ever run (days before
	// the service went live are not reported).
	FirstDay payment.Date
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// run (doubling); default 1m and 30m.
	MinBackoff, MaxBackoff time.Duration
	Clock                  Clock
	Logger                 *slog.Logger
}

// Scheduler runs each business day once after its cut-off plus grace.
type Scheduler struct {
	st  store.Store
	job DayRunner
	cfg SchedulerConfig
	log *slog.Logger
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
	if cfg.Grace < 0 || cfg.Grace > 24*time.Hour || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 {
		p.Addf("negative duration or grace over 24h")
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
	return &Scheduler{st: st, job: job, cfg: cfg, log: log.With(slog.String("component", "daily-scheduler"))}, nil
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

// Step runs, oldest first, every day of the catch-up window whose ALL
// report is missing, and returns when the next day falls due. A failing day
// does not hold the others back: Step runs them all and returns the
// failures joined (a retry runs only the days still missing).
func (s *Scheduler) Step(ctx context.Context) (ran []payment.Date, next time.Time, err error) {
	last := s.LastClosed(s.cfg.Clock.Now())
	next = s.due(last.AddDays(1))
	var errs []error
	for i := s.cfg.CatchUpDays - 1; i >= 0; i-- {
		d := last.AddDays(-i)
		if !s.cfg.FirstDay.IsZero() && d.Before(s.cfg.FirstDay) {
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
		reps, err := s.job.Run(ctx, d, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("daily run %s: %w", d, err))
			continue
		}
		ran = append(ran, d)
		s.log.InfoContext(ctx, "business day reconciled", slog.String("date", d.String()), slog.Int("new_versions", len(reps)))
	}
	return ran, next, errors.Join(errs...)
}

func (s *Scheduler) reported(ctx context.Context, d payment.Date) (bool, error) {
	var ok bool
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.LatestReport(ctx, d, daily.AgencyAll)
		switch {
		case err == nil:
			ok = true
		case errors.Is(err, store.ErrNotFound):
		default:
			return fmt.Errorf("report %s: %w", d, err)
		}
		return nil
	})
	return ok, err
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
