package console_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/testenv"
	"github.com/feerecon/feerecon/user"
)

// The Notices and Audit pages in a real browser: H40.01's accountant
// finds a notice by its payer's name typed without diacritics, opens it
// and sees its QR drawn, opens a paid one and sees its payments and
// confirmations; the administrator filters the audit log and verifies
// the chain. Screenshots of each are kept as test artifacts.
func TestNoticesAndAuditInABrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	st := memory.New()
	fixture(t, st)
	pagesFixture(t, st)
	h29Exception(t, st)
	reversalFixture(t, st)
	log := slog.New(slog.DiscardHandler)
	now := func() time.Time { return clock }
	cfg := api.Config{DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: "0071000123456"}}
	cfg.Login = user.DefaultPolicy()
	cfg.Login.Params = user.TestParams()
	a, err := api.New(cfg, st, log, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(a, st, log, now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	defer srv.Close()
	text := func(sel string) string {
		t.Helper()
		return testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS(sel)))
	}
	signIn := func(login string) {
		t.Helper()
		testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#login"), login), chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#collected")))
	}

	signIn(h40Login)
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/console/notices"]`)), chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "tran thi binh"),
		chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#results")))
	if got := text("#searched-by"); got != "Đã tìm theo: Tên người nộp (tự nhận biết)" {
		t.Errorf("searched by %q", got)
	}
	results := text("#results tbody")
	if !strings.Contains(results, "TB-3") || !strings.Contains(results, tb3Payer) || strings.Contains(results, "TB-4") {
		t.Errorf("results %q: want TB-3 of H40.01 alone", results)
	}
	testenv.Screenshot(t, ctx, "notices-search")

	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`#results a[href="/console/notices/dvc/TB-3"]`)),
		chromedp.WaitVisible(chromedp.CSS("#notice-qr")))
	// The QR is drawn: the image loaded from the console's origin under
	// the CSP's img-src 'self'.
	// Waits for the image's load (or error) event: under -race the page
	// can be visible before its image is decoded.
	w := testenv.BrowserRun(t, ctx, chromedp.Evaluate[int](`new Promise(done => {
		const i = document.getElementById("notice-qr");
		if (i.complete) { done(i.naturalWidth); return; }
		i.addEventListener("load", () => done(i.naturalWidth));
		i.addEventListener("error", () => done(0));
	})`, chromedp.EvalAwaitPromise))
	if w < 128 {
		t.Errorf("the QR image is %d pixels wide: not loaded", w)
	}
	if got := text("#qr-amount"); got != "250.000 ₫" {
		t.Errorf("QR amount %q", got)
	}
	testenv.Screenshot(t, ctx, "notice-qr")

	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/notices/dvc/TB-1"), chromedp.WaitVisible(chromedp.CSS("#payments")))
	payments := text("#payments tbody")
	for _, want := range []string{"150.000 ₫", "990.000 ₫", "50.000 ₫", "Chưa phân bổ"} {
		if !strings.Contains(payments, want) {
			t.Errorf("payments lack %q: %q", want, payments)
		}
	}
	if got := text("#delivery-confirmation h3"); !strings.Contains(got, "Đã gửi") {
		t.Errorf("the webhook's delivery: %q", got)
	}
	if got := text("#delivery-confirmation_kafka .last-error"); got != "kafka: broker unreachable" {
		t.Errorf("the Kafka copy's last error: %q", got)
	}
	testenv.Screenshot(t, ctx, "notice-payments")
	// A notice whose payment the bank took back, paid again: what its
	// procedure system was told after the first confirmation.
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/notices/dvc/TB-5"), chromedp.WaitVisible(chromedp.CSS("table.later")))
	later := text("table.later tbody")
	for _, want := range []string{"payment.reversed|dvc|TB-5|camt054:FTR5", "Hoàn trả giao dịch", "Xác nhận lại", "confirmation|dvc|TB-5|vietqr:Q5"} {
		if !strings.Contains(later, want) {
			t.Errorf("later messages lack %q: %q", want, later)
		}
	}
	testenv.Screenshot(t, ctx, "notice-reversed")
	// On a tablet, in English: the wide tables scroll within the page.
	testenv.BrowserDo(t, ctx, chromedp.EmulateViewport(768, 1024), chromedp.Navigate(srv.URL+"/console/notices/dvc/TB-1?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#payments")))
	if got := text("#notice-status"); got != "Overpaid" {
		t.Errorf("status in English: %q", got)
	}
	if over := testenv.BrowserRun(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
		t.Error("the notice's page is wider than a tablet's screen")
	}
	testenv.Screenshot(t, ctx, "notice-tablet-en")
	testenv.BrowserDo(t, ctx, chromedp.EmulateViewport(testenv.BrowserWidth, testenv.BrowserHeight), chromedp.Navigate(srv.URL+"/console/notices/dvc/TB-1?lang=vi"),
		chromedp.WaitVisible(chromedp.CSS("#payments")))

	// The audit log is not H40.01's accountant's.
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/audit"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text("main h1"); !strings.Contains(got, "chỉ dành cho") {
		t.Errorf("the audit page to an accountant: %q", got)
	}
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`header form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#login")))

	// The exceptions queue and the requests, in the browser too: nothing
	// of H29.75's for H40.01's accountant.
	for _, path := range []string{"/console/exceptions?status=all", "/console/requests"} {
		testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		body := text("main")
		for _, m := range h29Markers {
			if strings.Contains(body, m) {
				t.Errorf("%s shows H40.01's accountant %q", path, m)
			}
		}
	}
	testenv.Screenshot(t, ctx, "requests-h40")
	// H29.75's accountant sees its row: the markers mark something.
	signIn(h29Login)
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/exceptions?status=all"), chromedp.WaitVisible(chromedp.CSS("#exceptions")))
	if body := text("#exceptions"); !strings.Contains(body, "momo:2901") || !strings.Contains(body, "H29.75") {
		t.Errorf("H29.75's accountant does not see its exception: %q", body)
	}

	signIn(admin)
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/console/audit"]`)), chromedp.WaitVisible(chromedp.CSS("#entries")),
		chromedp.SetValue(chromedp.CSS("#kind"), "notice"),
		chromedp.Click(chromedp.CSS("#apply-filter")), chromedp.WaitReady(chromedp.CSS(`#kind option[value="notice"][selected]`)))
	entries := text("#entries tbody")
	if !strings.Contains(entries, "notice:dvc/TB-1") || strings.Contains(entries, "outbox:") || strings.Contains(entries, "session.login") {
		t.Errorf("entries of kind notice: %q", entries)
	}
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS("#verify")), chromedp.WaitVisible(chromedp.CSS("#verify-result")))
	if got := text("#verify-result"); !strings.HasPrefix(got, "Chuỗi nguyên vẹn") {
		t.Errorf("verify: %q", got)
	}
	// The filter survived the verification.
	if got := testenv.BrowserRun(t, ctx, chromedp.Evaluate[string](`document.getElementById("kind").value`)); got != "notice" {
		t.Errorf("the filter after verify: %q", got)
	}
	testenv.Screenshot(t, ctx, "audit")

	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/console/account"]`)), chromedp.WaitVisible(chromedp.CSS("#account-login")))
	testenv.Screenshot(t, ctx, "account")
}
