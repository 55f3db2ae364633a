package postgres

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lib/pq"
)

// TestTextArrayIsStringArray: textArray writes the literal pq.StringArray
// writes, for elements with quotes, backslashes, braces, commas, spaces,
// Vietnamese text and nothing at all.
func TestTextArrayIsStringArray(t *testing.T) {
	t.Parallel()
	cases := [][]string{
		nil, {}, {""}, {"", ""}, {"a"}, {`"`}, {`\`}, {`\"`}, {`a"b\c`, "d"}, {"{x,y}", "NULL", " ", "null"},
		{"Nguyễn Văn An", `{"notice_id":"N1","amount":"100000"}`, `C:\path\"q"`},
	}
	r := rand.New(rand.NewPCG(7, 9)) //nolint:gosec // G404: reproducible cases
	alphabet := []string{"a", "Z", "0", `"`, `\`, ",", "{", "}", " ", "ế", "\t", "'"}
	for range 500 {
		row := make([]string, r.IntN(6))
		for i := range row {
			var b strings.Builder
			for range r.IntN(12) {
				b.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			row[i] = b.String()
		}
		cases = append(cases, row)
	}
	for _, c := range cases {
		got, err := textArray(c).Value()
		if err != nil {
			t.Fatal(err)
		}
		want, err := pq.StringArray(c).Value()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%q: textArray %#v, pq.StringArray %#v", c, got, want)
		}
	}
}

func BenchmarkTextArray(b *testing.B) {
	col := make([]string, 1000)
	for i := range col {
		col[i] = strings.Repeat("x", 40) + `{"k":"v"}`
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
