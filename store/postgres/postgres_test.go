package postgres_test

import (
	"context"
	"testing"

	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

// newStore migrates a fresh database on the real PostgreSQL server.
func newStore(t *testing.T) *postgres.Store {
	t.Helper()
	url := testenv.Postgres(t)
	v, err := postgres.Migrate(url)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	t.Logf("migrations applied to the real PostgreSQL: schema version %d", v)
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	conformance.RunTests(t, func(t *testing.T) store.Store { return newStore(t) })
}
