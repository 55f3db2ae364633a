package postgres_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/feerecon/feerecon/store/postgres"
)

// Open on a server that does not answer is ErrUnavailable (serve waits
// for it); a refused login or statement is not.
func TestOpenUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = postgres.Open(ctx, "postgres://u:secret@"+addr+"/db?sslmode=disable")
	if !errors.Is(err, postgres.ErrUnavailable) {
		t.Errorf("Open of a closed port: %v, want ErrUnavailable", err)
	}
	// An unparsable URL is a mistake to report, not an outage to wait out.
	if _, err := postgres.Open(ctx, "postgres://u:pw@127.0.0.1%:5432/db"); err == nil || errors.Is(err, postgres.ErrUnavailable) {
		t.Errorf("Open of an unparsable URL: %v, want an error other than ErrUnavailable", err)
	}
	for code, want := range map[string]bool{"57P03": true, "08006": true, "28P01": false, "3D000": false, "23505": false} {
		if got := postgres.Unavailable(&pq.Error{Code: pqerror.Code(code)}); got != want {
			t.Errorf("Unavailable(SQLSTATE %s) = %v, want %v", code, got, want)
		}
	}
}
