package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// changePassword calls ChangePassword as the person of cookie c.
func (p people) changePassword(c *http.Cookie, current, next string) (*http.Cookie, error) {
	p.t.Helper()
	r := httptest.NewRequest("POST", "/console/account/password", nil)
	r.AddCookie(c)
	caller, err := p.srv.Session(r)
	if err != nil {
		p.t.Fatalf("session: %v", err)
	}
	return p.srv.ChangePassword(context.Background(), r, caller, current, next)
}

// A change of password checks the current one like a login, ends every
// session of the person, starts a new one for the browser that asked, and
// is audited either way.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	withPeople(t, func(t *testing.T, p people) {
		const next = "một mật khẩu mới hơn 2027"
		_, here := p.login("lan.nguyen", lanPassword)
		_, elsewhere := p.login("lan.nguyen", lanPassword)
		_, adminSession := p.login("admin", adminPassword)

		if _, err := p.changePassword(here, lanPassword, "too short"); !errors.Is(err, user.ErrWeakPassword) {
			t.Errorf("weak password: %v", err)
		}
		if _, err := p.changePassword(here, "not Lan's password at all", next); !errors.Is(err, api.ErrCurrentPassword) {
			t.Errorf("wrong current password: %v", err)
		}
		// The refusal is counted as a failed login would be.
		var u user.User
		if err := p.st.InTx(context.Background(), func(tx store.Tx) error {
			var err error
			u, err = tx.User(context.Background(), "lan.nguyen")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if u.FailedLogins != 1 {
			t.Errorf("failed logins after a wrong current password: %d", u.FailedLogins)
		}
		// Refused, nothing changed: both sessions still open.
		p.as(elsewhere, "GET", "/v1/session", "").want(t, http.StatusOK)

		fresh, err := p.changePassword(here, lanPassword, next)
		if err != nil {
			t.Fatalf("change: %v", err)
		}
		if fresh == nil || fresh.Name != api.SessionCookie || fresh.Value == here.Value || !fresh.Secure || !fresh.HttpOnly ||
			fresh.SameSite != http.SameSiteStrictMode {
			t.Fatalf("new session cookie %+v", fresh)
		}
		// Every old session of Lan's ended, this browser's too; its new one
		// works; the admin's is untouched.
		p.as(here, "GET", "/v1/session", "").want(t, http.StatusUnauthorized)
		p.as(elsewhere, "GET", "/v1/session", "").want(t, http.StatusUnauthorized)
		p.as(fresh, "GET", "/v1/session", "").want(t, http.StatusOK)
		p.as(adminSession, "GET", "/v1/session", "").want(t, http.StatusOK)
		// The old password no longer logs in; the new one does.
		if r, _ := p.login("lan.nguyen", lanPassword); r.code != http.StatusUnauthorized {
			t.Errorf("old password: %d", r.code)
		}
		if r, _ := p.login("lan.nguyen", next); r.code != http.StatusOK {
			t.Errorf("new password: %d", r.code)
		}
		trail := strings.Join(auditActions(t, p.bundle, store.UserEntity("lan.nguyen")), ",")
		if want := "user:lan.nguyen session.login,user:lan.nguyen session.login,user:lan.nguyen user.password," +
			"user:lan.nguyen user.password,user:lan.nguyen session.login_failed,user:lan.nguyen session.login"; trail != want {
			t.Errorf("audit trail\n%s\nwant\n%s", trail, want)
		}
		var details []string
		if err := p.st.InTx(context.Background(), func(tx store.Tx) error {
			es, err := tx.AuditEntries(context.Background(), store.AuditFilter{Action: store.AuditUserPassword, Limit: 10})
			for _, e := range es {
				details = append(details, string(e.Detail))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(details, " "); got != `{"by":"self","changed":true} {"by":"self","changed":false,"refused":"wrong_password"}` {
			t.Errorf("audit details %s", got)
		}
		if strings.Contains(p.logs.String(), next) || strings.Contains(strings.Join(details, ""), next) {
			t.Error("the new password is logged or audited")
		}
	})
}

// Wrong current passwords lock the account as failed logins do; locked,
// even the right one is refused.
func TestChangePasswordLocks(t *testing.T) {
	t.Parallel()
	withPeople(t, func(t *testing.T, p people) {
		_, c := p.login("lan.nguyen", lanPassword)
		for range 3 {
			if _, err := p.changePassword(c, "a guess at the password", "một mật khẩu mới hơn 2027"); !errors.Is(err, api.ErrCurrentPassword) {
				t.Fatalf("guess: %v", err)
			}
		}
		if _, err := p.changePassword(c, lanPassword, "một mật khẩu mới hơn 2027"); !errors.Is(err, api.ErrCurrentPassword) {
			t.Errorf("locked, the right password: %v", err)
		}
		if r, _ := p.login("lan.nguyen", lanPassword); r.code != http.StatusUnauthorized {
			t.Errorf("locked login: %d", r.code)
		}
	})
}
