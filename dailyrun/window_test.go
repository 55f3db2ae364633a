package dailyrun_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// Payments dated before the reporting window (FirstDay, the service's
// --reports-from, is the 26th) are never silently left out (issue 11
// §5.3): one of the 22nd, a day reported earlier by hand, makes the
// 22nd's next version by itself (its late_event and adjustment, the
// earlier version's bytes unchanged); one of the 23rd, never reported, is
// raised as a late_event of the 23rd, warned about, and listed by the ALL
// report of the 27th, the day it was raised on. Replayed on a fresh store
// with the same clock, the 27th's report has the same bytes.
func TestSchedulerReportsPaymentsBeforeTheWindow(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{{"memory", func(*testing.T) store.Store { return memoryStore() }}, {"postgres", openPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			first := beforeWindowScenario(t, b.open(t))
			again := beforeWindowScenario(t, b.open(t))
			if !bytes.Equal(first, again) {
				t.Errorf("a replay of the same stream gave the 27th other bytes:\n%s\n%s", first, again)
			}
		})
	}
}

// beforeWindowScenario runs the scenario on st and returns the stored
// body of the 27th's ALL version 1.
func beforeWindowScenario(t *testing.T, st store.Store) []byte {
	t.Helper()
	ctx := context.Background()
	d22, d23, d27 := payment.Date{Year: 2026, Month: time.November, Day: 22},
		payment.Date{Year: 2026, Month: time.November, Day: 23}, payment.Date{Year: 2026, Month: time.November, Day: 27}
	clk := newFakeClock(at(23, 1, 0))
	job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// The 22nd, reported by hand (feerecon report --date 2026-11-22).
	on22 := payment.Payment{ID: "vietqr:W2201", Gateway: payment.GatewayVietQR, TxnID: "W2201", Amount: payment.VNDOf(150000),
		PaidAt: at(22, 11, 0), Description: "nop phi ho so"}
	record(t, st, at(22, 11, 0), []payment.Payment{on22})
	if reps, err := job.Run(ctx, d22, ""); err != nil || len(reps) != 1 {
		t.Fatalf("report of the 22nd by hand: %d versions, %v", len(reps), err)
	}
	v1 := storedReport(t, st, d22, daily.AgencyAll, 1)
	v1Body := bytes.Clone(v1.Body)

	loadDay(t, st)
	var logs bytes.Buffer
	s, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Clock: clk, Grace: dailyrun.DefaultGrace,
		CreditWindowDays: 1, FirstDay: businessDate, Logger: slogText(&logs)})
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
		t.Fatalf("first step ran %v", got)
	}

	// Both payments arrive on the 27th at 10:00.
	late22 := payment.Payment{ID: "vietqr:W2202", Gateway: payment.GatewayVietQR, TxnID: "W2202", Amount: payment.VNDOf(200000),
		PaidAt: at(22, 15, 0), Description: "nop phi ho so"}
	late23 := payment.Payment{ID: "vietqr:W2301", Gateway: payment.GatewayVietQR, TxnID: "W2301", Amount: payment.VNDOf(300000),
		PaidAt: at(23, 10, 0), Description: "nop phi ho so", PayerAccount: "0071000998877"}
	record(t, st, at(27, 10, 0), []payment.Payment{late22, late23})
	lateID := reconcile.ExceptionID(reconcile.ExceptionLateEvent, late23.ID, d23.String())
	if got := step(at(27, 10, 29)); len(got) != 0 || exceptionStored(t, st, lateID) {
		t.Fatalf("within the grace ran %v (or raised the late event)", got)
	}
	if got := step(at(27, 10, 30)); !slices.Equal(got, []string{"2026-11-22"}) {
		t.Fatalf("the grace after the payments ran %v, want the 22nd alone", got)
	}

	// The 22nd: version 2, with the late payment's late_event and
	// adjustment, chained to version 1, whose bytes are as they were.
	v2, err := dailyrun.DecodeStored(storedReport(t, st, d22, daily.AgencyAll, 2))
	if err != nil {
		t.Fatal(err)
	}
	late22ID := reconcile.ExceptionID(reconcile.ExceptionLateEvent, late22.ID, d22.String())
	if v2.Diff == nil || v2.Diff.PreviousSHA256 != v1.SHA256 || !slices.Contains(v2.Diff.Payments.Added, late22.ID) ||
		len(v2.Adjustments) != 1 || v2.Adjustments[0].ExceptionID != late22ID {
		t.Errorf("the 22nd's v2: diff %+v, adjustments %+v", v2.Diff, v2.Adjustments)
	}
	if again := storedReport(t, st, d22, daily.AgencyAll, 1); !bytes.Equal(again.Body, v1Body) || again.SHA256 != v1.SHA256 {
		t.Error("the 22nd's v1 changed")
	}

	// The 23rd: a stored late_event of the 23rd, raised now, saying why
	// and how to report the day; a warning with the account masked.
	x := storedException(t, st, lateID)
	if x.Kind != reconcile.ExceptionLateEvent || x.PaymentID != late23.ID || !x.CreatedAt.Equal(at(27, 10, 30)) ||
		!strings.Contains(x.Evidence, "before the reporting window starting 2026-11-26") ||
		!strings.Contains(x.Evidence, "feerecon report --date 2026-11-23") {
		t.Errorf("late event %+v", x)
	}
	log := logs.String()
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "feerecon report --date 2026-11-23") ||
		!strings.Contains(log, "payment_id=vietqr:W2301") || strings.Contains(log, late23.PayerAccount) {
		t.Errorf("warning: %s", log)
	}

	// The 27th closes: its ALL report lists the late event of the 23rd.
	if got := step(at(28, 0, 30)); !slices.Equal(got, []string{"2026-11-27"}) {
		t.Fatalf("the 27th's close ran %v", got)
	}
	r27 := storedReport(t, st, d27, daily.AgencyAll, 1)
	rep, err := dailyrun.DecodeStored(r27)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.LateUnreported) != 1 || rep.LateUnreported[0].ExceptionID != lateID || rep.LateUnreported[0].BusinessDate != d23 ||
		!rep.LateUnreported[0].RaisedAt.Equal(at(27, 10, 30)) {
		t.Errorf("the 27th's late events of unreported days: %+v", rep.LateUnreported)
	}
	// Nothing new afterwards: no version, no second exception or warning.
	if got := step(at(28, 1, 0)); len(got) != 0 {
		t.Errorf("later step ran %v", got)
	}
	if n := strings.Count(logs.String(), "payment_id=vietqr:W2301"); n != 1 {
		t.Errorf("%d warnings for the payment, want 1", n)
	}
	return r27.Body
}

func exceptionStored(t *testing.T, st store.Store, id string) bool {
	t.Helper()
	var found bool
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		_, err := tx.Exception(context.Background(), id)
		found = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func storedException(t *testing.T, st store.Store, id string) reconcile.Exception {
	t.Helper()
	var x reconcile.Exception
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		x, err = tx.Exception(context.Background(), id)
		return err
	})
	if err != nil {
		t.Fatalf("exception %s: %v", id, err)
	}
	return x
}
