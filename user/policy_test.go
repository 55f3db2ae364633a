package user_test

import (
	"errors"
	"testing"
	"time"

	"github.com/feerecon/feerecon/user"
)

func testUser(t *testing.T, pw string) user.User {
	t.Helper()
	h, err := user.HashPassword(pw, user.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	u := user.User{Login: "lan.nguyen", Role: user.RoleAccountant, Agencies: []string{"H29.75"}, PasswordHash: h}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAttemptLocksOutAfterMaxFailures(t *testing.T) {
	t.Parallel()
	p := user.DefaultPolicy()
	p.MaxFailures, p.LockFor = 3, 15*time.Minute
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	u := testUser(t, "the right password")
	for i := 1; i <= 2; i++ {
		next, err := p.Attempt(&u, "a wrong password", now)
		if !errors.Is(err, user.ErrBadCredentials) || errors.Is(err, user.ErrLocked) || next.FailedLogins != i {
			t.Fatalf("failure %d: %v, failed %d", i, err, next.FailedLogins)
		}
		u = next
	}
	u, err := p.Attempt(&u, "a wrong password", now)
	if !errors.Is(err, user.ErrLocked) || !errors.Is(err, user.ErrBadCredentials) || !u.LockedUntil.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("third failure: %v, locked until %s", err, u.LockedUntil)
	}
	// Locked: even the right password is refused until the lock ends.
	if _, err := p.Attempt(&u, "the right password", now.Add(14*time.Minute)); !errors.Is(err, user.ErrLocked) {
		t.Errorf("right password while locked: %v", err)
	}
	u, err = p.Attempt(&u, "the right password", now.Add(15*time.Minute))
	if err != nil || u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("after the lock: %v, %+v", err, u)
	}
}

func TestAttemptRefusals(t *testing.T) {
	t.Parallel()
	p := user.DefaultPolicy()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, err := p.Attempt(nil, "anything at all", now); !errors.Is(err, user.ErrBadCredentials) {
		t.Errorf("unknown login: %v", err)
	}
	u := testUser(t, "the right password")
	u.Disabled = true
	if next, err := p.Attempt(&u, "the right password", now); !errors.Is(err, user.ErrDisabled) || !errors.Is(err, user.ErrBadCredentials) || next.FailedLogins != 0 {
		t.Errorf("disabled: %v", err)
	}
}

func TestSessionValid(t *testing.T) {
	t.Parallel()
	p := user.DefaultPolicy()
	u := testUser(t, "the right password")
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := user.Session{Login: u.Login, Role: u.Role, CreatedAt: t0, LastSeen: t0}
	if !p.SessionValid(s, u, t0.Add(29*time.Minute)) {
		t.Error("a fresh session is refused")
	}
	if p.SessionValid(s, u, t0.Add(30*time.Minute)) {
		t.Error("idle timeout not applied")
	}
	s.LastSeen = t0.Add(12*time.Hour - time.Minute)
	if p.SessionValid(s, u, t0.Add(12*time.Hour)) {
		t.Error("absolute timeout not applied")
	}
	s.LastSeen = t0
	role := u
	role.Role = user.RoleApprover
	if p.SessionValid(s, role, t0.Add(time.Minute)) {
		t.Error("a session outlives a role change")
	}
	off := u
	off.Disabled = true
	if p.SessionValid(s, off, t0.Add(time.Minute)) {
		t.Error("a disabled user's session is valid")
	}
}

func TestUserValidateAndScope(t *testing.T) {
	t.Parallel()
	u := testUser(t, "the right password")
	if !u.CanSee("H29.75") || u.CanSee("G01.899.108") {
		t.Error("agency scope")
	}
	admin := u
	admin.Role, admin.Agencies = user.RoleAdmin, nil
	if admin.Validate() != nil || !admin.CanSee("G01.899.108") {
		t.Error("an admin without agencies sees every agency")
	}
	for name, bad := range map[string]func(*user.User){
		"login":        func(u *user.User) { u.Login = "Lan Nguyen" },
		"role":         func(u *user.User) { u.Role = "root" },
		"no agency":    func(u *user.User) { u.Agencies = nil },
		"twice":        func(u *user.User) { u.Agencies = []string{"H29.75", "H29.75"} },
		"no hash":      func(u *user.User) { u.PasswordHash = "" },
		"foreign hash": func(u *user.User) { u.PasswordHash = "$2a$10$abcdefghijklmnopqrstuv" },
	} {
		v := u
		bad(&v)
		if err := v.Validate(); !errors.Is(err, user.ErrInvalidUser) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	th := user.NewThrottle(10*time.Second, 3)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if !th.Allow("lan", "10.0.0.1:5000", now) {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if th.Allow("lan", "10.0.0.2:5001", now) {
		t.Error("a fourth attempt for one login from another address is allowed")
	}
	if th.Allow("binh", "10.0.0.1:6000", now) {
		t.Error("a fourth attempt from one address (port stripped) for another login is allowed")
	}
	if !th.Allow("binh", "10.0.0.3:1", now) {
		t.Error("another login from another address is refused")
	}
	if !th.Allow("lan", "10.0.0.1:5000", now.Add(20*time.Second)) {
		t.Error("the budget does not come back")
	}
}

func TestSessionToken(t *testing.T) {
	t.Parallel()
	tok, h, err := user.NewSessionToken()
	if err != nil || len(tok) != 43 || len(h) != 32 || string(user.TokenHash(tok)) != string(h) {
		t.Fatalf("token %q hash %x: %v", tok, h, err)
	}
	tok2, _, _ := user.NewSessionToken()
	if tok2 == tok {
		t.Error("two tokens alike")
	}
}
