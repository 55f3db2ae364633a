package dailyrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// newJob reports empty days too: several tests deliver an empty day's
// report (TestSchedulerSkipsEmptyDays has the default).
func newJob(t testing.TB, st store.Store, c *clock) *dailyrun.Job {
	t.Helper()
	j, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: c.now, ReportEmptyDays: true})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func goldenReport(t testing.TB, name string) daily.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dayDir, "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	var r daily.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	sort.Strings(out)
	return out
}

func byScope(t testing.TB, reps []daily.Report, agency string) daily.Report {
	t.Helper()
	for _, r := range reps {
		if r.Agency == agency {
			return r
		}
	}
	t.Fatalf("no report for %s among %d", agency, len(reps))
	return daily.Report{}
}

func stored(t testing.TB, st store.Store, agency string, version int) store.Report {
	t.Helper()
	var r store.Report
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		r, err = tx.ReportVersion(context.Background(), businessDate, agency, version)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func outboxOf(t testing.TB, st store.Store, kind store.OutboxKind) []store.OutboxMessage {
	t.Helper()
	var ms []store.OutboxMessage
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		for _, s := range []store.OutboxState{store.OutboxPending, store.OutboxDelivered, store.OutboxDead} {
			m, err := tx.ListOutbox(context.Background(), store.OutboxFilter{Kind: kind, State: s})
			if err != nil {
				return err
			}
			ms = append(ms, m...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms
}

// sameAsGolden checks the figures of a report made over the store against
// the golden one made by daily.Reconcile straight from the files.
func sameAsGolden(t *testing.T, got, want daily.Report) {
	t.Helper()
	if g, w := jsonOf(t, got.Totals), jsonOf(t, want.Totals); g != w {
		t.Errorf("%s totals\n got %s\nwant %s", got.ID, g, w)
	}
	if g, w := jsonOf(t, got.Control), jsonOf(t, want.Control); g != w {
		t.Errorf("%s control\n got %s\nwant %s", got.ID, g, w)
	}
	for _, part := range []struct {
		name      string
		got, want []string
	}{
		{"payments", ids(got.Payments, func(p daily.PaymentLine) string { return jsonOf(t, p) }), ids(want.Payments, func(p daily.PaymentLine) string { return jsonOf(t, p) })},
		{"budget", ids(got.Budget, func(p daily.BudgetLine) string { return jsonOf(t, p) }), ids(want.Budget, func(p daily.BudgetLine) string { return jsonOf(t, p) })},
		{"links", ids(got.Links, func(p daily.Link) string { return jsonOf(t, p) }), ids(want.Links, func(p daily.Link) string { return jsonOf(t, p) })},
		{"exceptions", ids(got.Exceptions, func(e daily.ExceptionLine) string { return e.ID }), ids(want.Exceptions, func(e daily.ExceptionLine) string { return e.ID })},
		{"adjustments", ids(got.Adjustments, func(p daily.Adjustment) string { return jsonOf(t, p) }), ids(want.Adjustments, func(p daily.Adjustment) string { return jsonOf(t, p) })},
	} {
		if !slices.Equal(part.got, part.want) {
			t.Errorf("%s %s\n got %v\nwant %v", got.ID, part.name, part.got, part.want)
		}
	}
}

func TestJobGoldenDay(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		loadDay(t, st)
		clk := &clock{t: at(27, 1, 0)}
		job := newJob(t, st, clk)

		v1, err := job.Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		scopes := ids(v1, func(r daily.Report) string { return r.ID })
		want := []string{"daily/2026-11-26/ALL/v1", "daily/2026-11-26/G01.899.108/v1", "daily/2026-11-26/H29.75/v1"}
		if !slices.Equal(scopes, want) {
			t.Fatalf("stored %v, want %v", scopes, want)
		}
		sameAsGolden(t, byScope(t, v1, daily.AgencyAll), goldenReport(t, "report.v1.ALL.json"))
		v1Bodies := map[string][]byte{}
		for _, r := range v1 {
			if err := r.Verify(); err != nil {
				t.Fatal(err)
			}
			s := stored(t, st, r.Agency, 1)
			if s.SHA256 != r.SHA256 {
				t.Fatalf("%s stored sha256 %s, report %s", r.ID, s.SHA256, r.SHA256)
			}
			v1Bodies[r.Agency] = s.Body
		}
		// One treasury message and one Kafka copy per version, idempotency
		// key = report id + version.
		checkOutbox(t, st, want)
		// The day's three-way exceptions are stored for the accountants.
		var missing []reconcile.Exception
		err = st.InTx(ctx, func(tx store.Tx) error {
			var err error
			missing, err = tx.ListExceptions(ctx, store.ExceptionFilter{Kind: reconcile.ExceptionMissingEvent})
			return err
		})
		if err != nil || len(missing) != 2 {
			t.Fatalf("stored missing_event exceptions = %d, %v; want 2", len(missing), err)
		}
		if n := auditCount(t, st, "report:daily/2026-11-26/ALL/v1"); n != 1 {
			t.Errorf("audit entries of ALL v1 = %d", n)
		}
		// Each discrepancy the run stored is audited once.
		for _, e := range missing {
			if n := auditCount(t, st, store.ExceptionEntity(e.ID)); n != 1 {
				t.Errorf("audit entries of %s = %d, want 1 (exception.raise)", e.ID, n)
			}
		}

		// Nothing new: no new version, nothing enqueued, nothing audited
		// again.
		clk.t = at(27, 3, 0)
		again, err := job.Run(ctx, businessDate, "")
		if err != nil || len(again) != 0 {
			t.Fatalf("re-run stored %v, %v; want nothing", ids(again, func(r daily.Report) string { return r.ID }), err)
		}
		checkOutbox(t, st, want)
		for _, e := range missing {
			if n := auditCount(t, st, store.ExceptionEntity(e.ID)); n != 1 {
				t.Errorf("after a re-run, audit entries of %s = %d, want 1", e.ID, n)
			}
		}

		// A late payment: version 2 of ALL and of its agency, with the
		// adjustment and the diff; version 1 stays as it was.
		clk.t = at(27, 9, 0)
		record(t, st, clk.t, loadEvents(t, "late_events.jsonl"))
		v2, err := job.Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		want2 := []string{"daily/2026-11-26/ALL/v2", "daily/2026-11-26/G01.899.108/v2"}
		if got := ids(v2, func(r daily.Report) string { return r.ID }); !slices.Equal(got, want2) {
			t.Fatalf("late event stored %v, want %v", got, want2)
		}
		all2 := byScope(t, v2, daily.AgencyAll)
		golden2 := goldenReport(t, "report.v2.ALL.json")
		sameAsGolden(t, all2, golden2)
		if all2.Diff == nil || all2.Diff.PreviousVersion != 1 || all2.Diff.PreviousSHA256 != byScope(t, v1, daily.AgencyAll).SHA256 {
			t.Fatalf("v2 diff %+v", all2.Diff)
		}
		if g, w := jsonOf(t, all2.Diff.Payments), jsonOf(t, golden2.Diff.Payments); g != w {
			t.Errorf("v2 payment diff %s, want %s", g, w)
		}
		if len(all2.Adjustments) != 1 || all2.Adjustments[0].PaymentID != "zalopay:261126_2553_000011" || all2.Adjustments[0].Reason != reconcile.ExceptionLateEvent {
			t.Errorf("v2 adjustments %+v", all2.Adjustments)
		}
		for ag, body := range v1Bodies {
			if s := stored(t, st, ag, 1); !bytes.Equal(s.Body, body) {
				t.Errorf("%s v1 body changed", ag)
			}
		}
		checkOutbox(t, st, append(want, want2...))

		// And again nothing new: the late payment stays an adjustment, no v3.
		clk.t = at(27, 12, 0)
		again, err = job.Run(ctx, businessDate, "")
		if err != nil || len(again) != 0 {
			t.Fatalf("re-run after v2 stored %v, %v; want nothing", ids(again, func(r daily.Report) string { return r.ID }), err)
		}
		latest, err := job.Latest(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(latest, func(r daily.Report) string { return r.ID }); !slices.Equal(got, []string{"daily/2026-11-26/ALL/v2", "daily/2026-11-26/G01.899.108/v2", "daily/2026-11-26/H29.75/v1"}) {
			t.Errorf("latest %v", got)
		}
		v2Bodies := map[string][]byte{}
		for _, r := range v2 {
			v2Bodies[r.Agency] = stored(t, st, r.Agency, 2).Body
		}

		// Another late payment: version 3, chained to v2, adds only its own
		// adjustment; both payments stay late events.
		clk.t = at(27, 15, 0)
		y := payment.Payment{ID: "vietqr:SP1099", Gateway: payment.GatewayVietQR, TxnID: "SP1099", Amount: payment.VNDOf(400000),
			PaidAt: at(26, 21, 0), Description: "NP000000016156 nop phi"}
		record(t, st, clk.t, []payment.Payment{y})
		v3, err := job.Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		want3 := []string{"daily/2026-11-26/ALL/v3", "daily/2026-11-26/G01.899.108/v3"}
		if got := ids(v3, func(r daily.Report) string { return r.ID }); !slices.Equal(got, want3) {
			t.Fatalf("second late event stored %v, want %v", got, want3)
		}
		x := "zalopay:261126_2553_000011"
		for _, r := range v3 {
			if r.Diff == nil || r.Diff.PreviousVersion != 2 || r.Diff.PreviousSHA256 != byScope(t, v2, r.Agency).SHA256 {
				t.Fatalf("%s diff %+v", r.ID, r.Diff)
			}
			if got := ids(r.Adjustments, func(a daily.Adjustment) string { return a.PaymentID + "|" + string(a.Reason) }); !slices.Equal(got, []string{y.ID + "|late_event", x + "|late_event"}) {
				t.Errorf("%s adjustments %v", r.ID, got)
			}
			if c := r.Diff.Adjustments; len(c.Added) != 1 || !strings.HasPrefix(c.Added[0], y.ID+"|") || len(c.Removed)+len(c.Changed) > 0 {
				t.Errorf("%s adjustment diff %+v, want only %s added", r.ID, c, y.ID)
			}
			late := 0
			for _, e := range r.Exceptions {
				if e.Kind == reconcile.ExceptionLateEvent && (e.PaymentID == x || e.PaymentID == y.ID) {
					late++
				}
			}
			if late != 2 {
				t.Errorf("%s lists %d late_event exceptions, want 2", r.ID, late)
			}
		}
		for ag, body := range v1Bodies {
			if s := stored(t, st, ag, 1); !bytes.Equal(s.Body, body) {
				t.Errorf("%s v1 body changed", ag)
			}
		}
		for ag, body := range v2Bodies {
			if s := stored(t, st, ag, 2); !bytes.Equal(s.Body, body) {
				t.Errorf("%s v2 body changed", ag)
			}
		}
		checkOutbox(t, st, append(append(want, want2...), want3...))
		clk.t = at(27, 18, 0)
		if again, err := job.Run(ctx, businessDate, ""); err != nil || len(again) != 0 {
			t.Fatalf("re-run after v3 stored %v, %v; want nothing", ids(again, func(r daily.Report) string { return r.ID }), err)
		}
	})
}

func checkOutbox(t *testing.T, st store.Store, reportIDs []string) {
	t.Helper()
	sorted := slices.Clone(reportIDs)
	sort.Strings(sorted)
	for _, kind := range []store.OutboxKind{store.OutboxReport, store.OutboxReportKafka} {
		ms := outboxOf(t, st, kind)
		var got, want []string
		for _, m := range ms {
			got = append(got, m.ID)
			dest := "treasury"
			if kind == store.OutboxReportKafka {
				dest = "kafka:treasury.reports"
			}
			if m.Destination != dest {
				t.Errorf("%s destination %q, want %q", m.ID, m.Destination, dest)
			}
			var r daily.Report
			if err := json.Unmarshal(m.Payload, &r); err != nil {
				t.Fatalf("%s payload: %v", m.ID, err)
			}
			if err := r.Verify(); err != nil {
				t.Errorf("%s payload does not verify: %v", m.ID, err)
			}
		}
		for _, id := range sorted {
			if kind == store.OutboxReport {
				want = append(want, "report|"+id)
			} else {
				want = append(want, "report|"+id+"|kafka")
			}
		}
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("outbox %s = %v, want %v", kind, got, want)
		}
	}
}

// A payment of the day on a notice cancelled days before: its
// cancelled_notice exception is in the notice's agency report, though the
// notice was not issued on the day.
func TestJobExceptionOfAnOlderNotice(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		var cancelled payment.Notice
		for _, n := range loadNotices(t) {
			if n.ID == "TB-009" {
				cancelled = n
			}
		}
		cancelled.IssuedAt = at(20, 8, 0)
		cancelled.DueAt = at(30, 8, 0)
		if err := st.InTx(ctx, func(tx store.Tx) error { return tx.CreateNotice(ctx, cancelled) }); err != nil {
			t.Fatal(err)
		}
		var pay []payment.Payment
		for _, p := range loadEvents(t, "events.jsonl") {
			if p.ID == "vietqr:SP1010" {
				pay = append(pay, p)
			}
		}
		record(t, st, at(26, 23, 0), pay)
		reps, err := newJob(t, st, &clock{t: at(27, 1, 0)}).Run(ctx, businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		ag := byScope(t, reps, cancelled.Agency)
		if len(ag.Exceptions) != 1 || ag.Exceptions[0].Kind != reconcile.ExceptionCancelledNotice || ag.Totals.NoticesExpected != 0 {
			t.Fatalf("%s report: exceptions %+v, %d notices expected", cancelled.Agency, ag.Exceptions, ag.Totals.NoticesExpected)
		}
	})
}

func TestJobAgencyFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memoryStore()
	loadDay(t, st)
	job := newJob(t, st, &clock{t: at(27, 1, 0)})
	reps, err := job.Run(ctx, businessDate, "H29.75")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(reps, func(r daily.Report) string { return r.ID }); !slices.Equal(got, []string{"daily/2026-11-26/H29.75/v1"}) {
		t.Fatalf("filtered run stored %v", got)
	}
	checkOutbox(t, st, []string{"daily/2026-11-26/H29.75/v1"})
	// The full run adds the others; H29.75 is unchanged.
	reps, err = job.Run(ctx, businessDate, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(reps, func(r daily.Report) string { return r.ID }); !slices.Equal(got, []string{"daily/2026-11-26/ALL/v1", "daily/2026-11-26/G01.899.108/v1"}) {
		t.Fatalf("full run stored %v", got)
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	t.Parallel()
	err := dailyrun.Config{DayRules: daily.DayRules{Cutoff: 25 * time.Hour, CreditWindowDays: 99}, Lang: "fr"}.Validate()
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"cut-off", "credit window", "language"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %v", want, err)
		}
	}
	if err := (dailyrun.Config{DayRules: daily.DayRules{CreditWindowDays: 0, Cutoff: 16 * time.Hour}}).Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
}
