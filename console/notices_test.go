package console_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
)

// The notices of pagesFixture beside fixture's TB-1 (H40.01) and TB-2
// (H29.75): TB-3 of H40.01, open and unpaid (it has a QR), and TB-4 of
// H29.75, whose payer has TB-3's payer's name.
const (
	tb3Payer = "Trần Thị Bình"
	// h29Hook is the destination of H29.75's confirmation.
	h29Hook = "https://h29.example/confirm"
)

// code is the payment code of fixture serial n (conformance.Notice).
func code(n uint64) string {
	c, err := payment.NewPaymentCode("NP", n)
	if err != nil {
		panic(err)
	}
	return string(c)
}

// pagesFixture adds to fixture what the Notices and Audit pages show:
// two more notices, TB-1's confirmation on both channels (the webhook
// delivered at its second attempt, the Kafka copy failing), TB-2's
// confirmation given up, and the audit entries of it all.
func pagesFixture(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	n3 := conformance.Notice(t, "dvc", "TB-3", 3, 250_000)
	n3.PayerName = tb3Payer
	n4 := conformance.Notice(t, "dvc", "TB-4", 4, 320_000)
	n4.Agency, n4.PayerName = "H29.75", tb3Payer
	at := clock.Add(-50 * time.Minute)
	hook := outbox.Confirmation.ID("dvc", "TB-1")
	h29 := outbox.Confirmation.ID("dvc", "TB-2")
	err := st.InTx(ctx, func(tx store.Tx) error {
		for _, n := range []payment.Notice{n3, n4} {
			if err := tx.CreateNotice(ctx, n); err != nil {
				return err
			}
		}
		for _, m := range []store.OutboxMessage{
			{ID: hook, Kind: store.OutboxConfirmation, Destination: "https://user:secret@dvc.example/hooks/paid?token=abc"},
			{ID: outbox.KafkaID(hook), Kind: store.OutboxConfirmationKafka, Destination: outbox.Confirmation.KafkaDestination()},
			{ID: h29, Kind: store.OutboxConfirmation, Destination: h29Hook},
		} {
			m.Payload, m.State, m.NextAttempt, m.CreatedAt = []byte(`{}`), store.OutboxPending, at, at
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		steps := []error{
			// The engine's decision on TB-1's allocations (fixture's): overpaid.
			tx.SetNoticeStatus(ctx, "dvc", "TB-1", payment.NoticeOverpaid),
			tx.MarkFailed(ctx, hook, "503 Service Unavailable", at.Add(time.Minute), false),
			tx.MarkDelivered(ctx, hook, at.Add(2*time.Minute)),
			tx.MarkFailed(ctx, outbox.KafkaID(hook), "kafka: broker unreachable", clock.Add(5*time.Minute), false),
			tx.MarkFailed(ctx, h29, "410 Gone", at, true),
		}
		for _, e := range []store.AuditEntry{
			{At: at.Add(-time.Hour), Actor: "dvc/key1", Action: store.AuditNoticeCreate, Entity: store.NoticeEntity("dvc", "TB-1"), Detail: []byte(`{"version":1}`)},
			{At: at.Add(-time.Hour), Actor: "dvc/key1", Action: store.AuditNoticeCreate, Entity: store.NoticeEntity("dvc", "TB-2"), Detail: []byte(`{"version":1}`)},
			{At: at, Actor: store.ActorEngine, Action: store.AuditNoticeStatus, Entity: store.NoticeEntity("dvc", "TB-1"), Detail: []byte(`{"status":"overpaid"}`)},
			{At: at.Add(2 * time.Minute), Actor: store.ActorOutbox, Action: store.AuditOutboxDelivered, Entity: store.OutboxEntity(hook),
				Detail: []byte(`{"kind":"confirmation","destination":"https://dvc.example/hooks/paid","attempt":2}`)},
			{At: at.Add(2 * time.Minute), Actor: store.ActorOutbox, Action: store.AuditOutboxDead, Entity: store.OutboxEntity(h29),
				Detail: []byte(`{"kind":"confirmation","destination":"` + h29Hook + `","attempt":1,"error":"410 Gone"}`)},
		} {
			steps = append(steps, tx.AppendAudit(ctx, e))
		}
		for _, err := range steps {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("pages fixture: %v", err)
	}
}

// Each way of finding a notice, recognised or chosen, within the
// person's agencies.
func TestNoticeSearch(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		pagesFixture(t, b.st)
		h40 := b.login(h40Login)
		empty := b.do("GET", "/console/notices", nil, h40)
		mustContain(t, empty.body, `<label for="q">Nội dung tìm</label>`, `<label for="by">Tìm theo</label>`,
			`<option value="auto" selected>Tự nhận biết</option>`, `<option value="payer">Tên người nộp</option>`)
		mustNotContain(t, empty.body, `id="results"`)
		for _, tc := range []struct {
			name, query string
			by          string
			wants, nots []string
		}{
			{"a payment code, recognised", "q=" + strings.ToLower(code(3)), "Mã thanh toán (tự nhận biết)", []string{">TB-3</a>"}, []string{">TB-1</a>"}},
			{"a dossier code, recognised", "q=000.00.20.H40-261120-0001", "Mã hồ sơ (tự nhận biết)", []string{">TB-1</a>"}, []string{">TB-3</a>"}},
			{"a notice id, tried first", "q=TB-3", "Số thông báo (tự nhận biết)", []string{">TB-3</a>", "250.000 ₫", "Chưa nộp"}, nil},
			{"a payer, when no id is that", "q=tran+thi+BINH", "Tên người nộp (tự nhận biết)", []string{">TB-3</a>"}, []string{"TB-4"}},
			{"a payer, chosen", "q=nguyen+van&by=payer", "Tên người nộp", []string{">TB-1</a>", `href="/console/notices/dvc/TB-1"`}, []string{"TB-2", "(tự nhận biết)"}},
			{"an id, chosen, of another agency", "q=TB-2&by=id", "Số thông báo", []string{"Không tìm thấy thông báo nào trong phạm vi đơn vị của bạn"}, []string{"TB-2</a>"}},
		} {
			r := b.do("GET", "/console/notices?"+tc.query, nil, h40)
			if r.code != http.StatusOK {
				t.Errorf("%s: %d", tc.name, r.code)
				continue
			}
			mustContain(t, r.body, append(tc.wants, `<p class="meta" id="searched-by">Đã tìm theo: `+tc.by+`</p>`)...)
			mustNotContain(t, r.body, tc.nots...)
		}
		// The query is kept when the language changes.
		en := b.do("GET", "/console/notices?q=TB-3&by=id", nil, h40)
		mustContain(t, en.body, `href="/console/notices?by=id&amp;lang=en&amp;q=TB-3"`, `value="TB-3"`)
		if r := b.do("GET", "/console/notices?q=x&by=name", nil, h40); r.code != http.StatusBadRequest {
			t.Errorf("unknown field: %d", r.code)
		}
		long := b.do("GET", "/console/notices?q="+strings.Repeat("a", 201), nil, h40)
		if long.code != http.StatusBadRequest {
			t.Errorf("long term: %d", long.code)
		}
		mustContain(t, long.body, "Nội dung tìm quá dài (tối đa 200 byte)")
	})
}

// A result page holds 50 notices and links to the next, which goes on
// after the last one shown.
func TestNoticeSearchPages(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
			for i := range 53 {
				n := conformance.Notice(t, "dvc", fmt.Sprintf("LVT-%02d", i), uint64(1000+i), 10_000)
				n.PayerName = "Lê Văn Tám"
				if err := tx.CreateNotice(context.Background(), n); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h40 := b.login(h40Login)
		first := b.do("GET", "/console/notices?q=le+van+tam", nil, h40)
		if n := strings.Count(first.body, `<tr><th scope="row"><a href="/console/notices/dvc/LVT-`); n != 50 {
			t.Errorf("first page: %d rows", n)
		}
		next := "/console/notices?after_id=LVT-49&amp;after_system=dvc&amp;by=payer&amp;q=le&#43;van&#43;tam"
		mustContain(t, first.body, `<a id="next-page" href="`+next+`">Trang sau</a>`, ">LVT-49</a>")
		second := b.do("GET", html.UnescapeString(next), nil, h40)
		mustContain(t, second.body, ">LVT-50</a>", ">LVT-52</a>", "Tên người nộp</p>")
		mustNotContain(t, second.body, ">LVT-49</a>", `id="next-page"`)
	})
}

// A notice's page: its fields, payments, allocations, confirmations with
// what is recorded of their delivery, history and QR.
func TestNoticeDetail(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		pagesFixture(t, b.st)
		h40 := b.login(h40Login)
		r := b.do("GET", "/console/notices/dvc/TB-1", nil, h40)
		if r.code != http.StatusOK {
			t.Fatalf("TB-1: %d", r.code)
		}
		mustContain(t, r.body,
			`<span id="notice-id">TB-1</span>`, `<dd class="code" id="notice-code">`+code(1)+`</dd>`,
			`<dd id="notice-agency">H40.01</dd>`, `<dd class="num" id="notice-total">150.000 ₫</dd>`,
			`<dd class="num" id="notice-paid">1.140.000 ₫</dd>`, `<dd class="num" id="notice-outstanding">0 ₫</dd>`,
			"Lệ phí hộ tịch", "<td>Lệ phí</td>", "<td>599</td><td>2771</td>",
			// The payments: two allocated, one that named it and is not.
			`<tr id="payment-vietqr:1001">`, `<tr id="payment-zalopay:1004">`, `<tr id="payment-vietqr:0999">`,
			`<td class="code">*********3456</td>`, `<td class="raw">NP000000000151 le phi</td>`,
			`<td class="num">50.000 ₫</td><td>NGUYEN VAN AN</td>`, "Chưa phân bổ",
			`<span class="rule" title="payment_code">Mã thanh toán trong nội dung</span>`,
			// No QR: nothing is outstanding.
			`<p id="no-qr">Không có mã QR: thông báo không còn số tiền phải nộp hoặc không còn nhận thanh toán</p>`,
			// The confirmation, both channels, honestly named.
			`<code id="confirmation-id">confirmation|dvc|TB-1</code>`,
			"Webhook tới hệ thống thủ tục", `<span class="badge state-delivered">Đã gửi</span>`,
			`<dd class="code">https://dvc.example/hooks/paid</dd>`, `<dd class="attempts">2</dd>`,
			`<dd class="raw last-error">503 Service Unavailable</dd>`, `<dd class="delivered-at">09:12 27/11/2026</dd>`,
			"<td>Gửi thành công</td><td class=\"num\">2</td>",
			"Kafka (payments.confirmed)", `<span class="badge state-pending">Đang chờ gửi</span>`, `<dd class="code">kafka:payments.confirmed</dd>`,
			`<dd class="raw last-error">kafka: broker unreachable</dd>`, `<dd>10:05 27/11/2026</dd>`,
			// Its history.
			`<td class="code">dvc/key1</td><td class="code">notice.create</td>`, `<td class="code">engine</td><td class="code">notice.status</td>`)
		// The webhook's user, password and query are not shown; nor is
		// another notice's delivery.
		mustNotContain(t, r.body, "secret", "token=abc", "410 Gone", "TB-2", "<script")
		mustNotContain(t, r.body, `id="notice-qr"`)

		// TB-3 is open: its QR, from the console's own origin; no payment,
		// no confirmation yet.
		open := b.do("GET", "/console/notices/dvc/TB-3", nil, h40)
		mustContain(t, open.body, `<img id="notice-qr" src="/console/notices/dvc/TB-3/qr.png" width="240" height="240" alt="`,
			`<dd class="num" id="qr-amount">250.000 ₫</dd>`, `<dd class="code" id="qr-purpose">`+code(3)+`</dd>`,
			`<p id="no-payments">`, `<p id="no-allocations">`, `<p id="no-confirmation">`)
		png := b.do("GET", "/console/notices/dvc/TB-3/qr.png", nil, h40)
		if png.code != http.StatusOK || png.hdr.Get("Content-Type") != "image/png" || !bytes.HasPrefix([]byte(png.body), []byte("\x89PNG\r\n\x1a\n")) ||
			png.hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("QR PNG: %d %s %q", png.code, png.hdr.Get("Content-Type"), png.body[:min(8, len(png.body))])
		}
		if r := b.do("GET", "/console/notices/dvc/TB-1/qr.png", nil, h40); r.code != http.StatusNotFound {
			t.Errorf("QR of a paid notice: %d", r.code)
		}
		// TB-2's given-up confirmation, as H29.75's accountant sees it.
		h29 := b.do("GET", "/console/notices/dvc/TB-2?lang=en", nil, b.login(h29Login))
		mustContain(t, h29.body, `<span class="badge state-dead">Given up</span>`, `<dd class="raw last-error">410 Gone</dd>`,
			"<td>Given up</td><td class=\"num\">1</td><td class=\"raw\">410 Gone</td>", `<dd class="num" id="notice-total">1,500,000 VND</dd>`)
		for _, path := range []string{"/console/notices/dvc/NONE", "/console/notices/other/TB-1"} {
			if r := b.do("GET", path, nil, h40); r.code != http.StatusNotFound {
				t.Errorf("%s: %d", path, r.code)
			}
		}
		// Logged out: the login page, for the QR too.
		if r := b.do("GET", "/console/notices/dvc/TB-3/qr.png", nil); r.code != http.StatusSeeOther {
			t.Errorf("QR logged out: %d", r.code)
		}
	})
}

// A notice id with a slash or a space still has its page.
func TestNoticeIDInPath(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		n := conformance.Notice(t, "dvc", "HS 2026/17", 77, 90_000)
		if err := b.st.InTx(context.Background(), func(tx store.Tx) error { return tx.CreateNotice(context.Background(), n) }); err != nil {
			t.Fatal(err)
		}
		h40 := b.login(h40Login)
		list := b.do("GET", "/console/notices?"+url.Values{"q": {"HS 2026/17"}}.Encode(), nil, h40)
		mustContain(t, list.body, `href="/console/notices/dvc/HS%202026%2F17"`)
		r := b.do("GET", "/console/notices/dvc/HS%202026%2F17", nil, h40)
		mustContain(t, r.body, `<span id="notice-id">HS 2026/17</span>`, `src="/console/notices/dvc/HS%202026%2F17/qr.png"`)
		if png := b.do("GET", "/console/notices/dvc/HS%202026%2F17/qr.png", nil, h40); png.code != http.StatusOK {
			t.Errorf("QR: %d", png.code)
		}
	})
}

// reversalFixture adds TB-5 (H40.01), paid by a bank transfer that the
// bank reversed, then paid again: through the real ingest path. It
// returns the reversal and the payment that pays TB-5 now.
func reversalFixture(t *testing.T, st store.Store) (payment.Reversal, payment.Payment) {
	t.Helper()
	ctx := context.Background()
	n := conformance.Notice(t, "dvc", "TB-5", 5, 200_000)
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) }); err != nil {
		t.Fatal(err)
	}
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pr := ingest.New(st, eng, func() time.Time { return clock }, nil)
	first := conformance.Payment(payment.GatewayCamt054, "FT5", 200_000, clock.Add(-3*time.Hour))
	first.Description = "nop le phi " + string(n.Code)
	again := conformance.Payment(payment.GatewayVietQR, "Q5", 200_000, clock.Add(-time.Hour))
	again.Description = string(n.Code)
	if _, err := pr.Record(ctx, first); err != nil {
		t.Fatal(err)
	}
	r := conformance.Reversal(payment.GatewayCamt054, "FTR5", 200_000, clock.Add(-2*time.Hour), "FT5")
	if out, err := pr.Reverse(ctx, r); err != nil || len(out.Reopened) != 1 {
		t.Fatalf("Reverse = %+v, %v", out, err)
	}
	if out, err := pr.Record(ctx, again); err != nil || len(out.Confirmed) != 1 {
		t.Fatalf("Record again = %+v, %v", out, err)
	}
	return r, again
}

// A notice whose payment the bank took back and that was paid again: its
// page lists, after the first confirmation, the payment.reversed message
// and the confirmation sent again, each with its key and channels — what
// the procedure system was told, in order.
func TestNoticeDetailAfterAReversal(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		r, again := reversalFixture(t, b.st)
		page := b.do("GET", "/console/notices/dvc/TB-5", nil, b.login(h40Login))
		if page.code != http.StatusOK {
			t.Fatalf("TB-5: %d", page.code)
		}
		reversed := outbox.Reversed.ID("dvc", "TB-5", r.ID)
		confirmedAgain := ingest.ConfirmationAgainID("dvc", "TB-5", []reconcile.Allocation{{PaymentID: again.ID}})
		mustContain(t, page.body, `<code id="confirmation-id">confirmation|dvc|TB-5</code>`,
			"Thông báo gửi sau xác nhận đầu tiên",
			"<td>Hoàn trả giao dịch (payment.reversed): ngân hàng đã thu hồi khoản đã nộp</td><td class=\"code\">"+html.EscapeString(reversed)+"</td><td>Webhook tới hệ thống thủ tục</td>",
			"<td class=\"code\">"+html.EscapeString(reversed)+"</td><td>Kafka (payments.confirmed)</td>",
			"<td>Xác nhận lại: thông báo đã nộp đủ lại sau khi giao dịch bị hoàn trả</td><td class=\"code\">"+html.EscapeString(confirmedAgain)+"</td>",
			`<td class="code">engine</td><td class="code">payment.reverse</td>`, `<td class="code">engine</td><td class="code">notice.confirm</td>`,
			// The payment taken back is on the page, named reversed.
			`<tr id="payment-camt054:FT5">`, `<span class="reversed">Ngân hàng đã hoàn trả: <span class="code">camt054:FTR5</span></span>`)
		if i, j := strings.Index(page.body, html.EscapeString(reversed)), strings.Index(page.body, html.EscapeString(confirmedAgain)); i < 0 || j < i {
			t.Errorf("the reversal (at %d) is not listed before the confirmation sent again (at %d)", i, j)
		}
	})
}
