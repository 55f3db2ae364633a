package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// SessionCookie holds a logged-in person's session token. The __Host-
// prefix makes browsers insist on Secure, Path=/ and no Domain, so no
// other host or path can set or read it.
const SessionCookie = "__Host-feerecon-session"

// LoginRequest is the body of POST /v1/session.
type LoginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// SessionView is the answer of POST and GET /v1/session: who is logged in.
type SessionView struct {
	Login    string    `json:"login"`
	Role     user.Role `json:"role"`
	Agencies []string  `json:"agencies"`
	// Expires is when the session ends at the latest (its absolute timeout).
	Expires time.Time `json:"expires"`
}

// errLogin is POST /v1/session's answer to ErrLoginRefused.
var errLogin = apiErr(http.StatusUnauthorized, "login or password is wrong")

// Errors of Login.
var (
	// ErrLoginRefused is the one refusal of a login: it does not say whether
	// the login exists, the password was wrong, or the account is disabled
	// or locked (the audit log does).
	ErrLoginRefused = errors.New("login or password is wrong")
	// ErrLoginThrottled: too many attempts for the login or from the
	// address; LoginRetryAfter says when to try again.
	ErrLoginThrottled = errors.New("too many login attempts: wait and try again")
)

// createSession: POST /v1/session — log in (Login), answering JSON.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	var q LoginRequest
	if err := s.decode(w, r, &q, false); err != nil {
		return err
	}
	cookie, view, err := s.Login(r.Context(), r, q.Login, q.Password)
	switch {
	case errors.Is(err, ErrLoginThrottled):
		w.Header().Set("Retry-After", strconv.Itoa(int(s.LoginRetryAfter()/time.Second)))
		return apiErr(http.StatusTooManyRequests, "too many login attempts: wait and try again")
	case errors.Is(err, ErrLoginRefused):
		return errLogin
	case err != nil:
		return err
	}
	http.SetCookie(w, cookie)
	writeJSON(w, http.StatusOK, view)
	return nil
}

// LoginRetryAfter is how long a throttled login waits at most before its
// next attempt is allowed (a Retry-After).
func (s *Server) LoginRetryAfter() time.Duration { return s.cfg.ThrottleEvery + time.Second }

// Login logs a person in: the one login of the API (POST /v1/session) and
// the console. Throttled per login and per address (r.RemoteAddr:
// ErrLoginThrottled); every failure is counted, audited, and locks the
// account after the policy's MaxFailures (ErrLoginRefused, whatever the
// cause). A success starts a new session (a new token; the session of r's
// cookie, if any, ended), audited, and returns the session cookie to set
// and who is logged in.
func (s *Server) Login(ctx context.Context, r *http.Request, login, password string) (*http.Cookie, SessionView, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	if !s.throttle.Allow(login, r.RemoteAddr, now) {
		return nil, SessionView{}, ErrLoginThrottled
	}
	token, hash, err := user.NewSessionToken()
	if err != nil {
		return nil, SessionView{}, err
	}
	var (
		u       user.User
		refusal error
	)
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		var known *user.User
		stored, err := tx.User(ctx, login)
		switch {
		case err == nil:
			known = &stored
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		u, refusal = s.cfg.Login.Attempt(known, password, now)
		if known != nil {
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		if refusal != nil {
			// The failure is kept (counted, audited) even though the login fails.
			return s.auditLogin(ctx, tx, r, store.AuditLoginFailed, login, now, loginReason(known, refusal))
		}
		if old, err := r.Cookie(SessionCookie); err == nil {
			if err := tx.DeleteSession(ctx, user.TokenHash(old.Value)); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(ctx, user.Session{TokenHash: hash, Login: u.Login, Role: u.Role, CreatedAt: now, LastSeen: now}); err != nil {
			return err
		}
		return s.auditLogin(ctx, tx, r, store.AuditLogin, u.Login, now, "")
	})
	if err != nil {
		return nil, SessionView{}, err
	}
	if refusal != nil {
		if !errors.Is(refusal, user.ErrBadCredentials) {
			return nil, SessionView{}, refusal // a stored hash that cannot be read: a 500, logged
		}
		return nil, SessionView{}, ErrLoginRefused
	}
	return s.sessionCookie(token), SessionView{Login: u.Login, Role: u.Role, Agencies: nonNil(u.Agencies), Expires: now.Add(s.cfg.Login.AbsoluteTimeout)}, nil
}

// sessionCookie carries a new session's token.
func (s *Server) sessionCookie(token string) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.Login.AbsoluteTimeout / time.Second)}
}

func loginReason(known *user.User, err error) string {
	switch {
	case known == nil:
		return "unknown_login"
	case errors.Is(err, user.ErrDisabled):
		return "disabled"
	case errors.Is(err, user.ErrLocked):
		return "locked"
	}
	return "wrong_password"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) auditLogin(ctx context.Context, tx store.Tx, r *http.Request, action store.AuditAction, login string, now time.Time, reason string) error {
	detail, err := json.Marshal(struct {
		Remote string `json:"remote"`
		Reason string `json:"reason,omitempty"`
	}{r.RemoteAddr, reason})
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.PersonActor(login), Action: action,
		Entity: store.UserEntity(login), Detail: detail})
}

// getSession: GET /v1/session — who is logged in.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	c, err := caller(r)
	if err != nil {
		return err
	}
	u := c.User
	writeJSON(w, http.StatusOK, SessionView{Login: u.Login, Role: u.Role, Agencies: nonNil(u.Agencies), Expires: c.sessionStart.Add(s.cfg.Login.AbsoluteTimeout)})
	return nil
}

// deleteSession: DELETE /v1/session — log out (Logout).
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	c, err := caller(r)
	if err != nil {
		return err
	}
	cookie, err := s.Logout(r.Context(), r, c)
	if err != nil {
		return err
	}
	http.SetCookie(w, cookie)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Logout ends c's session (from Session or the API's middleware) in the
// store, audited, and returns the cookie that clears it in the browser.
func (s *Server) Logout(ctx context.Context, r *http.Request, c Caller) (*http.Cookie, error) {
	if c.User == nil || c.sessionHash == nil {
		return nil, ErrNoSession
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if err := s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSession(ctx, c.sessionHash); err != nil {
			return err
		}
		return s.auditLogin(ctx, tx, r, store.AuditLogout, c.User.Login, now, "")
	}); err != nil {
		return nil, err
	}
	return &http.Cookie{Name: SessionCookie, Value: "", Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1}, nil
}

// ErrNoSession: the request carries no session cookie, or its session has
// ended (timed out, logged out, its user disabled or in another role).
var ErrNoSession = errors.New("no valid session: log in")

// Session authenticates a request by its session cookie alone, as the
// API's middleware does for a person (sessionCaller): for the console,
// whose pages are for people, not API keys. ErrNoSession when there is no
// valid session.
func (s *Server) Session(r *http.Request) (Caller, error) {
	cookie, err := r.Cookie(SessionCookie)
	if err != nil || cookie.Value == "" {
		return Caller{}, ErrNoSession
	}
	c, err := s.sessionCaller(r, cookie)
	var u *unauthorized
	if errors.As(err, &u) {
		return Caller{}, ErrNoSession
	}
	return c, err
}

// sessionCaller authenticates a request by its session cookie: the session
// must exist, be within the policy's idle and absolute timeouts, and its
// user enabled and in the session's role, checked on every request (a
// disabled user is refused at once). A valid session's last use is
// recorded; an invalid one is ended.
func (s *Server) sessionCaller(r *http.Request, cookie *http.Cookie) (Caller, error) {
	invalid := authErr("the session has ended: log in again", `Bearer realm="`+Realm+`"`)
	hash := user.TokenHash(cookie.Value)
	ctx := r.Context()
	now := s.now().UTC().Truncate(time.Microsecond)
	var c Caller
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		sess, err := tx.Session(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return invalid
		}
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, sess.Login)
		if err != nil {
			return fmt.Errorf("session of %s: %w", sess.Login, err)
		}
		if !s.cfg.Login.SessionValid(sess, u, now) {
			if err := tx.DeleteSession(ctx, hash); err != nil {
				return err
			}
			return nil // committed: the ended session is gone
		}
		if err := tx.TouchSession(ctx, hash, now); err != nil {
			return err
		}
		c = Caller{KeyID: "session", Name: u.Login, User: &u, sessionHash: hash, sessionStart: sess.CreatedAt}
		return nil
	})
	if err != nil {
		return Caller{}, err
	}
	if c.User == nil {
		s.log.InfoContext(ctx, "session refused", slog.String("reason", "ended"))
		return Caller{}, invalid
	}
	return c, nil
}
