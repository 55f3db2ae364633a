package dailyrun_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// keyCounter is the treasury: it counts the deliveries of each
// Idempotency-Key and acknowledges them all.
type keyCounter struct {
	mu   sync.Mutex
	keys map[string]int
}

func (k *keyCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	k.keys[r.Header.Get(outbox.HeaderIdempotencyKey)]++
	k.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func storedReport(t *testing.T, st store.Store, d payment.Date, agency string, version int) store.Report {
	t.Helper()
	var r store.Report
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		r, err = tx.ReportVersion(context.Background(), d, agency, version)
		return err
	})
	if err != nil {
		t.Fatalf("report %s %s v%d: %v", d, agency, version, err)
	}
	return r
}

func latestVersion(t *testing.T, st store.Store, d payment.Date) int {
	t.Helper()
	var v int
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		r, err := tx.LatestReport(context.Background(), d, daily.AgencyAll)
		v = r.Version
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A late bank statement for a reported day: the next version appears by
// itself the grace after the import, with its diff, is delivered once,
// and the earlier version's stored bytes stay as they were; nothing new
// after it, no version.
func TestSchedulerReReportsADayAfterALateStatement(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		err := st.InTx(ctx, func(tx store.Tx) error {
			for _, n := range loadNotices(t) {
				if err := tx.CreateNotice(ctx, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		record(t, st, at(26, 23, 0), loadEvents(t, "events.jsonl"))
		if _, err := importFile(st, readFile(t, "settlement.vnpay.csv")); err != nil {
			t.Fatal(err)
		}
		clk := newFakeClock(at(27, 0, 30))
		job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		s, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Clock: clk, Grace: dailyrun.DefaultGrace,
			CreditWindowDays: 1, FirstDay: businessDate})
		if err != nil {
			t.Fatal(err)
		}
		step := func(now time.Time) []string {
			t.Helper()
			clk.Set(now)
			ran, _, err := s.Step(ctx)
			if err != nil {
				t.Fatalf("step at %s: %v", now, err)
			}
			return dates(ran)
		}
		if got := step(at(27, 0, 30)); !slices.Equal(got, []string{"2026-11-26"}) {
			t.Fatalf("at the grace's end ran %v", got)
		}
		v1 := storedReport(t, st, businessDate, daily.AgencyAll, 1)
		v1Body := bytes.Clone(v1.Body)
		// Nothing changed: nothing runs, no version.
		if got := step(at(27, 1, 0)); len(got) != 0 {
			t.Fatalf("nothing changed, ran %v", got)
		}
		// The bank's statement of the 26th arrives late, at 10:00.
		if _, err := dailyrun.ImportStatement(ctx, st, readFile(t, "statement.camt053.xml"), importOptions(st, at(27, 10, 0))); err != nil {
			t.Fatal(err)
		}
		if got := step(at(27, 10, 29)); len(got) != 0 || latestVersion(t, st, businessDate) != 1 {
			t.Fatalf("within the grace after the import ran %v", got)
		}
		// The grace after it: the days that read a line booked on the 26th
		// run again (T+1: the 25th … 27th; the 25th is before the first
		// day, the 27th not closed).
		if got := step(at(27, 10, 30)); !slices.Equal(got, []string{"2026-11-26"}) {
			t.Fatalf("the grace after the import ran %v", got)
		}
		if v := latestVersion(t, st, businessDate); v != 2 {
			t.Fatalf("latest version %d, want 2", v)
		}
		v2, err := dailyrun.DecodeStored(storedReport(t, st, businessDate, daily.AgencyAll, 2))
		if err != nil {
			t.Fatal(err)
		}
		// The statement's credits are now checked: a credit no payment
		// explains (line 4) is a missing_event the diff adds.
		if v2.Diff == nil || v2.Diff.PreviousVersion != 1 || v2.Diff.PreviousSHA256 != v1.SHA256 ||
			!slices.Contains(v2.Diff.Exceptions.Added, "missing_event|camt053:0071000123456:0071000123456-20261126|4") {
			t.Errorf("v2's diff %+v: want v1's hash and the statement's missing_event added", v2.Diff)
		}
		// The change is seen once: later steps run nothing.
		for _, now := range []time.Time{at(27, 10, 31), at(27, 12, 0)} {
			if got := step(now); len(got) != 0 {
				t.Fatalf("at %s ran %v again", now, got)
			}
		}
		again := storedReport(t, st, businessDate, daily.AgencyAll, 1)
		sum := sha256.Sum256(again.Body)
		if !bytes.Equal(again.Body, v1Body) || again.SHA256 != v1.SHA256 || hex.EncodeToString(sum[:]) != v1.SHA256 {
			t.Errorf("v1's stored bytes changed: sha256 %s, want %s", hex.EncodeToString(sum[:]), v1.SHA256)
		}
		// Delivered once, through the outbox, under its own key.
		sink := &keyCounter{keys: map[string]int{}}
		srv := httptest.NewServer(sink)
		defer srv.Close()
		sender, err := outbox.NewWebhook(outbox.FromStore(st), outbox.WebhookConfig{
			Endpoints: map[string]outbox.Endpoint{dailyrun.DefaultDestination: {URL: srv.URL, Secret: "kbnn-test-secret"}},
			Types:     []outbox.Type{outbox.Report}, Loop: outbox.Loop{Clock: clk.Now},
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := sender.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		key := outbox.Report.ID(v2.ID)
		if sink.keys[key] != 1 || sink.keys[outbox.Report.ID(v1.ID)] != 1 {
			t.Errorf("deliveries %v: want v1 and v2 once each", sink.keys)
		}
	})
}

// A first start on an empty database without a first day reports no
// past day, and warns; the day not yet closed is reported after its
// cut-off. Empty days are not reported unless configured.
func TestSchedulerFirstStartReportsNoPastDay(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clk := newFakeClock(at(27, 9, 0))
		job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Clock: clk, Grace: dailyrun.DefaultGrace,
			CreditWindowDays: 1, Logger: slogText(&logs)})
		if err != nil {
			t.Fatal(err)
		}
		ran, _, err := s.Step(ctx)
		if err != nil || len(ran) != 0 {
			t.Fatalf("first start ran %v, %v", dates(ran), err)
		}
		if !bytes.Contains(logs.Bytes(), []byte("--reports-from YYYY-MM-DD")) || !bytes.Contains(logs.Bytes(), []byte("first_day=2026-11-27")) {
			t.Errorf("no warning saying how to report earlier days: %s", logs.String())
		}
		// The 27th closes; it had nothing: no report reaches the treasury.
		clk.Set(at(28, 0, 30))
		ran, _, err = s.Step(ctx)
		if err != nil || !slices.Equal(dates(ran), []string{"2026-11-27"}) {
			t.Fatalf("at the 27th's close ran %v, %v", dates(ran), err)
		}
		var n int
		err = st.InTx(ctx, func(tx store.Tx) error {
			ms, err := tx.ListOutbox(ctx, store.OutboxFilter{})
			n = len(ms)
			return err
		})
		if err != nil || n != 0 {
			t.Fatalf("%d outbox messages, %v; want none for an empty day", n, err)
		}
		// Run once: an empty day is not run again at every recheck.
		clk.Set(at(28, 0, 31))
		if ran, _, err := s.Step(ctx); err != nil || len(ran) != 0 {
			t.Fatalf("recheck ran %v, %v", dates(ran), err)
		}
	})
}

// With ReportEmptyDays, an empty day is reported.
func TestJobReportsEmptyDaysOnlyWhenConfigured(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		st := memoryStore()
		job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), ReportEmptyDays: on,
			Clock: func() time.Time { return at(27, 1, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		reps, err := job.Run(context.Background(), businessDate, "")
		if err != nil || (len(reps) == 1) != on {
			t.Errorf("ReportEmptyDays %v: %d reports, %v", on, len(reps), err)
		}
	}
}

func slogText(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
