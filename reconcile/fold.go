package reconcile

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s in the form matching compares: Vietnamese diacritics
// removed (đ/Đ become D), ASCII letters upper-cased, every other non-ASCII
// rune replaced by a space. ASCII punctuation is kept, so separators inside
// codes stay visible to the extractor. Fold is what banks do to descriptions
// anyway; doing it first makes "Lệ phí" and "LE PHI" the same text.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s)
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		switch {
		case r == 'đ' || r == 'Đ':
			b.WriteByte('D')
		case r < utf8.RuneSelf:
			if r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case unicode.Is(unicode.Mn, r):
			// combining mark left by NFD: the diacritic itself
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// FoldName returns a payer name folded for comparison: Fold, then only
// letters and digits kept, words separated by single spaces.
// "Nguyễn  Văn-An" and "NGUYEN VAN AN" fold alike.
func FoldName(s string) string {
	f := Fold(s)
	var b strings.Builder
	b.Grow(len(f))
	space := false
	for i := 0; i < len(f); i++ {
		c := f[i]
		if isAlnum(c) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
			continue
		}
		space = true
	}
	return b.String()
}

func isAlnum(c byte) bool  { return isDigit(c) || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
