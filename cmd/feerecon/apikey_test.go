package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

// TestAPIKeyCommands: create prints the key once, as its last line; list
// never shows a secret; revoke takes effect on the very next request of a
// running API on the same database; both are audited.
func TestAPIKeyCommands(t *testing.T) {
	db := testenv.Postgres(t)
	if out, err := runCLI(t, "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err := runCLI(t, "apikey", "create", "--system", "dvc-hanoi", "--db", db)
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	text := lines[len(lines)-1]
	id, secret, err := apikey.Parse(text)
	if err != nil {
		t.Fatalf("last line %q is not a key: %v\n%s", text, err, out)
	}
	if strings.Count(out, secret) != 1 {
		t.Errorf("the secret is printed %d times", strings.Count(out, secret))
	}
	opOut, err := runCLI(t, "apikey", "create", "--system", "ops.anna", "--role", "operator", "--db", db)
	if err != nil {
		t.Fatalf("create operator: %v\n%s", err, opOut)
	}
	opText := opOut[strings.LastIndex(strings.TrimRight(opOut, "\n"), "\n")+1:]
	opID, opSecret, err := apikey.Parse(strings.TrimSpace(opText))
	if err != nil {
		t.Fatalf("operator key: %v\n%s", err, opOut)
	}

	list, err := runCLI(t, "apikey", "list", "--db", db)
	if err != nil {
		t.Fatalf("list: %v\n%s", err, list)
	}
	if strings.Contains(list, secret) || strings.Contains(list, opSecret) || strings.Contains(list, apikey.Prefix) {
		t.Errorf("list shows a secret:\n%s", list)
	}
	for _, want := range []string{"ID", "REVOKED", id + "  dvc-hanoi", opID + "  ops.anna", "operator"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}

	// A running API on the same database.
	st, err := postgres.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := api.New(api.Config{DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: "0071000123456"}},
		st, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	get := func(key string) int {
		req := httptest.NewRequest("GET", "/v1/notices/N-1", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code
	}
	if c := get(text); c != http.StatusNotFound { // authenticated: no such notice
		t.Fatalf("with the new key: %d, want 404", c)
	}
	if out, err := runCLI(t, "apikey", "revoke", id, "--db", db); err != nil || !strings.Contains(out, "key "+id+" of dvc-hanoi (role system) revoked") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if c := get(text); c != http.StatusUnauthorized {
		t.Errorf("after revoke: %d, want 401", c)
	}
	list, _ = runCLI(t, "apikey", "list", "--db", db)
	if line := lineWith(list, id); strings.HasSuffix(line, " -") || !strings.Contains(line, "T") {
		t.Errorf("revoked key's line %q shows no revocation time", line)
	}
	if line := lineWith(list, opID); !strings.HasSuffix(line, " -") {
		t.Errorf("active key's line %q", line)
	}
	if _, err := runCLI(t, "apikey", "revoke", id, "--db", db); err == nil || !strings.Contains(err.Error(), "revoked already") {
		t.Errorf("revoke twice: %v", err)
	}
	if _, err := runCLI(t, "apikey", "revoke", "00000000000000ff", "--db", db); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("revoke unknown: %v", err)
	}

	var trail []store.AuditEntry
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		trail, err = tx.AuditTrail(context.Background(), store.APIKeyEntity(id))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(trail) != 2 || trail[0].Action != store.AuditAPIKeyCreate || trail[1].Action != store.AuditAPIKeyRevoke ||
		trail[0].Actor != store.ActorCLI || strings.Contains(string(trail[0].Detail), secret) {
		t.Errorf("audit trail %+v", trail)
	}
}

func lineWith(s, sub string) string {
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			return strings.TrimRight(l, "\n ")
		}
	}
	return ""
}

// Mistakes of the command line are configuration errors (exit 2) and touch
// no database.
func TestAPIKeyCommandMistakes(t *testing.T) {
	t.Setenv("FEERECON_DB", "")
	for _, args := range [][]string{
		{"apikey", "create", "--system", "dvc hanoi", "--db", "postgres://nowhere.invalid/x"},
		{"apikey", "create", "--system", "dvc", "--role", "admin", "--db", "postgres://nowhere.invalid/x"},
		{"apikey", "create", "--system", "dvc"},
		{"apikey", "revoke", "frk_0123", "--db", "postgres://nowhere.invalid/x"},
		{"apikey", "list"},
	} {
		if _, err := runCLI(t, args...); !errors.Is(err, config.ErrInvalid) {
			t.Errorf("%v: %v, want a configuration error", args, err)
		}
	}
}
