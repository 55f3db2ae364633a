package dailyrun_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// fakeClock's After channels fire only when the test advances the clock.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	waits   chan time.Duration // every After call, for the test to see
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock {
	return &fakeClock{now: t, waits: make(chan time.Duration, 16)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	c.mu.Unlock()
	c.waits <- d
	return ch
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
}

// flakyRunner runs the real job, failing the first fail calls.
type flakyRunner struct {
	job  *dailyrun.Job
	mu   sync.Mutex
	fail int
	ran  []string
}

var errDown = errors.New("database is restarting")

func (f *flakyRunner) Run(ctx context.Context, d payment.Date, agency string) ([]daily.Report, error) {
	f.mu.Lock()
	if f.fail > 0 {
		f.fail--
		f.mu.Unlock()
		return nil, errDown
	}
	f.ran = append(f.ran, d.String())
	f.mu.Unlock()
	return f.job.Run(ctx, d, agency)
}

func (f *flakyRunner) days() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ran)
}

func dates(ds []payment.Date) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

func TestSchedulerStepCatchUpOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memoryStore()
	loadDay(t, st)
	clk := newFakeClock(at(27, 0, 20)) // before 00:00 + 30m grace: the 26th is not due yet
	job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Clock: clk, Grace: dailyrun.DefaultGrace, CatchUpDays: 3,
		FirstDay: businessDate.AddDays(-3), Recheck: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ran, next, err := s.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := dates(ran); !slices.Equal(got, []string{"2026-11-23", "2026-11-24", "2026-11-25"}) {
		t.Errorf("catch-up ran %v", got)
	}
	if want := at(27, 0, 30); !next.Equal(want) {
		t.Errorf("next %v, want %v", next, want)
	}
	// Nothing missing: nothing runs.
	if ran, _, err := s.Step(ctx); err != nil || len(ran) != 0 {
		t.Fatalf("second step ran %v, %v", dates(ran), err)
	}
	clk.Set(at(27, 0, 30))
	ran, next, err = s.Step(ctx)
	if err != nil || !slices.Equal(dates(ran), []string{"2026-11-26"}) {
		t.Fatalf("at the grace's end ran %v, %v; want the 26th", dates(ran), err)
	}
	if want := at(28, 0, 30); !next.Equal(want) {
		t.Errorf("next %v, want %v", next, want)
	}
	reps, err := job.Latest(ctx, businessDate, daily.AgencyAll)
	if err != nil || len(reps) != 1 || reps[0].Version != 1 || reps[0].Totals.Payments != 9 {
		t.Fatalf("ALL report of the 26th: %d reports, %v", len(reps), err)
	}
}

func TestSchedulerCutoffAndFirstDay(t *testing.T) {
	t.Parallel()
	st := memoryStore()
	clk := newFakeClock(at(26, 17, 0))
	job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DayRules{Cutoff: 16*time.Hour + 30*time.Minute, CreditWindowDays: 1}, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Clock: clk, Cutoff: 16*time.Hour + 30*time.Minute,
		Grace: 15 * time.Minute, FirstDay: businessDate, Recheck: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// 16:30 + 15m = 16:45 ≤ 17:00: the 26th closed; the days before
	// FirstDay are never run.
	ran, next, err := s.Step(context.Background())
	if err != nil || !slices.Equal(dates(ran), []string{"2026-11-26"}) {
		t.Fatalf("ran %v, %v", dates(ran), err)
	}
	if want := at(27, 16, 45); !next.Equal(want) {
		t.Errorf("next %v, want %v", next, want)
	}
	if got := s.LastClosed(at(26, 16, 44)); got.String() != "2026-11-25" {
		t.Errorf("LastClosed at 16:44 = %s", got)
	}
}

// Grace 0 is no grace: a day is due at its cut-off itself.
func TestSchedulerZeroGraceRunsAtTheCutoff(t *testing.T) {
	t.Parallel()
	st := memoryStore()
	clk := newFakeClock(at(26, 16, 30))
	job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DayRules{Cutoff: 16*time.Hour + 30*time.Minute, CreditWindowDays: 1}, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Clock: clk, Cutoff: 16*time.Hour + 30*time.Minute, FirstDay: businessDate,
		Recheck: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.LastClosed(at(26, 16, 29)); got.String() != "2026-11-25" {
		t.Errorf("LastClosed a minute before the cut-off = %s, want 2026-11-25", got)
	}
	ran, next, err := s.Step(context.Background())
	if err != nil || !slices.Equal(dates(ran), []string{"2026-11-26"}) {
		t.Fatalf("at the cut-off ran %v, %v; want the 26th", dates(ran), err)
	}
	if want := at(27, 16, 30); !next.Equal(want) {
		t.Errorf("next %v, want %v", next, want)
	}
}

func TestSchedulerRunRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	st := memoryStore()
	clk := newFakeClock(at(27, 0, 40))
	job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	runner := &flakyRunner{job: job, fail: 2}
	s, err := dailyrun.NewScheduler(st, runner, dailyrun.SchedulerConfig{Clock: clk, Grace: dailyrun.DefaultGrace, CatchUpDays: 1,
		FirstDay: businessDate, Recheck: 24 * time.Hour, MinBackoff: time.Minute, MaxBackoff: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	wait := func() time.Duration {
		select {
		case d := <-clk.waits:
			return d
		case <-time.After(10 * time.Second):
			t.Fatal("scheduler did not wait")
			return 0
		}
	}
	// Two failures: 1m, then 2m; then success and a wait for the next day.
	if d := wait(); d != time.Minute {
		t.Fatalf("first retry in %s, want 1m", d)
	}
	clk.Set(at(27, 0, 41))
	if d := wait(); d != 2*time.Minute {
		t.Fatalf("second retry in %s, want 2m", d)
	}
	clk.Set(at(27, 0, 43))
	if d := wait(); d != at(28, 0, 30).Sub(at(27, 0, 43)) {
		t.Fatalf("after success waits %s, want until 2026-11-28 00:30", d)
	}
	if got := runner.days(); fmt.Sprint(got) != "[2026-11-26]" {
		t.Errorf("ran %v", got)
	}
	// The next day closes: it runs once, the 26th is not run again.
	clk.Set(at(28, 0, 30))
	wait()
	if got := runner.days(); fmt.Sprint(got) != "[2026-11-26 2026-11-27]" {
		t.Errorf("ran %v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// failDay fails one date, always.
type failDay struct {
	job *dailyrun.Job
	bad string
}

func (f failDay) Run(ctx context.Context, d payment.Date, agency string) ([]daily.Report, error) {
	if d.String() == f.bad {
		return nil, errDown
	}
	return f.job.Run(ctx, d, agency)
}

func TestSchedulerFailingDayDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	st := memoryStore()
	clk := newFakeClock(at(27, 1, 0))
	job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := dailyrun.NewScheduler(st, failDay{job: job, bad: "2026-11-24"}, dailyrun.SchedulerConfig{Clock: clk, Grace: dailyrun.DefaultGrace, CatchUpDays: 3,
		FirstDay: businessDate.AddDays(-2)})
	if err != nil {
		t.Fatal(err)
	}
	ran, _, err := s.Step(context.Background())
	if !errors.Is(err, errDown) || !slices.Equal(dates(ran), []string{"2026-11-25", "2026-11-26"}) {
		t.Fatalf("ran %v, %v; want the 25th and 26th and the 24th's error", dates(ran), err)
	}
}
