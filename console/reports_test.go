package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/user"
)

const (
	approverLogin = "pd.h40" // approver of H40.01
	reportDay     = "2026-11-27"
)

var (
	reportDate = payment.Date{Year: 2026, Month: time.November, Day: 27}
	testIssuer = daily.Issuer{Parent: "UBND tỉnh Nghệ An", Name: "Sở Tư pháp tỉnh Nghệ An", Place: "Vinh"}
)

// reportsFixture adds an approver of H40.01 to fixture's day and stores
// its reports twice through the daily job: version 1 of ALL, H40.01 and
// H29.75, then, after a payment that names no notice and a duplicate of
// H40.01's notice, version 2 of ALL and H40.01. One delivery is made and
// one is dead, so that the page has every state to show.
func reportsFixture(t *testing.T, st store.Store) *dailyrun.Job {
	t.Helper()
	ctx := context.Background()
	at := clock
	job, err := dailyrun.NewJob(st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Issuer: testIssuer,
		Clock: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error {
		h, err := user.HashPassword(password, user.TestParams())
		if err != nil {
			return err
		}
		return tx.CreateUser(ctx, user.User{Login: approverLogin, Role: user.RoleApprover, Agencies: []string{"H40.01"},
			PasswordHash: h, CreatedAt: clock, UpdatedAt: clock})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := job.Run(ctx, reportDate, ""); err != nil {
		t.Fatal(err)
	}
	late := conformance.Payment(payment.GatewayVietQR, "1005", 20_000, clock.Add(-30*time.Minute))
	dup := conformance.Payment(payment.GatewayVietQR, "1006", 150_000, clock.Add(-20*time.Minute))
	if err := st.InTx(ctx, func(tx store.Tx) error {
		for _, p := range []payment.Payment{late, dup} {
			if err := tx.InsertPayment(ctx, p); err != nil {
				return err
			}
		}
		if err := tx.LinkPayment(ctx, dup.ID, []store.NoticeKey{{System: "dvc", ID: "TB-1"}}); err != nil {
			return err
		}
		for _, e := range []reconcile.Exception{
			{ID: reconcile.ExceptionID(reconcile.ExceptionUnmatched, late.ID), Kind: reconcile.ExceptionUnmatched, PaymentID: late.ID,
				Amount: late.Amount, Candidates: []string{}, Status: reconcile.ExceptionOpen, CreatedAt: late.PaidAt,
				Evidence: reconcile.EvidenceNoReference.Format()},
			{ID: reconcile.ExceptionID(reconcile.ExceptionDuplicate, dup.ID), Kind: reconcile.ExceptionDuplicate, PaymentID: dup.ID,
				NoticeID: "TB-1", Amount: dup.Amount, Candidates: []string{"TB-1"}, Status: reconcile.ExceptionOpen, CreatedAt: dup.PaidAt,
				Evidence: reconcile.EvidenceAlreadyPaid.Format("payment_code NP000000000151")},
		} {
			if err := tx.UpsertException(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	at = clock.Add(time.Hour)
	fresh, err := job.Run(ctx, reportDate, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range fresh {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, " ") != "daily/2026-11-27/ALL/v2 daily/2026-11-27/H40.01/v2" {
		t.Fatalf("the second run stored %v, want ALL and H40.01's version 2", ids)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error {
		v1 := outbox.Report.ID("daily/2026-11-27/H40.01/v1")
		if err := tx.MarkDelivered(ctx, v1, clock.Add(5*time.Minute)); err != nil {
			return err
		}
		return tx.MarkFailed(ctx, outbox.KafkaID(v1), "kafka: broker unreachable", clock.Add(time.Hour), true)
	}); err != nil {
		t.Fatal(err)
	}
	return job
}

// eachReports runs scenario over every backend with the reports of
// reportsFixture, the console re-running days with runner(job) (nil: no
// re-run).
func eachReports(t *testing.T, runner func(*dailyrun.Job) console.DayRunner, scenario func(t *testing.T, b bundle, job *dailyrun.Job)) {
	t.Helper()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			st := be.open(t)
			log := slog.New(slog.DiscardHandler)
			now := func() time.Time { return clock.Add(2 * time.Hour) }
			cfg := api.Config{DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: "0071000123456"}}
			cfg.Login = user.DefaultPolicy()
			cfg.Login.Params = user.TestParams()
			cfg.ThrottleBurst = 50
			a, err := api.New(cfg, st, log, now)
			if err != nil {
				t.Fatal(err)
			}
			fixture(t, st)
			job := reportsFixture(t, st)
			var r console.DayRunner
			if runner != nil {
				r = runner(job)
			}
			c, err := console.New(a, st, log, now, console.WithReports(job.Print(), r))
			if err != nil {
				t.Fatal(err)
			}
			scenario(t, bundle{t: t, st: st, srv: c}, job)
		})
	}
}

func realRunner(j *dailyrun.Job) console.DayRunner { return j }

// The Reports page lists a day's versions with their hashes, creation
// times, downloads and treasury deliveries, in the HTML itself (no
// script), within the person's agencies: another agency's report and the
// ALL report are not found, as on the API.
func TestReportsPageScope(t *testing.T) {
	t.Parallel()
	eachReports(t, realRunner, func(t *testing.T, b bundle, job *dailyrun.Job) {
		ctx := context.Background()
		latest, err := job.Latest(ctx, reportDate, "H40.01")
		if err != nil || len(latest) != 1 {
			t.Fatal(latest, err)
		}
		h40 := b.login(h40Login)
		// By default: the day before today (the last one closed) and her
		// agency.
		def := b.do("GET", "/console/reports", nil, h40)
		if def.code != http.StatusOK {
			t.Fatalf("reports: %d", def.code)
		}
		mustContain(t, def.body, `<input type="date" id="date" name="date" value="2026-11-26" required>`,
			`<label for="agency">Đơn vị</label>`, `<option value="H40.01" selected>H40.01</option>`,
			`<h2 id="report-heading">26/11/2026 · H40.01</h2>`, `<p id="no-report">`)
		page := b.do("GET", "/console/reports?date="+reportDay+"&agency=H40.01", nil, h40)
		mustContain(t, page.body, `<tr id="version-2"><th scope="row">2</th>`, `<tr id="version-1"><th scope="row">1</th>`,
			`<code class="sha">`+latest[0].SHA256+`</code>`, `<td>11:00 27/11/2026</td>`, `<td>10:00 27/11/2026</td>`,
			`<td>11:00 27/11/2026</td><td class="num">150.000 ₫</td><td class="num">3</td>`,
			`<td>10:00 27/11/2026</td><td class="num">150.000 ₫</td><td class="num">2</td>`,
			`href="/console/reports/2026-11-27/H40.01/2/print"`, `href="/console/reports/2026-11-27/H40.01/2/xlsx" download`,
			`<strong>Webhook Kho bạc</strong>: Đã gửi · Số lần thử 1 · Gửi lúc 10:05 27/11/2026`,
			`<strong>Kafka treasury.reports</strong>: Gửi thất bại · Số lần thử 1 · Lỗi gần nhất: <span class="error">kafka: broker unreachable</span>`,
			`<strong>Webhook Kho bạc</strong>: Đang chờ gửi · Số lần thử 0`)
		// Her agency only: no other agency in the select or anywhere.
		mustNotContain(t, page.body, "H29.75", `value="ALL"`, `id="rerun"`)
		// Nothing inline for the console's CSP to refuse.
		mustNotContain(t, page.body, "<script", "<style", " style=", " onclick=")
		if page.hdr.Get("Content-Security-Policy") != console.ContentSecurityPolicy {
			t.Errorf("reports page CSP %q", page.hdr.Get("Content-Security-Policy"))
		}
		for _, path := range []string{
			"/console/reports?date=" + reportDay + "&agency=H29.75",
			"/console/reports?date=" + reportDay + "&agency=ALL",
			"/console/reports/2026-11-27/H29.75/1/json",
			"/console/reports/2026-11-27/ALL/1/csv",
			"/console/reports?date=27-11-2026&agency=H40.01",
			"/console/reports/2026-11-27/H40.01/9/json",
			"/console/reports/2026-11-27/H40.01/1/pdf",
		} {
			if r := b.do("GET", path, nil, h40); r.code != http.StatusNotFound || strings.Contains(r.body, "version-") || strings.Contains(r.body, "sha") {
				t.Errorf("H40.01's accountant GET %s: %d", path, r.code)
			}
		}
		// H29.75's accountant sees her version 1, and nothing of H40.01.
		h29 := b.do("GET", "/console/reports?date="+reportDay+"&lang=en", nil, b.login(h29Login))
		mustContain(t, h29.body, `<tr id="version-1">`, `<option value="H29.75" selected>H29.75</option>`, "Pending")
		mustNotContain(t, h29.body, "H40.01", `id="version-2"`)

		// Who sees every agency: ALL by default, and the day's agencies.
		adm := b.do("GET", "/console/reports?date="+reportDay, nil, b.login(admin))
		mustContain(t, adm.body, `<option value="ALL" selected>Tất cả đơn vị (ALL)</option>`, `<option value="H29.75">H29.75</option>`,
			`<option value="H40.01">H40.01</option>`, `<tr id="version-2">`, `id="rerun"`)
		// Logged out: the login page.
		if r := b.do("GET", "/console/reports/2026-11-27/H40.01/1/json", nil); r.code != http.StatusSeeOther {
			t.Errorf("logged out download: %d", r.code)
		}
	})
}

// Each download is what `feerecon report` writes, with its content type
// and a file name of dailyrun.FileBase; the printable page is shown inline
// under a policy that allows exactly its own style element.
func TestReportDownloads(t *testing.T) {
	t.Parallel()
	eachReports(t, nil, func(t *testing.T, b bundle, job *dailyrun.Job) {
		latest, err := job.Latest(context.Background(), reportDate, "H40.01")
		if err != nil {
			t.Fatal(err)
		}
		rep := latest[0]
		h40 := b.login(h40Login)
		base := "/console/reports/2026-11-27/H40.01/2/"
		for _, c := range []struct {
			format, ctype, disposition string
			render                     func(*bytes.Buffer) error
		}{
			{"json", "application/json", `attachment; filename=report_2026-11-27_H40.01_v2.json`, func(b *bytes.Buffer) error {
				js, err := rep.JSON()
				b.Write(js)
				return err
			}},
			{"csv", "text/csv; charset=utf-8", `attachment; filename=report_2026-11-27_H40.01_v2.csv`,
				func(b *bytes.Buffer) error { return daily.WriteCSV(b, rep, daily.LangVI) }},
			{"exceptions", "text/csv; charset=utf-8", `attachment; filename=report_2026-11-27_H40.01_v2.exceptions.csv`,
				func(b *bytes.Buffer) error { return daily.WriteExceptionsCSV(b, rep, daily.LangVI) }},
			{"html", "text/html; charset=utf-8", `attachment; filename=report_2026-11-27_H40.01_v2.html`,
				func(b *bytes.Buffer) error { return daily.WriteHTML(b, rep, job.Print()) }},
			{"print", "text/html; charset=utf-8", `inline; filename=report_2026-11-27_H40.01_v2.html`,
				func(b *bytes.Buffer) error { return daily.WriteHTML(b, rep, job.Print()) }},
		} {
			r := b.do("GET", base+c.format, nil, h40)
			if r.code != http.StatusOK || r.hdr.Get("Content-Type") != c.ctype || r.hdr.Get("Content-Disposition") != c.disposition {
				t.Errorf("%s: %d %q %q", c.format, r.code, r.hdr.Get("Content-Type"), r.hdr.Get("Content-Disposition"))
			}
			var want bytes.Buffer
			if err := c.render(&want); err != nil {
				t.Fatal(err)
			}
			if r.body != want.String() {
				t.Errorf("%s: the body is not what feerecon report writes", c.format)
			}
			if r.hdr.Get(outbox.HeaderSHA256) != rep.SHA256 {
				t.Errorf("%s: %s = %q", c.format, outbox.HeaderSHA256, r.hdr.Get(outbox.HeaderSHA256))
			}
		}
		// The JSON is the stored version, its hash intact.
		var got daily.Report
		if err := json.Unmarshal([]byte(b.do("GET", base+"json", nil, h40).body), &got); err != nil || got.Verify() != nil || got.SHA256 != rep.SHA256 {
			t.Errorf("downloaded JSON: %v, verify %v", err, got.Verify())
		}
		// The workbook opens, in the person's language.
		x := b.do("GET", base+"xlsx?lang=en", nil, h40)
		if x.hdr.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("xlsx content type %q", x.hdr.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); strings.Join(got, ",") != "Summary,H40.01" {
			t.Errorf("xlsx sheets %v", got)
		}
		if v, _ := f.GetCellValue("Summary", "B2"); v != "UBND tỉnh Nghệ An — Sở Tư pháp tỉnh Nghệ An" {
			t.Errorf("xlsx issuer %q", v)
		}
		_ = f.Close()
		if csv := b.do("GET", base+"csv?lang=en", nil, h40); !strings.HasPrefix(csv.body, "\uFEFFSection,Agency,") {
			t.Errorf("English CSV starts %q", csv.body[:min(40, len(csv.body))])
		}

		// The printable page: its style allowed by hash, nothing else.
		pr := b.do("GET", base+"print", nil, h40)
		csp := pr.hdr.Get("Content-Security-Policy")
		style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(pr.body)
		if style == nil {
			t.Fatal("the printable page has no style element")
		}
		sum := sha256.Sum256([]byte(style[1]))
		hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(csp, "style-src "+hash+";") || !strings.Contains(csp, "default-src 'none'") ||
			strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("printable page CSP %q, want its style's hash %s only", csp, hash)
		}
		mustContain(t, pr.body, "Sở Tư pháp tỉnh Nghệ An", "UBND tỉnh Nghệ An", "BC-20261127-H40.01", `<dd id="report-version">2</dd>`,
			"Người lập biểu", "Kế toán trưởng", "Thủ trưởng đơn vị", "Vinh, ngày 27 tháng 11 năm 2026",
			"Thông báo đã nộp đủ: mã thanh toán NP000000000151")
		mustNotContain(t, pr.body, "<script", "notice already paid")
		en := b.do("GET", base+"print?lang=en", nil, h40)
		mustContain(t, en.body, "Prepared by", "Chief accountant", "Head of unit", "notice already paid: payment_code NP000000000151")
	})
}

// Two versions' JSON compared line by line, in the page's HTML.
func TestReportsDiff(t *testing.T) {
	t.Parallel()
	eachReports(t, nil, func(t *testing.T, b bundle, _ *dailyrun.Job) {
		adm := b.login(admin)
		r := b.do("GET", "/console/reports?date="+reportDay+"&agency=ALL", nil, adm)
		mustContain(t, r.body, `<h2 id="diff-heading">So sánh hai phiên bản</h2>`, `<label for="from">Từ phiên bản</label>`,
			`<option value="1" selected>1</option>`, `<option value="2" selected>2</option>`, `<table class="diff" id="diff"`,
			`<tr class="added">`, `<tr class="removed">`, `&#34;payment_id&#34;: &#34;vietqr:1005&#34;`, `&#34;version&#34;: 2,`)
		if !regexp.MustCompile(`<tr class="removed"><td class="num">\d+</td><td class="num"></td><td><code>-   &#34;version&#34;: 1,</code>`).MatchString(r.body) {
			t.Error("the diff does not show version 1's version line removed")
		}
		same := b.do("GET", "/console/reports?date="+reportDay+"&agency=ALL&from=2&to=2", nil, adm)
		mustContain(t, same.body, `<p id="no-difference">Hai phiên bản giống nhau</p>`)
		// One version only: nothing to compare.
		one := b.do("GET", "/console/reports?date="+reportDay+"&agency=H29.75", nil, adm)
		mustNotContain(t, one.body, `id="diff-form"`)
		mustContain(t, one.body, `<tr id="version-1">`)
		none := b.do("GET", "/console/reports?date=2026-11-20&agency=ALL", nil, adm)
		mustContain(t, none.body, `<p id="no-report">`)
	})
}

// Re-running a day is the approvers' and administrators': an accountant
// is refused (403) and audits nothing; an approver re-runs her agency's
// day (audited), not another's; without a runner there is no re-run.
func TestRerunRoles(t *testing.T) {
	t.Parallel()
	eachReports(t, realRunner, func(t *testing.T, b bundle, _ *dailyrun.Job) {
		form := url.Values{"date": {reportDay}, "agency": {"H40.01"}}
		if r := b.do("POST", "/console/reports/rerun", form, b.login(h40Login)); r.code != http.StatusForbidden {
			t.Errorf("accountant re-run: %d", r.code)
		}
		appr := b.login(approverLogin)
		page := b.do("GET", "/console/reports?date="+reportDay, nil, appr)
		mustContain(t, page.body, `<form method="post" action="/console/reports/rerun" id="rerun-form">`,
			`<input type="hidden" name="agency" value="H40.01">`, `<button type="submit" id="rerun">Chạy lại đối chiếu ngày</button>`)
		if r := b.do("POST", "/console/reports/rerun", url.Values{"date": {reportDay}, "agency": {"H29.75"}}, appr); r.code != http.StatusNotFound {
			t.Errorf("approver of H40.01 re-runs H29.75: %d", r.code)
		}
		r := b.do("POST", "/console/reports/rerun", form, appr)
		loc := r.hdr.Get("Location")
		if r.code != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/reports/runs/") {
			t.Fatalf("approver re-run: %d → %q", r.code, loc)
		}
		st := waitRun(t, b, loc, appr)
		// Nothing changed since the last run: nothing new stored.
		mustContain(t, st.body, `<p role="status" id="run-state">Đã chạy lại xong</p>`, `<p id="nothing-new">`,
			`href="/console/reports?date=2026-11-27&amp;agency=H40.01"`)
		// Only who started it sees the run.
		if o := b.do("GET", loc, nil, b.login(admin)); o.code != http.StatusNotFound {
			t.Errorf("another person's run: %d", o.code)
		}
		var trail []store.AuditEntry
		if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
			var err error
			trail, err = tx.AuditTrail(context.Background(), store.ReportEntity(daily.ScopeID(reportDate, "H40.01")))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(trail) != 1 || trail[0].Action != store.AuditReportRerun || trail[0].Actor != store.PersonActor(approverLogin) ||
			!strings.Contains(string(trail[0].Detail), `"agency":"H40.01","scope":"H40.01"`) {
			t.Errorf("re-run audit trail %+v", trail)
		}
	})
	// No runner: no button, and the POST finds nothing.
	eachReports(t, nil, func(t *testing.T, b bundle, _ *dailyrun.Job) {
		appr := b.login(approverLogin)
		mustNotContain(t, b.do("GET", "/console/reports?date="+reportDay, nil, appr).body, `id="rerun"`)
		if r := b.do("POST", "/console/reports/rerun", url.Values{"date": {reportDay}, "agency": {"H40.01"}}, appr); r.code != http.StatusNotFound {
			t.Errorf("re-run without a runner: %d", r.code)
		}
	})
}

func waitRun(t *testing.T, b bundle, loc string, c *http.Cookie) resp {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := b.do("GET", loc, nil, c)
		if r.code != http.StatusOK {
			t.Fatalf("run status: %d", r.code)
		}
		if r.hdr.Get("Refresh") == "" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatal("the re-run did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// slowRunner holds a re-run until released, recording what it was asked.
type slowRunner struct {
	release chan struct{}
	mu      sync.Mutex
	asked   []string
}

func (s *slowRunner) RunDay(ctx context.Context, d payment.Date, agency string) ([]string, error) {
	s.mu.Lock()
	s.asked = append(s.asked, d.String()+" "+agency)
	s.mu.Unlock()
	select {
	case <-s.release:
		return []string{daily.ReportID(d, daily.AgencyAll, 3), daily.ReportID(d, "H40.01", 3)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// A re-run that takes a while shows its progress on a page that reloads
// itself (a Refresh header, no script) until it is done; one who sees
// every agency re-runs the whole day.
func TestRerunProgress(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	slow := map[*dailyrun.Job]*slowRunner{}
	runner := func(j *dailyrun.Job) console.DayRunner {
		mu.Lock()
		defer mu.Unlock()
		slow[j] = &slowRunner{release: make(chan struct{})}
		return slow[j]
	}
	eachReports(t, runner, func(t *testing.T, b bundle, job *dailyrun.Job) {
		mu.Lock()
		sr := slow[job]
		mu.Unlock()
		adm := b.login(admin)
		r := b.do("POST", "/console/reports/rerun", url.Values{"date": {reportDay}, "agency": {"ALL"}}, adm)
		loc := r.hdr.Get("Location")
		if r.code != http.StatusSeeOther {
			t.Fatalf("re-run: %d", r.code)
		}
		// A second press while it runs joins the same run.
		if again := b.do("POST", "/console/reports/rerun", url.Values{"date": {reportDay}, "agency": {"ALL"}}, adm); again.hdr.Get("Location") != loc {
			t.Errorf("a second re-run of the same day: %q, want %q", again.hdr.Get("Location"), loc)
		}
		st := b.do("GET", loc, nil, adm)
		if st.hdr.Get("Refresh") != "1" {
			t.Errorf("running: Refresh %q", st.hdr.Get("Refresh"))
		}
		mustContain(t, st.body, `<progress id="run-progress" aria-label="Đang chạy lại đối chiếu…"></progress>`, `<span id="elapsed">0</span> giây`)
		close(sr.release)
		done := waitRun(t, b, loc, adm)
		mustContain(t, done.body, `<li>daily/2026-11-27/ALL/v3</li>`, `<li>daily/2026-11-27/H40.01/v3</li>`)
		sr.mu.Lock()
		defer sr.mu.Unlock()
		if got := strings.Join(sr.asked, ","); got != "2026-11-27 " {
			t.Errorf("the runner was asked %q, want the whole day once", got)
		}
	})
}
