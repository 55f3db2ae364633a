package config_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
)

func TestProblemsJoinsEveryProblem(t *testing.T) {
	t.Parallel()
	var none config.Problems
	if err := none.Err(); err != nil {
		t.Fatalf("no problems: %v", err)
	}
	inner := config.In("gateway vnpay")
	inner.Addf("TmnCode is empty")
	inner.Addf("HashSecret is empty")
	p := config.In("serve")
	p.Addf("--db is required")
	p.Add(nil)
	p.Add(fs.ErrNotExist)
	p.Add(inner.Err())
	err := p.Err()
	if !errors.Is(err, config.ErrInvalid) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%v: want ErrInvalid and the wrapped fs.ErrNotExist", err)
	}
	want := "serve: --db is required\nserve: file does not exist\nserve: gateway vnpay: TmnCode is empty\nserve: gateway vnpay: HashSecret is empty"
	if err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	if p.Len() != 4 {
		t.Errorf("Len = %d, want 4", p.Len())
	}
	if n := strings.Count(err.Error(), config.ErrInvalid.Error()); n != 0 {
		t.Errorf("the sentinel's own text appears %d times", n)
	}
}

func TestErrorfAndWrap(t *testing.T) {
	t.Parallel()
	err := config.Errorf("--limit %d: %w", -1, fs.ErrInvalid)
	if !errors.Is(err, config.ErrInvalid) || !errors.Is(err, fs.ErrInvalid) || err.Error() != "--limit -1: invalid argument" {
		t.Errorf("Errorf: %v", err)
	}
	if config.Wrap("x", nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if got := config.Wrap("report", err).Error(); got != "report: --limit -1: invalid argument" {
		t.Errorf("Wrap: %s", got)
	}
	if errors.Is(errors.New("broker down"), config.ErrInvalid) {
		t.Error("a plain error is a configuration error")
	}
}
