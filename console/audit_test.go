package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// addPerson stores another person of the fixture's password.
func addPerson(t *testing.T, st store.Store, login string, role user.Role, agencies ...string) {
	t.Helper()
	h, err := user.HashPassword(password, user.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		return tx.CreateUser(context.Background(), user.User{Login: login, Role: role, Agencies: agencies, PasswordHash: h, CreatedAt: clock, UpdatedAt: clock})
	}); err != nil {
		t.Fatal(err)
	}
}

// The audit page: newest first, filtered, paged, its head and its
// verification, for those who see every agency only.
func TestAuditPage(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		pagesFixture(t, b.st) // seqs 1-5
		addPerson(t, b.st, "kiemtoan", user.RoleAuditor)
		addPerson(t, b.st, "kiemtoan.h40", user.RoleAuditor, "H40.01")
		adm := b.login(admin) // seq 6: its login
		r := b.do("GET", "/console/audit", nil, adm)
		if r.code != http.StatusOK {
			t.Fatalf("audit: %d", r.code)
		}
		mustContain(t, r.body, `<strong id="head-seq">6</strong>`, `<label for="actor">Người/tiến trình</label>`,
			`<label for="action">Hành động</label>`, `<option value="outbox.dead">outbox.dead</option>`,
			`<label for="kind">Loại đối tượng</label>`, `<option value="notice">notice</option>`, `<label for="entity">Đối tượng</label>`,
			`<tr id="seq-6"><td class="num">6</td><td>10:00 27/11/2026</td>`,
			`<a href="/console/audit?action=outbox.dead" title="Lọc theo giá trị này">outbox.dead</a>`,
			`<a class="open-notice" href="/console/notices/dvc/TB-1">Mở thông báo</a>`,
			`{&#34;kind&#34;:&#34;confirmation&#34;,&#34;destination&#34;:&#34;https://h29.example/confirm&#34;,&#34;attempt&#34;:1,&#34;error&#34;:&#34;410 Gone&#34;}`)
		mustNotContain(t, r.body, `id="verify-result"`, `id="older"`)
		if i, j := strings.Index(r.body, `id="seq-6"`), strings.Index(r.body, `id="seq-1"`); i < 0 || j < 0 || i > j {
			t.Errorf("not newest first: seq 6 at %d, seq 1 at %d", i, j)
		}
		for _, tc := range []struct {
			query      string
			wants, not []string
		}{
			{"action=outbox.dead", []string{`id="seq-5"`, `<option value="outbox.dead" selected>`}, []string{`id="seq-4"`, `id="seq-6"`}},
			{"kind=notice", []string{`id="seq-1"`, `id="seq-2"`, `id="seq-3"`}, []string{`id="seq-4"`, `id="seq-6"`}},
			{"entity=notice:dvc/TB-1", []string{`id="seq-1"`, `id="seq-3"`, `value="notice:dvc/TB-1"`}, []string{`id="seq-2"`}},
			{"actor=dvc/key1&before=2", []string{`id="seq-1"`, `<a id="newest" href="/console/audit?actor=dvc%2Fkey1">`}, []string{`id="seq-2"`}},
			{"actor=nobody", []string{`<p id="no-entries">Không có mục nào</p>`}, []string{`id="seq-`}},
			{"verify=1", []string{`<p class="ok" role="status" id="verify-result">Chuỗi nguyên vẹn: Số thứ tự 1–6 · Số mục đã kiểm tra 6</p>`}, []string{`id="verify-partial"`}},
			{"kind=notice&verify=1", []string{`id="verify-result"`, `<input type="hidden" name="kind" value="notice">`}, []string{`id="seq-6"`}},
		} {
			r := b.do("GET", "/console/audit?"+tc.query, nil, adm)
			if r.code != http.StatusOK {
				t.Errorf("%s: %d", tc.query, r.code)
				continue
			}
			mustContain(t, r.body, tc.wants...)
			mustNotContain(t, r.body, tc.not...)
		}
		for _, q := range []string{"action=notice.delete", "kind=nothing", "before=0", "before=x"} {
			if r := b.do("GET", "/console/audit?"+q, nil, adm); r.code != http.StatusBadRequest {
				t.Errorf("%s: %d", q, r.code)
			}
		}
		// An auditor of every agency reads it; of one agency, an
		// accountant, are refused, and see nothing of it.
		if r := b.do("GET", "/console/audit?lang=en", nil, b.login("kiemtoan")); r.code != http.StatusOK {
			t.Errorf("auditor of every agency: %d", r.code)
		}
		for _, login := range []string{"kiemtoan.h40", h40Login, h29Login} {
			r := b.do("GET", "/console/audit?entity=notice:dvc/TB-2", nil, b.login(login))
			if r.code != http.StatusForbidden {
				t.Errorf("%s: %d", login, r.code)
			}
			mustContain(t, r.body, "Nhật ký kiểm toán chỉ dành cho người dùng có phạm vi toàn bộ đơn vị")
			// (The page's language link keeps the query the person typed.)
			mustNotContain(t, r.body, "notice.create", "head-seq", "seq-")
		}
	})
}
