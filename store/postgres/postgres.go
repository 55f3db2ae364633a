// Package postgres is the production store: PostgreSQL through sqlx and
// lib/pq, with the schema of feerecon/migrations applied by golang-migrate.
//
// Every write relies on the schema as well as on this code: unique keys make
// a redelivered payment ErrAlreadyExists (SQLSTATE 23505), CHECK constraints
// and a constraint trigger refuse negative amounts and over-allocation, and
// reports and the audit log refuse UPDATE and DELETE.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
	"time"

	"github.com/golang-migrate/migrate/v4"
	migratepg "github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/feerecon/feerecon/migrations"
	"github.com/feerecon/feerecon/store"
)

// Store is the PostgreSQL backend.
type Store struct {
	db *sqlx.DB
}

var _ store.Store = (*Store)(nil)

// ErrSchema: the database's schema is not the one this binary's embedded
// migrations reach (not migrated, behind, ahead, or left dirty by a failed
// migration). Migrating is an explicit step: feerecon migrate.
var ErrSchema = errors.New("database schema does not match this binary")

// ErrUnavailable: the server could not be reached or does not accept
// connections yet (starting up, shutting down): a caller may wait for it,
// unlike a refused login or ErrSchema.
var ErrUnavailable = errors.New("postgres unavailable")

// Open connects to url (postgres://…), checks the connection (ErrUnavailable
// when the server cannot be reached) and that the schema is at
// SchemaVersion (ErrSchema otherwise). It never migrates: feerecon migrate
// (Migrate) does, as its own step.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", scrubDSN(err, url))
	}
	// One round trip per statement with arguments instead of two: lib/pq
	// otherwise prepares the unnamed statement (Parse/Describe/Sync) and
	// waits before it binds and executes. The arguments stay text, but
	// []byte goes as binary: every []byte argument is bytea (or json,
	// whose binary form is its text), never jsonb or a number.
	cfg.BinaryParameters = true
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", scrubDSN(err, url))
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	db.SetMaxOpenConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		if Unavailable(err) {
			return nil, fmt.Errorf("connect postgres: %w: %w", ErrUnavailable, scrubDSN(err, url))
		}
		return nil, fmt.Errorf("connect postgres: %w", scrubDSN(err, url))
	}
	if err := checkSchema(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Store{db: db}, nil
}

// SchemaVersion is the version the embedded migrations reach: the number
// of the last one.
func SchemaVersion() (uint, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	defer src.Close()
	v, err := src.First()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	for {
		next, err := src.Next(v)
		if errors.Is(err, fs.ErrNotExist) {
			return v, nil
		}
		if err != nil {
			return 0, fmt.Errorf("migrations: %w", err)
		}
		v = next
	}
}

// checkSchema compares golang-migrate's record of the schema with
// SchemaVersion.
func checkSchema(ctx context.Context, db *sqlx.DB) error {
	want, err := SchemaVersion()
	if err != nil {
		return err
	}
	const fix = "run feerecon migrate --db URL"
	var (
		have  uint
		dirty bool
	)
	err = db.QueryRowContext(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&have, &dirty)
	var pqErr *pq.Error
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.As(err, &pqErr) && pqErr.Code == "42P01": // undefined_table
		return fmt.Errorf("%w: the database is not migrated (this binary needs schema version %d): %s", ErrSchema, want, fix)
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	case dirty:
		return fmt.Errorf("%w: schema version %d is dirty (a migration failed half-way): fix it by hand, then force the version", ErrSchema, have)
	case have < want:
		return fmt.Errorf("%w: schema at version %d, this binary needs %d: %s", ErrSchema, have, want, fix)
	case have > want:
		return fmt.Errorf("%w: schema at version %d is newer than this binary's %d: run the newer binary", ErrSchema, have, want)
	}
	return nil
}

// DB exposes the connection pool for benchmarks and operator tools.
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the server answers (a readiness probe); give ctx a
// deadline.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Unavailable reports whether err says that the server cannot be reached
// or does not accept connections now (SQLSTATE classes 08 and 57: refused,
// starting up, shutting down), rather than that it refused the request.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		c := pe.Code.Class()
		return c == "08" || c == "57"
	}
	// Not net.Error: *url.Error is one, and an unparsable URL is no
	// outage.
	var oerr *net.OpError
	var derr *net.DNSError
	return errors.As(err, &oerr) || errors.As(err, &derr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// Migrate applies every pending migration embedded in feerecon/migrations
// and returns the schema version reached.
func Migrate(url string) (uint, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		return 0, fmt.Errorf("migrate: open: %w", scrubDSN(err, url))
	}
	defer db.Close()
	drv, err := migratepg.WithInstance(db, &migratepg.Config{})
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", scrubDSN(err, url))
	}
	m, err := migrate.NewWithInstance("iofs", src, "postgres", drv)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return 0, fmt.Errorf("migrate up: %w", err)
	}
	v, dirty, err := m.Version()
	if err != nil {
		return 0, fmt.Errorf("migrate version: %w", err)
	}
	if dirty {
		return v, fmt.Errorf("migrate: schema version %d is dirty: fix by hand, then force the version", v)
	}
	return v, nil
}

// InTx runs fn in a READ COMMITTED transaction; allocation serialises on
// notice rows with SELECT … FOR UPDATE (LockNotices).
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) (err error) {
	sqltx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", mapErr(err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqltx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqltx.Rollback()
		}
	}()
	t := &tx{tx: sqltx}
	if err := fn(t); err != nil {
		return err
	}
	if err := t.flushAudit(ctx); err != nil {
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

type tx struct {
	tx *sqlx.Tx
	// audit are the entries appended and not yet written (flushAudit);
	// auditLocked: this transaction holds the chain's lock.
	audit       []store.AuditEntry
	auditLocked bool
	// savepoints numbers Nested's savepoints.
	savepoints int
}

var _ store.Tx = (*tx)(nil)

// mapErr turns PostgreSQL errors into the store's sentinel errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", store.ErrAlreadyExists, pe.Message)
		case "23503", "23514": // foreign_key_violation, check_violation
			return fmt.Errorf("%w: %s", store.ErrConflict, pe.Message)
		}
	}
	return err
}
