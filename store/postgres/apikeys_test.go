package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lib/pq"
)

// The schema keeps keys as the store does: a key is revoked once and never
// deleted, its hash, holder and role never change, a hash is 32 bytes.
func TestAPIKeyGuards(t *testing.T) {
	s := newStore(t)
	defer s.Close()
	db := s.DB()
	ctx := context.Background()
	exec := func(q string) error { _, err := db.ExecContext(ctx, q); return err }
	if err := exec(`INSERT INTO api_keys (id, system, role, secret_hash, created_at) VALUES ('00000000000000a1','dvc','system',sha256('s'::bytea),now())`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE api_keys SET secret_hash=sha256('mallory'::bytea)`,
		`UPDATE api_keys SET role='operator'`,
		`UPDATE api_keys SET system='dvc-hue'`,
		`DELETE FROM api_keys`,
		`INSERT INTO api_keys (id, system, role, secret_hash, created_at) VALUES ('00000000000000b2','dvc','system','\x00',now())`,
		`INSERT INTO api_keys (id, system, role, secret_hash, created_at) VALUES ('00000000000000c3','dvc','admin',sha256('s'::bytea),now())`,
		`INSERT INTO api_keys (id, system, role, secret_hash, created_at) VALUES ('NOT-HEX','dvc','system',sha256('s'::bytea),now())`,
	} {
		if err := exec(q); err == nil {
			t.Errorf("schema accepted: %s", q)
		}
	}
	if err := exec(`UPDATE api_keys SET revoked_at=now()`); err != nil {
		t.Fatalf("revocation refused: %v", err)
	}
	for _, q := range []string{`UPDATE api_keys SET revoked_at=NULL`, `UPDATE api_keys SET revoked_at=now() + interval '1 day'`} {
		if err := exec(q); err == nil {
			t.Errorf("schema accepted: %s", q)
		}
	}
}

// As the service's role, with the owner's trigger disabled so that the
// refusal is the privileges' own: a key can be read, inserted and revoked,
// never deleted, re-keyed, given to another holder or another role.
func TestServiceRoleKeyPrivileges(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	defer s.Close()
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`ALTER TABLE api_keys DISABLE TRIGGER ALL`, `SET ROLE feerecon_service`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, q := range []string{
		`INSERT INTO api_keys (id, system, role, secret_hash, created_at) VALUES ('00000000000000a1','dvc','system',sha256('s'::bytea),now())`,
		`SELECT count(*) FROM api_keys`,
		`UPDATE api_keys SET revoked_at = now()`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Errorf("as feerecon_service, %s: %v", q, err)
		}
	}
	for _, q := range []string{
		`UPDATE api_keys SET secret_hash = sha256('mallory'::bytea)`,
		`UPDATE api_keys SET system = 'dvc-hue'`,
		`UPDATE api_keys SET role = 'operator'`,
		`DELETE FROM api_keys`,
		`TRUNCATE api_keys`,
		`ALTER TABLE api_keys ENABLE TRIGGER ALL`,
	} {
		_, err := conn.ExecContext(ctx, q)
		var pe *pq.Error
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("as feerecon_service, %s: %v; want insufficient_privilege (42501)", q, err)
		}
	}
}
