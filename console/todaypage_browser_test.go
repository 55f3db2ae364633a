package console_test

import (
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/testenv"
	"github.com/feerecon/feerecon/user"
)

// Today's chart, reports and outbox in a real browser: the SVG is drawn
// under the CSP (its bars take their colours from the stylesheet, the only
// place styles come from), and H40.01's accountant sees her dead report
// delivery and her pending confirmations. Screenshots are test artifacts.
func TestTodayInABrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	st := memory.New()
	fixture(t, st)
	deliveriesFixture(t, st)
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
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), h40Login),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#hour-chart")))
	for _, c := range []struct{ js, want string }{
		// The stylesheet's colours reach the SVG: var(--accent) and the exceptions' orange.
		{`getComputedStyle(document.querySelector("#hour-chart .bar-collected")).fill`, "rgb(11, 92, 173)"},
		{`getComputedStyle(document.querySelector("#hour-chart .bar-exception")).fill`, "rgb(234, 88, 12)"},
		{`String(document.querySelector("#hour-chart .bar-collected").getBoundingClientRect().height > 100)`, "true"},
		{`document.querySelector("#reports .state-dead").textContent`, "Webhook Kho bạc: Gửi thất bại · Số lần thử 1 · Lỗi gần nhất: http 500: treasury down"},
		{`document.querySelector("#outbox-total").textContent`, "Tổng cộng22 giờ 0 phút1"},
	} {
		if got := testenv.BrowserRun(t, ctx, chromedp.Evaluate[string](c.js)); got != c.want {
			t.Errorf("%s = %q, want %q", c.js, got, c.want)
		}
	}
	testenv.Screenshot(t, ctx, "h40-vi")
}
