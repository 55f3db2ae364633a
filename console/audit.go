package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// The Audit page (Nhật ký): the audit chain newest first, filtered by
// actor, action and entity, with the chain's head and, on request, its
// verification.
//
// Who sees it: a person whose scope is every agency, in the admin or the
// auditor role — the API's rule for its unscoped routes (AccessOperator
// for reading). The chain is one for every agency, and most of its
// entries have none (logins, keys, statements, the report of ALL, a
// payment that named no notice): a page of it cut to one agency would
// hide entries without saying which, and its verify status would speak
// for entries the person cannot see. So a person scoped to some agencies
// is refused (403), not shown a filtered chain; they see their notices'
// own trails on each notice's page.

// auditPageSize is how many entries a page lists.
const auditPageSize = 50

// maxVerify bounds what one page view verifies: the newest maxVerify
// entries up to the head (well under a second). A longer chain is
// verified whole by `feerecon audit verify`, which the page names.
const maxVerify = 100_000

// verifyBatch is how many records one read of the verification takes.
const verifyBatch = 10_000

// maxFilterLen bounds a filter's text, in bytes.
const maxFilterLen = 300

func (s *Server) routesAudit(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/audit", s.person(s.audit))
}

// mayAudit reports whether u may read the whole audit chain.
func mayAudit(u *user.User) bool {
	return len(u.Agencies) == 0 && (u.Role == user.RoleAdmin || u.Role == user.RoleAuditor)
}

// AuditPage is the audit page's data.
type AuditPage struct {
	Filter  store.AuditFilter
	Actions []SearchOption
	Kinds   []SearchOption
	Entries []AuditRow
	// Head is the chain's last entry when the page was read.
	Head   store.AuditLink
	HeadAt time.Time
	// Next is the URL of the older entries, Newest of the first page;
	// FilterQuery the filter's hidden fields for the verify form.
	Next, Newest string
	FilterQuery  []HiddenField
	// Check is the verification, when asked for; MaxVerify its bound.
	Check     *AuditCheck
	MaxVerify int64
	// MaxFilter bounds the filter's text inputs, in bytes.
	MaxFilter int
}

// HiddenField is a name and value a form carries unseen.
type HiddenField struct{ Name, Value string }

// AuditRow is one entry as the page lists it.
type AuditRow struct {
	store.AuditEntry
	// NoticeURL links a notice's entry to the notice's page.
	NoticeURL string
	// ActorURL, ActionURL and EntityURL filter by this entry's values.
	ActorURL, ActionURL, EntityURL string
	// Summary is the detail's start; Detail the whole when longer.
	Summary, Detail string
}

// AuditCheck is the outcome of verifying the chain from From to To.
type AuditCheck struct {
	From, To int64
	Checked  int64
	// Partial: entries before From were not verified here (longer than
	// maxVerify); From's link to the entry before it is taken on trust.
	Partial bool
	// Broken is the first entry at which the chain does not hold.
	Broken *store.BrokenChainError
}

// audit: GET /console/audit?actor=&action=&kind=&entity=&before=SEQ[&verify=1].
func (s *Server) audit(w http.ResponseWriter, r *http.Request, c api.Caller) {
	if !mayAudit(c.User) {
		s.render(w, r, http.StatusForbidden, "error", page{User: c.User, Message: LAuditForbidden})
		return
	}
	q := r.URL.Query()
	f := store.AuditFilter{Actor: store.AuditActor(strings.TrimSpace(q.Get("actor"))), Action: store.AuditAction(q.Get("action")),
		EntityKind: q.Get("kind"), Entity: strings.TrimSpace(q.Get("entity")), Limit: auditPageSize}
	bad := len(f.Actor) > maxFilterLen || len(f.Entity) > maxFilterLen ||
		(f.Action != "" && !slices.Contains(store.AuditActions(), f.Action)) ||
		(f.EntityKind != "" && !slices.Contains(store.EntityKinds(), f.EntityKind))
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		bad = bad || err != nil || n < 1
		f.Before = n
	}
	if bad {
		s.render(w, r, http.StatusBadRequest, "error", page{User: c.User, Message: LAuditBadFilter})
		return
	}
	d := AuditPage{Filter: f, HeadAt: s.now(), MaxVerify: maxVerify, MaxFilter: maxFilterLen}
	d.Actions = append(d.Actions, SearchOption{Label: LAuditAny, Selected: f.Action == ""})
	for _, a := range store.AuditActions() {
		d.Actions = append(d.Actions, SearchOption{Value: string(a), Text: string(a), Selected: a == f.Action})
	}
	d.Kinds = append(d.Kinds, SearchOption{Label: LAuditAny, Selected: f.EntityKind == ""})
	for _, k := range store.EntityKinds() {
		d.Kinds = append(d.Kinds, SearchOption{Value: k, Text: k, Selected: k == f.EntityKind})
	}
	ctx := r.Context()
	var entries []store.AuditEntry
	if err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if d.Head, err = tx.AuditHeadAt(ctx, d.HeadAt); err != nil {
			return err
		}
		entries, err = tx.AuditEntries(ctx, f)
		return err
	}); err != nil {
		s.fail(w, r, err)
		return
	}
	base := filterValues(f)
	for _, e := range entries {
		d.Entries = append(d.Entries, auditRow(e, base))
	}
	if len(entries) == auditPageSize {
		next := filterValues(f)
		next.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		d.Next = Prefix + "/audit?" + next.Encode()
	}
	if f.Before > 0 {
		d.Newest = Prefix + "/audit?" + base.Encode()
	}
	for _, k := range []string{"actor", "action", "kind", "entity", "before"} {
		if v := q.Get(k); v != "" {
			d.FilterQuery = append(d.FilterQuery, HiddenField{k, v})
		}
	}
	if q.Get("verify") == "1" {
		check, err := verifyChain(ctx, s.st, d.Head.Seq, maxVerify)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Check = &check
	}
	s.render(w, r, http.StatusOK, "audit", page{User: c.User, Data: &d})
}

// filterValues is f as the page's query (no page position).
func filterValues(f store.AuditFilter) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor": string(f.Actor), "action": string(f.Action), "kind": f.EntityKind, "entity": f.Entity} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// summaryRunes is how much of a detail a row shows before "…".
const summaryRunes = 120

func auditRow(e store.AuditEntry, base url.Values) AuditRow {
	row := AuditRow{AuditEntry: e, Summary: string(e.Detail)}
	if utf8.RuneCount(e.Detail) > summaryRunes {
		row.Detail = string(e.Detail)
		row.Summary = string([]rune(row.Summary)[:summaryRunes]) + "…"
	}
	if rest, ok := strings.CutPrefix(e.Entity, "notice:"); ok {
		if sys, id, ok := strings.Cut(rest, "/"); ok {
			row.NoticeURL = noticeURL(sys, id)
		}
	}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		q.Set(k, v)
		return Prefix + "/audit?" + q.Encode()
	}
	row.ActorURL, row.ActionURL, row.EntityURL = with("actor", string(e.Actor)), with("action", string(e.Action)), with("entity", e.Entity)
	return row
}

// verifyChain verifies the newest limit entries up to head with
// store.AuditVerifier, in pages of verifyBatch, each read in a
// transaction of its own.
func verifyChain(ctx context.Context, st store.Store, head, limit int64) (AuditCheck, error) {
	c := AuditCheck{From: max(1, head-limit+1), To: head}
	c.Partial = c.From > 1
	if head == 0 {
		return c, nil
	}
	v := store.NewAuditVerifier(c.From)
	for next := c.From; next <= head; {
		var recs []store.AuditRecord
		if err := st.InTx(ctx, func(tx store.Tx) error {
			var err error
			recs, err = tx.AuditRecords(ctx, next, int(min(verifyBatch, head-next+1)))
			return err
		}); err != nil {
			return c, err
		}
		if len(recs) == 0 {
			c.Broken = &store.BrokenChainError{Seq: next, Reason: "entry missing (the chain ends before its head)"}
			break
		}
		for _, rec := range recs {
			if rec.Seq > head {
				break
			}
			if err := v.Next(rec); err != nil {
				if !errors.As(err, &c.Broken) {
					return c, err
				}
				c.Checked = v.Checked()
				return c, nil
			}
		}
		next = recs[len(recs)-1].Seq + 1
	}
	c.Checked = v.Checked()
	return c, nil
}

// The Audit page's labels. The actions and entity kinds are not labels:
// they are shown as the chain records them (notice.create, user), its
// vocabulary, the same in every language and in `feerecon audit`.
const (
	LAuditTitle       Label = "audit_title"
	LAuditForbidden   Label = "audit_forbidden"
	LAuditBadFilter   Label = "audit_bad_filter"
	LAuditFilter      Label = "audit_filter"
	LAuditActor       Label = "audit_actor"
	LAuditAction      Label = "audit_action"
	LAuditKind        Label = "audit_kind"
	LAuditEntity      Label = "audit_entity"
	LAuditAny         Label = "audit_any"
	LAuditApply       Label = "audit_apply"
	LAuditClear       Label = "audit_clear"
	LAuditSeq         Label = "audit_seq"
	LAuditTime        Label = "audit_time"
	LAuditDetail      Label = "audit_detail"
	LAuditHead        Label = "audit_head"
	LAuditHeadNone    Label = "audit_head_none"
	LAuditVerify      Label = "audit_verify"
	LAuditVerifyHint  Label = "audit_verify_hint"
	LAuditIntact      Label = "audit_intact"
	LAuditBroken      Label = "audit_broken"
	LAuditChecked     Label = "audit_checked"
	LAuditPartial     Label = "audit_partial"
	LAuditNoEntries   Label = "audit_no_entries"
	LAuditOlder       Label = "audit_older"
	LAuditNewest      Label = "audit_newest"
	LAuditFilterBy    Label = "audit_filter_by"
	LAuditOpenNotice  Label = "audit_open_notice"
	LAuditEntriesName Label = "audit_entries"
)

func auditLabels() map[Lang]map[Label]string {
	vi := map[Label]string{
		LAuditTitle:     "Nhật ký kiểm toán",
		LAuditForbidden: "Nhật ký kiểm toán chỉ dành cho người dùng có phạm vi toàn bộ đơn vị (quản trị hoặc kiểm toán). Lịch sử của từng thông báo có trên trang thông báo.",
		LAuditBadFilter: "Bộ lọc không hợp lệ", LAuditFilter: "Lọc", LAuditActor: "Người/tiến trình", LAuditAction: "Hành động",
		LAuditKind: "Loại đối tượng", LAuditEntity: "Đối tượng", LAuditAny: "Tất cả", LAuditApply: "Lọc", LAuditClear: "Bỏ lọc",
		LAuditSeq: "Số thứ tự", LAuditTime: "Thời điểm", LAuditDetail: "Chi tiết",
		LAuditHead: "Đầu chuỗi", LAuditHeadNone: "Nhật ký chưa có mục nào",
		LAuditVerify: "Kiểm tra chuỗi", LAuditVerifyHint: "Tính lại mã băm của các mục mới nhất đến đầu chuỗi, tối đa %s mục.",
		LAuditIntact: "Chuỗi nguyên vẹn", LAuditBroken: "Chuỗi bị phá vỡ tại mục", LAuditChecked: "Số mục đã kiểm tra",
		LAuditPartial:   "Các mục trước đó không được kiểm tra tại đây: hãy chạy feerecon audit verify để kiểm tra toàn bộ chuỗi.",
		LAuditNoEntries: "Không có mục nào", LAuditOlder: "Các mục cũ hơn", LAuditNewest: "Mới nhất",
		LAuditFilterBy: "Lọc theo giá trị này", LAuditOpenNotice: "Mở thông báo", LAuditEntriesName: "Các mục nhật ký",
	}
	en := map[Label]string{
		LAuditTitle:     "Audit log",
		LAuditForbidden: "The audit log is for people whose scope is every agency (administrators and auditors). Each notice's history is on its page.",
		LAuditBadFilter: "The filter is not valid", LAuditFilter: "Filter", LAuditActor: "Actor", LAuditAction: "Action",
		LAuditKind: "Entity kind", LAuditEntity: "Entity", LAuditAny: "Any", LAuditApply: "Filter", LAuditClear: "Clear the filter",
		LAuditSeq: "Seq", LAuditTime: "Time", LAuditDetail: "Detail",
		LAuditHead: "Head of the chain", LAuditHeadNone: "The audit log is empty",
		LAuditVerify: "Verify the chain", LAuditVerifyHint: "Recomputes the hashes of the newest entries up to the head, %s at most.",
		LAuditIntact: "Chain intact", LAuditBroken: "Chain broken at seq", LAuditChecked: "Entries checked",
		LAuditPartial:   "Earlier entries are not verified here: run feerecon audit verify for the whole chain.",
		LAuditNoEntries: "No entry", LAuditOlder: "Older entries", LAuditNewest: "Newest",
		LAuditFilterBy: "Filter by this value", LAuditOpenNotice: "Open the notice", LAuditEntriesName: "Audit entries",
	}
	return map[Lang]map[Label]string{LangVI: vi, LangEN: en}
}
