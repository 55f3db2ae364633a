package user_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/user"
)

func TestHashAndVerifyPassword(t *testing.T) {
	t.Parallel()
	const pw = "đúng mật khẩu 2026"
	h, err := user.HashPassword(pw, user.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, pw) {
		t.Fatalf("hash %q", h)
	}
	if ok, err := user.VerifyPassword(h, pw); !ok || err != nil {
		t.Errorf("the right password: %v, %v", ok, err)
	}
	for _, wrong := range []string{"đúng mật khẩu 2025", "", strings.Repeat("x", 300), pw + " "} {
		if ok, err := user.VerifyPassword(h, wrong); ok || err != nil {
			t.Errorf("%q: %v, %v", wrong, ok, err)
		}
	}
	h2, _ := user.HashPassword(pw, user.TestParams())
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestOWASPParams(t *testing.T) {
	t.Parallel()
	h, err := user.HashPassword("a long enough password", user.OWASPParams())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("OWASP hash %q", h)
	}
	if ok, _ := user.VerifyPassword(h, "a long enough password"); !ok {
		t.Error("does not verify")
	}
}

func TestPasswordPolicyAndFormats(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{"", "short", strings.Repeat("a", 11), strings.Repeat("a", 257)} {
		if _, err := user.HashPassword(pw, user.TestParams()); !errors.Is(err, user.ErrWeakPassword) {
			t.Errorf("%d bytes: %v, want ErrWeakPassword", len(pw), err)
		}
	}
	for _, bad := range []string{"", "plain", "$2a$10$abc", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5"} {
		if _, err := user.VerifyPassword(bad, "whatever password"); !errors.Is(err, user.ErrHashFormat) {
			t.Errorf("%q: %v, want ErrHashFormat", bad, err)
		}
	}
}
