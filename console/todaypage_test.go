package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// deliveriesFixture adds to fixture's day its reports and the outbox: the
// total's and each agency's latest report (H40.01's second version, its
// webhook dead), and the confirmations of TB-1 (H40.01; pending on both
// channels, one attempt failed) and TB-2 (H29.75; dead).
func deliveriesFixture(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	day := payment.DateOf(clock)
	queued := clock.Add(-2 * time.Hour)
	made := clock.Add(-30 * time.Minute)
	type step func(tx store.Tx) error
	delivered := func(id string) step {
		return func(tx store.Tx) error { return tx.MarkDelivered(ctx, id, made.Add(time.Minute)) }
	}
	failed := func(id, why string, dead bool) step {
		return func(tx store.Tx) error { return tx.MarkFailed(ctx, id, why, clock.Add(time.Minute), dead) }
	}
	var steps []step
	for i, r := range []struct {
		agency  string
		version int
		webhook []func(id string) step
		kafka   []func(id string) step
	}{
		{agency: daily.AgencyAll, version: 1, webhook: []func(string) step{delivered}},
		{agency: "H40.01", version: 1, webhook: []func(string) step{delivered}, kafka: []func(string) step{delivered}},
		{agency: "H40.01", version: 2, webhook: []func(string) step{func(id string) step { return failed(id, "http 500: treasury down", true) }},
			kafka: []func(string) step{delivered}},
		{agency: "H29.75", version: 1, kafka: []func(string) step{delivered}},
	} {
		rep := store.Report{ID: daily.ReportID(day, r.agency, r.version), BusinessDate: day, Agency: r.agency, Version: r.version,
			SHA256: fmt.Sprintf("%x%063x", i+10, 0)[:64], Body: []byte(`{}`), CreatedAt: made}
		payload := fmt.Appendf(nil, `{"business_date":%q,"agency":%q,"sha256":%q}`, day, r.agency, rep.SHA256)
		id := outbox.Report.ID(rep.ID)
		steps = append(steps, func(tx store.Tx) error {
			if err := tx.InsertReport(ctx, rep); err != nil {
				return err
			}
			return outbox.Report.Enqueue(ctx, tx, id, "treasury", payload, made)
		})
		for _, s := range r.webhook {
			steps = append(steps, s(id))
		}
		for _, s := range r.kafka {
			steps = append(steps, s(outbox.KafkaID(id)))
		}
	}
	for _, n := range []string{"TB-1", "TB-2"} {
		payload := fmt.Appendf(nil, `{"system":"dvc","notice_id":%q}`, n)
		steps = append(steps, func(tx store.Tx) error {
			return outbox.Confirmation.Enqueue(ctx, tx, outbox.Confirmation.ID("dvc", n), "dvc", payload, queued)
		})
	}
	steps = append(steps, failed(outbox.Confirmation.ID("dvc", "TB-1"), "http 503: busy", false),
		failed(outbox.Confirmation.ID("dvc", "TB-2"), "http 410: gone for H29", true),
		delivered(outbox.KafkaID(outbox.Confirmation.ID("dvc", "TB-2"))))
	if err := st.InTx(ctx, func(tx store.Tx) error {
		for _, s := range steps {
			if err := s(tx); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("deliveries fixture: %v", err)
	}
}

// Today's reports and outbox in its HTML (JavaScript off), within the
// person's agencies: H40.01's accountant sees H40.01's report and the
// messages about H40.01, and nothing of H29.75's or of the total's, not
// even in a count; who sees every agency sees them all, the total first.
func TestTodayReportsAndOutbox(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		deliveriesFixture(t, b.st)
		h40 := b.do("GET", "/console/", nil, b.login(h40Login))
		if h40.code != http.StatusOK {
			t.Fatalf("Today: %d", h40.code)
		}
		reports := section(t, h40.body, `id="reports"`, "</table>")
		mustContain(t, reports, `<th scope="row">H40.01</th><td class="num">v2</td><td>09:30 27/11/2026</td><td><code class="sha" title="c0000`,
			`<div class="delivery state-dead"><strong>Webhook Kho bạc</strong>: Gửi thất bại · Số lần thử 1 · Lỗi gần nhất: <span class="error">http 500: treasury down</span></div>`,
			`<div class="delivery state-delivered"><strong>Kafka treasury.reports</strong>: Đã gửi · Số lần thử 1 · Gửi lúc 09:31 27/11/2026</div>`)
		mustNotContain(t, reports, "Tất cả đơn vị", "H29.75", "v1")
		ob := section(t, h40.body, `id="outbox-heading"`, "</main>")
		mustContain(t, ob, "Chỉ tính các thư về đơn vị của bạn.",
			`<tr id="outbox-confirmation"><th scope="row">Xác nhận cho hệ thống thủ tục (webhook)</th><td class="num">1</td><td>2 giờ 0 phút</td><td class="num">0</td></tr>`,
			`<tr id="outbox-confirmation_kafka"><th scope="row">Xác nhận (Kafka payments.confirmed)</th><td class="num">1</td><td>2 giờ 0 phút</td><td class="num">0</td></tr>`,
			`<tr id="outbox-report"><th scope="row">Báo cáo cho Kho bạc (webhook)</th><td class="num">0</td><td>—</td><td class="num state-dead">1</td></tr>`,
			`<tr id="outbox-total"><td>Tổng cộng</td><td class="num">2</td><td>2 giờ 0 phút</td><td class="num">1</td></tr>`,
			`<td>Báo cáo cho Kho bạc (webhook)</td><td>treasury</td><td>2026-11-27/H40.01</td><td class="num">1</td><td><span class="error-text">http 500: treasury down</span></td><td>09:30 27/11/2026</td>`)
		mustNotContain(t, ob, "TB-2", "http 410", "H29.75", "ALL")

		adm := b.do("GET", "/console/?lang=en", nil, b.login(admin))
		reports = section(t, adm.body, `id="reports"`, "</table>")
		all, h29, h40r := strings.Index(reports, `<th scope="row">All agencies</th><td class="num">v1</td>`),
			strings.Index(reports, `<th scope="row">H29.75</th><td class="num">v1</td>`), strings.Index(reports, `<th scope="row">H40.01</th><td class="num">v2</td>`)
		if all < 0 || h29 < all || h40r < h29 {
			t.Errorf("every agency's reports, the total first (%d, %d, %d):\n%s", all, h29, h40r, reports)
		}
		mustContain(t, reports, `<div class="delivery state-pending"><strong>Treasury webhook</strong>: Pending · Attempts 0</div>`)
		ob = section(t, adm.body, `id="outbox-heading"`, "</main>")
		mustContain(t, ob, `<tr id="outbox-report_kafka"><th scope="row">Reports (Kafka treasury.reports)</th><td class="num">1</td><td>30 min</td><td class="num">0</td></tr>`,
			`<tr id="outbox-total"><td>Total</td><td class="num">4</td><td>2 h 0 min</td><td class="num">2</td></tr>`,
			`<td>dvc</td><td>dvc/TB-2</td><td class="num">1</td><td><span class="error-text">http 410: gone for H29</span></td><td>2026-11-27 08:00</td>`)
		mustNotContain(t, ob, "Only messages about your agencies")

		// Another day has no report; the outbox is the same, every day's.
		prev := b.do("GET", "/console/?date=2026-11-26", nil, b.login(admin))
		mustContain(t, prev.body, `<p id="no-report">Chưa có báo cáo của ngày này`, `<tr id="outbox-total"><td>Tổng cộng</td><td class="num">4</td>`)
	})
}

// The hourly chart is in the page's HTML: inline SVG without a style
// attribute or element (the CSP has no unsafe-inline), titled, described,
// its figures in a table too; an hour's bars within H40.01's scope.
func TestTodayHourChart(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		h40 := b.do("GET", "/console/", nil, b.login(h40Login))
		chart := section(t, h40.body, `<figure class="chart">`, "</figure>")
		mustContain(t, chart, `role="img" aria-labelledby="hour-chart-title hour-chart-desc"`,
			`<title id="hour-chart-title">Theo giờ trong ngày</title>`, `<desc id="hour-chart-desc">Số giao dịch đã thu`,
			// 09:00 to 10:00: two payments of H40.01, one an exception.
			`<g class="hour"><title>09:00–10:00: 2 giao dịch, 1 ngoại lệ</title>`,
			`<rect class="bar-collected" x="141" y="10" width="18" height="180"></rect><rect class="bar-exception" x="161" y="100" width="18" height="90"></rect>`)
		mustNotContain(t, chart, "style", "<script")
		table := section(t, h40.body, `<table id="by-hour"`, "</table>")
		mustContain(t, table, `<tr><th scope="row">09:00–10:00</th><td class="num">2</td><td class="num">200.000 ₫</td><td class="num">1</td><td class="num">50.000 ₫</td></tr>`)
		// A day without payments has no chart.
		empty := b.do("GET", "/console/?date=2026-11-20", nil, b.login(h40Login))
		mustNotContain(t, empty.body, "<svg")
	})
}

// section is the part of body from the first from to the next to after it.
func section(t *testing.T, body, from, to string) string {
	t.Helper()
	i := strings.Index(body, from)
	if i < 0 {
		t.Fatalf("page lacks %q", from)
	}
	j := strings.Index(body[i:], to)
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j+len(to)]
}
