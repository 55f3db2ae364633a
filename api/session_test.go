package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// people is a bundle whose API has a movable clock, a cheap argon2id (for
// tests only) and a lock-out after 3 failures.
type people struct {
	bundle
	mu  *sync.Mutex
	now *time.Time
}

func (p people) advance(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*p.now = p.now.Add(d)
}

const (
	lanPassword   = "mật khẩu của Lan 2026"
	adminPassword = "the administrator's long password"
)

func withPeople(t *testing.T, scenario func(t *testing.T, p people)) {
	t.Helper()
	each(t, func(t *testing.T, b bundle) {
		p := people{bundle: b, mu: &sync.Mutex{}, now: new(time.Time)}
		*p.now = clock
		cfg := testConfig()
		cfg.Login = user.DefaultPolicy()
		cfg.Login.Params = user.TestParams()
		cfg.Login.MaxFailures = 3
		cfg.ThrottleBurst = 20
		log := slog.New(slog.NewJSONHandler(lockedBuffer{b.mu, b.logs}, nil))
		srv, err := api.New(cfg, b.st, log, func() time.Time { p.mu.Lock(); defer p.mu.Unlock(); return *p.now })
		if err != nil {
			t.Fatal(err)
		}
		p.srv = srv
		for _, u := range []struct {
			login, pw string
			role      user.Role
			agencies  []string
		}{
			{"lan.nguyen", lanPassword, user.RoleAccountant, []string{"H29.75"}},
			{"admin", adminPassword, user.RoleAdmin, nil},
		} {
			h, err := user.HashPassword(u.pw, user.TestParams())
			if err != nil {
				t.Fatal(err)
			}
			if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
				return tx.CreateUser(context.Background(), user.User{Login: u.login, Role: u.role, Agencies: u.agencies,
					PasswordHash: h, CreatedAt: clock, UpdatedAt: clock})
			}); err != nil {
				t.Fatal(err)
			}
		}
		scenario(t, p)
	})
}

// login posts the credentials and returns the answer and the session cookie.
func (p people) login(login, pw string) (resp, *http.Cookie) {
	p.t.Helper()
	r := p.raw("POST", "/v1/session", http.Header{}, `{"login":"`+login+`","password":"`+pw+`"}`)
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if c.Name == api.SessionCookie {
			return r, c
		}
	}
	return r, nil
}

func (p people) as(c *http.Cookie, method, path, body string) resp {
	p.t.Helper()
	return p.raw(method, path, http.Header{"Cookie": {c.Name + "=" + c.Value}}, body)
}

func TestLoginSessionLogout(t *testing.T) {
	t.Parallel()
	withPeople(t, func(t *testing.T, p people) {
		r, c := p.login("lan.nguyen", lanPassword)
		r.want(t, http.StatusOK)
		if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" ||
			!strings.HasPrefix(c.Name, "__Host-") || len(c.Value) < 40 {
			t.Fatalf("session cookie %+v", c)
		}
		var v api.SessionView
		p.as(c, "GET", "/v1/session", "").want(t, http.StatusOK).decode(t, &v)
		if v.Login != "lan.nguyen" || v.Role != user.RoleAccountant || len(v.Agencies) != 1 || !v.Expires.Equal(clock.Add(12*time.Hour)) {
			t.Errorf("session view %+v", v)
		}
		// A scoped accountant does not reach the unscoped operator routes;
		// a person never acts as a procedure system.
		p.as(c, "POST", "/v1/exceptions/x/resolve", `{"resolution":"r"}`).want(t, http.StatusForbidden)
		p.as(c, "GET", "/v1/outbox", "").want(t, http.StatusForbidden)
		p.as(c, "GET", "/v1/notices/X-1", "").want(t, http.StatusForbidden)
		// An admin (every agency) does.
		_, ac := p.login("admin", adminPassword)
		p.as(ac, "GET", "/v1/exceptions", "").want(t, http.StatusOK)
		// A key is no session.
		p.do("GET", "/v1/session", op, "").want(t, http.StatusForbidden)
		// Logging out ends the session in the store.
		p.as(c, "DELETE", "/v1/session", "").want(t, http.StatusNoContent)
		p.as(c, "GET", "/v1/session", "").want(t, http.StatusUnauthorized)
		// A new login is a new session id; logging in again with the old
		// cookie ends that one.
		_, c1 := p.login("lan.nguyen", lanPassword)
		r2 := p.raw("POST", "/v1/session", http.Header{"Cookie": {c1.Name + "=" + c1.Value}}, `{"login":"lan.nguyen","password":"`+lanPassword+`"}`)
		r2.want(t, http.StatusOK)
		c2 := (&http.Response{Header: r2.hdr}).Cookies()[0]
		if c2.Value == c1.Value {
			t.Error("a login kept the session id")
		}
		p.as(c1, "GET", "/v1/session", "").want(t, http.StatusUnauthorized)
		p.as(c2, "GET", "/v1/session", "").want(t, http.StatusOK)
		trail := auditActions(t, p.bundle, store.UserEntity("lan.nguyen"))
		if strings.Join(trail, ",") != "user:lan.nguyen session.login,user:lan.nguyen session.logout,user:lan.nguyen session.login,user:lan.nguyen session.login" {
			t.Errorf("audit trail %v", trail)
		}
	})
}

func auditActions(t *testing.T, b bundle, entity string) []string {
	t.Helper()
	var out []string
	if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
		es, err := tx.AuditTrail(context.Background(), entity)
		for _, e := range es {
			out = append(out, string(e.Actor)+" "+string(e.Action))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Lock-out after the configured failures: every failure counted and
// audited, the same answer for an unknown login, a wrong password and a
// locked account, and the right password refused until the lock ends.
func TestLoginLockOut(t *testing.T) {
	t.Parallel()
	withPeople(t, func(t *testing.T, p people) {
		unknown, _ := p.login("nobody", "whatever password it is")
		unknown.want(t, http.StatusUnauthorized)
		for range 3 {
			r, c := p.login("lan.nguyen", "not her password at all")
			r.want(t, http.StatusUnauthorized)
			if c != nil || !bytes.Equal(r.body, unknown.body) {
				t.Fatalf("failure answer %s (cookie %v), want the unknown login's %s", r.body, c, unknown.body)
			}
		}
		locked, c := p.login("lan.nguyen", lanPassword)
		locked.want(t, http.StatusUnauthorized)
		if c != nil || !bytes.Equal(locked.body, unknown.body) {
			t.Errorf("the right password while locked: %s", locked.body)
		}
		p.advance(15 * time.Minute)
		if r, c := p.login("lan.nguyen", lanPassword); r.code != http.StatusOK || c == nil {
			t.Errorf("after the lock: %d %s", r.code, r.body)
		}
		trail := auditActions(t, p.bundle, store.UserEntity("lan.nguyen"))
		if got := strings.Count(strings.Join(trail, ","), "session.login_failed"); got != 4 || trail[len(trail)-1] != "user:lan.nguyen session.login" {
			t.Errorf("audit trail %v: want 4 failures then a login", trail)
		}
		if trail := auditActions(t, p.bundle, store.UserEntity("nobody")); len(trail) != 1 {
			t.Errorf("an unknown login's failure is not audited: %v", trail)
		}
	})
}

// A disabled user's session is refused at once, and sessions idle out and
// end at their absolute timeout.
func TestSessionsEnd(t *testing.T) {
	t.Parallel()
	withPeople(t, func(t *testing.T, p people) {
		_, c := p.login("lan.nguyen", lanPassword)
		p.as(c, "GET", "/v1/session", "").want(t, http.StatusOK)
		ctx := context.Background()
		if err := p.st.InTx(ctx, func(tx store.Tx) error {
			u, err := tx.User(ctx, "lan.nguyen")
			if err != nil {
				return err
			}
			u.Disabled = true
			return tx.UpdateUser(ctx, u)
		}); err != nil {
			t.Fatal(err)
		}
		p.as(c, "GET", "/v1/session", "").want(t, http.StatusUnauthorized)
		if r, _ := p.login("lan.nguyen", lanPassword); r.code != http.StatusUnauthorized {
			t.Errorf("a disabled user logs in: %d", r.code)
		}

		_, ac := p.login("admin", adminPassword)
		p.advance(29 * time.Minute)
		p.as(ac, "GET", "/v1/session", "").want(t, http.StatusOK) // used: the idle clock restarts
		p.advance(29 * time.Minute)
		p.as(ac, "GET", "/v1/session", "").want(t, http.StatusOK)
		p.advance(31 * time.Minute)
		p.as(ac, "GET", "/v1/session", "").want(t, http.StatusUnauthorized) // idle too long
		_, ac = p.login("admin", adminPassword)
		for range 25 { // used every 29 minutes, it still ends at 12 hours
			p.advance(29 * time.Minute)
			if r := p.as(ac, "GET", "/v1/session", ""); r.code != http.StatusOK {
				if p.now.Sub(clock) < 12*time.Hour {
					t.Fatalf("ended early at %s", p.now.Sub(clock))
				}
				return
			}
		}
		t.Error("a session outlived its absolute timeout")
	})
}

// A state-changing request from another origin is refused, whatever it
// carries; API clients that send neither Origin nor Sec-Fetch-Site pass.
func TestCrossOriginRefused(t *testing.T) {
	t.Parallel()
	withPeople(t, func(t *testing.T, p people) {
		body := `{"login":"admin","password":"` + adminPassword + `"}`
		for name, hdr := range map[string]http.Header{
			"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": {"cross-site"}},
			"Sec-Fetch-Site same-site":  {"Sec-Fetch-Site": {"same-site"}},
			"Origin elsewhere":          {"Origin": {"https://evil.example"}},
		} {
			if r := p.raw("POST", "/v1/session", hdr, body); r.code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", name, r.code)
			}
		}
		_, ac := p.login("admin", adminPassword)
		cross := http.Header{"Cookie": {ac.Name + "=" + ac.Value}, "Sec-Fetch-Site": {"cross-site"}}
		if r := p.raw("DELETE", "/v1/session", cross, ""); r.code != http.StatusForbidden {
			t.Errorf("a cross-site logout with the cookie: %d, want 403", r.code)
		}
		p.as(ac, "GET", "/v1/session", "").want(t, http.StatusOK) // still logged in
		same := http.Header{"Sec-Fetch-Site": {"same-origin"}}
		if r := p.raw("POST", "/v1/session", same, body); r.code != http.StatusOK {
			t.Errorf("same-origin login: %d %s", r.code, r.body)
		}
	})
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		cfg := testConfig()
		cfg.Login = user.DefaultPolicy()
		cfg.Login.Params = user.TestParams()
		cfg.ThrottleBurst, cfg.ThrottleEvery = 2, time.Minute
		srv, err := api.New(cfg, b.st, slog.New(slog.DiscardHandler), func() time.Time { return clock })
		if err != nil {
			t.Fatal(err)
		}
		b.srv = srv
		body := `{"login":"someone","password":"a guess at a password"}`
		b.raw("POST", "/v1/session", nil, body).want(t, http.StatusUnauthorized)
		b.raw("POST", "/v1/session", nil, body).want(t, http.StatusUnauthorized)
		r := b.raw("POST", "/v1/session", nil, body).want(t, http.StatusTooManyRequests)
		if r.hdr.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}
