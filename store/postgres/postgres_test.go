package postgres_test

import (
	"context"
	"errors"
	"strings"
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

// The schema guards money and history on its own, whatever code writes to
// it: these statements bypass the Go store.
func TestSchemaGuards(t *testing.T) {
	s := newStore(t)
	defer s.Close()
	db := s.DB()
	ctx := context.Background()
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`INSERT INTO notices (system, id, version, dossier_code, payment_code, agency_code, amount, currency, issued_at, status)
		VALUES ('dvc','N1',1,'000.00.20.H40-261120-0001','NP000000000151','H40',100000,'VND',now(),'issued')`)
	mustExec(`INSERT INTO payments (id, gateway, txn_id, amount, currency, paid_at) VALUES ('momo:1','momo','1',100000,'VND',now())`)
	mustExec(`INSERT INTO audit_log (at, actor, action, entity) VALUES (now(),'t','x','e')`)
	mustExec(`INSERT INTO reports (id, business_date, agency, version, sha256, body, created_at)
		VALUES ('r','2026-11-20','A',1,repeat('a',64),'\x7b7d',now())`)
	refused := []string{
		`INSERT INTO payments (id, gateway, txn_id, amount, currency, paid_at) VALUES ('momo:2','momo','2',-5,'VND',now())`,
		`INSERT INTO payments (id, gateway, txn_id, amount, currency, paid_at) VALUES ('momo:1b','momo','1',5,'VND',now())`,
		`INSERT INTO notices (system, id, version, dossier_code, payment_code, agency_code, amount, currency, issued_at, status)
			VALUES ('dvc','N2',1,'x','NP000000000151','H40',100000,'VND',now(),'issued')`,
		`INSERT INTO notices (system, id, version, dossier_code, payment_code, agency_code, amount, currency, issued_at, status)
			VALUES ('dvc','N3',1,'x','NP000012345632','H40',100000.5,'VND',now(),'issued')`,
		`INSERT INTO allocations (payment_id, notice_system, notice_id, amount, currency, rule) VALUES ('momo:1','dvc','N1',100001,'VND','r')`,
		`INSERT INTO allocations (payment_id, notice_system, notice_id, amount, currency, rule) VALUES ('momo:1','dvc','nope',1,'VND','r')`,
		`UPDATE audit_log SET actor='mallory'`,
		`DELETE FROM audit_log`,
		`UPDATE reports SET body='\x00'`,
		`DELETE FROM reports`,
	}
	for _, q := range refused {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("schema accepted: %s", q)
		}
	}
}

// Opening never migrates: a database without the schema, or behind it, is
// refused with ErrSchema and the command that fixes it.
func TestOpenRefusesAnUnmigratedSchema(t *testing.T) {
	ctx := context.Background()
	url := testenv.Postgres(t)
	if _, err := postgres.Open(ctx, url); !errors.Is(err, postgres.ErrSchema) || !strings.Contains(err.Error(), "feerecon migrate") {
		t.Fatalf("Open of an empty database: %v, want ErrSchema naming feerecon migrate", err)
	}
	want, err := postgres.SchemaVersion()
	if err != nil || want < 3 {
		t.Fatalf("SchemaVersion = %d, %v", want, err)
	}
	if got, err := postgres.Migrate(url); err != nil || got != want {
		t.Fatalf("Migrate = %d, %v; want %d", got, err, want)
	}
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open after Migrate: %v", err)
	}
	defer s.Close()
	// One version behind, as after deploying a newer binary without migrating.
	if _, err := s.DB().ExecContext(ctx, `UPDATE schema_migrations SET version = version - 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, url); !errors.Is(err, postgres.ErrSchema) || !strings.Contains(err.Error(), "needs") {
		t.Fatalf("Open of a schema behind: %v, want ErrSchema", err)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE schema_migrations SET version = version + 2, dirty = true`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, url); !errors.Is(err, postgres.ErrSchema) || !strings.Contains(err.Error(), "dirty") {
		t.Fatalf("Open of a dirty schema: %v, want ErrSchema", err)
	}
}
