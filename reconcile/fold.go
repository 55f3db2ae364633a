package reconcile

import (
	"slices"
	"strings"
	"sync"
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
	var buf [256]byte // most descriptions: the string is the one allocation
	return string(foldAppend(buf[:0], s))
}

// foldAppend appends Fold(s) to dst, so that a caller folding many
// texts writes them to one buffer.
func foldAppend(dst []byte, s string) []byte {
	dst = slices.Grow(dst, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < foldTableEnd {
			if c := foldTable()[r-utf8.RuneSelf]; c != 0 {
				dst = append(dst, c)
			}
		} else if c := foldRune(r); c != 0 {
			dst = append(dst, c)
		}
		i += size
	}
	return dst
}

// foldRune is what Fold writes for the non-ASCII rune r: a byte, or 0 for
// nothing.
func foldRune(r rune) byte {
	switch {
	case r == 'đ' || r == 'Đ':
		return 'D'
	case unicode.Is(unicode.Mn, r):
		// a combining mark (text already in NFD): the diacritic itself
		return 0
	}
	// A precomposed letter: its canonical decomposition starts with the
	// base letter ("ệ" → "e" + U+0323 + U+0302).
	dec := norm.NFD.PropertiesString(string(r)).Decomposition()
	if len(dec) > 0 && dec[0] < utf8.RuneSelf && isAlnum(upper(dec[0])) {
		return upper(dec[0])
	}
	return ' '
}

// foldTableEnd bounds the runes foldTable holds: Latin-1, the Latin
// extensions, the combining marks and Vietnamese's precomposed letters
// (U+1EA0–U+1EF9), every rune of a Vietnamese description.
const foldTableEnd = 0x2000

// foldTable is foldRune of every rune from utf8.RuneSelf to foldTableEnd,
// computed once: a look-up instead of a Unicode decomposition per rune.
var foldTable = sync.OnceValue(func() *[foldTableEnd - utf8.RuneSelf]byte {
	var t [foldTableEnd - utf8.RuneSelf]byte
	for r := rune(utf8.RuneSelf); r < foldTableEnd; r++ {
		t[r-utf8.RuneSelf] = foldRune(r)
	}
	return &t
})

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// FoldName returns a payer name folded for comparison: Fold, then only
// letters and digits kept, words separated by single spaces.
// "Nguyễn  Văn-An" and "NGUYEN VAN AN" fold alike.
func FoldName(s string) string {
	var buf [128]byte // most names: the string is the one allocation
	return string(foldNameAppend(buf[:0], s))
}

// foldNameAppend appends FoldName(s) to dst, so that a caller only
// looking a folded name up allocates nothing.
func foldNameAppend(dst []byte, s string) []byte {
	start := len(dst)
	dst = foldAppend(dst, s)
	// Compacted in place: what is kept is never ahead of what is read.
	w := start
	space := false
	for i := start; i < len(dst); i++ {
		c := dst[i]
		if isAlnum(c) {
			if space && w > start {
				dst[w] = ' '
				w++
			}
			space = false
			dst[w] = c
			w++
			continue
		}
		space = true
	}
	return dst[:w]
}

func isAlnum(c byte) bool  { return isDigit(c) || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
