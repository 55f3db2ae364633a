package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/store"
)

// The account page: who is signed in, the language, and a change of
// password that ends the person's other sessions and keeps this one.
func TestAccountPage(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		here := b.login(h40Login)
		elsewhere := b.login(h40Login)
		r := b.do("GET", "/console/account", nil, here)
		mustContain(t, r.body, `<dd id="account-login">kt.h40</dd>`, `<dd id="account-role">Kế toán</dd>`,
			`<dd id="account-agencies"><ul class="plain"><li>H40.01</li></ul></dd>`,
			`<li lang="vi"><strong aria-current="true">Tiếng Việt</strong> (đang dùng)</li>`,
			`<li lang="en"><a href="/console/account?lang=en" hreflang="en">English</a></li>`,
			`<label for="current">Mật khẩu hiện tại</label>`, `<input type="password" id="current" name="current" autocomplete="current-password" required>`,
			`<label for="new">Mật khẩu mới</label>`, `<label for="again">Nhập lại mật khẩu mới</label>`, `minlength="12"`,
			"Ít nhất 12 ký tự", `<form class="login" method="post" action="/console/account/password"`)
		en := b.do("GET", "/console/account?lang=en", nil, here)
		mustContain(t, en.body, `<li lang="en"><strong aria-current="true">English</strong> (in use)</li>`, `<dd id="account-role">Accountant</dd>`)
		adm := b.do("GET", "/console/account", nil, b.login(admin))
		mustContain(t, adm.body, `<dd id="account-agencies">Tất cả đơn vị</dd>`)

		const next = "một cụm mật khẩu mới 2027"
		change := func(current, new, again string, c *http.Cookie) resp {
			t.Helper()
			return b.do("POST", "/console/account/password", url.Values{"current": {current}, "new": {new}, "again": {again}}, c)
		}
		for _, tc := range []struct {
			current, new, again, msg string
		}{
			{password, next, next + "!", "Hai lần nhập mật khẩu mới không giống nhau"},
			{password, "short", "short", "Mật khẩu mới không đạt yêu cầu độ dài"},
			{"not my password at all", next, next, "Mật khẩu hiện tại không đúng"},
		} {
			r := change(tc.current, tc.new, tc.again, here)
			if r.code != http.StatusBadRequest || r.cookie(api.SessionCookie) != nil {
				t.Errorf("%s: %d", tc.msg, r.code)
			}
			mustContain(t, r.body, `<p class="message" role="alert" id="password-problem">`+tc.msg+`</p>`)
			mustNotContain(t, r.body, tc.new, tc.current)
		}
		// Refused, the sessions go on.
		if r := b.do("GET", "/console/account", nil, elsewhere); r.code != http.StatusOK {
			t.Fatalf("after refusals: %d", r.code)
		}
		ok := change(password, next, next, here)
		if ok.code != http.StatusSeeOther || ok.hdr.Get("Location") != "/console/account?done=password" {
			t.Fatalf("change: %d %q", ok.code, ok.hdr.Get("Location"))
		}
		fresh := ok.cookie(api.SessionCookie)
		if fresh == nil || fresh.Value == here.Value || !fresh.Secure || !fresh.HttpOnly {
			t.Fatalf("new session cookie %+v", fresh)
		}
		done := b.do("GET", "/console/account?done=password", nil, fresh)
		mustContain(t, done.body, `<p class="flash" role="status" id="flash">Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.</p>`)
		for name, c := range map[string]*http.Cookie{"this browser's old session": here, "another session": elsewhere} {
			if r := b.do("GET", "/console/account", nil, c); r.code != http.StatusSeeOther {
				t.Errorf("%s after the change: %d", name, r.code)
			}
		}
		// The new password logs in.
		if r := b.do("POST", "/console/login", url.Values{"login": {h40Login}, "password": {next}}); r.code != http.StatusSeeOther {
			t.Errorf("login with the new password: %d", r.code)
		}
		var actions []string
		if err := b.st.InTx(t.Context(), func(tx store.Tx) error {
			es, err := tx.AuditTrail(t.Context(), store.UserEntity(h40Login))
			for _, e := range es {
				actions = append(actions, string(e.Action))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(actions, ","); got != "session.login,session.login,user.password,user.password,session.login" {
			t.Errorf("audit trail %s", got)
		}
	})
}

// A form from another site cannot change a password.
func TestAccountPasswordCrossSite(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		c := b.login(h40Login)
		form := url.Values{"current": {password}, "new": {"một cụm mật khẩu mới 2027"}, "again": {"một cụm mật khẩu mới 2027"}}
		req := httptest.NewRequest("POST", "/console/account/password", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.AddCookie(c)
		rec := httptest.NewRecorder()
		b.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("cross-site change: %d", rec.Code)
		}
		if r := b.do("GET", "/console/account", nil, c); r.code != http.StatusOK {
			t.Errorf("the session ended: %d", r.code)
		}
		if r := b.do("POST", "/console/login", url.Values{"login": {h40Login}, "password": {password}}); r.code != http.StatusSeeOther {
			t.Errorf("the old password no longer logs in: %d", r.code)
		}
	})
}
