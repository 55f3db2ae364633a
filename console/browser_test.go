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

// The console in a real browser (the system's headless Chromium): an
// accountant logs in with the keyboard's form, Today shows her agency's
// money and nothing of another's, she switches to English and logs out.
// Screenshots of each page are kept as test artifacts.
func TestConsoleInABrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	st := memory.New()
	fixture(t, st)
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
	// 127.0.0.1 is a secure context for Chromium: the __Host- cookie holds.
	srv := httptest.NewServer(c)
	defer srv.Close()

	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Title()); !strings.Contains(got, "Đăng nhập") {
		t.Errorf("logged out, the console shows %q, want the login page", got)
	}
	testenv.Screenshot(t, ctx, "login")
	testenv.BrowserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#login"), h40Login),
		chromedp.SendKeys(chromedp.CSS("#password"), "a wrong password"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-message")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#login-message"))); got != "Tên đăng nhập hoặc mật khẩu không đúng" {
		t.Errorf("a failed login says %q", got)
	}
	// The form comes back with the login kept; the password again.
	if got := testenv.BrowserRun(t, ctx, chromedp.Evaluate[string](`document.getElementById("login").value`)); got != h40Login {
		t.Errorf("the login is not kept: %q", got)
	}
	testenv.BrowserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#collected")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#collected"))); got != "200.000 ₫" {
		t.Errorf("Today collected %q, want 200.000 ₫", got)
	}
	body := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("body")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#unclaimed td:last-child"))); got != "770.000 ₫" {
		t.Errorf("the money to claim: %q, want 770.000 ₫", got)
	}
	for _, not := range []string{"H29.75", "1.500.000"} {
		if strings.Contains(body, not) {
			t.Errorf("H40.01's accountant sees %q", not)
		}
	}
	testenv.Screenshot(t, ctx, "today-vi")
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#collected")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#collected"))); got != "200,000 VND" {
		t.Errorf("Today in English: %q", got)
	}
	testenv.Screenshot(t, ctx, "today-en")
}
