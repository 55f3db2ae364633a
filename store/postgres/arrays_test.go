package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/lib/pq"

	"github.com/feerecon/feerecon/testenv"
)

// TestBinaryArraysRoundTrip: what textArray and byteaArray send is read
// back by the real server element for element — empty arrays and
// elements, quotes, backslashes, braces, Vietnamese text; bytes with NUL
// and invalid UTF-8 — and a nil array is NULL.
func TestBinaryArraysRoundTrip(t *testing.T) {
	url := testenv.Postgres(t)
	if _, err := Migrate(url); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, want := range [][]string{{}, {""}, {"a", "", `"q"`, `back\slash`, "{x,y}", "NULL", "Nguyễn Văn An", `{"k":"v"}`}} {
		var got pq.StringArray
		if err := s.db.QueryRowContext(ctx, `SELECT $1::text[]`, textArray(want)).Scan(&got); err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("text[] %q came back %q", want, got)
		}
	}
	for _, want := range [][]byte{{}, {0}, {0xff, 0xfe, 0}, []byte(`{"notice_id":"N1"}`)} {
		var got []byte
		if err := s.db.QueryRowContext(ctx, `SELECT ($1::bytea[])[2]`, byteaArray{[]byte("x"), want}).Scan(&got); err != nil {
			t.Fatalf("%x: %v", want, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("bytea %x came back %x", want, got)
		}
	}
	var nulls bool
	if err := s.db.QueryRowContext(ctx, `SELECT $1::text[] IS NULL AND $2::bytea[] IS NULL`, textArray(nil), byteaArray(nil)).Scan(&nulls); err != nil || !nulls {
		t.Errorf("nil arrays: NULL %v, %v", nulls, err)
	}
	// The element type is checked: text sent where the statement says
	// bytea is refused, not misread.
	if _, err := s.db.ExecContext(ctx, `SELECT $1::bytea[]`, textArray{"x"}); err == nil {
		t.Error("a text[] value read as bytea[] was accepted")
	}
}

// BenchmarkTextArray: a bulk column of 1,000 JSON-ish values, as
// textArray (binary) and as pq.StringArray (the literal) build it.
func BenchmarkTextArray(b *testing.B) {
	col := make([]string, 1000)
	for i := range col {
		col[i] = `{"notice_id":"N00000001","amount":"100000","payment_id":"vietqr:00000001"}`
	}
	b.Run("textArray", func(b *testing.B) {
		for b.Loop() {
			_, _ = textArray(col).Value()
		}
	})
	b.Run("pq.StringArray", func(b *testing.B) {
		for b.Loop() {
			_, _ = pq.StringArray(col).Value()
		}
	})
}
