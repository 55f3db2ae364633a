package daily

import "strings"

// FileComponent encodes a report scope (an agency code, or ALL) for use
// inside a file name, injectively: two different scopes never give the
// same component, on any file system.
//
// Upper-case ASCII letters, digits, '.' and '-' stand for themselves, so a
// valid agency code (payment.CheckAgencyCode: H29.75, G01.899.108) and ALL
// are written as they are. Every other byte, '_' and lower-case letters
// included, is written as '_' and two upper-case hex digits (H42/12 gives
// H42_2F12, H42_12 gives H42_5F12). Decoding is unambiguous, so the
// encoding is injective; its output has no lower-case letter, so names
// that differ only in case on a case-insensitive file system (Windows,
// macOS) cannot arise; and it holds none of / \ : * ? " < > | or control
// characters, which Linux or Windows refuse. The component is always
// placed between a prefix and a suffix (report_<date>_…_v<n>, daily-….json),
// so Windows' reserved device names and trailing dots cannot occur either.
func FileComponent(scope string) string {
	var b strings.Builder
	for i := range len(scope) {
		c := scope[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-':
			b.WriteByte(c)
		default:
			const hex = "0123456789ABCDEF"
			b.WriteByte('_')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0F])
		}
	}
	if b.Len() == 0 {
		return "_" // the empty scope: a component of its own, never ""
	}
	return b.String()
}
