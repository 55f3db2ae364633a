package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// ErrCurrentPassword: a change of password whose current password is
// wrong (or whose account is locked after repeated failures: the same
// answer, as at login).
var ErrCurrentPassword = errors.New("the current password is wrong")

// ChangePassword sets the password of c's person (a session) to next,
// once current is verified under the login policy: a wrong current
// password counts as a failed login (throttled, counted, locking the
// account as a login does), so a stolen session cannot try passwords
// freely. next must meet user.CheckPassword (an error wrapping
// user.ErrWeakPassword).
//
// As `feerecon user passwd` does, every session of the person ends —
// another browser holding an old session is signed out — and a new
// session starts for this request's browser: the returned cookie, so that
// the person stays signed in on a fresh token. Both outcomes are in the
// audit chain as user.password, actor "user:<login>" (a refusal with its
// reason; never a password).
func (s *Server) ChangePassword(ctx context.Context, r *http.Request, c Caller, current, next string) (*http.Cookie, error) {
	if c.User == nil || c.sessionHash == nil {
		return nil, ErrNoSession
	}
	login := c.User.Login
	now := s.now().UTC().Truncate(time.Microsecond)
	if !s.throttle.Allow(login, r.RemoteAddr, now) {
		return nil, ErrLoginThrottled
	}
	if err := user.CheckPassword(next); err != nil {
		return nil, err
	}
	hash, err := user.HashPassword(next, s.cfg.Login.Params)
	if err != nil {
		return nil, err
	}
	token, tokenHash, err := user.NewSessionToken()
	if err != nil {
		return nil, err
	}
	var refusal error
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		stored, err := tx.User(ctx, login)
		if err != nil {
			return fmt.Errorf("change password of %s: %w", login, err)
		}
		u, attempt := s.cfg.Login.Attempt(&stored, current, now)
		if attempt != nil {
			refusal = attempt
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
			return auditPassword(ctx, tx, login, now, loginReason(&stored, attempt))
		}
		u.PasswordHash, u.UpdatedAt = hash, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.DeleteSessions(ctx, login); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, user.Session{TokenHash: tokenHash, Login: login, Role: u.Role, CreatedAt: now, LastSeen: now}); err != nil {
			return err
		}
		return auditPassword(ctx, tx, login, now, "")
	})
	switch {
	case err != nil:
		return nil, err
	case refusal != nil && !errors.Is(refusal, user.ErrBadCredentials):
		return nil, refusal // a stored hash that cannot be read: a 500, logged
	case refusal != nil:
		return nil, ErrCurrentPassword
	}
	return s.sessionCookie(token), nil
}

// auditPassword records a change of password by its person (refused: the
// reason, as loginReason names it).
func auditPassword(ctx context.Context, tx store.Tx, login string, now time.Time, refused string) error {
	detail, err := json.Marshal(struct {
		By      string `json:"by"`
		Changed bool   `json:"changed"`
		Refused string `json:"refused,omitempty"`
	}{"self", refused == "", refused})
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.AuditActor("user:" + login), Action: store.AuditUserPassword,
		Entity: store.UserEntity(login), Detail: detail})
}
