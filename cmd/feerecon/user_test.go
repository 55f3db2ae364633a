package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
	"github.com/feerecon/feerecon/user"
)

func runCLIIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append(args, "--log-level", "error"))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestUserCommands(t *testing.T) {
	db := testenv.Postgres(t)
	if _, err := postgres.Migrate(db); err != nil {
		t.Fatal(err)
	}
	const pw = "mật khẩu đủ dài 2026"
	if out, err := runCLIIn(t, pw+"\n", "user", "add", "--login", "lan.nguyen", "--role", "accountant", "--agency", "H29.75", "--db", db); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	// Mistakes of the operator are configuration errors (exit 2), and store nothing.
	for name, tc := range map[string]struct {
		stdin string
		args  []string
	}{
		"weak password":         {"short\n", []string{"--login", "binh", "--role", "auditor"}},
		"no password":           {"", []string{"--login", "binh", "--role", "auditor"}},
		"accountant, no agency": {pw + "\n", []string{"--login", "binh", "--role", "accountant"}},
		"unknown role":          {pw + "\n", []string{"--login", "binh", "--role", "root"}},
		"login with a space":    {pw + "\n", []string{"--login", "binh tran", "--role", "auditor"}},
	} {
		if _, err := runCLIIn(t, tc.stdin, append([]string{"user", "add", "--db", db}, tc.args...)...); !errors.Is(err, config.ErrInvalid) {
			t.Errorf("%s: %v, want a configuration error", name, err)
		}
	}
	if _, err := runCLIIn(t, pw+"\n", "user", "add", "--login", "lan.nguyen", "--role", "auditor", "--db", db); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("the same login twice: %v", err)
	}
	out, err := runCLIIn(t, "", "user", "list", "--db", db)
	if err != nil || out != "lan.nguyen\taccountant\tH29.75\tactive\n" {
		t.Fatalf("list: %v\n%q", err, out)
	}

	ctx := context.Background()
	st, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	read := func() (u user.User, trail []store.AuditEntry) {
		t.Helper()
		if err := st.InTx(ctx, func(tx store.Tx) error {
			var err error
			if u, err = tx.User(ctx, "lan.nguyen"); err != nil {
				return err
			}
			trail, err = tx.AuditTrail(ctx, store.UserEntity("lan.nguyen"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return u, trail
	}
	u, _ := read()
	if ok, err := user.VerifyPassword(u.PasswordHash, pw); !ok || err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hash %q does not verify the password with OWASP's parameters: %v", u.PasswordHash, err)
	}
	// A session of hers, a new password: the session ends, a lock is lifted.
	_, hash, _ := user.NewSessionToken()
	if err := st.InTx(ctx, func(tx store.Tx) error {
		u.FailedLogins = 3
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return tx.CreateSession(ctx, user.Session{TokenHash: hash, Login: u.Login, Role: u.Role, CreatedAt: u.CreatedAt, LastSeen: u.CreatedAt})
	}); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLIIn(t, "một mật khẩu mới 2026\n", "user", "passwd", "lan.nguyen", "--db", db); err != nil {
		t.Fatalf("passwd: %v\n%s", err, out)
	}
	u, _ = read()
	if ok, _ := user.VerifyPassword(u.PasswordHash, "một mật khẩu mới 2026"); !ok || u.FailedLogins != 0 {
		t.Errorf("after passwd: verifies %v, failures %d", ok, u.FailedLogins)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { _, err := tx.Session(ctx, hash); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session survived a new password: %v", err)
	}
	// A role change ends her sessions too, and is checked like an addition.
	_, hash2, _ := user.NewSessionToken()
	if err := st.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateSession(ctx, user.Session{TokenHash: hash2, Login: u.Login, Role: u.Role, CreatedAt: u.CreatedAt, LastSeen: u.CreatedAt})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLIIn(t, "", "user", "role", "lan.nguyen", "--role", "approver", "--db", db); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("an approver without agencies: %v", err)
	}
	if out, err := runCLIIn(t, "", "user", "role", "lan.nguyen", "--role", "approver", "--agency", "H29.75", "--agency", "G01.899.108", "--db", db); err != nil {
		t.Fatalf("role: %v\n%s", err, out)
	}
	if u, _ = read(); u.Role != user.RoleApprover || len(u.Agencies) != 2 {
		t.Errorf("after role: %+v", u)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { _, err := tx.Session(ctx, hash2); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session survived a role change: %v", err)
	}
	if out, err := runCLIIn(t, "", "user", "disable", "lan.nguyen", "--db", db); err != nil {
		t.Fatalf("disable: %v\n%s", err, out)
	}
	u, trail := read()
	if !u.Disabled {
		t.Error("not disabled")
	}
	var actions []string
	for _, e := range trail {
		actions = append(actions, string(e.Actor)+" "+string(e.Action))
		if bytes.Contains(e.Detail, []byte("argon2id")) {
			t.Errorf("the audit log holds a password hash: %s", e.Detail)
		}
	}
	if strings.Join(actions, ", ") != "cli user.add, cli user.password, cli user.role, cli user.disable" {
		t.Errorf("audit trail: %v", actions)
	}
	if out, _ := runCLIIn(t, "", "user", "list", "--db", db); !strings.Contains(out, "\tdisabled") || strings.Contains(out, "argon2") {
		t.Errorf("list after disable: %q", out)
	}
	if _, err := runCLIIn(t, "", "user", "disable", "nobody", "--db", db); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disable of an unknown login: %v", err)
	}
}
