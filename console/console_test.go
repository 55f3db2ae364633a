package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
	"github.com/feerecon/feerecon/user"
)

// clock is 10:00 on 27/11/2026 in Hà Nội.
var clock = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

const (
	h40Login = "kt.h40"
	h29Login = "kt.h29"
	admin    = "quantri"
	password = "correct horse battery staple"
)

// backends are the stores every scenario runs against.
var backends = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"memory", func(*testing.T) store.Store { return memory.New() }},
	{"postgres", func(t *testing.T) store.Store { return pgtest.Store(t) }}, // skips outside CI without a server
}

type bundle struct {
	t   *testing.T
	st  store.Store
	srv http.Handler
}

// each runs scenario against every backend, over the day of fixture.
func each(t *testing.T, scenario func(t *testing.T, b bundle)) {
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
			c, err := console.New(a, st, log, now)
			if err != nil {
				t.Fatal(err)
			}
			fixture(t, st)
			scenario(t, bundle{t: t, st: st, srv: c})
		})
	}
}

// fixture stores three people and the day: a payment matched to H40.01's
// notice, one to H29.75's, a duplicate that names H40.01's notice, and
// one that names none.
func fixture(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	n1 := conformance.Notice(t, "dvc", "TB-1", 1, 150_000)
	n1.Agency = "H40.01"
	n2 := conformance.Notice(t, "dvc", "TB-2", 2, 1_500_000)
	n2.Agency = "H29.75"
	at := clock.Add(-time.Hour)
	p1 := conformance.Payment(payment.GatewayVietQR, "1001", 150_000, at)
	p2 := conformance.Payment(payment.GatewayMoMo, "1002", 1_500_000, at.Add(time.Minute))
	p3 := conformance.Payment(payment.GatewayVNPay, "1003", 770_000, at.Add(2*time.Minute))
	p4 := conformance.Payment(payment.GatewayZaloPay, "1004", 50_000, at.Add(3*time.Minute))
	yesterday := conformance.Payment(payment.GatewayVietQR, "0999", 990_000, at.Add(-24*time.Hour))
	err := st.InTx(ctx, func(tx store.Tx) error {
		for _, u := range []user.User{
			{Login: h40Login, Role: user.RoleAccountant, Agencies: []string{"H40.01"}},
			{Login: h29Login, Role: user.RoleAccountant, Agencies: []string{"H29.75"}},
			{Login: admin, Role: user.RoleAdmin},
		} {
			h, err := user.HashPassword(password, user.TestParams())
			if err != nil {
				return err
			}
			u.PasswordHash, u.CreatedAt, u.UpdatedAt = h, clock, clock
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		for _, n := range []payment.Notice{n1, n2} {
			if err := tx.CreateNotice(ctx, n); err != nil {
				return err
			}
		}
		for _, p := range []payment.Payment{p1, p2, p3, p4, yesterday} {
			if err := tx.InsertPayment(ctx, p); err != nil {
				return err
			}
		}
		for _, a := range []reconcile.Allocation{
			{PaymentID: p1.ID, NoticeSystem: "dvc", NoticeID: n1.ID, Code: n1.Code, Amount: n1.Total, Rule: reconcile.RulePaymentCode},
			{PaymentID: p2.ID, NoticeSystem: "dvc", NoticeID: n2.ID, Code: n2.Code, Amount: n2.Total, Rule: reconcile.RulePaymentCode},
			{PaymentID: yesterday.ID, NoticeSystem: "dvc", NoticeID: n1.ID, Code: n1.Code, Amount: payment.VNDOf(990_000), Rule: reconcile.RulePaymentCode},
		} {
			if err := tx.InsertAllocation(ctx, a); err != nil {
				return err
			}
		}
		if err := tx.LinkPayment(ctx, p4.ID, []store.NoticeKey{{System: "dvc", ID: n1.ID}}); err != nil {
			return err
		}
		for _, e := range []reconcile.Exception{
			{ID: reconcile.ExceptionID(reconcile.ExceptionUnmatched, p3.ID), Kind: reconcile.ExceptionUnmatched, PaymentID: p3.ID,
				Amount: p3.Amount, Candidates: []string{}, Status: reconcile.ExceptionOpen, CreatedAt: at},
			{ID: reconcile.ExceptionID(reconcile.ExceptionDuplicate, p4.ID), Kind: reconcile.ExceptionDuplicate, PaymentID: p4.ID,
				NoticeID: n1.ID, Amount: p4.Amount, Candidates: []string{n1.ID}, Status: reconcile.ExceptionOpen, CreatedAt: at},
		} {
			if err := tx.UpsertException(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

type resp struct {
	code int
	hdr  http.Header
	body string
}

// do serves one request with these cookies; a POST's form is same-origin
// (Sec-Fetch-Site), as a browser sends it.
func (b bundle) do(method, path string, form url.Values, cookies ...*http.Cookie) resp {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.srv.ServeHTTP(rec, req)
	return resp{rec.Code, rec.Header(), rec.Body.String()}
}

func (r resp) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// login signs in through the form and returns the session cookie.
func (b bundle) login(login string) *http.Cookie {
	b.t.Helper()
	r := b.do("POST", "/console/login", url.Values{"login": {login}, "password": {password}})
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/console/" {
		b.t.Fatalf("login %s: %d %s", login, r.code, r.body)
	}
	c := r.cookie(api.SessionCookie)
	if c == nil || c.Value == "" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		b.t.Fatalf("login %s: session cookie %+v", login, c)
	}
	return c
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func mustNotContain(t *testing.T, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("page shows %q", n)
		}
	}
}

func TestLoggedOutIsSentToLogin(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		for _, path := range []string{"/console/", "/console/?date=2026-11-27"} {
			r := b.do("GET", path, nil)
			if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/console/login" {
				t.Errorf("GET %s logged out: %d → %q", path, r.code, r.hdr.Get("Location"))
			}
		}
		// A cookie that names no session is no session.
		r := b.do("GET", "/console/", nil, &http.Cookie{Name: api.SessionCookie, Value: "forged"})
		if r.code != http.StatusSeeOther {
			t.Errorf("forged session: %d", r.code)
		}
		if r := b.do("GET", "/console", nil); r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/console/" {
			t.Errorf("GET /console: %d → %q", r.code, r.hdr.Get("Location"))
		}
	})
}

func TestLoginForm(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		r := b.do("GET", "/console/login", nil)
		if r.code != http.StatusOK {
			t.Fatalf("GET login: %d", r.code)
		}
		// Labelled inputs, a submit button: usable by keyboard and screen reader.
		mustContain(t, r.body, `<html lang="vi">`, `<label for="login">Tên đăng nhập</label>`, `id="login" name="login"`,
			`<label for="password">Mật khẩu</label>`, `type="password" id="password" name="password"`,
			`<button type="submit">Đăng nhập</button>`, `href="/console/login?lang=en"`)
	})
}

func TestLoginFailureAndSuccess(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		for _, lang := range []struct{ q, msg string }{
			{"", "Tên đăng nhập hoặc mật khẩu không đúng"},
			{"?lang=en", "Login or password is wrong"},
		} {
			for _, creds := range []url.Values{
				{"login": {h40Login}, "password": {"not-the-password-42"}},
				{"login": {"nobody"}, "password": {password}},
			} {
				r := b.do("POST", "/console/login"+lang.q, creds)
				if r.code != http.StatusUnauthorized || r.cookie(api.SessionCookie) != nil {
					t.Fatalf("bad login %v: %d", creds, r.code)
				}
				mustContain(t, r.body, lang.msg, `value="`+creds.Get("login")+`"`)
				mustNotContain(t, r.body, creds.Get("password"))
			}
		}
		// The failures are the API's: counted and audited.
		var trail []store.AuditEntry
		if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
			var err error
			trail, err = tx.AuditTrail(context.Background(), store.UserEntity(h40Login))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(trail) != 2 || trail[0].Action != store.AuditLoginFailed {
			t.Errorf("audit trail of failures: %+v", trail)
		}

		c := b.login(h40Login)
		r := b.do("GET", "/console/", nil, c)
		if r.code != http.StatusOK {
			t.Fatalf("today: %d", r.code)
		}
		mustContain(t, r.body, `<dd id="user-login">kt.h40</dd>`, `<dd id="user-role">Kế toán</dd>`, `<dd id="user-agencies">H40.01</dd>`,
			`<form method="post" action="/console/logout"><button type="submit">Đăng xuất</button></form>`)

		// Logout ends the session: the old cookie no longer opens a page.
		out := b.do("POST", "/console/logout", url.Values{}, c)
		if out.code != http.StatusSeeOther || out.hdr.Get("Location") != "/console/login" {
			t.Fatalf("logout: %d", out.code)
		}
		if cl := out.cookie(api.SessionCookie); cl == nil || cl.MaxAge >= 0 {
			t.Errorf("logout does not clear the cookie: %+v", cl)
		}
		if r := b.do("GET", "/console/", nil, c); r.code != http.StatusSeeOther {
			t.Errorf("after logout: %d", r.code)
		}
	})
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		req := httptest.NewRequest("POST", "/console/login", strings.NewReader(url.Values{"login": {h40Login}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		b.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden || rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("cross-site login: %d", rec.Code)
		}
		if rec.Header().Get("Content-Security-Policy") != console.ContentSecurityPolicy {
			t.Error("refusal without the CSP")
		}
	})
}

// Every response carries the security headers, the CSP without
// unsafe-inline.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	if strings.Contains(console.ContentSecurityPolicy, "unsafe-inline") || !strings.Contains(console.ContentSecurityPolicy, "default-src 'self'") {
		t.Fatalf("CSP %q", console.ContentSecurityPolicy)
	}
	each(t, func(t *testing.T, b bundle) {
		c := b.login(admin)
		for _, r := range []resp{
			b.do("GET", "/console/login", nil),
			b.do("GET", "/console/", nil),
			b.do("GET", "/console/", nil, c),
			b.do("GET", "/console/static/console.css", nil),
			b.do("GET", "/console/no-such-page", nil),
			b.do("POST", "/console/login", url.Values{"login": {admin}, "password": {"x"}}),
		} {
			for h, want := range map[string]string{
				"Content-Security-Policy": console.ContentSecurityPolicy, "X-Content-Type-Options": "nosniff",
				"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
			} {
				if got := r.hdr.Get(h); got != want {
					t.Errorf("%d response: %s = %q, want %q", r.code, h, got, want)
				}
			}
		}
		css := b.do("GET", "/console/static/console.css", nil)
		if css.code != http.StatusOK || !strings.HasPrefix(css.hdr.Get("Content-Type"), "text/css") {
			t.Errorf("stylesheet: %d %s", css.code, css.hdr.Get("Content-Type"))
		}
		page := b.do("GET", "/console/", nil, c).body
		// No inline style or script for the CSP to refuse; the one stylesheet is ours.
		mustNotContain(t, page, "<script", "<style", " style=", "http://", "https://")
		mustContain(t, page, `<link rel="stylesheet" href="/console/static/console.css">`)
		if nf := b.do("GET", "/console/no-such-page", nil); nf.code != http.StatusNotFound {
			t.Errorf("unknown page: %d", nf.code)
		}
	})
}

// The Today page's figures are in its HTML (JavaScript off), within the
// person's agencies, in both languages.
func TestTodayFigures(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		// H40.01's accountant: its notice's 150 000 and the duplicate that
		// named it; nothing of H29.75, nor yesterday; money that names no
		// notice only on its own line, to claim, never in Collected.
		h40 := b.do("GET", "/console/", nil, b.login(h40Login))
		mustContain(t, h40.body, `<span id="business-date">27/11/2026</span>`, `<time id="as-of">10:00 27/11/2026</time>`,
			`<span id="collected">200.000 ₫</span> (2)`,
			`<tr class="matched" id="matched"><th scope="row">Đã khớp với thông báo</th><td class="num">1</td><td class="num">150.000 ₫</td>`,
			`<tr class="open" id="open"><th scope="row">Ngoại lệ đang mở</th><td class="num">1</td><td class="num">50.000 ₫</td>`,
			`<th scope="row">vietqr</th><td class="num">1</td><td class="num">150.000 ₫</td>`,
			`<th scope="row">zalopay</th><td class="num">1</td><td class="num">50.000 ₫</td>`,
			`<th scope="row">H40.01</th><td class="num">1</td><td class="num">150.000 ₫</td>`)
		mustNotContain(t, h40.body, "H29.75", "1.500.000", "momo", "vnpay", "990.000")
		mustContain(t, h40.body, `<tr id="unclaimed"><th scope="row"><a href="/console/exceptions?kind=unmatched">Tiền chưa xác định đơn vị (có thể nhận)</a></th><td class="num">1</td><td class="num">770.000 ₫</td></tr>`)
		if strings.Count(h40.body, "770.000") != 1 {
			t.Error("the unclaimed money is counted elsewhere too")
		}

		h29 := b.do("GET", "/console/?lang=en", nil, b.login(h29Login))
		mustContain(t, h29.body, `<html lang="en">`, `<span id="business-date">2026-11-27</span>`,
			`<span id="collected">1,500,000 VND</span> (1)`, `<th scope="row">H29.75</th>`, `<dd id="user-role">Accountant</dd>`)
		mustNotContain(t, h29.body, "H40.01", "150,000", "zalopay", "vnpay")
		if c := h29.hdr.Get("Set-Cookie"); !strings.Contains(c, "lang=en") {
			t.Errorf("?lang=en not remembered: %q", c)
		}

		// Who sees every agency sees every payment of the day, the
		// unmatched one too; the lang cookie keeps English.
		adm := b.login(admin)
		en := b.do("GET", "/console/", nil, adm, &http.Cookie{Name: "lang", Value: "en"})
		mustContain(t, en.body, `<span id="collected">2,470,000 VND</span> (4)`, `<dd id="user-agencies">All agencies</dd>`,
			`<td class="num">2</td><td class="num">1,650,000 VND</td>`, // matched
			`<td class="num">2</td><td class="num">820,000 VND</td>`,   // open
			`<th scope="row">vnpay</th><td class="num">1</td><td class="num">770,000 VND</td>`,
			`href="/console/?lang=vi"`)
		mustNotContain(t, en.body, `id="unclaimed"`) // in Open already
		vi := b.do("GET", "/console/?lang=vi", nil, adm, &http.Cookie{Name: "lang", Value: "en"})
		mustContain(t, vi.body, `<span id="collected">2.470.000 ₫</span> (4)`, "Tất cả đơn vị", `href="/console/?lang=en"`)

		// Another day, by ?date=: yesterday's payment alone.
		prev := b.do("GET", "/console/?date=2026-11-26", nil, adm)
		mustContain(t, prev.body, `<span id="business-date">26/11/2026</span>`, `<span id="collected">990.000 ₫</span> (1)`)
		if bad := b.do("GET", "/console/?date=yesterday", nil, adm); bad.code != http.StatusBadRequest {
			t.Errorf("bad date: %d", bad.code)
		}
	})
}
