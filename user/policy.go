package user

import (
	"errors"
	"time"
)

// Policy is the login and session policy. The zero value is not usable:
// start from DefaultPolicy.
type Policy struct {
	// Params hash new passwords (OWASPParams; TestParams in tests only).
	Params Params
	// MaxFailures consecutive failed logins lock the account for LockFor.
	MaxFailures int
	LockFor     time.Duration
	// IdleTimeout ends a session not used for that long; AbsoluteTimeout
	// ends any session that old.
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
}

// DefaultPolicy is OWASP argon2id; 5 failures lock for 15 minutes, sessions
// idle out after 30 minutes and end after 12 hours (a working day).
func DefaultPolicy() Policy {
	return Policy{Params: OWASPParams(), MaxFailures: 5, LockFor: 15 * time.Minute,
		IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour}
}

// Login refusals. ErrBadCredentials is the one answer a caller shows for
// an unknown login, a wrong password, a disabled or a locked account, so
// that an attacker learns nothing; the others are for the audit log.
var (
	ErrBadCredentials = errors.New("login or password is wrong")
	ErrDisabled       = errors.New("account is disabled")
	ErrLocked         = errors.New("account is locked after repeated failures")
)

// dummyHash is verified for unknown logins so that their timing matches a
// known login's.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$ZmVlcmVjb24tZHVtbXk$3Jj4YhYq7yYgS9kQm1uX0Fh3hQ0C5Qwq0c2m5l2zq6E"

// Attempt decides a login attempt of u (nil when the login is unknown)
// with password pw at now. It returns the user as it must be stored after
// the attempt (failures counted, lock set or cleared) and nil, or one of
// ErrDisabled, ErrLocked, ErrBadCredentials wrapped so that errors.Is sees
// ErrBadCredentials too.
func (p Policy) Attempt(u *User, pw string, now time.Time) (User, error) {
	if u == nil {
		_, _ = VerifyPassword(dummyHash, pw)
		return User{}, ErrBadCredentials
	}
	next := *u
	if u.Disabled {
		return next, errors.Join(ErrBadCredentials, ErrDisabled)
	}
	if now.Before(u.LockedUntil) {
		return next, errors.Join(ErrBadCredentials, ErrLocked)
	}
	ok, err := VerifyPassword(u.PasswordHash, pw)
	if err != nil {
		return next, err
	}
	next.UpdatedAt = now
	if !ok {
		next.FailedLogins++
		if next.FailedLogins >= p.MaxFailures {
			next.LockedUntil = now.Add(p.LockFor)
			next.FailedLogins = 0
			return next, errors.Join(ErrBadCredentials, ErrLocked)
		}
		return next, ErrBadCredentials
	}
	next.FailedLogins = 0
	next.LockedUntil = time.Time{}
	return next, nil
}

// SessionValid reports whether s may still be used at now by u (its
// current state): not idle too long, not too old, the user enabled and in
// the role the session was made for.
func (p Policy) SessionValid(s Session, u User, now time.Time) bool {
	return !u.Disabled && u.Role == s.Role && u.Login == s.Login &&
		now.Sub(s.LastSeen) < p.IdleTimeout && now.Sub(s.CreatedAt) < p.AbsoluteTimeout
}
