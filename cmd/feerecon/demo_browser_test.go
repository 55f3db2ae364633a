package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/feerecon/feerecon/testenv"
)

// demo --serve in a real browser (the system's headless Chromium) on
// http://127.0.0.1: the console's session cookie is __Host- and Secure,
// which a browser keeps over plain http from a loopback address only (a
// secure context). The accountant logs in with the printed password, sees
// the demo day's Today, and logs out.
func TestDemoServeInABrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	d := startDemo(t, slog.New(slog.DiscardHandler))
	testenv.BrowserDo(t, ctx, chromedp.Navigate(d.url), chromedp.WaitVisible(chromedp.CSS("#login")))
	testenv.BrowserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#login"), d.logins["accountant"]),
		chromedp.SendKeys(chromedp.CSS("#password"), d.logins["accountant password"]),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#collected")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#business-date"))); got != "26/11/2026" {
		t.Errorf("Today's date %q, want the demo day 26/11/2026", got)
	}
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#matched"))); !strings.Contains(got, "9.726.000 ₫") {
		t.Errorf("matched %q, want the demo's 9.726.000 ₫", got)
	}
	testenv.Screenshot(t, ctx, "today-vi")
	// The cookie holds from page to page: the English page is Today still.
	testenv.BrowserDo(t, ctx, chromedp.Navigate(d.url+"?lang=en"), chromedp.WaitVisible(chromedp.CSS("#collected")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#user-login"))); got != "ketoan.demo" {
		t.Errorf("signed in as %q", got)
	}
	testenv.Screenshot(t, ctx, "today-en")
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	testenv.BrowserDo(t, ctx, chromedp.Navigate(d.url), chromedp.WaitVisible(chromedp.CSS("#login")))
}
