package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

type userRow struct {
	Login        string         `db:"login"`
	Role         user.Role      `db:"role"`
	Agencies     pq.StringArray `db:"agencies"`
	PasswordHash string         `db:"password_hash"`
	Disabled     bool           `db:"disabled"`
	FailedLogins int            `db:"failed_logins"`
	LockedUntil  sql.NullTime   `db:"locked_until"`
	CreatedAt    time.Time      `db:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

func (r userRow) user() user.User {
	u := user.User{Login: r.Login, Role: r.Role, Agencies: []string(r.Agencies), PasswordHash: r.PasswordHash,
		Disabled: r.Disabled, FailedLogins: r.FailedLogins, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if len(u.Agencies) == 0 {
		u.Agencies = nil
	}
	if r.LockedUntil.Valid {
		u.LockedUntil = r.LockedUntil.Time
	}
	return u
}

// agencies is never NULL: an empty scope is an empty array.
func agencies(u user.User) pq.StringArray {
	if u.Agencies == nil {
		return pq.StringArray{}
	}
	return pq.StringArray(u.Agencies)
}

func lockedUntil(u user.User) sql.NullTime {
	return sql.NullTime{Time: u.LockedUntil, Valid: !u.LockedUntil.IsZero()}
}

const userColumns = `login, role, agencies, password_hash, disabled, failed_logins, locked_until, created_at, updated_at`

func (t *tx) CreateUser(ctx context.Context, u user.User) error {
	if err := u.Validate(); err != nil {
		return fmt.Errorf("user %s: %w: %w", u.Login, store.ErrConflict, err)
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		u.Login, u.Role, agencies(u), u.PasswordHash, u.Disabled, u.FailedLogins, lockedUntil(u), u.CreatedAt, u.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Login, mapErr(err))
	}
	return nil
}

func (t *tx) User(ctx context.Context, login string) (user.User, error) {
	var r userRow
	if err := t.tx.GetContext(ctx, &r, `SELECT `+userColumns+` FROM users WHERE login=$1`, login); err != nil {
		return user.User{}, fmt.Errorf("user %s: %w", login, mapErr(err))
	}
	return r.user(), nil
}

func (t *tx) ListUsers(ctx context.Context) ([]user.User, error) {
	var rows []userRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT `+userColumns+` FROM users ORDER BY login`); err != nil {
		return nil, fmt.Errorf("list users: %w", mapErr(err))
	}
	out := make([]user.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

func (t *tx) UpdateUser(ctx context.Context, u user.User) error {
	if err := u.Validate(); err != nil {
		if _, getErr := t.User(ctx, u.Login); getErr != nil {
			return getErr
		}
		return fmt.Errorf("user %s: %w: %w", u.Login, store.ErrConflict, err)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE users SET role=$2, agencies=$3, password_hash=$4, disabled=$5,
		failed_logins=$6, locked_until=$7, updated_at=$8 WHERE login=$1`,
		u.Login, u.Role, agencies(u), u.PasswordHash, u.Disabled, u.FailedLogins, lockedUntil(u), u.UpdatedAt)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.Login, mapErr(err))
	}
	return oneRow(res, "user "+u.Login)
}

func (t *tx) CreateSession(ctx context.Context, s user.Session) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, login, role, created_at, last_seen) VALUES ($1,$2,$3,$4,$5)`,
		s.TokenHash, s.Login, s.Role, s.CreatedAt, s.LastSeen)
	if err != nil {
		return fmt.Errorf("create session of %s: %w", s.Login, mapErr(err))
	}
	return nil
}

func (t *tx) Session(ctx context.Context, tokenHash []byte) (user.Session, error) {
	var s struct {
		TokenHash []byte    `db:"token_hash"`
		Login     string    `db:"login"`
		Role      user.Role `db:"role"`
		CreatedAt time.Time `db:"created_at"`
		LastSeen  time.Time `db:"last_seen"`
	}
	err := t.tx.GetContext(ctx, &s, `SELECT token_hash, login, role, created_at, last_seen FROM sessions WHERE token_hash=$1`, tokenHash)
	if err != nil {
		return user.Session{}, fmt.Errorf("session: %w", mapErr(err))
	}
	return user.Session{TokenHash: s.TokenHash, Login: s.Login, Role: s.Role, CreatedAt: s.CreatedAt, LastSeen: s.LastSeen}, nil
}

func (t *tx) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE sessions SET last_seen=$2 WHERE token_hash=$1`, tokenHash, at)
	if err != nil {
		return fmt.Errorf("touch session: %w", mapErr(err))
	}
	return oneRow(res, "session")
}

func (t *tx) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash=$1`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", mapErr(err))
	}
	return nil
}

func (t *tx) DeleteSessions(ctx context.Context, login string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE login=$1`, login); err != nil {
		return fmt.Errorf("delete sessions of %s: %w", login, mapErr(err))
	}
	return nil
}

// oneRow turns an UPDATE that touched no row into ErrNotFound.
func oneRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}
