package console_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/casework"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/user"
)

const approver = "pd.h40"

// eachCase is each with casework: a 500.000 ₫ threshold, an approver of
// H40.01, and TB-3 of H40.01 owing the unmatched payment's 770.000 ₫.
func eachCase(t *testing.T, scenario func(t *testing.T, b bundle)) {
	t.Helper()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			st := be.open(t)
			log := slog.New(slog.DiscardHandler)
			now := func() time.Time { return clock }
			cfg := api.Config{DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: "0071000123456"}}
			cfg.Login = user.DefaultPolicy()
			cfg.Login.Params = user.TestParams()
			cfg.ThrottleBurst = 50
			a, err := api.New(cfg, st, log, now)
			if err != nil {
				t.Fatal(err)
			}
			e, err := reconcile.NewEngine(reconcile.Config{})
			if err != nil {
				t.Fatal(err)
			}
			svc, err := casework.New(st, ingest.New(st, e, now, log), casework.Config{Threshold: payment.VNDOf(500_000)}, now)
			if err != nil {
				t.Fatal(err)
			}
			c, err := console.New(a, st, log, now, console.WithCasework(svc))
			if err != nil {
				t.Fatal(err)
			}
			fixture(t, st)
			n3 := conformance.Notice(t, "dvc", "TB-3", 3, 770_000)
			n3.Agency = "H40.01"
			h, err := user.HashPassword(password, user.TestParams())
			if err != nil {
				t.Fatal(err)
			}
			if err := st.InTx(context.Background(), func(tx store.Tx) error {
				if err := tx.CreateNotice(context.Background(), n3); err != nil {
					return err
				}
				return tx.CreateUser(context.Background(), user.User{Login: approver, Role: user.RoleApprover,
					Agencies: []string{"H40.01"}, PasswordHash: h, CreatedAt: clock, UpdatedAt: clock})
			}); err != nil {
				t.Fatal(err)
			}
			scenario(t, bundle{t: t, st: st, srv: c})
		})
	}
}

const (
	unmatched = "unmatched|vnpay:1003"
	duplicate = "duplicate|zalopay:1004"
)

// The queue and the detail within an agency's scope: H40.01 sees its
// duplicate and the money naming no notice; H29.75 sees the latter only.
func TestExceptionQueueScoped(t *testing.T) {
	t.Parallel()
	eachCase(t, func(t *testing.T, b bundle) {
		h40 := b.do("GET", "/console/exceptions", nil, b.login(h40Login))
		if h40.code != http.StatusOK {
			t.Fatalf("queue: %d", h40.code)
		}
		mustContain(t, h40.body, `data-id="`+duplicate+`"`, `data-id="`+unmatched+`"`, "Nộp trùng", "770.000 ₫", "Chưa xác định đơn vị")
		h29 := b.do("GET", "/console/exceptions?lang=en", nil, b.login(h29Login))
		mustContain(t, h29.body, `data-id="`+unmatched+`"`, "Unmatched")
		mustNotContain(t, h29.body, duplicate, "zalopay:1004")
		if r := b.do("GET", "/console/exception?id="+url.QueryEscape(duplicate), nil, b.login(h29Login)); r.code != http.StatusNotFound {
			t.Errorf("H29.75 opening H40.01's exception: %d", r.code)
		}
		// Filters: kind, amount, a bad value refused.
		r := b.do("GET", "/console/exceptions?kind=duplicate&min_amount=10.000", nil, b.login(h40Login))
		mustContain(t, r.body, duplicate)
		mustNotContain(t, r.body, `data-id="`+unmatched+`"`)
		if r := b.do("GET", "/console/exceptions?min_amount=abc", nil, b.login(h40Login)); r.code != http.StatusBadRequest {
			t.Errorf("a bad amount filter: %d", r.code)
		}
		d := b.do("GET", "/console/exception?id="+url.QueryEscape(unmatched), nil, b.login(h40Login))
		mustContain(t, d.body, `id="raw-description"`, "NP000000000151 le phi", "*********3456", `id="allocate-form"`)
	})
}

// Maker–checker through the console: above the threshold the allocation
// waits; the maker cannot approve; the approver does and the notice is
// paid, its confirmation queued.
func TestExceptionAllocateAndApprove(t *testing.T) {
	t.Parallel()
	eachCase(t, func(t *testing.T, b bundle) {
		maker := b.login(h40Login)
		form := url.Values{"id": {unmatched}, "action": {"allocate"}, "notice_1": {"dvc/TB-3"}, "amount_1": {"770.000"},
			"remainder": {"0"}, "reason": {"biên lai của người nộp ghi TB-3"}}
		r := b.do("POST", "/console/exception/act", form, maker)
		if r.code != http.StatusSeeOther || !strings.Contains(r.hdr.Get("Location"), "done=pending") {
			t.Fatalf("allocate: %d %s", r.code, r.hdr.Get("Location"))
		}
		d := b.do("GET", r.hdr.Get("Location"), nil, maker)
		mustContain(t, d.body, "Đã gửi yêu cầu, chờ phê duyệt", `id="pending-request"`, `id="own-request"`)
		mustNotContain(t, d.body, `id="approve"`)
		var reqID string
		if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
			rs, err := tx.ListRequests(context.Background(), store.RequestFilter{State: store.RequestPending})
			if len(rs) == 1 {
				reqID = rs[0].ID
			}
			return err
		}); err != nil || reqID == "" {
			t.Fatalf("pending request: %q %v", reqID, err)
		}
		// The maker posts the approval anyway: refused.
		own := b.do("POST", "/console/requests/decide", url.Values{"request": {reqID}, "id": {unmatched}, "decision": {"approve"}}, maker)
		if own.code != http.StatusForbidden {
			t.Errorf("the maker approving: %d", own.code)
		}
		// A second request on the same exception: refused.
		again := b.do("POST", "/console/exception/act", url.Values{"id": {unmatched}, "action": {"refund"}, "reason": {"x"}}, maker)
		if again.code != http.StatusConflict || !strings.Contains(again.body, "đang có yêu cầu chờ phê duyệt") {
			t.Errorf("a second request: %d", again.code)
		}
		checker := b.login(approver)
		seen := b.do("GET", "/console/exception?id="+url.QueryEscape(unmatched), nil, checker)
		if got := between(seen.body, `name="request" value="`, `"`); got != reqID {
			t.Errorf("the approver's page: request %q, want %q", got, reqID)
		}
		list := b.do("GET", "/console/requests", nil, checker)
		mustContain(t, list.body, unmatched, "dvc/TB-3: 770.000 ₫")
		ok := b.do("POST", "/console/requests/decide", url.Values{"request": {reqID}, "id": {unmatched}, "decision": {"approve"}}, checker)
		if ok.code != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", ok.code, ok.body)
		}
		err := b.st.InTx(context.Background(), func(tx store.Tx) error {
			n, err := tx.Notice(context.Background(), "dvc", "TB-3")
			if err != nil {
				return err
			}
			if n.Status != payment.NoticePaid {
				t.Errorf("TB-3 is %s", n.Status)
			}
			as, err := tx.AllocationsByNotice(context.Background(), "dvc", "TB-3")
			if err != nil {
				return err
			}
			if len(as) != 1 || as[0].Rule != reconcile.RuleManual || as[0].By != h40Login || as[0].Approved != approver {
				t.Errorf("allocations %+v", as)
			}
			_, err = tx.OutboxMessage(context.Background(), outbox.Confirmation.ID("dvc", "TB-3"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		after := b.do("GET", ok.hdr.Get("Location"), nil, checker)
		mustContain(t, after.body, "Đã phê duyệt và thực hiện", "Đã phân bổ thủ công", "request.approve", "exception.allocate")
	})
}

// Refusals say why in the person's language and change nothing.
func TestExceptionActionRefusals(t *testing.T) {
	t.Parallel()
	eachCase(t, func(t *testing.T, b bundle) {
		c := b.login(h40Login)
		for _, tc := range []struct {
			form url.Values
			code int
			says string
		}{
			{url.Values{"id": {unmatched}, "action": {"allocate"}, "notice_1": {"dvc/TB-3"}, "amount_1": {"700.000"}, "remainder": {"0"}, "reason": {"x"}},
				http.StatusBadRequest, "Tổng phân bổ cộng phần còn lại không bằng số tiền của giao dịch"},
			{url.Values{"id": {unmatched}, "action": {"allocate"}, "notice_1": {"dvc/TB-3"}, "amount_1": {"770.000"}, "reason": {" "}},
				http.StatusBadRequest, "Phải nêu lý do"},
			{url.Values{"id": {unmatched}, "action": {"allocate"}, "notice_1": {"TB-3"}, "amount_1": {"770.000"}, "reason": {"x"}},
				http.StatusBadRequest, "Dữ liệu nhập không hợp lệ"},
			{url.Values{"id": {unmatched}, "action": {"reopen"}, "reason": {"x"}}, http.StatusConflict, "Ngoại lệ đang mở"},
			{url.Values{"id": {"nope"}, "action": {"comment"}, "reason": {"x"}}, http.StatusNotFound, "Không tìm thấy"},
		} {
			r := b.do("POST", "/console/exception/act", tc.form, c)
			if r.code != tc.code || !strings.Contains(r.body, tc.says) {
				t.Errorf("%v: %d, want %d saying %q", tc.form, r.code, tc.code, tc.says)
			}
		}
		// A comment below the threshold is done at once and in the history.
		r := b.do("POST", "/console/exception/act", url.Values{"id": {duplicate}, "action": {"comment"}, "reason": {"gọi ngân hàng"}}, c)
		if r.code != http.StatusSeeOther {
			t.Fatalf("comment: %d", r.code)
		}
		d := b.do("GET", "/console/exception?id="+url.QueryEscape(duplicate), nil, c)
		mustContain(t, d.body, "exception.comment", "gọi ngân hàng")
	})
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
