package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// DayRunner runs a business day's reconciliation again and stores the
// report versions that say something new (dailyrun.Job.RunDay): every
// report of the day for agency "", else only agency's (ALL for the
// total). It returns the ids of the versions stored.
type DayRunner interface {
	RunDay(ctx context.Context, date payment.Date, agency string) ([]string, error)
}

var _ DayRunner = (*dailyrun.Job)(nil)

// WithReports sets how the Reports page renders its downloads (the
// language comes from the person's choice; p's issuing unit is printed)
// and what re-runs a day: nil runner hides the re-run.
func WithReports(p daily.Print, runner DayRunner) Option {
	return func(s *Server) {
		s.reports.issuer = p.Issuer
		s.reports.runner = runner
	}
}

// reports is the Reports page's part of the Server.
type reports struct {
	issuer daily.Issuer
	runner DayRunner
	runs   *runs
}

// A re-run gives up after runTimeout; at most maxRuns are remembered.
const (
	runTimeout = 10 * time.Minute
	maxRuns    = 100
	// runRefresh is how often a re-run's status page reloads itself.
	runRefresh = 1
)

// The Reports page's labels.
const (
	LReports          Label = "reports"
	LReportDate       Label = "report_date"
	LReportAgency     Label = "report_agency"
	LShow             Label = "show"
	LVersions         Label = "versions"
	LVersion          Label = "version"
	LSHA256           Label = "sha256"
	LCreatedAt        Label = "created_at"
	LReportCollected  Label = "report_collected"
	LReportOpen       Label = "report_open"
	LDownloads        Label = "downloads"
	LPrintView        Label = "print_view"
	LDelivery         Label = "delivery"
	LDeliveryWebhook  Label = "delivery_webhook"
	LDeliveryKafka    Label = "delivery_kafka"
	LNotQueued        Label = "not_queued"
	LStatePending     Label = "state_pending"
	LStateDelivered   Label = "state_delivered"
	LStateDead        Label = "state_dead"
	LAttempts         Label = "attempts"
	LLastError        Label = "last_error"
	LDeliveredAt      Label = "delivered_at"
	LNoReport         Label = "no_report"
	LDiff             Label = "diff"
	LDiffFrom         Label = "diff_from"
	LDiffTo           Label = "diff_to"
	LCompare          Label = "compare"
	LNoDifference     Label = "no_difference"
	LDiffTooLarge     Label = "diff_too_large"
	LRerun            Label = "rerun"
	LRerunHint        Label = "rerun_hint"
	LRerunRunning     Label = "rerun_running"
	LRerunDone        Label = "rerun_done"
	LRerunFailed      Label = "rerun_failed"
	LRerunNothingNew  Label = "rerun_nothing_new"
	LRerunStored      Label = "rerun_stored"
	LRerunStarted     Label = "rerun_started"
	LRerunElapsed     Label = "rerun_elapsed"
	LSeconds          Label = "seconds"
	LBackToReports    Label = "back_to_reports"
	LRerunForbidden   Label = "rerun_forbidden"
	LAllAgenciesShort Label = "all_agencies_report"
	LFormatJSON       Label = "format_json"
	LFormatCSV        Label = "format_csv"
	LFormatExceptions Label = "format_exceptions"
	LFormatXLSX       Label = "format_xlsx"
	LFormatHTML       Label = "format_html"
)

// reportsLabels are the Reports page's.
func reportsLabels() map[Lang]map[Label]string {
	return map[Lang]map[Label]string{
		LangVI: {
			LReports: "Báo cáo", LReportDate: "Ngày nghiệp vụ", LReportAgency: "Đơn vị", LShow: "Xem",
			LVersions: "Các phiên bản", LVersion: "Phiên bản", LSHA256: "Mã băm SHA-256", LCreatedAt: "Lập lúc",
			LReportCollected: "Đã thu", LReportOpen: "Sai lệch chưa xử lý", LDownloads: "Tải về", LPrintView: "Bản in",
			LDelivery: "Gửi Kho bạc", LDeliveryWebhook: "Webhook Kho bạc", LDeliveryKafka: "Kafka treasury.reports",
			LNotQueued: "Chưa xếp hàng gửi", LStatePending: "Đang chờ gửi", LStateDelivered: "Đã gửi", LStateDead: "Gửi thất bại",
			LAttempts: "Số lần thử", LLastError: "Lỗi gần nhất", LDeliveredAt: "Gửi lúc",
			LNoReport: "Chưa có báo cáo của ngày và đơn vị này",
			LDiff:     "So sánh hai phiên bản", LDiffFrom: "Từ phiên bản", LDiffTo: "Đến phiên bản", LCompare: "So sánh",
			LNoDifference: "Hai phiên bản giống nhau", LDiffTooLarge: "Hai phiên bản khác nhau quá nhiều để hiển thị: hãy tải JSON về để so sánh",
			LRerun: "Chạy lại đối chiếu ngày", LRerunHint: "Chạy lại đối chiếu của ngày này; chỉ lưu phiên bản mới khi số liệu thay đổi.",
			LRerunRunning: "Đang chạy lại đối chiếu…", LRerunDone: "Đã chạy lại xong", LRerunFailed: "Chạy lại thất bại",
			LRerunNothingNew: "Không có gì mới: không lưu phiên bản nào", LRerunStored: "Đã lưu các phiên bản mới",
			LRerunStarted: "Bắt đầu lúc", LRerunElapsed: "Đã chạy", LSeconds: "giây", LBackToReports: "Về trang báo cáo",
			LRerunForbidden: "Chỉ người phê duyệt hoặc quản trị được chạy lại đối chiếu", LAllAgenciesShort: "Tất cả đơn vị (ALL)",
			LFormatJSON: "JSON", LFormatCSV: "CSV", LFormatExceptions: "CSV sai lệch", LFormatXLSX: "XLSX", LFormatHTML: "HTML",
		},
		LangEN: {
			LReports: "Reports", LReportDate: "Business date", LReportAgency: "Agency", LShow: "Show",
			LVersions: "Versions", LVersion: "Version", LSHA256: "SHA-256", LCreatedAt: "Created",
			LReportCollected: "Collected", LReportOpen: "Open exceptions", LDownloads: "Downloads", LPrintView: "Printable",
			LDelivery: "Treasury delivery", LDeliveryWebhook: "Treasury webhook", LDeliveryKafka: "Kafka treasury.reports",
			LNotQueued: "Not queued", LStatePending: "Pending", LStateDelivered: "Delivered", LStateDead: "Dead",
			LAttempts: "Attempts", LLastError: "Last error", LDeliveredAt: "Delivered at",
			LNoReport: "No report for this day and agency yet",
			LDiff:     "Compare two versions", LDiffFrom: "From version", LDiffTo: "To version", LCompare: "Compare",
			LNoDifference: "The two versions are the same", LDiffTooLarge: "The versions differ too much to show: download their JSON to compare",
			LRerun: "Re-run the day", LRerunHint: "Reconciles this day again; a new version is stored only when the figures changed.",
			LRerunRunning: "Re-running the day…", LRerunDone: "Re-run finished", LRerunFailed: "Re-run failed",
			LRerunNothingNew: "Nothing new: no version stored", LRerunStored: "New versions stored",
			LRerunStarted: "Started", LRerunElapsed: "Running for", LSeconds: "seconds", LBackToReports: "Back to the reports",
			LRerunForbidden: "Only an approver or an administrator re-runs a day", LAllAgenciesShort: "All agencies (ALL)",
			LFormatJSON: "JSON", LFormatCSV: "CSV", LFormatExceptions: "Exceptions CSV", LFormatXLSX: "XLSX", LFormatHTML: "HTML",
		},
	}
}

// routesReports registers the Reports page.
func (s *Server) routesReports(mux *http.ServeMux) {
	s.reports.runs = &runs{byID: map[string]*run{}}
	mux.HandleFunc("GET "+Prefix+"/reports", s.person(s.reportsPage))
	mux.HandleFunc("GET "+Prefix+"/reports/{date}/{agency}/{version}/{format}", s.person(s.reportDownload))
	mux.HandleFunc("POST "+Prefix+"/reports/rerun", s.person(s.rerun))
	mux.HandleFunc("GET "+Prefix+"/reports/runs/{id}", s.person(s.rerunStatus))
}

// ReportsPage is the Reports page's data.
type ReportsPage struct {
	Date     payment.Date
	Agency   string
	Agencies []AgencyOption
	// Versions are the stored versions of (Date, Agency), newest first.
	Versions []VersionRow
	// From and To are the versions compared; Diff their JSON's line diff
	// (nil when equal), DiffTooLarge when it was given up.
	From, To     int
	Diff         []Hunk
	Compared     bool
	DiffTooLarge bool
	CanRerun     bool
}

// AgencyOption is one choice of the agency select.
type AgencyOption struct {
	Code     string
	Selected bool
}

// VersionRow is one stored version.
type VersionRow struct {
	Version        int
	SHA256         string
	CreatedAt      time.Time
	Collected      []payment.Money
	OpenExceptions int
	// Base is the version's download path, to which a format is added.
	Base       string
	Deliveries []ReportDelivery
}

// ReportDelivery is a version's message on one of the treasury's channels.
type ReportDelivery struct {
	Channel Label
	Found   bool
	Message store.OutboxMessage
}

// StateLabel is the label of the message's state.
func (d ReportDelivery) StateLabel() Label {
	if !d.Found {
		return LNotQueued
	}
	switch d.Message.State {
	case store.OutboxPending:
		return LStatePending
	case store.OutboxDelivered:
		return LStateDelivered
	case store.OutboxDead:
		return LStateDead
	}
	return LStatePending
}

// Delivered reports whether the message reached its channel, and
// DeliveredTime when.
func (d ReportDelivery) Delivered() bool { return d.Found && d.Message.DeliveredAt != nil }

// DeliveredTime is when the message was delivered (zero if it was not).
func (d ReportDelivery) DeliveredTime() time.Time {
	if !d.Delivered() {
		return time.Time{}
	}
	return *d.Message.DeliveredAt
}

// maxAgencyLen bounds an agency code from a query or a path.
const maxAgencyLen = 64

// reportScope reads the date and agency of a request (query or path),
// answering a bad one with 404 (as for an agency out of scope: nothing is
// told of what exists). ok is false when it answered.
func (s *Server) reportScope(w http.ResponseWriter, r *http.Request, u user.User, dateText, agency string) (payment.Date, bool) {
	d, err := payment.ParseDate(dateText)
	if err != nil || agency == "" || len(agency) > maxAgencyLen || !utf8.ValidString(agency) ||
		strings.ContainsFunc(agency, unicode.IsControl) || !mayReadReport(u, agency) {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: &u})
		return payment.Date{}, false
	}
	return d, true
}

// mayReadReport is the API's rule for GET /v1/reports/{date}/{agency}:
// an agency's report to the people of that agency (and those who see
// every agency), the ALL report only to those who see every agency.
func mayReadReport(u user.User, agency string) bool {
	if agency == daily.AgencyAll {
		return len(u.Agencies) == 0
	}
	return u.CanSee(agency)
}

// mayRerun: approvers and administrators re-run a day.
func mayRerun(u user.User) bool { return u.Role == user.RoleApprover || u.Role == user.RoleAdmin }

// reportsPage: GET /console/reports?date=YYYY-MM-DD&agency=CODE[&from=N&to=M]
// — the versions of a day's report with their hashes, downloads and
// treasury deliveries, a diff between two of them and the re-run.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, c api.Caller) {
	u := *c.User
	q := r.URL.Query()
	dateText := q.Get("date")
	if dateText == "" {
		// The last business day closed: the one with a report by now.
		dateText = payment.DateOf(s.now()).AddDays(-1).String()
	}
	agency := q.Get("agency")
	if agency == "" {
		agency = daily.AgencyAll
		if len(u.Agencies) > 0 {
			agency = u.Agencies[0]
		}
	}
	d, ok := s.reportScope(w, r, u, dateText, agency)
	if !ok {
		return
	}
	p := ReportsPage{Date: d, Agency: agency, CanRerun: s.reports.runner != nil && mayRerun(u)}
	var bodies map[int][]byte
	err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		var err error
		p.Versions, bodies, err = readVersions(r.Context(), tx, d, agency)
		if err != nil {
			return err
		}
		p.Agencies, err = agencyOptions(r.Context(), tx, d, u, agency)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n := len(p.Versions); n > 1 {
		p.From, p.To = n-1, n
		if v, err := strconv.Atoi(q.Get("from")); err == nil && bodies[v] != nil {
			p.From = v
		}
		if v, err := strconv.Atoi(q.Get("to")); err == nil && bodies[v] != nil {
			p.To = v
		}
		hunks, ok := LineDiff(string(bodies[p.From]), string(bodies[p.To]), 3)
		p.Compared, p.Diff, p.DiffTooLarge = true, hunks, !ok
	}
	s.render(w, r, http.StatusOK, "reports", page{User: &u, Data: p})
}

// readVersions reads every stored version of (d, agency), newest first,
// with its indented JSON by version (what the diff compares).
func readVersions(ctx context.Context, tx store.Tx, d payment.Date, agency string) ([]VersionRow, map[int][]byte, error) {
	latest, err := tx.LatestReport(ctx, d, agency)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	bodies := map[int][]byte{}
	var rows []VersionRow
	for v := latest.Version; v >= 1; v-- {
		stored := latest
		if v != latest.Version {
			if stored, err = tx.ReportVersion(ctx, d, agency, v); err != nil {
				return nil, nil, fmt.Errorf("report %s %s v%d: %w", d, agency, v, err)
			}
		}
		rep, err := dailyrun.DecodeStored(stored)
		if err != nil {
			return nil, nil, err
		}
		if bodies[v], err = rep.JSON(); err != nil {
			return nil, nil, err
		}
		row := VersionRow{Version: v, SHA256: stored.SHA256, CreatedAt: stored.CreatedAt,
			Collected:      []payment.Money{{Amount: rep.Totals.Collected.Decimal, Currency: rep.Currency}},
			OpenExceptions: rep.Totals.OpenExceptions,
			Base:           fmt.Sprintf("%s/reports/%s/%s/%d/", Prefix, d, url.PathEscape(agency), v)}
		if row.Deliveries, err = deliveries(ctx, tx, rep.ID); err != nil {
			return nil, nil, err
		}
		rows = append(rows, row)
	}
	return rows, bodies, nil
}

// deliveries are a version's outbox messages: the treasury webhook's and
// the Kafka copy's (outbox.Report).
func deliveries(ctx context.Context, tx store.Tx, reportID string) ([]ReportDelivery, error) {
	id := outbox.Report.ID(reportID)
	var out []ReportDelivery
	for _, ch := range []struct {
		label Label
		id    string
	}{{LDeliveryWebhook, id}, {LDeliveryKafka, outbox.KafkaID(id)}} {
		m, err := tx.OutboxMessage(ctx, ch.id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			out = append(out, ReportDelivery{Channel: ch.label})
		case err != nil:
			return nil, fmt.Errorf("outbox %s: %w", ch.id, err)
		default:
			out = append(out, ReportDelivery{Channel: ch.label, Found: true, Message: m})
		}
	}
	return out, nil
}

// agencyOptions are the agencies u may pick: theirs, or for one who sees
// every agency ALL and the agencies of the day's ALL report.
func agencyOptions(ctx context.Context, tx store.Tx, d payment.Date, u user.User, selected string) ([]AgencyOption, error) {
	codes := append([]string(nil), u.Agencies...)
	if len(u.Agencies) == 0 {
		codes = []string{daily.AgencyAll}
		all, err := tx.LatestReport(ctx, d, daily.AgencyAll)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			rep, err := dailyrun.DecodeStored(all)
			if err != nil {
				return nil, err
			}
			var found []string
			for _, l := range rep.Accounts {
				if !slices.Contains(found, l.Agency) {
					found = append(found, l.Agency)
				}
			}
			slices.Sort(found)
			codes = append(codes, found...)
		}
	}
	if !slices.Contains(codes, selected) {
		codes = append(codes, selected)
	}
	out := make([]AgencyOption, len(codes))
	for i, c := range codes {
		out[i] = AgencyOption{Code: c, Selected: c == selected}
	}
	return out, nil
}

// reportFormat is a download: its file ending and content type.
type reportFormat struct{ ext, contentType string }

var reportFormats = map[string]reportFormat{
	"json":       {".json", "application/json"},
	"csv":        {".csv", "text/csv; charset=utf-8"},
	"exceptions": {".exceptions.csv", "text/csv; charset=utf-8"},
	"xlsx":       {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"html":       {".html", "text/html; charset=utf-8"},
	"print":      {".html", "text/html; charset=utf-8"},
}

// reportCSP is the printable page's own policy: nothing but its style
// element (by its hash), no script, no framing.
func reportCSP() string {
	return "default-src 'none'; style-src " + daily.HTMLStyleHash() + "; img-src 'none'; form-action 'none'; " +
		"frame-ancestors 'none'; base-uri 'none'"
}

// reportDownload: GET /console/reports/{date}/{agency}/{version}/{format}
// — a version rendered as `feerecon report` writes it (json, csv,
// exceptions, xlsx, html as a file; print: the printable page shown).
func (s *Server) reportDownload(w http.ResponseWriter, r *http.Request, c api.Caller) {
	u := *c.User
	d, ok := s.reportScope(w, r, u, r.PathValue("date"), r.PathValue("agency"))
	if !ok {
		return
	}
	agency := r.PathValue("agency")
	version, err := strconv.Atoi(r.PathValue("version"))
	f, known := reportFormats[r.PathValue("format")]
	if err != nil || version < 1 || !known {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: &u})
		return
	}
	var stored store.Report
	err = s.st.InTx(r.Context(), func(tx store.Tx) error {
		var err error
		stored, err = tx.ReportVersion(r.Context(), d, agency, version)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: &u})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := dailyrun.DecodeStored(stored)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := daily.Lang(langOf(w, r))
	pr := daily.Print{Lang: lang, Issuer: s.reports.issuer}
	var b bytes.Buffer
	switch r.PathValue("format") {
	case "json":
		err = rep.WriteJSON(&b)
	case "csv":
		err = daily.WriteCSV(&b, rep, lang)
	case "exceptions":
		err = daily.WriteExceptionsCSV(&b, rep, lang)
	case "xlsx":
		err = daily.WriteXLSX(&b, []daily.Report{rep}, pr)
	case "html", "print":
		err = daily.WriteHTML(&b, rep, pr)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "no-store")
	h.Set(outbox.HeaderSHA256, rep.SHA256)
	name := dailyrun.FileBase(rep) + f.ext
	disposition := "attachment"
	if r.PathValue("format") == "print" {
		disposition = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	if f.ext == ".html" {
		h.Set("Content-Security-Policy", reportCSP())
	}
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = w.Write(b.Bytes())
}

// runs are the re-runs started from this console, by id.
type runs struct {
	mu    sync.Mutex
	byID  map[string]*run
	order []string
}

// run is one re-run of a day.
type run struct {
	ID      string
	Login   string
	Date    payment.Date
	Agency  string
	Started time.Time
	// Done is set when it ended; then Stored or Err.
	Done   bool
	Ended  time.Time
	Stored []string
	Err    error
}

// RunPage is the re-run status page's data.
type RunPage struct {
	Run     run
	Elapsed int
	// Back is the Reports page of the run's day and agency.
	Back string
}

// add remembers r, forgetting the oldest finished runs past maxRuns.
func (rs *runs) add(r *run) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.byID[r.ID] = r
	rs.order = append(rs.order, r.ID)
	for len(rs.order) > maxRuns {
		old := rs.byID[rs.order[0]]
		if old != nil && !old.Done {
			break
		}
		delete(rs.byID, rs.order[0])
		rs.order = rs.order[1:]
	}
}

// running returns the unfinished run of (d, agency), if any.
func (rs *runs) running(d payment.Date, agency string) *run {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, r := range rs.byID {
		if !r.Done && r.Date == d && r.Agency == agency {
			return r
		}
	}
	return nil
}

// get returns a copy of run id.
func (rs *runs) get(id string) (run, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.byID[id]
	if !ok {
		return run{}, false
	}
	return *r, true
}

func (rs *runs) finish(r *run, stored []string, err error, at time.Time) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r.Done, r.Ended, r.Stored, r.Err = true, at, stored, err
}

// rerun: POST /console/reports/rerun (date, agency) — an approver or an
// administrator runs the day again: audited (report.rerun), started in
// the background, answered with its status page, which reloads itself
// until the run is done (no script needed).
func (s *Server) rerun(w http.ResponseWriter, r *http.Request, c api.Caller) {
	u := *c.User
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "error", page{Message: LNotFound, User: &u})
		return
	}
	if s.reports.runner == nil {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: &u})
		return
	}
	if !mayRerun(u) {
		s.render(w, r, http.StatusForbidden, "error", page{Message: LRerunForbidden, User: &u})
		return
	}
	agency := r.PostFormValue("agency")
	d, ok := s.reportScope(w, r, u, r.PostFormValue("date"), agency)
	if !ok {
		return
	}
	if cur := s.reports.runs.running(d, agency); cur != nil {
		http.Redirect(w, r, Prefix+"/reports/runs/"+cur.ID, http.StatusSeeOther)
		return
	}
	// One who sees every agency runs the whole day; anyone else their
	// agency's report only.
	scope := agency
	if len(u.Agencies) == 0 {
		scope = ""
	}
	id, err := runID()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	detail, err := json.Marshal(struct {
		Date   payment.Date `json:"business_date"`
		Agency string       `json:"agency"`
		Scope  string       `json:"scope"`
		Run    string       `json:"run"`
	}{d, agency, scope, id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.st.InTx(r.Context(), func(tx store.Tx) error {
		return tx.AppendAudit(r.Context(), store.AuditEntry{At: now, Actor: store.PersonActor(u.Login), Action: store.AuditReportRerun,
			Entity: store.ReportEntity(daily.ScopeID(d, agency)), Detail: detail})
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rn := &run{ID: id, Login: u.Login, Date: d, Agency: agency, Started: now}
	s.reports.runs.add(rn)
	// The run outlives the request: its own context, bounded.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), runTimeout)
	go func() {
		defer cancel()
		stored, err := s.reports.runner.RunDay(ctx, d, scope)
		if err != nil {
			s.log.ErrorContext(ctx, "console re-run", slog.String("date", d.String()), slog.String("agency", agency), slog.Any("err", err))
		}
		s.reports.runs.finish(rn, stored, err, s.now())
	}()
	http.Redirect(w, r, Prefix+"/reports/runs/"+id, http.StatusSeeOther)
}

func runID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// rerunStatus: GET /console/reports/runs/{id} — a re-run's progress,
// reloading itself every second (a Refresh header: no script) until it is
// done. Only the person who started it sees it.
func (s *Server) rerunStatus(w http.ResponseWriter, r *http.Request, c api.Caller) {
	u := *c.User
	rn, ok := s.reports.runs.get(r.PathValue("id"))
	if !ok || rn.Login != u.Login {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: &u})
		return
	}
	// What was stored is the person's to see: everything for one who sees
	// every agency, else their agency's report only (rerun's scope).
	end := s.now()
	if rn.Done {
		end = rn.Ended
	} else {
		w.Header().Set("Refresh", strconv.Itoa(runRefresh))
	}
	back := fmt.Sprintf("%s/reports?date=%s&agency=%s", Prefix, rn.Date, url.QueryEscape(rn.Agency))
	s.render(w, r, http.StatusOK, "reportrun", page{User: &u, Data: RunPage{Run: rn, Elapsed: int(end.Sub(rn.Started) / time.Second), Back: back}})
}
