// Package pgtest gives tests a migrated PostgreSQL store on a database of
// their own (testenv.Postgres: skipped outside CI without a server, a
// failure under CI=true), closed when the test ends. It is for tests only.
package pgtest

import (
	"context"
	"testing"

	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

// Store migrates a fresh database and opens the store over it.
func Store(t testing.TB) *postgres.Store {
	t.Helper()
	url := testenv.Postgres(t)
	if _, err := postgres.Migrate(url); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
