package console

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/casework"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// The exceptions' pages: the queue (/console/exceptions), one exception
// (/console/exception?id=…: ids hold '|' and '/'), its actions (POST
// /console/exception/act), a bulk action (POST /console/exceptions/bulk),
// and the requests waiting for an approver (/console/requests, POST
// /console/requests/decide).

func (s *Server) routesExceptions(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/exceptions", s.person(s.exceptionQueue))
	mux.HandleFunc("GET "+Prefix+"/exception", s.person(s.exceptionDetail))
	mux.HandleFunc("POST "+Prefix+"/exception/act", s.person(s.exceptionAct))
	mux.HandleFunc("POST "+Prefix+"/exceptions/bulk", s.person(s.exceptionBulk))
	mux.HandleFunc("GET "+Prefix+"/requests", s.person(s.requestList))
	mux.HandleFunc("POST "+Prefix+"/requests/decide", s.person(s.requestDecide))
}

// pageSize is the queue's rows per page; maxQueue bounds the exceptions
// read for one queue view (the filter then says "refine").
const (
	pageSize = 50
	maxQueue = 5000
)

// ExceptionRow is one exception as the queue and the detail show it.
type ExceptionRow struct {
	reconcile.Exception
	// Agencies are those of the notices it concerns ("" none: money no
	// agency owns yet).
	Agencies []string
	AgeDays  int
	Due      time.Time
	Overdue  bool
	// Pending is its request waiting for an approver, if any.
	Pending *store.ActionRequest
}

// Queue is the exceptions page's content.
type Queue struct {
	Filter QueueFilter
	Rows   []ExceptionRow
	// Total counts the rows the filter selects; Page (from 1) of Pages.
	Total, Page, Pages int
	// Capped: more exceptions than maxQueue matched the store's part of
	// the filter: refine it.
	Capped   bool
	Kinds    []reconcile.ExceptionKind
	Statuses []string
	Agencies []string
	Sorts    []string
	// Waiting are payments whose bank credit is not due yet (within
	// T+N): shown apart, never counted as exceptions.
	Waiting      []WaitingLine
	WaitingTotal Figure
	WaitingDate  payment.Date
	CanAct       bool
	Actions      []reconcile.Action
	Colleagues   []string
	Page1URL     string
	PrevURL      string
	NextURL      string
}

// WaitingLine is a payment awaiting its credit, its amount as money.
type WaitingLine struct {
	daily.PaymentLine
	Money payment.Money
}

// QueueFilter is the queue's query.
type QueueFilter struct {
	Kind      string
	Status    string // an exception status, "pending" (waiting for an approver) or "all"
	Agency    string
	MinAge    int
	MinAmount string
	MaxAmount string
	Assigned  string // "", "me", "none" or a login
	Sort      string
	Page      int
	minAmount decimal.Decimal
	maxAmount decimal.Decimal
	hasMin    bool
	hasMax    bool
}

// Sort orders of the queue.
var queueSorts = []string{"age", "-age", "amount", "-amount", "due"}

func (s *Server) caseConfig() casework.Config {
	if s.cases != nil {
		return s.cases.Config()
	}
	return casework.Config{}
}

// parseQueueFilter reads the query; a bad value is a 400, never ignored.
func parseQueueFilter(q url.Values) (QueueFilter, error) {
	f := QueueFilter{Kind: q.Get("kind"), Status: cmp.Or(q.Get("status"), string(reconcile.ExceptionOpen)),
		Agency: q.Get("agency"), MinAmount: q.Get("min_amount"), MaxAmount: q.Get("max_amount"),
		Assigned: q.Get("assigned"), Sort: cmp.Or(q.Get("sort"), "-age"), Page: 1}
	if f.Kind != "" && !reconcile.ExceptionKind(f.Kind).Valid() {
		return f, fmt.Errorf("kind %q", f.Kind)
	}
	if f.Status != "all" && f.Status != "pending" && !slices.Contains(reconcile.ExceptionStatuses(), reconcile.ExceptionStatus(f.Status)) {
		return f, fmt.Errorf("status %q", f.Status)
	}
	if !slices.Contains(queueSorts, f.Sort) {
		return f, fmt.Errorf("sort %q", f.Sort)
	}
	var err error
	if v := q.Get("min_age"); v != "" {
		if f.MinAge, err = strconv.Atoi(v); err != nil || f.MinAge < 0 || f.MinAge > 3650 {
			return f, fmt.Errorf("min_age %q", v)
		}
	}
	if v := q.Get("page"); v != "" {
		if f.Page, err = strconv.Atoi(v); err != nil || f.Page < 1 {
			return f, fmt.Errorf("page %q", v)
		}
	}
	if f.MinAmount != "" {
		if f.minAmount, err = parseDong(f.MinAmount); err != nil {
			return f, err
		}
		f.hasMin = true
	}
	if f.MaxAmount != "" {
		if f.maxAmount, err = parseDong(f.MaxAmount); err != nil {
			return f, err
		}
		f.hasMax = true
	}
	return f, nil
}

// parseDong reads an amount typed in a form (payment.ParseDong).
func parseDong(s string) (decimal.Decimal, error) {
	m, err := payment.ParseDong(s)
	return m.Amount, err
}

// URLNoPage is the queue's URL with this filter, first page.
func (f QueueFilter) URLNoPage() string { return f.url(1) }

// url is the queue's URL with this filter on page p.
func (f QueueFilter) url(p int) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("kind", f.Kind)
	set("status", f.Status)
	set("agency", f.Agency)
	if f.MinAge > 0 {
		q.Set("min_age", strconv.Itoa(f.MinAge))
	}
	set("min_amount", f.MinAmount)
	set("max_amount", f.MaxAmount)
	set("assigned", f.Assigned)
	set("sort", f.Sort)
	if p > 1 {
		q.Set("page", strconv.Itoa(p))
	}
	return Prefix + "/exceptions?" + q.Encode()
}

// exceptionQueue: GET /console/exceptions.
func (s *Server) exceptionQueue(w http.ResponseWriter, r *http.Request, c api.Caller) {
	u := *c.User
	f, err := parseQueueFilter(r.URL.Query())
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "error", page{Message: LBadFilter, User: &u})
		return
	}
	now := s.now()
	var q Queue
	err = s.st.InTx(r.Context(), func(tx store.Tx) error {
		var err error
		q, err = s.readQueue(r.Context(), tx, u, f, now)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "exceptions", page{User: &u, Data: &q, AsOf: now, Flash: flashOf(r)})
}

func (s *Server) readQueue(ctx context.Context, tx store.Tx, u user.User, f QueueFilter, now time.Time) (Queue, error) {
	q := Queue{Filter: f, Kinds: reconcile.ExceptionKinds(), Sorts: queueSorts, Agencies: u.Agencies,
		CanAct: s.cases != nil && casework.MayAct(u), Actions: bulkActions()}
	q.Statuses = append([]string{"pending"}, statusStrings()...)
	q.Statuses = append(q.Statuses, "all")
	sf := casework.Scope(u, store.ExceptionFilter{Kind: reconcile.ExceptionKind(f.Kind), Limit: maxQueue + 1})
	if f.Status != "all" && f.Status != "pending" {
		sf.Status = reconcile.ExceptionStatus(f.Status)
	}
	if f.Status == "pending" {
		sf.Status = reconcile.ExceptionOpen
	}
	switch f.Assigned {
	case "", "none":
	case "me":
		sf.AssignedTo = u.Login
	default:
		sf.AssignedTo = f.Assigned
	}
	es, err := tx.ListExceptions(ctx, sf)
	if err != nil {
		return q, err
	}
	if len(es) > maxQueue {
		es, q.Capped = es[:maxQueue], true
	}
	pending, err := pendingByException(ctx, tx)
	if err != nil {
		return q, err
	}
	cfg := s.caseConfig()
	for _, e := range es {
		if f.Assigned == "none" && e.AssignedTo != "" || f.Status == "pending" && pending[e.ID] == nil {
			continue
		}
		row, err := exceptionRow(ctx, tx, e, cfg, now, pending[e.ID])
		if err != nil {
			return q, err
		}
		if f.Agency != "" && !slices.Contains(row.Agencies, f.Agency) || row.AgeDays < f.MinAge ||
			f.hasMin && e.Amount.Amount.LessThan(f.minAmount) || f.hasMax && e.Amount.Amount.GreaterThan(f.maxAmount) {
			continue
		}
		q.Rows = append(q.Rows, row)
	}
	sortRows(q.Rows, f.Sort)
	q.Total = len(q.Rows)
	q.Pages = max(1, (q.Total+pageSize-1)/pageSize)
	q.Page = min(f.Page, q.Pages)
	from := (q.Page - 1) * pageSize
	q.Rows = q.Rows[from:min(from+pageSize, q.Total)]
	if q.Page > 1 {
		q.PrevURL = f.url(q.Page - 1)
	}
	if q.Page < q.Pages {
		q.NextURL = f.url(q.Page + 1)
	}
	q.WaitingDate = payment.DateOf(now)
	if q.Waiting, err = waiting(ctx, tx, u, q.WaitingDate); err != nil {
		return q, err
	}
	for _, l := range q.Waiting {
		q.WaitingTotal.add(l.Money)
	}
	if q.CanAct {
		if q.Colleagues, err = colleagues(ctx, tx); err != nil {
			return q, err
		}
	}
	return q, nil
}

func statusStrings() []string {
	var out []string
	for _, st := range reconcile.ExceptionStatuses() {
		out = append(out, string(st))
	}
	return out
}

// bulkActions are the actions a bulk form offers (allocate is per payment).
func bulkActions() []reconcile.Action {
	return []reconcile.Action{reconcile.ActionRefund, reconcile.ActionWriteOff, reconcile.ActionReopen,
		reconcile.ActionAssign, reconcile.ActionComment}
}

// sortRows orders the queue by one of queueSorts, then by id.
func sortRows(rows []ExceptionRow, by string) {
	slices.SortStableFunc(rows, func(a, b ExceptionRow) int {
		var c int
		switch strings.TrimPrefix(by, "-") {
		case "age":
			c = b.CreatedAt.Compare(a.CreatedAt) // the youngest first: age ascending
		case "amount":
			c = a.Amount.Amount.Cmp(b.Amount.Amount)
		case "due":
			c = a.Due.Compare(b.Due)
		}
		if strings.HasPrefix(by, "-") {
			c = -c
		}
		return cmp.Or(c, strings.Compare(a.ID, b.ID))
	})
}

func pendingByException(ctx context.Context, tx store.Tx) (map[string]*store.ActionRequest, error) {
	rs, err := tx.ListRequests(ctx, store.RequestFilter{State: store.RequestPending})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*store.ActionRequest, len(rs))
	for i := range rs {
		out[rs[i].ExceptionID] = &rs[i]
	}
	return out, nil
}

// exceptionRow adds to e what the queue shows: agencies, age, due date.
func exceptionRow(ctx context.Context, tx store.Tx, e reconcile.Exception, cfg casework.Config, now time.Time,
	pending *store.ActionRequest) (ExceptionRow, error) {
	row := ExceptionRow{Exception: e, Pending: pending}
	end := now
	if e.ResolvedAt != nil {
		end = *e.ResolvedAt
	}
	row.AgeDays = int(end.Sub(e.CreatedAt) / (24 * time.Hour))
	row.Due = cfg.DueDate(e.Amount, e.CreatedAt)
	row.Overdue = e.Status == reconcile.ExceptionOpen && now.After(row.Due)
	if e.PaymentID == "" {
		return row, nil
	}
	keys, err := tx.LinkedNotices(ctx, e.PaymentID)
	if err != nil {
		return row, err
	}
	as, err := tx.AllocationsByPayment(ctx, e.PaymentID)
	if err != nil {
		return row, err
	}
	for _, a := range as {
		keys = append(keys, store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID})
	}
	for _, k := range keys {
		n, err := tx.Notice(ctx, k.System, k.ID)
		if err != nil {
			return row, err
		}
		if !slices.Contains(row.Agencies, n.Agency) {
			row.Agencies = append(row.Agencies, n.Agency)
		}
	}
	slices.Sort(row.Agencies)
	return row, nil
}

// waiting lists the payments of the latest stored reports of day d whose
// credit is awaited within T+N, for u's agencies (the ALL report for
// people who see every agency).
func waiting(ctx context.Context, tx store.Tx, u user.User, d payment.Date) ([]WaitingLine, error) {
	scopes := []string{daily.AgencyAll}
	if len(u.Agencies) > 0 {
		scopes = u.Agencies
	}
	var out []WaitingLine
	seen := map[string]bool{}
	for _, ag := range scopes {
		rep, err := tx.LatestReport(ctx, d, ag)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var body daily.Report
		if err := json.Unmarshal(rep.Body, &body); err != nil {
			return nil, fmt.Errorf("report %s: %w", rep.ID, err)
		}
		for _, l := range body.Payments {
			if l.Credit == daily.CreditAwaiting && !seen[l.PaymentID] {
				seen[l.PaymentID] = true
				out = append(out, WaitingLine{PaymentLine: l, Money: payment.Money{Amount: l.Amount.Decimal, Currency: payment.VND}})
			}
		}
	}
	slices.SortFunc(out, func(a, b WaitingLine) int {
		return cmp.Or(a.PaidAt.Compare(b.PaidAt), strings.Compare(a.PaymentID, b.PaymentID))
	})
	return out, nil
}

func colleagues(ctx context.Context, tx store.Tx) ([]string, error) {
	us, err := tx.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range us {
		if !c.Disabled && casework.MayAct(c) {
			out = append(out, c.Login)
		}
	}
	return out, nil
}

// Detail is one exception's page.
type Detail struct {
	Row         ExceptionRow
	Payment     *payment.Payment
	Masked      string
	Allocations []reconcile.Allocation
	Suggestions []Suggestion
	History     []HistoryEntry
	Requests    []store.ActionRequest
	// CanAct: the person may act on it; CanDecide: approve or reject its
	// pending request (an approver who is not its maker).
	CanAct, CanDecide bool
	// Form prefills the allocation form: a row per notice.
	Form       []FormRow
	Remainder  string
	Colleagues []string
	Threshold  payment.Money
	Error      string
}

// Suggestion is a candidate notice and why it is suggested.
type Suggestion struct {
	Notice      payment.Notice
	Outstanding payment.Money
	Reasons     []Label
}

// FormRow is one row of the allocation form.
type FormRow struct {
	N      int    // from 1: the fields notice_N and amount_N
	Notice string // "system/id"
	Amount string
}

// HistoryEntry is one audit entry of the exception (HistoryText writes
// its detail).
type HistoryEntry struct {
	store.AuditEntry
}

// exceptionDetail: GET /console/exception?id=.
func (s *Server) exceptionDetail(w http.ResponseWriter, r *http.Request, c api.Caller) {
	s.showDetail(w, r, c, http.StatusOK, "", "")
}

// showDetail renders the exception of ?id= (or the form's id) with an
// error label and text, if any.
func (s *Server) showDetail(w http.ResponseWriter, r *http.Request, c api.Caller, status int, msg Label, text string) {
	u := *c.User
	id := cmp.Or(r.URL.Query().Get("id"), r.PostFormValue("id"))
	now := s.now()
	var d Detail
	err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		e, err := casework.Visible(r.Context(), tx, u, id)
		if err != nil {
			return err
		}
		d, err = s.readDetail(r.Context(), tx, u, e, now)
		return err
	})
	switch {
	case errors.Is(err, casework.ErrNotFound):
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: &u})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	d.Error = text
	flash := flashOf(r)
	s.render(w, r, status, "exception", page{User: &u, Data: &d, AsOf: now, Flash: flash, Message: msg})
}

func (s *Server) readDetail(ctx context.Context, tx store.Tx, u user.User, e reconcile.Exception, now time.Time) (Detail, error) {
	var d Detail
	pending, err := tx.ListRequests(ctx, store.RequestFilter{ExceptionID: e.ID})
	if err != nil {
		return d, err
	}
	d.Requests = pending
	var open *store.ActionRequest
	for i := range pending {
		if pending[i].State == store.RequestPending {
			open = &pending[i]
		}
	}
	if d.Row, err = exceptionRow(ctx, tx, e, s.caseConfig(), now, open); err != nil {
		return d, err
	}
	d.CanAct = s.cases != nil && casework.MayAct(u)
	d.CanDecide = s.cases != nil && open != nil && u.Role == user.RoleApprover && open.Maker != u.Login
	d.Threshold = s.caseConfig().Threshold
	if e.PaymentID != "" {
		p, err := tx.Payment(ctx, e.PaymentID)
		if err != nil {
			return d, err
		}
		d.Payment = &p
		d.Masked = payment.MaskAccount(p.PayerAccount)
		if d.Allocations, err = tx.AllocationsByPayment(ctx, p.ID); err != nil {
			return d, err
		}
		if d.Suggestions, err = suggestions(ctx, tx, u, e, p); err != nil {
			return d, err
		}
		d.Form, d.Remainder = prefill(p, d.Allocations, d.Suggestions)
	}
	trail, err := tx.AuditTrail(ctx, store.ExceptionEntity(e.ID))
	if err != nil {
		return d, err
	}
	for i := len(trail) - 1; i >= 0; i-- { // newest first
		d.History = append(d.History, HistoryEntry{AuditEntry: trail[i]})
	}
	if d.CanAct {
		if d.Colleagues, err = colleagues(ctx, tx); err != nil {
			return d, err
		}
	}
	return d, nil
}

// suggestions are e's candidates u may see, each with why: the same
// amount as the payment, the same payer name once folded, issued shortly
// before it (the engine's own criteria; it never allocates on them).
func suggestions(ctx context.Context, tx store.Tx, u user.User, e reconcile.Exception, p payment.Payment) ([]Suggestion, error) {
	var out []Suggestion
	payer := reconcile.FoldName(p.PayerName)
	for _, id := range e.Candidates {
		ns, err := tx.NoticesByID(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			if !u.CanSee(n.Agency) {
				continue
			}
			as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
			if err != nil {
				return nil, err
			}
			owed := n.Total.Amount
			for _, a := range as {
				if a.PaymentID != p.ID {
					owed = owed.Sub(a.Amount.Amount)
				}
			}
			sg := Suggestion{Notice: n, Outstanding: payment.Money{Amount: owed, Currency: n.Total.Currency}}
			if owed.Equal(p.Amount.Amount) {
				sg.Reasons = append(sg.Reasons, LWhySameAmount)
			}
			if payer != "" && reconcile.FoldName(n.PayerName) == payer {
				sg.Reasons = append(sg.Reasons, LWhySamePayer)
			}
			if d := p.PaidAt.Sub(n.IssuedAt); d >= -24*time.Hour && d <= 7*24*time.Hour {
				sg.Reasons = append(sg.Reasons, LWhyRecent)
			}
			if e.Kind != reconcile.ExceptionUnmatched {
				sg.Reasons = append(sg.Reasons, LWhyNamed)
			}
			out = append(out, sg)
		}
	}
	return out, nil
}

// prefill proposes an allocation: the payment's current allocations, or
// the first suggestion for what it can take; the rest as remainder.
func prefill(p payment.Payment, as []reconcile.Allocation, sg []Suggestion) ([]FormRow, string) {
	var rows []FormRow
	left := p.Amount.Amount
	for _, a := range as {
		rows = append(rows, FormRow{Notice: a.NoticeSystem + "/" + a.NoticeID, Amount: a.Amount.Amount.String()})
		left = left.Sub(a.Amount.Amount)
	}
	if len(rows) == 0 && len(sg) > 0 && sg[0].Outstanding.Amount.IsPositive() {
		take := decimal.Min(left, sg[0].Outstanding.Amount)
		rows = append(rows, FormRow{Notice: sg[0].Notice.System + "/" + sg[0].Notice.ID, Amount: take.String()})
		left = left.Sub(take)
	}
	for len(rows) < 3 {
		rows = append(rows, FormRow{})
	}
	for i := range rows {
		rows[i].N = i + 1
	}
	return rows, left.String()
}

// HistoryText writes an audit entry's JSON detail for people: "key:
// value" pairs in key order, money as the page's language writes it, a
// list item by item; what is not JSON as it is.
func (p page) HistoryText(detail []byte) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(detail)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(detail)
	}
	return p.jsonText(v)
}

func (p page) jsonText(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if m, ok := moneyOf(x); ok {
			return formatMoney(p.Lang, m)
		}
		keys := make([]string, 0, len(x))
		for k, e := range x {
			if e != nil && e != "" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+": "+p.jsonText(x[k]))
		}
		return strings.Join(parts, "; ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = p.jsonText(e)
		}
		return "[" + strings.Join(parts, " | ") + "]"
	case json.Number:
		return x.String()
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// moneyOf reads {"amount": "…", "currency": "…"} as money.
func moneyOf(m map[string]any) (payment.Money, bool) {
	a, ok1 := m["amount"].(string)
	c, ok2 := m["currency"].(string)
	if !ok1 || !ok2 || len(m) != 2 {
		return payment.Money{}, false
	}
	d, err := decimal.NewFromString(a)
	if err != nil {
		return payment.Money{}, false
	}
	return payment.Money{Amount: d, Currency: payment.Currency(c)}, true
}

// flashOf is the confirmation a redirect after an action carries (?done=).
func flashOf(r *http.Request) Label {
	switch r.URL.Query().Get("done") {
	case "applied":
		return LDoneApplied
	case "pending":
		return LDonePending
	case "approved":
		return LDoneApproved
	case "rejected":
		return LDoneRejected
	case "bulk":
		return LDoneBulk
	}
	return ""
}

// exceptionAct: POST /console/exception/act — one action on one exception.
func (s *Server) exceptionAct(w http.ResponseWriter, r *http.Request, c api.Caller) {
	if s.cases == nil {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: c.User})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "error", page{Message: LBadForm, User: c.User})
		return
	}
	a, err := actionOf(r)
	if err != nil {
		s.showDetail(w, r, c, http.StatusBadRequest, LBadForm, err.Error())
		return
	}
	out, err := s.cases.Act(r.Context(), *c.User, a)
	if err != nil {
		s.refused(w, r, c, err)
		return
	}
	done := "applied"
	if !out.Applied {
		done = "pending"
	}
	http.Redirect(w, r, detailURL(a.ExceptionID)+"&done="+done, http.StatusSeeOther)
}

func detailURL(id string) string { return Prefix + "/exception?id=" + url.QueryEscape(id) }

// actionOf reads an action form: id, action, reason, assignee, notice_N
// and amount_N (N from 1), remainder.
func actionOf(r *http.Request) (casework.Action, error) {
	a := casework.Action{Kind: reconcile.Action(r.PostFormValue("action")), ExceptionID: r.PostFormValue("id"),
		Reason: r.PostFormValue("reason"), Assignee: r.PostFormValue("assignee")}
	if !slices.Contains(reconcile.Actions(), a.Kind) {
		return a, fmt.Errorf("action %q", a.Kind)
	}
	if a.Kind != reconcile.ActionAllocate {
		return a, nil
	}
	for i := 1; i <= 10; i++ {
		n, amt := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("notice_%d", i))), r.PostFormValue(fmt.Sprintf("amount_%d", i))
		if n == "" && strings.TrimSpace(amt) == "" {
			continue
		}
		system, id, ok := strings.Cut(n, "/")
		if !ok || system == "" || id == "" {
			return a, fmt.Errorf("notice %q: write it as system/notice id", n)
		}
		v, err := parseDong(amt)
		if err != nil {
			return a, err
		}
		a.Parts = append(a.Parts, casework.Part{System: system, NoticeID: id, Amount: payment.Money{Amount: v, Currency: payment.VND}})
	}
	rem := cmp.Or(strings.TrimSpace(r.PostFormValue("remainder")), "0")
	v, err := parseDong(rem)
	if err != nil {
		return a, err
	}
	a.Remainder = payment.Money{Amount: v, Currency: payment.VND}
	return a, nil
}

// refused shows why casework refused an action, in the person's language.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, c api.Caller, err error) {
	label, status := refusal(err)
	if label == "" {
		s.fail(w, r, err)
		return
	}
	if status == http.StatusNotFound {
		s.render(w, r, status, "error", page{Message: LNotFound, User: c.User})
		return
	}
	s.showDetail(w, r, c, status, label, err.Error())
}

// refusal maps casework's errors to a label and a status.
func refusal(err error) (Label, int) {
	for _, m := range []struct {
		err    error
		label  Label
		status int
	}{
		{casework.ErrNotFound, LNotFound, http.StatusNotFound},
		{casework.ErrForbidden, LErrForbidden, http.StatusForbidden},
		{casework.ErrNoReason, LErrNoReason, http.StatusBadRequest},
		{casework.ErrNotOpen, LErrNotOpen, http.StatusConflict},
		{casework.ErrNotClosed, LErrNotClosed, http.StatusConflict},
		{casework.ErrPending, LErrPending, http.StatusConflict},
		{casework.ErrNoPayment, LErrNoPayment, http.StatusBadRequest},
		{casework.ErrSum, LErrSum, http.StatusBadRequest},
		{casework.ErrAmount, LErrAmount, http.StatusBadRequest},
		{casework.ErrOverOutstanding, LErrOverOutstanding, http.StatusBadRequest},
		{casework.ErrNoticeClosed, LErrNoticeClosed, http.StatusConflict},
		{casework.ErrRemainderClosed, LErrRemainderClosed, http.StatusConflict},
		{casework.ErrOwnRequest, LErrOwnRequest, http.StatusForbidden},
		{casework.ErrNotPending, LErrNotPending, http.StatusConflict},
		{casework.ErrChanged, LErrChanged, http.StatusConflict},
		{casework.ErrBulk, LErrBulk, http.StatusBadRequest},
		{casework.ErrUnknownUser, LErrUnknownUser, http.StatusBadRequest},
	} {
		if errors.Is(err, m.err) {
			return m.label, m.status
		}
	}
	return "", 0
}

// exceptionBulk: POST /console/exceptions/bulk — one action on the
// selected rows (ids), all or none.
func (s *Server) exceptionBulk(w http.ResponseWriter, r *http.Request, c api.Caller) {
	if s.cases == nil {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: c.User})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "error", page{Message: LBadForm, User: c.User})
		return
	}
	ids := r.PostForm["ids"]
	a := casework.Action{Kind: reconcile.Action(r.PostFormValue("action")), Reason: r.PostFormValue("reason"),
		Assignee: r.PostFormValue("assignee")}
	if len(ids) == 0 || !slices.Contains(bulkActions(), a.Kind) {
		s.render(w, r, http.StatusBadRequest, "error", page{Message: LErrBulk, User: c.User})
		return
	}
	if _, err := s.cases.Bulk(r.Context(), *c.User, a, ids); err != nil {
		label, status := refusal(err)
		if label == "" {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status, "error", page{Message: label, User: c.User, Data: err.Error()})
		return
	}
	// Back to the queue as it was filtered: rebuilt from the filter, so
	// the redirect is always the console's own page.
	f := QueueFilter{Status: string(reconcile.ExceptionOpen), Sort: "-age", Page: 1}
	if back, err := url.Parse(r.PostFormValue("back")); err == nil {
		if g, err := parseQueueFilter(back.Query()); err == nil {
			f = g
		}
	}
	//nolint:gosec // G710: f.url builds the console's own path from validated filter values
	http.Redirect(w, r, f.url(f.Page)+"&done=bulk", http.StatusSeeOther)
}

// Requests is the page of requests waiting for an approver.
type Requests struct {
	Rows      []RequestRow
	CanDecide bool
}

// RequestRow is a pending request and its exception.
type RequestRow struct {
	store.ActionRequest
	Exception ExceptionRow
	Own       bool
	Parts     []casework.Part
	Remainder payment.Money
}

// requestList: GET /console/requests — pending requests the person sees.
func (s *Server) requestList(w http.ResponseWriter, r *http.Request, c api.Caller) {
	u := *c.User
	now := s.now()
	rq := Requests{CanDecide: s.cases != nil && u.Role == user.RoleApprover}
	err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		rs, err := tx.ListRequests(r.Context(), store.RequestFilter{State: store.RequestPending})
		if err != nil {
			return err
		}
		for i := range rs {
			e, err := casework.Visible(r.Context(), tx, u, rs[i].ExceptionID)
			if errors.Is(err, casework.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			row, err := exceptionRow(r.Context(), tx, e, s.caseConfig(), now, &rs[i])
			if err != nil {
				return err
			}
			rr := RequestRow{ActionRequest: rs[i], Exception: row, Own: rs[i].Maker == u.Login}
			var body struct {
				Action casework.Action `json:"action"`
			}
			if err := json.Unmarshal(rs[i].Body, &body); err == nil {
				rr.Parts, rr.Remainder = body.Action.Parts, body.Action.Remainder
			}
			rq.Rows = append(rq.Rows, rr)
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "requests", page{User: &u, Data: &rq, AsOf: now, Flash: flashOf(r)})
}

// requestDecide: POST /console/requests/decide — approve or reject.
func (s *Server) requestDecide(w http.ResponseWriter, r *http.Request, c api.Caller) {
	if s.cases == nil {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound, User: c.User})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "error", page{Message: LBadForm, User: c.User})
		return
	}
	id, exc := r.PostFormValue("request"), r.PostFormValue("id")
	var err error
	done := "approved"
	switch r.PostFormValue("decision") {
	case "approve":
		_, err = s.cases.Approve(r.Context(), *c.User, id)
	case "reject":
		done = "rejected"
		err = s.cases.Reject(r.Context(), *c.User, id, r.PostFormValue("reason"))
	default:
		s.render(w, r, http.StatusBadRequest, "error", page{Message: LBadForm, User: c.User})
		return
	}
	if err != nil {
		s.refused(w, r, c, err)
		return
	}
	if exc != "" {
		//nolint:gosec // G710: the id is query-escaped into the console's own path
		http.Redirect(w, r, detailURL(exc)+"&done="+done, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"/requests?done="+done, http.StatusSeeOther)
}
