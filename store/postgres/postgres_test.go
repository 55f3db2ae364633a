package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/postgres" // the postgres:// driver of migrate.NewWithSourceInstance
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/lib/pq"

	"github.com/feerecon/feerecon/migrations"
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
	mustExec(`INSERT INTO audit_log (seq, at, actor, action, entity, canonical, prev_hash, hash)
		VALUES (1, now(),'t','x','e','\x00',sha256(''),sha256(''))`)
	mustExec(`INSERT INTO reports (id, business_date, agency, version, sha256, body, created_at)
		VALUES ('r','2026-11-20','A',1,repeat('a',64),'\x7b7d',now())`)
	for _, login := range []string{"lan", "minh"} {
		mustExec(`INSERT INTO users (login, role, agencies, password_hash, created_at, updated_at)
			VALUES ($1,'approver','{H40}','$argon2id$x',now(),now())`, login+".t")
	}
	mustExec(`INSERT INTO action_requests (id, exception_id, action, body, amount, currency, reason, maker, created_at, state)
		VALUES ('q1','e1','allocate','{}',1,'VND','why','lan.t',now(),'pending')`)
	mustExec(`INSERT INTO exceptions (id, kind, payment_id, amount, currency, created_at, status)
		VALUES ('wrong_account|momo:1','wrong_account','momo:1',100000,'VND',now(),'open')`)
	refused := []string{
		`INSERT INTO payments (id, gateway, txn_id, amount, currency, paid_at) VALUES ('momo:2','momo','2',-5,'VND',now())`,
		`INSERT INTO payments (id, gateway, txn_id, amount, currency, paid_at) VALUES ('momo:1b','momo','1',5,'VND',now())`,
		// a credited account's BIN never stands without its account (0011)
		`INSERT INTO payments (id, gateway, txn_id, amount, currency, paid_at, credited_bin) VALUES ('vietqr:3','vietqr','3',5,'VND',now(),'970415')`,
		`INSERT INTO exceptions (id, kind, amount, currency, created_at, status) VALUES ('x','no_such_kind',1,'VND',now(),'open')`,
		`INSERT INTO notices (system, id, version, dossier_code, payment_code, agency_code, amount, currency, issued_at, status)
			VALUES ('dvc','N2',1,'x','NP000000000151','H40',100000,'VND',now(),'issued')`,
		`INSERT INTO notices (system, id, version, dossier_code, payment_code, agency_code, amount, currency, issued_at, status)
			VALUES ('dvc','N3',1,'x','NP000012345632','H40',100000.5,'VND',now(),'issued')`,
		`INSERT INTO allocations (payment_id, notice_system, notice_id, amount, currency, rule) VALUES ('momo:1','dvc','N1',100001,'VND','r')`,
		`INSERT INTO allocations (payment_id, notice_system, notice_id, amount, currency, rule) VALUES ('momo:1','dvc','nope',1,'VND','r')`,
		`UPDATE audit_log SET actor='mallory'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`INSERT INTO audit_log (seq, at, actor, action, entity, canonical, prev_hash, hash)
			VALUES (2, now(),'t','x','e','\x00','\x00',sha256(''))`,
		`INSERT INTO audit_log (seq, at, actor, action, entity, canonical, prev_hash, hash)
			VALUES (0, now(),'t','x','e','\x00',sha256(''),sha256(''))`,
		`UPDATE reports SET body='\x00'`,
		`DELETE FROM reports`,
		`TRUNCATE reports`,
		// manual allocations name who and why; engine ones name nobody
		`INSERT INTO allocations (payment_id, notice_system, notice_id, amount, currency, rule) VALUES ('momo:1','dvc','N1',1,'VND','manual')`,
		`INSERT INTO allocations (payment_id, notice_system, notice_id, amount, currency, rule, decided_by, reason)
			VALUES ('momo:1','dvc','N1',1,'VND','payment_code','lan','x')`,
		`INSERT INTO allocations (payment_id, notice_system, notice_id, amount, currency, rule, decided_by, approved_by, reason)
			VALUES ('momo:1','dvc','N1',1,'VND','manual','lan','lan','x')`,
		// maker–checker: nobody decides their own request, one pending per exception
		`UPDATE action_requests SET state='approved', checker='lan.t', decided_at=now() WHERE id='q1'`,
		`UPDATE action_requests SET state='rejected', checker='minh.t', decided_at=now() WHERE id='q1'`,
		`UPDATE action_requests SET state='approved', decided_at=now() WHERE id='q1'`,
		`INSERT INTO action_requests (id, exception_id, action, body, amount, currency, reason, maker, created_at, state)
			VALUES ('q2','e1','allocate','{}',1,'VND','why','minh.t',now(),'pending')`,
		`INSERT INTO action_requests (id, exception_id, action, body, amount, currency, reason, maker, created_at, state)
			VALUES ('q3','e2','allocate','{}',1,'VND',' ','minh.t',now(),'pending')`,
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

// Migration 0004 chains the entries written before it: renumbered without
// holes, times never backwards, each hashed as store.AuditCanonical would
// (the Go verifier accepts the chain SQL built), and the store extends it.
func TestMigrationChainsEarlierEntries(t *testing.T) {
	ctx := context.Background()
	url := testenv.Postgres(t)
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, url)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Migrate(3); err != nil {
		t.Fatalf("migrate to 3: %v", err)
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Holes (seq 2 and 4 rolled back), a later entry with an earlier time,
	// text that needs escaping in JSON and bytes beyond ASCII.
	for _, q := range []string{
		`INSERT INTO audit_log (seq, at, actor, action, entity, detail) VALUES
			(1, '2026-11-20T08:30:00.123456+07', 'api', 'notice.create', 'notice:dvc/Đ1', '{"b": 1, "a": "x\ny \"q\""}'),
			(3, '2026-11-20T08:31:00+07', 'dvc', 'notice.amend', 'notice:dvc/Đ1', '{}'),
			(5, '2026-11-20T08:29:00+07', 'engine', 'payment.decide', 'payment:momo:1', '{"amount": "150000"}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := postgres.Migrate(url); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(ctx, store.AuditEntry{At: time.Now(), Actor: store.ActorAPI, Action: store.AuditNoticeCancel, Entity: "notice:dvc/Đ1"})
	}); err != nil {
		t.Fatal(err)
	}
	var rs []store.AuditRecord
	if err := s.InTx(ctx, func(tx store.Tx) error {
		var err error
		rs, err = tx.AuditRecords(ctx, 1, 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	v := store.NewAuditVerifier(1)
	for _, r := range rs {
		if err := v.Next(r); err != nil {
			t.Fatalf("the chain migration 0004 built does not verify: %v\n%q", err, r.Canonical)
		}
	}
	if len(rs) != 4 || rs[2].Entity != "payment:momo:1" || !rs[2].At.Equal(rs[1].At) || rs[3].Seq != 4 {
		t.Fatalf("chain after migration: %+v", rs)
	}
	// And back down: the entries stay, unchained, with a sequence again.
	if err := m.Migrate(3); err != nil {
		t.Fatalf("migrate down to 3: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, entity) VALUES (now(),'t','x','e')`); err != nil {
		t.Fatalf("insert after down migration: %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 5 {
		t.Fatalf("after down: %d rows, %v", n, err)
	}
}

// serviceURL creates a login role in feerecon_service (what an operator
// does, README "Database roles") and returns url with its credentials.
func serviceURL(t *testing.T, url string) string {
	t.Helper()
	admin, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := "svc_" + strings.ReplaceAll(testenv.Name("t")[2:], "-", "")
	password := testenv.Name("pw")
	if _, err := admin.Exec(`CREATE ROLE ` + name + ` LOGIN PASSWORD '` + password + `' IN ROLE feerecon_service`); err != nil {
		t.Fatalf("create login role: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP ROLE IF EXISTS ` + name)
	})
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.UserPassword(name, password)
	return u.String()
}

// The service's role has every right the store needs: the whole
// conformance suite passes connected as a member of feerecon_service,
// on a database migrated by its owner.
func TestConformanceAsServiceRole(t *testing.T) {
	conformance.RunTests(t, func(t *testing.T) store.Store {
		url := testenv.Postgres(t)
		if _, err := postgres.Migrate(url); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		s, err := postgres.Open(context.Background(), serviceURL(t, url))
		if err != nil {
			t.Fatalf("open as the service role: %v", err)
		}
		return s
	})
}

// Acceptance 3: as the service's role, UPDATE, DELETE and TRUNCATE of the
// audit log (and of reports) are refused by PostgreSQL's privileges
// (insufficient_privilege, 42501) — with the append-only triggers disabled
// by the owner first, so that the refusal is the privileges' and not the
// triggers'. INSERT and SELECT are allowed.
func TestServiceRoleCannotChangeAudit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	defer s.Close()
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(ctx, store.AuditEntry{At: time.Now(), Actor: store.ActorAPI, Action: store.AuditNoticeCreate, Entity: "notice:dvc/A"})
	}); err != nil {
		t.Fatal(err)
	}
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`ALTER TABLE audit_log DISABLE TRIGGER ALL`, `ALTER TABLE reports DISABLE TRIGGER ALL`, `SET ROLE feerecon_service`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'mallory'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`UPDATE reports SET body = '\x00'`,
		`DELETE FROM reports`,
		`TRUNCATE reports`,
		`ALTER TABLE audit_log ENABLE TRIGGER ALL`,
	} {
		_, err := conn.ExecContext(ctx, q)
		var pe *pq.Error
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("as feerecon_service, %s: %v; want insufficient_privilege (42501)", q, err)
			continue
		}
		t.Logf("as feerecon_service, %s: refused: %s (%s)", q, pe.Message, pe.Code)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 1 {
		t.Errorf("SELECT as feerecon_service: %d, %v", n, err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, entity, canonical, prev_hash, hash)
		VALUES (2, now(), 't', 'x', 'e', '\x00', sha256(''), sha256(''))`); err != nil {
		t.Errorf("INSERT as feerecon_service: %v", err)
	}
}
