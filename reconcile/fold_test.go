package reconcile

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldByDecomposition is Fold as it was written before its rune table:
// a Unicode decomposition per non-ASCII rune.
func foldByDecomposition(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(upper(c))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 'đ' || r == 'Đ':
			b.WriteByte('D')
		case unicode.Is(unicode.Mn, r):
		default:
			dec := norm.NFD.PropertiesString(s[i:]).Decomposition()
			if len(dec) > 0 && dec[0] < utf8.RuneSelf && isAlnum(upper(dec[0])) {
				b.WriteByte(upper(dec[0]))
			} else {
				b.WriteByte(' ')
			}
		}
		i += size
	}
	return b.String()
}

// TestFoldSameAsDecomposition holds Fold to the decomposition it replaced
// by a table: every rune alone and between letters, and random bytes
// (invalid UTF-8 included).
func TestFoldSameAsDecomposition(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		for _, s := range []string{string(r), "a" + string(r) + "b"} {
			if got, want := Fold(s), foldByDecomposition(s); got != want {
				t.Fatalf("Fold(%q) = %q, want %q", s, got, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 200_000 {
		b := make([]byte, 1+rng.IntN(8))
		for k := range b {
			b[k] = byte(rng.IntN(256))
		}
		if got, want := Fold(string(b)), foldByDecomposition(string(b)); got != want {
			t.Fatalf("Fold(%q) = %q, want %q", b, got, want)
		}
	}
}
