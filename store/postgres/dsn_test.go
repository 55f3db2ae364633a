package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"postgres://u:S3cret@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u:S3cret@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db?sslmode=disable", "postgres://u@h/db?sslmode=disable"},
		{"postgres://h/db?password=S3cret&sslmode=disable", "postgres://h/db?password=xxxxx&sslmode=disable"},
		{"postgres://u:p%40ss@h/db", "postgres://u:xxxxx@h/db"},
		// net/url refuses these; the password still goes.
		{"postgres://u:S3c ret@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u:S3cret@h%/db", "postgres://u:xxxxx@h%/db"},
		{"postgres://u:S3cret@h%/db?password=S3cret", "postgres://u:xxxxx@h%/db?xxxxx"},
		{"host=h user=u password=S3cret dbname=db", "host=h user=u password=xxxxx dbname=db"},
		{"host=h password = 'S3 c\\'ret' dbname=db", "host=h password = xxxxx dbname=db"},
		{"host=h password='S3 cret", "host=h password=xxxxx"},
		{"host=h PASSWORD=S3cret sslpassword=K3y", "host=h PASSWORD=xxxxx sslpassword=xxxxx"},
	} {
		if got := RedactDSN(tc.in); got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(RedactDSN(tc.in), "S3") || strings.Contains(RedactDSN(tc.in), "K3y") {
			t.Errorf("RedactDSN(%q) keeps the secret", tc.in)
		}
	}
}

// Connection errors never carry the password, whatever the DSN's form:
// net/url's parse errors quote the whole URL.
func TestOpenErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://u:S3cret@h%/db",
		"postgres://u:S3c ret@h/db",
		"postgres://u:S3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=1",
		"postgres://u:S3cret@127.0.0.1:1/db?sslmode=bogus",
		"host=127.0.0.1 port=1 user=u password=S3cret dbname=x sslmode=disable connect_timeout=1",
		"host=127.0.0.1 port=1 user=u password='S3cret",
	} {
		_, err := Open(ctx, dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "S3c") {
			t.Errorf("Open error shows the password: %v", err)
		}
		_, err = Migrate(dsn)
		if err == nil {
			t.Fatalf("Migrate(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "S3c") {
			t.Errorf("Migrate error shows the password: %v", err)
		}
	}
}

func TestScrubDSNUnwraps(t *testing.T) {
	t.Parallel()
	base := errors.New(`parse "postgres://u:S3cret@h%/db": invalid`)
	err := scrubDSN(base, "postgres://u:S3cret@h%/db")
	if !errors.Is(err, base) {
		t.Errorf("the scrubbed error does not unwrap to the original")
	}
	if strings.Contains(err.Error(), "S3cret") {
		t.Errorf("scrubbed: %v", err)
	}
}
