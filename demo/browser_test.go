package demo_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/feerecon/feerecon/demo"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/testenv"
)

// The accountants' day in a real browser (issue 10, acceptance 1), over
// the demo day as `feerecon demo --serve` serves it: the accountant logs
// in and sees the day's totals; opens the unmatched 770.000 ₫ transfer and
// allocates it to its notice — above the demo's 500.000 ₫ threshold, so it
// is a pending request, which its maker can neither see a button for nor
// approve by posting anyway; the approver logs in and approves it: the
// notice is paid and its confirmation reaches the demo's procedure-system
// sink; then the day's XLSX is downloaded (its amounts numbers) and the
// printable report shows its signature blocks. Every page's screenshot is
// kept as a test artifact.
func TestAccountantsDayInABrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	bg := context.Background()
	d, err := demo.Open(bg, demo.Options{Dir: "../testdata/demo"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.Console(bg, demo.ConsoleOptions{Threshold: payment.VNDOf(500_000)})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("outbox: %v", err)
		}
	}()
	srv := httptest.NewServer(c.Handler) // http://127.0.0.1: a secure context for the __Host- cookie
	defer srv.Close()
	var accountant, approver demo.Account
	for _, a := range c.Accounts {
		switch a.Login {
		case demo.AccountantLogin:
			accountant = a
		case demo.ApproverLogin:
			approver = a
		}
	}
	const (
		excID  = "unmatched|camt054:FT2633014420032"
		notice = "TB-2026-01031"
	)
	text := func(sel string) string {
		t.Helper()
		return strings.TrimSpace(testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS(sel))))
	}
	login := func(a demo.Account) {
		t.Helper()
		testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#login"), a.Login),
			chromedp.SendKeys(chromedp.CSS("#password"), a.Password),
			chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#collected")))
	}

	// 1. The accountant: Today shows the demo day's totals.
	login(accountant)
	if got := text("#business-date"); got != "26/11/2026" {
		t.Errorf("Today is %q, want the demo day 26/11/2026", got)
	}
	if got := text("#matched"); !strings.Contains(got, "9.726.000 ₫") {
		t.Errorf("matched %q, want the demo day's 9.726.000 ₫", got)
	}
	if got := text("#unclaimed"); !strings.Contains(got, "1.120.000 ₫") {
		t.Errorf("money to claim %q, want the two unmatched transfers' 1.120.000 ₫", got)
	}
	testenv.Screenshot(t, ctx, "1-today")

	// 2. The queue, then the unmatched transfer.
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/console/exceptions"]`)), chromedp.WaitVisible(chromedp.CSS("#exceptions")))
	testenv.Screenshot(t, ctx, "2-exceptions")
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`tr[data-id="`+excID+`"] a`)), chromedp.WaitVisible(chromedp.CSS("#allocate-form")))
	if got := text("#raw-description"); got == "" {
		t.Error("the raw description is not shown")
	}
	if got := text("#suggestions"); !strings.Contains(got, notice) || !strings.Contains(got, "cùng số tiền") {
		t.Errorf("suggestions %q: want %s, suggested for the same amount", got, notice)
	}
	// The form is prefilled with the suggestion: the accountant checks it
	// and gives the reason.
	if got := testenv.BrowserRun(t, ctx, chromedp.Value(chromedp.CSS("#notice_1"))); got != demo.System+"/"+notice {
		t.Errorf("the allocation form proposes %q", got)
	}
	testenv.BrowserDo(t, ctx, chromedp.SetValue(chromedp.CSS("#amount_1"), "770.000"))
	testenv.Screenshot(t, ctx, "3-exception")
	testenv.BrowserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#allocate-reason"), "Biên lai của người nộp ghi hồ sơ 000.12.30.H40-261126-0031"),
		chromedp.Click(chromedp.CSS("#allocate")),
		chromedp.WaitVisible(chromedp.CSS("#pending-request")))
	if got := text("#flash"); got != "Đã gửi yêu cầu, chờ phê duyệt" {
		t.Errorf("after allocating: %q", got)
	}
	if got := text("#own-request"); !strings.Contains(got, "người khác phải phê duyệt") {
		t.Errorf("the maker is not told someone else approves: %q", got)
	}
	if n := testenv.BrowserRun(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#approve").length`)); n != 0 {
		t.Error("the maker is offered an approve button")
	}
	testenv.Screenshot(t, ctx, "4-pending")
	// The maker posts the approval anyway, from the page: refused.
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/requests"), chromedp.WaitVisible(chromedp.CSS("#requests")))
	reqID := text("#requests .request-id")
	status := testenv.BrowserRun(t, ctx, chromedp.Evaluate[int](`fetch("/console/requests/decide", {method: "POST",
		body: new URLSearchParams({request: "`+reqID+`", id: "`+excID+`", decision: "approve"})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Errorf("the maker approving their own request: HTTP %d, want 403", status)
	}
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))

	// 3. The approver approves: the notice is paid, its confirmation sent.
	login(approver)
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/requests"), chromedp.WaitVisible(chromedp.CSS("#requests")))
	testenv.Screenshot(t, ctx, "5-requests")
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`#requests a[href*="camt054"]`)), chromedp.WaitVisible(chromedp.CSS("#approve")),
		chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if got := text("#flash"); got != "Đã phê duyệt và thực hiện" {
		t.Errorf("after approving: %q", got)
	}
	if got := text("#exception-status"); got != "Đã phân bổ thủ công" {
		t.Errorf("the exception is %q", got)
	}
	if got := text("#allocations"); !strings.Contains(got, notice) || !strings.Contains(got, "manual") ||
		!strings.Contains(got, demo.AccountantLogin) || !strings.Contains(got, demo.ApproverLogin) {
		t.Errorf("allocations %q: want the manual allocation by the accountant, approved", got)
	}
	testenv.Screenshot(t, ctx, "6-approved")
	deadline := time.Now().Add(30 * time.Second)
	for !d.ConfirmedNotice(demo.System, notice) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !d.ConfirmedNotice(demo.System, notice) {
		t.Errorf("the confirmation of %s did not reach the procedure system's sink", notice)
	}
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/notices/"+demo.System+"/"+notice), chromedp.WaitVisible(chromedp.CSS("main h1")))
	testenv.Screenshot(t, ctx, "7-notice")

	// 4. The day's report: the XLSX, downloaded as the page's link does,
	// and the printable report with its signature blocks.
	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/console/reports?date=2026-11-26&agency=H40.01"),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/xlsx"]`)))
	testenv.Screenshot(t, ctx, "8-reports")
	b64 := testenv.BrowserRun(t, ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href$="/xlsx"]').href)
		.then(r => r.arrayBuffer()).then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s) })`,
		chromedp.EvalAwaitPromise))
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "day.xlsx", raw)
	wb, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the downloaded XLSX: %v", err)
	}
	numbers := 0
	for _, sheet := range wb.GetSheetList() {
		rows, err := wb.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for col := range row {
				cell, _ := excelize.CoordinatesToCellName(col+1, r+1)
				// A number is stored untyped (or typed n), never as text.
				ty, _ := wb.GetCellType(sheet, cell)
				raw, _ := wb.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
				if _, err := decimal.NewFromString(raw); err == nil && (ty == excelize.CellTypeUnset || ty == excelize.CellTypeNumber) {
					numbers++
				}
				if strings.Contains(row[col], "770000") && ty != excelize.CellTypeUnset && ty != excelize.CellTypeNumber {
					t.Errorf("%s!%s: the amount %q is text", sheet, cell, row[col])
				}
			}
		}
	}
	if len(wb.GetSheetList()) < 2 || numbers == 0 {
		t.Errorf("the XLSX has %d sheets and %d numeric cells", len(wb.GetSheetList()), numbers)
	}
	testenv.BrowserDo(t, ctx, chromedp.Click(chromedp.CSS(`a[href$="/print"]`)), chromedp.WaitVisible(chromedp.CSS("#sign-head")))
	for sel, want := range map[string]string{"#sign-prepared": "Người lập biểu", "#sign-chief": "Kế toán trưởng", "#sign-head": "Thủ trưởng đơn vị"} {
		if got := text(sel); !strings.HasPrefix(got, want) {
			t.Errorf("printed report %s: %q, want %q", sel, got, want)
		}
	}
	testenv.Screenshot(t, ctx, "9-printed-report")
	pdf := testenv.BrowserRun(t, ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		yes := true
		r, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes})
		return r.Data, err
	}))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the printed report is not a PDF: %q", pdf[:min(8, len(pdf))])
	}
	keep(t, "printed-report.pdf", pdf)
}

// keep writes a test artifact beside the screenshots.
func keep(t *testing.T, name string, b []byte) {
	t.Helper()
	dir := filepath.Join(testenv.ArtifactsDir(), "downloads")
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // artifacts are meant to be read
		t.Fatal(err)
	}
	path := filepath.Join(dir, t.Name()+"-"+name)
	if err := os.WriteFile(path, b, 0o644); err != nil { //nolint:gosec // artifacts are meant to be read
		t.Fatal(err)
	}
	t.Logf("artifact: %s", path)
}
