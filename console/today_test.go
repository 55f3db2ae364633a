package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

func TestComputeToday(t *testing.T) {
	t.Parallel()
	day := payment.DateOf(clock)
	at := clock.Add(-time.Hour)
	pay := func(gw payment.Gateway, txn string, dong int64) payment.Payment {
		return payment.Payment{ID: payment.PaymentID(gw, txn), Gateway: gw, TxnID: txn, Amount: payment.VNDOf(dong), PaidAt: at}
	}
	alloc := func(p payment.Payment, notice string, dong int64) reconcile.Allocation {
		return reconcile.Allocation{PaymentID: p.ID, NoticeSystem: "dvc", NoticeID: notice, Amount: payment.VNDOf(dong), Rule: reconcile.RulePaymentCode}
	}
	exc := func(kind reconcile.ExceptionKind, p payment.Payment, dong int64, st reconcile.ExceptionStatus) reconcile.Exception {
		return reconcile.Exception{ID: reconcile.ExceptionID(kind, p.ID), Kind: kind, PaymentID: p.ID, Amount: payment.VNDOf(dong), Status: st}
	}
	a1 := pay(payment.GatewayVietQR, "1", 150_000) // N1 (H40.01)
	a2 := pay(payment.GatewayVietQR, "2", 360_000) // N1 350 000 + overpaid 10 000
	b1 := pay(payment.GatewayMoMo, "3", 1_500_000) // N2 (H29.75)
	m1 := pay(payment.GatewayMoMo, "4", 700_000)   // N1 200 000 + N2 500 000
	u1 := pay(payment.GatewayVNPay, "5", 770_000)  // unmatched, no notice
	d1 := pay(payment.GatewayZaloPay, "6", 50_000) // duplicate, resolved
	// Hours in Hà Nội, not UTC's: 06:30 (23:30 UTC the day before) and 17:59.
	u1.PaidAt = time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)
	d1.PaidAt = time.Date(2026, 11, 27, 10, 59, 0, 0, time.UTC)
	in := console.DayInput{
		Payments: []payment.Payment{a1, a2, b1, m1, u1, d1},
		Allocations: map[string][]reconcile.Allocation{
			a1.ID: {alloc(a1, "N1", 150_000)},
			a2.ID: {alloc(a2, "N1", 350_000)},
			b1.ID: {alloc(b1, "N2", 1_500_000)},
			m1.ID: {alloc(m1, "N1", 200_000), alloc(m1, "N2", 500_000)},
		},
		NoticeAgency: map[store.NoticeKey]string{{System: "dvc", ID: "N1"}: "H40.01", {System: "dvc", ID: "N2"}: "H29.75"},
		Exceptions: []reconcile.Exception{
			exc(reconcile.ExceptionOverpaid, a2, 10_000, reconcile.ExceptionOpen),
			exc(reconcile.ExceptionUnmatched, u1, 770_000, reconcile.ExceptionOpen),
			exc(reconcile.ExceptionDuplicate, d1, 50_000, reconcile.ExceptionResolved),
			// The daily run's exceptions are the report's, not counted here.
			exc(reconcile.ExceptionMissingCredit, a1, 150_000, reconcile.ExceptionOpen),
			// Another day's payment's exception is not this day's.
			{ID: "unmatched|momo:old", Kind: reconcile.ExceptionUnmatched, PaymentID: "momo:old", Amount: payment.VNDOf(1), Status: reconcile.ExceptionOpen},
		},
	}
	// What the store's scoped ListExceptions would return for H40.01:
	// the overpayment of its notice and the duplicate that referenced it.
	scoped := in
	scoped.Exceptions = []reconcile.Exception{in.Exceptions[0], in.Exceptions[2]}
	vnd := func(d int64) []payment.Money { return []payment.Money{payment.VNDOf(d)} }
	fig := func(n int, d int64) console.Figure { return console.Figure{Count: n, Amounts: vnd(d)} }
	// hours is a day's 24 hours with these figures.
	hours := func(set map[int][2]console.Figure) []console.Hour {
		hs := make([]console.Hour, 24)
		for i := range hs {
			hs[i] = console.Hour{Hour: i, Collected: set[i][0], Exceptions: set[i][1]}
		}
		return hs
	}
	for _, tc := range []struct {
		name string
		sees func(string) bool
		in   console.DayInput
		want console.Today
	}{
		{"every agency", func(string) bool { return true }, in, console.Today{
			Date:      day,
			Collected: fig(6, 3_530_000),
			ByChannel: []console.Row{
				{Key: "momo", Figure: fig(2, 2_200_000)}, {Key: "vietqr", Figure: fig(2, 510_000)},
				{Key: "vnpay", Figure: fig(1, 770_000)}, {Key: "zalopay", Figure: fig(1, 50_000)},
			},
			ByAgency: []console.Row{{Key: "H29.75", Figure: fig(2, 2_000_000)}, {Key: "H40.01", Figure: fig(3, 700_000)}},
			Matched:  fig(5, 2_700_000), Open: fig(2, 780_000), Resolved: fig(1, 50_000),
			ByHour: hours(map[int][2]console.Figure{
				6: {fig(1, 770_000), fig(1, 770_000)}, 9: {fig(4, 2_710_000), fig(1, 10_000)}, 17: {fig(1, 50_000), fig(1, 50_000)},
			}),
		}},
		{"H40.01 only", func(a string) bool { return a == "H40.01" }, scoped, console.Today{
			Date:      day,
			Collected: fig(4, 760_000),
			ByChannel: []console.Row{{Key: "momo", Figure: fig(1, 200_000)}, {Key: "vietqr", Figure: fig(2, 510_000)}, {Key: "zalopay", Figure: fig(1, 50_000)}},
			ByAgency:  []console.Row{{Key: "H40.01", Figure: fig(3, 700_000)}},
			Matched:   fig(3, 700_000), Open: fig(1, 10_000), Resolved: fig(1, 50_000),
			ByHour: hours(map[int][2]console.Figure{9: {fig(3, 710_000), fig(1, 10_000)}, 17: {fig(1, 50_000), fig(1, 50_000)}}),
		}},
		{"an empty day", func(string) bool { return true }, console.DayInput{}, console.Today{
			Date: day, ByChannel: []console.Row{}, ByAgency: []console.Row{}, ByHour: hours(nil),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := console.ComputeToday(day, tc.sees, tc.in)
			if g, w := describe(got), describe(tc.want); g != w {
				t.Errorf("today:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// describe writes every figure of t, money by its exact decimal.
func describe(t console.Today) string {
	var b strings.Builder
	f := func(name string, x console.Figure) {
		ms := make([]string, len(x.Amounts))
		for i, m := range x.Amounts {
			ms[i] = m.String()
		}
		fmt.Fprintf(&b, "%s: %d %v\n", name, x.Count, ms)
	}
	fmt.Fprintf(&b, "date %s\n", t.Date)
	f("collected", t.Collected)
	for _, r := range t.ByChannel {
		f("channel "+r.Key, r.Figure)
	}
	for _, r := range t.ByAgency {
		f("agency "+r.Key, r.Figure)
	}
	f("matched", t.Matched)
	f("open", t.Open)
	f("resolved", t.Resolved)
	fmt.Fprintf(&b, "%d hours\n", len(t.ByHour))
	for i, h := range t.ByHour {
		if h.Hour != i {
			fmt.Fprintf(&b, "hour %d at %d\n", h.Hour, i)
		}
		if h.Collected.Count > 0 || h.Exceptions.Count > 0 {
			f(fmt.Sprintf("%02d collected", h.Hour), h.Collected)
			f(fmt.Sprintf("%02d exceptions", h.Hour), h.Exceptions)
		}
	}
	return b.String()
}

// The day's reports and the outbox, within the scope: who sees every
// agency sees the total report first, then each agency's, and every
// pending and dead message; an accountant of H40.01 sees H40.01's report
// and the messages about H40.01 only (nothing of H29.75's, of the total,
// or of a message of no known agency, not even in the counts).
func TestComputeTodayReportsAndOutbox(t *testing.T) {
	t.Parallel()
	day := payment.DateOf(clock)
	now := clock
	rep := func(agency string, v int) store.Report {
		return store.Report{ID: fmt.Sprintf("%s/%s/v%d", day, agency, v), BusinessDate: day, Agency: agency, Version: v,
			SHA256: strings.Repeat(fmt.Sprint(v), 64), CreatedAt: now.Add(-3 * time.Hour)}
	}
	all, h40, h29 := rep("ALL", 2), rep("H40.01", 1), rep("H29.75", 3)
	msg := func(id string, kind store.OutboxKind, agency string, state store.OutboxState, age time.Duration) console.OutboxItem {
		return console.OutboxItem{OutboxMessage: store.OutboxMessage{ID: id, Kind: kind, State: state, Attempts: 2,
			CreatedAt: now.Add(-age)}, Agency: agency}
	}
	wh := func(r store.Report) string { return outbox.Report.ID(r.ID) }
	kf := func(r store.Report) string { return outbox.KafkaID(outbox.Report.ID(r.ID)) }
	deliveries := []console.OutboxItem{
		msg(wh(all), store.OutboxReport, "ALL", store.OutboxDelivered, 3*time.Hour),
		msg(kf(all), store.OutboxReportKafka, "ALL", store.OutboxPending, 2*time.Hour),
		msg(wh(h40), store.OutboxReport, "H40.01", store.OutboxDead, 3*time.Hour),
		msg(kf(h40), store.OutboxReportKafka, "H40.01", store.OutboxDelivered, 3*time.Hour),
		msg(wh(h29), store.OutboxReport, "H29.75", store.OutboxPending, 5*time.Minute), // and no Kafka copy
		msg("confirmation|dvc|N1", store.OutboxConfirmation, "H40.01", store.OutboxPending, 90*time.Minute),
		msg("confirmation|dvc|N1|kafka", store.OutboxConfirmationKafka, "H40.01", store.OutboxDead, time.Hour),
		msg("confirmation|dvc|N2", store.OutboxConfirmation, "H29.75", store.OutboxDead, 27*time.Hour),
		msg("confirmation|dvc|N0", store.OutboxConfirmation, "", store.OutboxPending, 72*time.Hour),
		msg("confirmation|dvc|N3", store.OutboxConfirmation, "H40.01", store.OutboxDelivered, 100*time.Hour),
	}
	in := console.DayInput{Reports: []store.Report{all, h29, h40}, Outbox: deliveries, Now: now}
	everyone := func(string) bool { return true }

	got := console.ComputeToday(day, everyone, in)
	if g := reportsOf(got.Reports); g != "ALL v2 webhook delivered kafka pending; H29.75 v3 webhook pending kafka none; H40.01 v1 webhook dead kafka delivered" {
		t.Errorf("every agency's reports: %s", g)
	}
	if g := backlogOf(got.Outbox); g != "pending 4 oldest 72h0m0s dead 3; confirmation 2/72h0m0s/1 confirmation_kafka 0/0s/1 report 1/5m0s/1 report_kafka 1/2h0m0s/0 reversal 0/0s/0 reversal_kafka 0/0s/0; "+
		"dead confirmation|dvc|N1|kafka, report|2026-11-27/H40.01/v1, confirmation|dvc|N2" {
		t.Errorf("every agency's outbox: %s", g)
	}
	if got.Reports[0].SHA256Prefix() != "222222222222" {
		t.Errorf("SHA-256 prefix %q", got.Reports[0].SHA256Prefix())
	}

	h40only := console.ComputeToday(day, func(a string) bool { return a == "H40.01" }, in)
	if g := reportsOf(h40only.Reports); g != "H40.01 v1 webhook dead kafka delivered" {
		t.Errorf("H40.01's reports: %s", g)
	}
	if g := backlogOf(h40only.Outbox); g != "pending 1 oldest 1h30m0s dead 2; confirmation 1/1h30m0s/0 confirmation_kafka 0/0s/1 report 0/0s/1 report_kafka 0/0s/0 reversal 0/0s/0 reversal_kafka 0/0s/0; "+
		"dead confirmation|dvc|N1|kafka, report|2026-11-27/H40.01/v1" {
		t.Errorf("H40.01's outbox: %s", g)
	}

	// Many dead: all counted, the newest MaxDeadListed listed.
	var many []console.OutboxItem
	for i := range console.MaxDeadListed + 5 {
		many = append(many, msg(fmt.Sprintf("confirmation|dvc|D%02d", i), store.OutboxConfirmation, "H40.01", store.OutboxDead, time.Duration(i)*time.Minute))
	}
	b := console.ComputeToday(day, everyone, console.DayInput{Outbox: many, Now: now, OutboxTruncated: true}).Outbox
	if b.Dead != console.MaxDeadListed+5 || len(b.DeadList) != console.MaxDeadListed || b.DeadList[0].ID != "confirmation|dvc|D00" ||
		b.DeadList[len(b.DeadList)-1].ID != fmt.Sprintf("confirmation|dvc|D%02d", console.MaxDeadListed-1) || !b.Truncated {
		t.Errorf("many dead: %d counted, %d listed, first %s, truncated %v", b.Dead, len(b.DeadList), b.DeadList[0].ID, b.Truncated)
	}
	if empty := console.ComputeToday(day, everyone, console.DayInput{}); len(empty.Reports) != 0 || empty.Outbox.Pending != 0 ||
		len(empty.Outbox.ByKind) != len(store.OutboxKinds()) {
		t.Errorf("an empty day: %+v", empty.Outbox)
	}
}

func reportsOf(rs []console.ReportState) string {
	var parts []string
	for _, r := range rs {
		p := fmt.Sprintf("%s v%d", r.Agency, r.Version)
		for _, d := range r.Deliveries {
			state := "none"
			if d.Found {
				state = string(d.Message.State)
			}
			p += fmt.Sprintf(" %s %s", map[console.Label]string{console.LDeliveryWebhook: "webhook", console.LDeliveryKafka: "kafka"}[d.Channel], state)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func backlogOf(b console.Backlog) string {
	var s strings.Builder
	fmt.Fprintf(&s, "pending %d oldest %s dead %d;", b.Pending, b.OldestPending, b.Dead)
	for _, k := range b.ByKind {
		fmt.Fprintf(&s, " %s %d/%s/%d", k.Kind, k.Pending, k.OldestPending, k.Dead)
	}
	var ids []string
	for _, d := range b.DeadList {
		ids = append(ids, d.ID)
	}
	fmt.Fprintf(&s, "; dead %s", strings.Join(ids, ", "))
	return s.String()
}
