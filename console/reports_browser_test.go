package console_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/testenv"
	"github.com/feerecon/feerecon/user"
)

// The Reports page and the printed report in a real browser (the system's
// headless Chromium): an approver of H40.01 picks the day, opens the
// printable version 2 — its style is applied under the page's own CSP,
// the issuing unit, the report's number and the three signature blocks are
// there — prints it to PDF (A4 landscape, as its @page asks), and re-runs
// the day, whose status page reloads itself until done. Screenshots and
// the PDF are kept as test artifacts.
func TestReportsInABrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	st := memory.New()
	fixture(t, st)
	job := reportsFixture(t, st)
	slow := &slowRunner{release: make(chan struct{})}
	log := slog.New(slog.DiscardHandler)
	now := func() time.Time { return clock.Add(2 * time.Hour) }
	cfg := api.Config{DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: "0071000123456"}}
	cfg.Login = user.DefaultPolicy()
	cfg.Login.Params = user.TestParams()
	a, err := api.New(cfg, st, log, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(a, st, log, now, console.WithReports(job.Print(), slow))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	defer srv.Close()

	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), approverLogin),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#collected")),
		chromedp.Navigate(srv.URL+"/console/reports"), chromedp.WaitVisible(chromedp.CSS("#date")),
		// Pick the day with the keyboard's form: the date input, then Show.
		chromedp.SetValue(chromedp.CSS("#date"), reportDay),
		chromedp.Click(chromedp.CSS(`#report-filter button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#version-2")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#report-heading"))); got != "27/11/2026 · H40.01" {
		t.Errorf("reports heading %q", got)
	}
	if body := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("body"))); strings.Contains(body, "H29.75") {
		t.Error("H40.01's approver sees H29.75")
	}
	testenv.Screenshot(t, ctx, "reports")

	// The printable version 2.
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`#version-2 a[href$="/print"]`)), chromedp.WaitVisible(chromedp.CSS("#sign-head")))
	for sel, want := range map[string]string{
		"#issuer": "SỞ TƯ PHÁP TỈNH NGHỆ AN", "#report-number": "BC-20261127-H40.01", "#report-version": "2",
		"#period":        "từ 00:00 ngày 27/11/2026 đến 24:00 ngày 27/11/2026",
		"#sign-prepared": "Người lập biểu\n(Ký, ghi rõ họ tên)", "#sign-chief": "Kế toán trưởng\n(Ký, ghi rõ họ tên)",
		"#sign-head": "Thủ trưởng đơn vị\n(Ký, ghi rõ họ tên, đóng dấu)",
	} {
		if got := strings.TrimSpace(testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS(sel)))); got != want {
			t.Errorf("printed report %s: %q, want %q", sel, got, want)
		}
	}
	// The style sheet applied (the CSP allowed its hash): the signature
	// blocks stand side by side, in one row.
	tops := testenv.BrowserRun(t, ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll(".signature")].map(e => e.getBoundingClientRect().top)`))
	display := testenv.BrowserRun(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".blocks")).display`))
	if display != "grid" || len(tops) != 3 || tops[0] != tops[1] || tops[1] != tops[2] {
		t.Errorf("signature blocks: display %q, tops %v: the report's style was not applied", display, tops)
	}
	// As printed: the print style sheet, then the PDF.
	testenv.BrowserDo(t, ctx, emulateMedia("print"))
	shot := testenv.Screenshot(t, ctx, "printed-report")
	pdf := testenv.BrowserRun(t, ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		yes := true
		r, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, GenerateTaggedPDF: &yes})
		return r.Data, err
	}))
	dir := filepath.Join(testenv.ArtifactsDir(), "pdf")
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // artifacts are meant to be read
		t.Fatal(err)
	}
	path := filepath.Join(dir, "TestReportsInABrowser-report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil { //nolint:gosec // artifacts are meant to be read
		t.Fatal(err)
	}
	t.Logf("printed report: %s (screenshot %s)", path, shot)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("PrintToPDF gave %q…", pdf[:min(16, len(pdf))])
	}
	// Every page A4 landscape (842×595 points), as the report's @page asks.
	boxes := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]`).FindAllSubmatch(pdf, -1)
	if len(boxes) == 0 {
		t.Fatal("the PDF has no page")
	}
	for _, b := range boxes {
		w, _ := strconv.ParseFloat(string(b[1]), 64)
		h, _ := strconv.ParseFloat(string(b[2]), 64)
		if w < 840 || w > 843 || h < 594 || h > 597 {
			t.Errorf("a PDF page is %v×%v points, want A4 landscape 842×595", w, h)
		}
	}
	testenv.BrowserDo(t, ctx, emulateMedia(""))

	// Re-run the day: the status page reloads itself (no script) until done.
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/reports?date="+reportDay), chromedp.WaitVisible(chromedp.CSS("#rerun")),
		chromedp.Click(chromedp.CSS("#rerun")), chromedp.WaitVisible(chromedp.CSS("#run-progress")))
	testenv.Screenshot(t, ctx, "rerun-running")
	close(slow.release)
	testenv.BrowserDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("#stored")))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#stored"))); !strings.Contains(got, "daily/2026-11-27/H40.01/v3") {
		t.Errorf("re-run stored %q", got)
	}
	testenv.Screenshot(t, ctx, "rerun-done")
}

// emulateMedia makes the page's CSS media type media ("print"; "" for
// the screen again).
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}
