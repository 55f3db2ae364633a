package dailyrun

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/settlement"
	"github.com/feerecon/feerecon/store"
)

// Defaults of Config.
const (
	// DefaultDestination is the outbox destination of the treasury webhook.
	DefaultDestination = "treasury"
)

// Errors of the Job.
var (
	// ErrStoredReport: a stored report's body does not hash to its SHA-256.
	ErrStoredReport = errors.New("stored report does not match its SHA-256")
)

// Config configures a Job. Zero values take the defaults, except in
// DayRules, where CreditWindowDays 0 is T+0 (daily.DefaultDayRules has
// the usual T+1).
type Config struct {
	// DayRules: the business day's cut-off and the credit window T+N.
	daily.DayRules
	// Engine configures the reference extraction of the
	// amount_date_reference link rule (the same engine as matching).
	Engine reconcile.Config
	// Lang of the renderings (WriteFiles); default daily.LangVI.
	Lang daily.Lang
	// Issuer is the unit printed on the renderings (the HTML's heading and
	// signatures, the XLSX's summary); the zero Issuer prints lines to
	// fill in by hand.
	Issuer daily.Issuer
	// Destination of the treasury webhook messages; default "treasury".
	Destination string
	// ReportEmptyDays stores the first version of a day that had nothing:
	// no payment, notice, statement line, exception or adjustment. Off,
	// such a day gets no report (no all-zero report reaches the treasury)
	// until something arrives for it.
	ReportEmptyDays bool
	// Clock is when a run happens (the report's as-of time); default
	// time.Now. It is truncated to the second: what the store keeps.
	Clock  func() time.Time
	Logger *slog.Logger
}

// Validate reports all problems at once.
func (c Config) Validate() error {
	p := config.In("dailyrun")
	for _, prob := range append(c.Problems(), c.Issuer.Problems()...) {
		p.Addf("%s", prob)
	}
	switch c.Lang {
	case "", daily.LangVI, daily.LangEN:
	default:
		p.Addf("language %q: want vi or en", c.Lang)
	}
	p.Add(c.Engine.Validate())
	return p.Err()
}

// Job reconciles business days over a store.
type Job struct {
	st  store.Store
	cfg Config
	eng *reconcile.Engine
	log *slog.Logger
}

// NewJob builds a Job over st.
func NewJob(st store.Store, cfg Config) (*Job, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, config.Errorf("dailyrun: nil store")
	}
	eng, err := reconcile.NewEngine(cfg.Engine)
	if err != nil {
		return nil, config.Wrap("dailyrun", err)
	}
	if cfg.Lang == "" {
		cfg.Lang = daily.LangVI
	}
	if cfg.Destination == "" {
		cfg.Destination = DefaultDestination
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Job{st: st, cfg: cfg, eng: eng, log: log}, nil
}

// DayRules are the job's business-day rules.
func (j *Job) DayRules() daily.DayRules { return j.cfg.DayRules }

// Print is how the job's reports are rendered: its language and issuing
// unit (WriteFiles, and the console's downloads).
func (j *Job) Print() daily.Print { return daily.Print{Lang: j.cfg.Lang, Issuer: j.cfg.Issuer} }

// Run reconciles business day date and stores every report whose version
// is new: the first one, or one whose diff against the stored latest
// version is not empty. agency, if not empty, keeps only that agency's
// report ("ALL" for the total). It returns the versions it stored (none
// when nothing changed). A concurrent run that stored the same version
// first makes Run fail with store.ErrAlreadyExists: run it again.
func (j *Job) Run(ctx context.Context, date payment.Date, agency string) ([]daily.Report, error) {
	if date.IsZero() {
		return nil, config.Errorf("dailyrun: no business date")
	}
	now := j.cfg.Clock().Truncate(time.Second)
	var in daily.Input
	err := j.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if in, _, err = j.load(ctx, tx, date); err != nil {
			return err
		}
		in.AuditHead, err = auditHead(ctx, tx, j.cfg.DayEnd(date))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("daily run %s: load: %w", date, err)
	}
	in.Now = now
	res, err := daily.Reconcile(in)
	if err != nil {
		return nil, fmt.Errorf("daily run %s: %w", date, err)
	}
	// A discrepancy an accountant resolved stays resolved: the ones not
	// loaded with the day's payments (a missing_event names a statement
	// line, not a payment) are looked up by their deterministic ids, and
	// the day reconciled again with them.
	var resolved []reconcile.Exception
	err = j.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		resolved, err = resolvedAmong(ctx, tx, in.Exceptions, res.Exceptions)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("daily run %s: load resolutions: %w", date, err)
	}
	if len(resolved) > 0 {
		in.Exceptions = append(in.Exceptions, resolved...)
		if res, err = daily.Reconcile(in); err != nil {
			return nil, fmt.Errorf("daily run %s: %w", date, err)
		}
	}
	if !j.cfg.ReportEmptyDays && emptyDay(res.Reports) {
		j.log.DebugContext(ctx, "empty business day not reported", slog.String("date", date.String()))
		return nil, nil
	}
	var fresh []daily.Report
	for _, rep := range res.Reports {
		if agency != "" && rep.Agency != agency {
			continue
		}
		// Each report is chained to its scope's stored latest version; one
		// that says nothing new is not a version.
		if rep.Diff != nil && rep.Diff.Empty() {
			continue
		}
		fresh = append(fresh, rep)
	}
	err = j.st.InTx(ctx, func(tx store.Tx) error {
		var ids []string
		for _, e := range res.Exceptions {
			if !e.Status.Closed() { // a closed one's stored row is where the resolution came from
				ids = append(ids, e.ID)
			}
		}
		stored, err := storedIDs(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, e := range res.Exceptions {
			// One stored by an earlier run is nothing new (UpsertException
			// would keep the first).
			if e.Status.Closed() || stored[e.ID] {
				continue
			}
			if err := raise(ctx, tx, e, now); err != nil {
				return err
			}
			stored[e.ID] = true
		}
		for _, rep := range fresh {
			if err := j.save(ctx, tx, rep, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("daily run %s: store: %w", date, err)
	}
	for _, rep := range fresh {
		j.log.InfoContext(ctx, "daily report version stored", slog.String("report", rep.ID), slog.String("sha256", rep.SHA256))
	}
	return fresh, nil
}

// emptyDay says whether a day's first run found nothing at all: its ALL
// report is a version 1 with no payment, allocation, link, exception,
// adjustment, reversal, expected notice, statement line booked on the day
// or late event of an unreported day raised on it.
func emptyDay(reps []daily.Report) bool {
	for _, r := range reps {
		if r.Agency != daily.AgencyAll {
			continue
		}
		c := r.Control
		return r.Version == 1 && len(r.Payments) == 0 && len(r.Allocations) == 0 && len(r.Links) == 0 &&
			len(r.Exceptions) == 0 && len(r.Adjustments) == 0 && len(r.Resolved) == 0 && len(r.Reversals) == 0 && len(r.RefundsDue) == 0 &&
			len(r.LateUnreported) == 0 &&
			r.Totals.NoticesExpected == 0 && c.CreditCount == 0 && c.DebitCount == 0 && c.ExceptionCount == 0
	}
	return false
}

// RunDay runs business day date again (Run) on a person's request (the
// console's re-run) and returns the ids of the versions it stored: every
// report of the day for agency "", else only agency's (ALL for the
// total).
func (j *Job) RunDay(ctx context.Context, date payment.Date, agency string) ([]string, error) {
	fresh, err := j.Run(ctx, date, agency)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(fresh))
	for i, r := range fresh {
		ids[i] = r.ID
	}
	return ids, nil
}

// raise stores a discrepancy the day's run found, not stored before, and
// audits it (exception.raise): found again by a later run, it is nothing
// new, and keeps the time it was first raised (the caller skips it).
// daily.Reconcile dated it: the run's time (now), or the time an earlier
// version of the day listed it with.
func raise(ctx context.Context, tx store.Tx, e reconcile.Exception, now time.Time) error {
	if err := tx.UpsertException(ctx, e); err != nil {
		return fmt.Errorf("exception %s: %w", e.ID, err)
	}
	detail, err := json.Marshal(struct {
		Kind         reconcile.ExceptionKind `json:"kind"`
		Amount       payment.Money           `json:"amount"`
		PaymentID    string                  `json:"payment_id,omitempty"`
		StatementRef string                  `json:"statement_ref,omitempty"`
		NoticeSystem string                  `json:"notice_system,omitempty"`
		NoticeID     string                  `json:"notice_id,omitempty"`
		CreatedAt    time.Time               `json:"created_at"`
	}{e.Kind, e.Amount, e.PaymentID, e.StatementRef, e.NoticeSystem, e.NoticeID, e.CreatedAt})
	if err != nil {
		return fmt.Errorf("exception %s audit: %w", e.ID, err)
	}
	if err := tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.ActorDailyRun, Action: store.AuditExceptionRaise,
		Entity: store.ExceptionEntity(e.ID), Detail: detail}); err != nil {
		return fmt.Errorf("exception %s audit: %w", e.ID, err)
	}
	return nil
}

// auditHead is the audit chain's head at the day's cut-off: what every
// report of the day carries, for the treasury to keep. It depends on when
// the entries were written, not only on what they say: a replay of the
// same stream has the same reports in every other byte (see REPORT.md).
func auditHead(ctx context.Context, tx store.Tx, cutoff time.Time) (*daily.AuditHead, error) {
	l, err := tx.AuditHeadAt(ctx, cutoff)
	if err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	return &daily.AuditHead{Seq: l.Seq, Hash: l.Hash}, nil
}

// storedIDs says which of ids are stored exceptions, in one read.
func storedIDs(ctx context.Context, tx store.Tx, ids []string) (map[string]bool, error) {
	es, err := tx.ExceptionsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("exceptions: %w", err)
	}
	out := make(map[string]bool, len(es))
	for _, e := range es {
		out[e.ID] = true
	}
	return out, nil
}

// resolvedAmong returns the stored resolved exceptions among found that
// are not given already, in found's order, read in one statement.
func resolvedAmong(ctx context.Context, tx store.Tx, given, found []reconcile.Exception) ([]reconcile.Exception, error) {
	have := make(map[string]bool, len(given))
	for _, e := range given {
		have[e.ID] = true
	}
	var ids []string
	for _, e := range found {
		if !have[e.ID] {
			have[e.ID] = true
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	stored, err := tx.ExceptionsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("exceptions: %w", err)
	}
	byID := make(map[string]reconcile.Exception, len(stored))
	for _, s := range stored {
		byID[s.ID] = s
	}
	var out []reconcile.Exception
	for _, id := range ids { // not found before: found for the first time
		if s, ok := byID[id]; ok && s.Status.Closed() {
			out = append(out, s)
		}
	}
	return out, nil
}

func (j *Job) save(ctx context.Context, tx store.Tx, rep daily.Report, now time.Time) error {
	body, err := rep.CanonicalJSON()
	if err != nil {
		return err
	}
	if err := tx.InsertReport(ctx, store.Report{ID: rep.ID, BusinessDate: rep.BusinessDate, Agency: rep.Agency,
		Version: rep.Version, SHA256: rep.SHA256, Body: body, CreatedAt: now}); err != nil {
		return fmt.Errorf("report %s: %w", rep.ID, err)
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + 100) // the body and its SHA-256
	if err := rep.WriteCompactJSON(&buf); err != nil {
		return fmt.Errorf("report %s payload: %w", rep.ID, err)
	}
	payload := buf.Bytes()
	// One message per channel, each with its own delivery state.
	if err := outbox.Report.Enqueue(ctx, tx, outbox.Report.ID(rep.ID), j.cfg.Destination, payload, now); err != nil {
		return fmt.Errorf("report %s: %w", rep.ID, err)
	}
	type summary struct {
		Version         int            `json:"version"`
		SHA256          string         `json:"sha256"`
		PreviousVersion int            `json:"previous_version,omitempty"`
		Changes         map[string]int `json:"changes,omitempty"`
	}
	s := summary{Version: rep.Version, SHA256: rep.SHA256}
	if d := rep.Diff; d != nil {
		s.PreviousVersion = d.PreviousVersion
		s.Changes = map[string]int{}
		for name, c := range map[string]daily.Changes{"lines": d.Lines, "payments": d.Payments,
			"allocations": d.Allocations, "exceptions": d.Exceptions, "adjustments": d.Adjustments} {
			if n := len(c.Added) + len(c.Removed) + len(c.Changed); n > 0 {
				s.Changes[name] = n
			}
		}
	}
	detail, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.ActorDailyRun, Action: store.AuditReportVersion,
		Entity: store.ReportEntity(rep.ID), Detail: detail}); err != nil {
		return fmt.Errorf("report %s audit: %w", rep.ID, err)
	}
	return nil
}

// load reads what business day date needs, and the stored latest report
// versions by agency.
func (j *Job) load(ctx context.Context, tx store.Tx, date payment.Date) (daily.Input, map[string]*daily.Report, error) {
	l := j.newLoader(tx, date)
	for _, step := range []func(context.Context) error{l.payments, l.notices, l.exceptionNotices, l.noticeStates, l.lines, l.reversals, l.refunds, l.lateUnreported} {
		if err := step(ctx); err != nil {
			return l.in, nil, err
		}
	}
	latest, err := l.previousReports(ctx)
	return l.in, latest, err
}

// loader is the state of loading one business day's input.
type loader struct {
	tx    store.Tx
	date  payment.Date
	rules daily.DayRules
	// from and to bound the payments read: [from, to).
	from, to time.Time
	in       daily.Input
	// given are the ids of the payments read.
	given map[string]bool
	// have are the notices read.
	have map[store.NoticeKey]bool
	// keys are the notices the allocations name, in their order.
	keys []store.NoticeKey
}

func (j *Job) newLoader(tx store.Tx, date payment.Date) *loader {
	rules := j.cfg.DayRules
	return &loader{
		tx: tx, date: date, rules: rules, from: rules.WindowStart(date),
		in:   daily.Input{BusinessDate: date, DayRules: rules, ExtractRefs: j.extract},
		have: map[store.NoticeKey]bool{},
	}
}

// payments reads the payments of days date−N … date (earlier ones still
// wait for their credit), plus those after the cut-off on date's calendar
// day: they can explain a credit booked on the day. Their allocations and
// exceptions come in one read each, in the payments' order.
func (l *loader) payments(ctx context.Context) error {
	l.to = l.rules.DayEnd(l.date)
	if end := l.date.AddDays(1).Start(); end.After(l.to) {
		l.to = end
	}
	pays, err := l.tx.ListPayments(ctx, l.from, l.to)
	if err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	l.in.Payments = pays
	l.given = make(map[string]bool, len(pays))
	for _, p := range pays {
		l.given[p.ID] = true
	}
	if l.in.Allocations, err = l.tx.AllocationsPaidIn(ctx, l.from, l.to); err != nil {
		return fmt.Errorf("allocations: %w", err)
	}
	if l.in.Exceptions, err = l.tx.ExceptionsPaidIn(ctx, l.from, l.to); err != nil {
		return fmt.Errorf("exceptions: %w", err)
	}
	return nil
}

// notices reads the notices issued on the day, and every notice an
// allocation names (those issued on other days in one read, added in the
// order the allocations name them).
func (l *loader) notices(ctx context.Context) error {
	ns, err := l.tx.ListNotices(ctx, l.rules.DayStart(l.date), l.rules.DayEnd(l.date))
	if err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	l.in.Notices = ns
	for _, n := range ns {
		l.have[store.NoticeKey{System: n.System, ID: n.ID}] = true
	}
	var missing []store.NoticeKey
	l.keys = make([]store.NoticeKey, 0, len(l.in.Allocations))
	for _, a := range l.in.Allocations {
		k := store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID}
		if !l.have[k] {
			l.have[k] = true
			missing = append(missing, k)
		}
		l.keys = append(l.keys, k)
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := l.tx.NoticesByKeys(ctx, missing)
	if err != nil {
		return fmt.Errorf("notices of allocations: %w", err)
	}
	byKey := make(map[store.NoticeKey]payment.Notice, len(found))
	for _, n := range found {
		byKey[store.NoticeKey{System: n.System, ID: n.ID}] = n
	}
	for _, k := range missing {
		n, ok := byKey[k]
		if !ok {
			return fmt.Errorf("notice %s/%s: %w", k.System, k.ID, store.ErrNotFound)
		}
		l.in.Notices = append(l.in.Notices, n)
	}
	return nil
}

// notice reads the notice of k into the input.
func (l *loader) notice(ctx context.Context, k store.NoticeKey) error {
	l.have[k] = true
	n, err := l.tx.Notice(ctx, k.System, k.ID)
	if err != nil {
		return fmt.Errorf("notice %s/%s: %w", k.System, k.ID, err)
	}
	l.in.Notices = append(l.in.Notices, n)
	return nil
}

// exceptionNotices reads the notices the matching exceptions name and no
// allocation does. A matching exception names its notice by id
// (cancelled_notice, overpaid): the payment's linked notices say which
// one, so that the exception lands in that agency's report too.
func (l *loader) exceptionNotices(ctx context.Context) error {
	ids := map[string]bool{}
	for _, n := range l.in.Notices {
		ids[n.ID] = true
	}
	for _, e := range l.in.Exceptions {
		if e.NoticeID == "" || ids[e.NoticeID] || e.PaymentID == "" {
			continue
		}
		linked, err := l.tx.LinkedNotices(ctx, e.PaymentID)
		if err != nil {
			return fmt.Errorf("notices of %s: %w", e.PaymentID, err)
		}
		for _, k := range linked {
			if k.ID != e.NoticeID || l.have[k] {
				continue
			}
			if err := l.notice(ctx, k); err != nil {
				return err
			}
			ids[k.ID] = true
		}
	}
	return nil
}

// noticeStates says how much was paid on each notice an allocation names
// (see noticeStates).
func (l *loader) noticeStates(ctx context.Context) error {
	var err error
	l.in.NoticeStates, err = noticeStates(ctx, l.tx, l.in.Notices, l.keys, l.to)
	return err
}

// lines reads the statement and settlement lines booked date−N … date+N.
func (l *loader) lines(ctx context.Context) error {
	n := l.rules.CreditWindowDays
	lines, err := l.tx.StatementLines(ctx, l.date.AddDays(-n), l.date.AddDays(n))
	if err != nil {
		return fmt.Errorf("statement lines: %w", err)
	}
	for _, sl := range lines {
		_, wallet := sl.Source.Wallet()
		switch {
		case sl.Source == statements.SourceCamt053:
			l.in.StatementLines = append(l.in.StatementLines, sl)
		case wallet:
			s, err := settlement.FromStatementLine(sl)
			if err != nil {
				return fmt.Errorf("statement lines: %w", err)
			}
			l.in.SettlementLines = append(l.in.SettlementLines, s)
		default:
			return fmt.Errorf("statement %s line %d: unknown source %q", sl.StatementID, sl.Seq, sl.Source)
		}
	}
	return nil
}

// endOfTime bounds the reversals read (reversals): later than any booking.
var endOfTime = time.Date(9999, time.January, 1, 0, 0, 0, 0, time.UTC)

// reversals reads the reversals booked on the business day, which the ALL
// report lists, and those booked later that name a payment read: they
// undid its allocations whenever they were booked, so the day's report
// marks the payment reversed (daily.PaymentLine.ReversedBy) rather than
// count its money unassigned. One query, from the day's start on: a
// reversal is never booked before its payment (ingest matches none paid
// after it), and reversals are rare. What is read depends on the store
// alone, not on the clock: a re-run or a replay reads the same.
func (l *loader) reversals(ctx context.Context) error {
	rs, err := l.tx.ListReversals(ctx, l.rules.DayStart(l.date), endOfTime)
	if err != nil {
		return fmt.Errorf("reversals: %w", err)
	}
	end := l.rules.DayEnd(l.date)
	for _, r := range rs {
		if r.ReversedAt.Before(end) || r.PaymentID != "" && l.given[r.PaymentID] {
			l.in.Reversals = append(l.in.Reversals, r)
		}
	}
	return nil
}

// refunds reads the refund instructions decided by the day's end (the
// exceptions closed as refund), each with its payment, and the statement
// debits booked from the oldest one's day to date, which may complete
// them (daily.Input.Refunds).
func (l *loader) refunds(ctx context.Context) error {
	es, err := l.tx.ListExceptions(ctx, store.ExceptionFilter{Status: reconcile.ExceptionRefund})
	if err != nil {
		return fmt.Errorf("refunds: %w", err)
	}
	end := l.rules.DayEnd(l.date)
	var oldest *payment.Date
	for _, e := range es {
		if e.ResolvedAt == nil || !e.ResolvedAt.Before(end) {
			continue
		}
		f := daily.Refund{Exception: e}
		if e.PaymentID != "" {
			if f.Payment, err = l.tx.Payment(ctx, e.PaymentID); err != nil {
				return fmt.Errorf("refund %s: %w", e.ID, err)
			}
		}
		l.in.Refunds = append(l.in.Refunds, f)
		if d := payment.DateOf(*e.ResolvedAt); oldest == nil || d.Before(*oldest) {
			oldest = &d
		}
	}
	if oldest == nil {
		return nil
	}
	lines, err := l.tx.StatementLines(ctx, *oldest, l.date)
	if err != nil {
		return fmt.Errorf("refund debits: %w", err)
	}
	for _, sl := range lines {
		if !sl.Credit && sl.Source == statements.SourceCamt053 {
			l.in.RefundDebits = append(l.in.RefundDebits, sl)
		}
	}
	return nil
}

// lateUnreported reads the late events of days before the reporting
// window that no report covers (daily.LateBeforeWindow) raised on the
// business day, each with its payment (daily.Input.LateUnreported). They
// are found among the stored late events, which are few: a late payment
// is an exception, not the rule.
func (l *loader) lateUnreported(ctx context.Context) error {
	es, err := l.tx.ListExceptions(ctx, store.ExceptionFilter{Kind: reconcile.ExceptionLateEvent})
	if err != nil {
		return fmt.Errorf("late events: %w", err)
	}
	var rd *reconcile.EvidenceReader
	for _, e := range es {
		if e.PaymentID == "" || l.rules.BusinessDay(e.CreatedAt) != l.date {
			continue
		}
		if rd == nil {
			rd = reconcile.NewEvidenceReader()
		}
		if !daily.IsBeforeWindow(e, rd) {
			continue
		}
		p, err := l.tx.Payment(ctx, e.PaymentID)
		if err != nil {
			return fmt.Errorf("late event %s: %w", e.ID, err)
		}
		l.in.LateUnreported = append(l.in.LateUnreported, daily.UnreportedLate{Exception: e, Payment: p})
	}
	return nil
}

// previousReports reads the latest version of each scope (ALL and the
// agencies of the notices read): what a new version is chained to and
// late events are judged by (daily.Input.PreviousReports). It returns them
// by agency.
func (l *loader) previousReports(ctx context.Context) (map[string]*daily.Report, error) {
	scopes := map[string]bool{daily.AgencyAll: true}
	for _, n := range l.in.Notices {
		scopes[n.Agency] = true
	}
	latest := map[string]*daily.Report{}
	for ag := range scopes {
		r, err := l.tx.LatestReport(ctx, l.date, ag)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("latest report: %w", err)
		}
		rep, err := DecodeStored(r)
		if err != nil {
			return nil, err
		}
		latest[ag] = &rep
		l.in.PreviousReports = append(l.in.PreviousReports, rep)
	}
	sort.Slice(l.in.PreviousReports, func(a, b int) bool { return l.in.PreviousReports[a].Agency < l.in.PreviousReports[b].Agency })
	return latest, nil
}

// noticeStates says how much was paid on each notice an allocation names,
// counting the payments read and those paid before them (not later ones:
// they are not in this day's input), in one read: the payments read are
// every one paid in [from, to), so those counted are the ones paid before
// to.
func noticeStates(ctx context.Context, tx store.Tx, ns []payment.Notice, keys []store.NoticeKey, to time.Time) ([]reconcile.NoticeState, error) {
	byKey := make(map[store.NoticeKey]payment.Notice, len(ns))
	for _, n := range ns {
		byKey[store.NoticeKey{System: n.System, ID: n.ID}] = n
	}
	slices.SortFunc(keys, func(a, b store.NoticeKey) int {
		return cmp.Or(cmp.Compare(a.System, b.System), cmp.Compare(a.ID, b.ID))
	})
	keys = slices.Compact(keys)
	paid, err := tx.NoticesPaid(ctx, keys, to)
	if err != nil {
		return nil, fmt.Errorf("paid of notices: %w", err)
	}
	sums := make(map[store.NoticeKey]decimal.Decimal, len(paid))
	for _, p := range paid {
		sums[p.NoticeKey] = p.Paid
	}
	out := make([]reconcile.NoticeState, 0, len(keys))
	for _, k := range keys {
		sum, ok := sums[k]
		if !ok {
			sum = decimal.Zero
		}
		n := byKey[k]
		out = append(out, reconcile.NoticeState{System: k.System, NoticeID: k.ID, Code: n.Code, Status: n.Status,
			AmountDue: n.Total, Paid: payment.Money{Amount: sum, Currency: n.Total.Currency}})
	}
	return out, nil
}

// DecodeStored reads a stored report version back, checking that its body
// (the canonical JSON) hashes to its SHA-256.
func DecodeStored(r store.Report) (daily.Report, error) {
	sum := sha256.Sum256(r.Body)
	if hex.EncodeToString(sum[:]) != r.SHA256 {
		return daily.Report{}, fmt.Errorf("report %s: %w", r.ID, ErrStoredReport)
	}
	var rep daily.Report
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		return daily.Report{}, fmt.Errorf("report %s: %w: %w", r.ID, ErrStoredReport, err)
	}
	rep.SHA256 = r.SHA256
	return rep, nil
}

func (j *Job) extract(s string) []string {
	refs := j.eng.References(s)
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Key
	}
	return out
}

// Latest returns the stored latest version of every report of date (ALL
// first, then by agency), or only agency's when agency is not empty.
func (j *Job) Latest(ctx context.Context, date payment.Date, agency string) ([]daily.Report, error) {
	var out []daily.Report
	err := j.st.InTx(ctx, func(tx store.Tx) error {
		in, latest, err := j.load(ctx, tx, date)
		_ = in
		if err != nil {
			return err
		}
		for ag, r := range latest {
			if agency == "" || ag == agency {
				out = append(out, *r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("daily reports %s: %w", date, err)
	}
	sort.Slice(out, func(a, b int) bool {
		if (out[a].Agency == daily.AgencyAll) != (out[b].Agency == daily.AgencyAll) {
			return out[a].Agency == daily.AgencyAll
		}
		return out[a].Agency < out[b].Agency
	})
	return out, nil
}
