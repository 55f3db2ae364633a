package reconcile

import (
	"cmp"
	"slices"
	"strings"

	"github.com/feerecon/feerecon/payment"
)

// RefKind says what a reference found in a description points at.
type RefKind string

// Reference kinds.
const (
	// RefCode: a payment code whose check digits are valid.
	RefCode RefKind = "code"
	// RefDossier: a dossier code, by its comparison key (see DossierKey).
	RefDossier RefKind = "dossier"
)

// Reference is one notice reference found in a transfer description.
type Reference struct {
	Kind RefKind `json:"kind"`
	// Code is set for RefCode: the validated payment code.
	Code payment.PaymentCode `json:"payment_code,omitempty"`
	// Dossier is set for RefDossier: the dossier code as written, folded and
	// without its dots, dashes and spaces (e.g. G01899108000231110 0096 →
	// "G018991080002311100096"; OCR letters are kept here).
	Dossier string `json:"dossier,omitempty"`
	// Key is what a notice is looked up by: the code itself for RefCode,
	// DossierKey of the dossier for RefDossier.
	Key string `json:"key"`
	// Rule is the extraction rule that found it.
	Rule Rule `json:"rule"`
	// Evidence is the span of the folded description that held it.
	Evidence string `json:"evidence"`
}

// maxLookalikes bounds how many look-alike letters one code may carry
// before it is not read as a code at all; with more, the "digits" are
// mostly letters and the check digits would be the only evidence.
const maxLookalikes = 4

// lookalikeDigit maps the letters people and OCR type for digits, after
// folding to upper case: O/o for 0, I/i/l (folded to L) for 1. S→5 and
// B→8 are deliberately not read: they are OCR-only confusions not seen in
// typed descriptions, and each extra letter widens the set of words that
// could pass the 1-in-97 check by chance.
func lookalikeDigit(c byte) (byte, bool) {
	switch c {
	case 'O':
		return '0', true
	case 'I', 'L':
		return '1', true
	}
	return 0, false
}

// DossierKey is the comparison key of a dossier code: upper case, without
// separators, with O read as 0 and I/L as 1 (OCR turns G01 into GOI). A
// notice's dossier and a dossier written in a description match when their
// keys are equal. Streaming callers index notices by this key.
func DossierKey(s string) string {
	var buf [64]byte // most dossiers: the string is the one allocation
	return string(dossierKeyAppend(buf[:0], s))
}

// dossierKeyAppend appends DossierKey(s) to dst.
func dossierKeyAppend(dst []byte, s string) []byte {
	start := len(dst)
	dst = foldAppend(dst, s)
	// Compacted in place: what is kept is never ahead of what is read.
	w := start
	for i := start; i < len(dst); i++ {
		c := dst[i]
		if !isAlnum(c) {
			continue
		}
		if d, ok := lookalikeDigit(c); ok {
			c = d
		}
		dst[w] = c
		w++
	}
	return dst[:w]
}

// group is a maximal run of A-Z0-9 in the folded text.
type group struct {
	start, end int
	digits     bool // only 0-9
	// noDigits: the group is a bank envelope field (trace, reference,
	// account number) and is never read as the digits of a code.
	noDigits bool
	// linked: the separator before this group may sit inside a code.
	linked bool
}

// accountWords precede an account number in bank envelopes
// ("CT tu <acct> <NAME> toi <acct>", "TK 0071…", "STK …").
var accountWords = map[string]bool{
	"TU": true, "TOI": true, "TK": true, "STK": true, "ACC": true, "ACCT": true, "ACCOUNT": true,
}

// References extracts the notice references in a transfer description.
//
// The rules, in the order of the evidence they need:
//
//   - payment_code: a configured prefix followed by 12 digits whose ISO 7064
//     check digits are valid. Spaces, dots, dashes and underscores between
//     the digits are ignored ("NP 0000 1234 5632", "NP-000012345632"); the
//     prefix may be glued to text before it (bank envelopes drop spaces) and
//     the 12th digit must not be followed by another digit.
//   - payment_code_lookalike: the same with O read as 0 and I/L as 1, at
//     most four such letters, the check digits confirming the repair.
//   - payment_code_digits: the 12 digits alone, as a whole token or a chain
//     of digit groups totalling exactly 12 digits, validated under each
//     configured prefix. Digit groups inside bank envelopes are never read
//     this way: the reference after MBVCB, a NAPAS trace/date/time, and the
//     number after TU/TOI/TK/STK (account numbers). A 12-digit run inside a
//     longer number never counts (token boundaries).
//   - dossier_code: <unit>-<yymmdd>-<nnnn> with or without its dots and
//     dashes, the date plausible; matched by DossierKey.
//
// A typo the check digits reject is dropped, never corrected into another
// code. A reference only identifies a notice if a notice has that code or
// dossier key: a 12-digit run passing mod 97 by chance (1 in 97) names no
// issued notice and is ignored by Decide. The result is deduplicated by key
// (keeping the strongest rule) and sorted by kind then key.
func (e *Engine) References(description string) []Reference {
	return extract(description, e.prefixes)
}

func extract(description string, prefixes []string) []Reference {
	refs := extractInto(nil, description, prefixes)
	if len(refs) == 0 {
		return nil
	}
	return refs
}

// extractInto is extract appending to refs[:0], so that a caller
// extracting many descriptions reuses one buffer.
func extractInto(refs []Reference, description string, prefixes []string) []Reference {
	return extractFolded(refs, Fold(description), prefixes)
}

// extractFolded is extractInto of a description already folded (f).
func extractFolded(refs []Reference, f string, prefixes []string) []Reference {
	refs = refs[:0]
	var buf [32]group // most descriptions fit: no allocation for the groups
	gs := groups(f, buf[:0])
	if len(gs) == 0 {
		return refs
	}
	refs = prefixedCodes(f, gs, prefixes, refs)
	refs = digitCodes(f, gs, prefixes, refs)
	refs = dossiers(f, gs, refs)
	return dedupe(refs)
}

// checkPasses reports whether prefix followed by digits passes the ISO
// 7064 MOD 97-10 check with check digits 02–98, as
// payment.ParsePaymentCode requires. It is only a filter, so that the many
// candidates that fail cost no error value: ParsePaymentCode still decides
// the ones that pass (and any it cannot judge, e.g. other characters).
func checkPasses(prefix string, digits []byte) bool {
	r := 0
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if c < 'A' || c > 'Z' {
			return true
		}
		r = (r*100 + int(c-'A') + 10) % 97
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return true
		}
		r = (r*10 + int(c-'0')) % 97
	}
	if r != 1 || len(digits) < 2 {
		return r == 1 // too short a code: ParsePaymentCode refuses it
	}
	hi, lo := digits[len(digits)-2], digits[len(digits)-1]
	return !(hi == '0' && lo < '2') && !(hi == '9' && lo == '9')
}

// groups splits folded text into alphanumeric groups and marks envelope
// fields and links.
func groups(f string, gs []group) []group {
	for i := 0; i < len(f); {
		if !isAlnum(f[i]) {
			i++
			continue
		}
		g := group{start: i, digits: true}
		for i < len(f) && isAlnum(f[i]) {
			if !isDigit(f[i]) {
				g.digits = false
			}
			i++
		}
		g.end = i
		if n := len(gs); n > 0 {
			g.linked = linkSep(f[gs[n-1].end:g.start])
		}
		gs = append(gs, g)
	}
	text := func(k int) string { return f[gs[k].start:gs[k].end] }
	for k := range gs {
		if k > 0 && gs[k].digits {
			if prev := text(k - 1); accountWords[prev] || prev == "MBVCB" {
				gs[k].noDigits = true
			}
		}
	}
	// NAPAS envelope: <trace>.<ddmmyy>.<hhmmss>.<text> at the start.
	if len(gs) >= 3 && gs[0].digits && gs[1].digits && gs[2].digits &&
		gs[1].end-gs[1].start == 6 && gs[2].end-gs[2].start == 6 &&
		f[gs[0].end:gs[1].start] == "." && f[gs[1].end:gs[2].start] == "." {
		for k := 0; k < 3; k++ {
			gs[k].noDigits = true
		}
		if len(gs) > 3 {
			gs[3].linked = false
		}
	}
	// A digit group longer than a code is another number (an account, a
	// bank's <bin><account> prefix, a trace): it can hold no part of a code,
	// so it is read like an envelope field and breaks digit chains.
	for k := range gs {
		if gs[k].digits && gs[k].end-gs[k].start > payment.SerialDigits+2 {
			gs[k].noDigits = true
		}
	}
	// An envelope field is not linked to its neighbours either.
	for k := range gs {
		if gs[k].noDigits {
			gs[k].linked = false
			if k+1 < len(gs) {
				gs[k+1].linked = false
			}
		}
	}
	return gs
}

// linkSep reports whether sep may stand between the parts of one code.
func linkSep(sep string) bool {
	if len(sep) == 0 || len(sep) > 3 {
		return false
	}
	for i := 0; i < len(sep); i++ {
		switch sep[i] {
		case ' ', '.', '-', '_', '/':
		default:
			return false
		}
	}
	return true
}

// afterPrefixSep also allows "NP: 0000…" and "NP#…" between prefix and digits.
func afterPrefixSep(sep string) bool {
	if linkSep(sep) {
		return true
	}
	t := strings.Trim(sep, " ")
	return len(sep) <= 3 && (t == ":" || t == "#")
}

func prefixedCodes(f string, gs []group, prefixes []string, refs []Reference) []Reference {
	for k, g := range gs {
		text := f[g.start:g.end]
		for _, p := range prefixes {
			for off := 0; ; {
				j := strings.Index(text[off:], p)
				if j < 0 {
					break
				}
				j += off
				off = j + 1
				if ref, ok := readCode(f, gs, k, g.start+j+len(p), p); ok {
					ref.Evidence = f[g.start+j : ref.endPos()]
					refs = append(refs, ref.Reference)
				}
			}
		}
	}
	return refs
}

type codeRead struct {
	Reference
	end int
}

func (c codeRead) endPos() int { return c.end }

// readCode collects 12 digit-like characters starting at pos (inside group
// k, or at its end) under prefix p.
func readCode(f string, gs []group, k, pos int, p string) (codeRead, bool) {
	var digits [payment.SerialDigits + 2]byte
	n, swaps := 0, 0
	first := true
	for n < len(digits) {
		if pos == gs[k].end {
			// continue into the next group if linked
			if k+1 >= len(gs) {
				return codeRead{}, false
			}
			sep := f[gs[k].end:gs[k+1].start]
			if first && n == 0 {
				if !afterPrefixSep(sep) {
					return codeRead{}, false
				}
			} else if !gs[k+1].linked {
				return codeRead{}, false
			}
			k++
			pos = gs[k].start
			continue
		}
		first = false
		c := f[pos]
		switch {
		case isDigit(c):
		default:
			d, ok := lookalikeDigit(c)
			if !ok {
				return codeRead{}, false
			}
			c = d
			swaps++
		}
		digits[n] = c
		n++
		pos++
	}
	// The 12th digit must end the number: "NP0000123456321" is not a code.
	if pos < gs[k].end && isDigit(f[pos]) {
		return codeRead{}, false
	}
	if swaps > maxLookalikes || !checkPasses(p, digits[:]) {
		return codeRead{}, false
	}
	code, err := payment.ParsePaymentCode(p + string(digits[:]))
	if err != nil {
		return codeRead{}, false
	}
	rule := RulePaymentCode
	if swaps > 0 {
		rule = RulePaymentCodeLookalike
	}
	return codeRead{Reference: Reference{Kind: RefCode, Code: code, Key: string(code), Rule: rule}, end: pos}, true
}

func digitCodes(f string, gs []group, prefixes []string, refs []Reference) []Reference {
	add := func(digits []byte, from, to int) {
		for _, p := range prefixes {
			if !checkPasses(p, digits) {
				continue
			}
			if code, err := payment.ParsePaymentCode(p + string(digits)); err == nil {
				refs = append(refs, Reference{Kind: RefCode, Code: code, Key: string(code),
					Rule: RulePaymentCodeDigits, Evidence: f[from:to]})
			}
		}
	}
	const want = payment.SerialDigits + 2
	for k := 0; k < len(gs); {
		if !gs[k].digits || gs[k].noDigits {
			k++
			continue
		}
		// maximal chain of linked digit groups starting at k
		end := k + 1
		for end < len(gs) && gs[end].linked && gs[end].digits && !gs[end].noDigits {
			end++
		}
		total := 0
		for i := k; i < end; i++ {
			total += gs[i].end - gs[i].start
		}
		if total == want && end-k > 1 {
			var b [want]byte
			n := 0
			for i := k; i < end; i++ {
				n += copy(b[n:], f[gs[i].start:gs[i].end])
			}
			add(b[:], gs[k].start, gs[end-1].end)
		} else {
			for i := k; i < end; i++ {
				if gs[i].end-gs[i].start == want {
					var b [want]byte
					copy(b[:], f[gs[i].start:gs[i].end])
					add(b[:], gs[i].start, gs[i].end)
				}
			}
		}
		k = end
	}
	return refs
}

// dossiers finds <unit><yymmdd><nnnn> with or without separators.
func dossiers(f string, gs []group, refs []Reference) []Reference {
	for k := range gs {
		// Tail form 1: the group ends with 10 digit-like chars (date+seq),
		// possibly with the unit glued before them.
		txt := f[gs[k].start:gs[k].end]
		if len(txt) >= 10 {
			if tail, ok := dateSeq(txt[len(txt)-10:], ""); ok {
				glued := txt[:len(txt)-10]
				refs = unitsBefore(f, gs, k, glued, tail, gs[k].end, refs)
			}
		}
		// Tail form 2: a 6-char group then a linked 4-char group.
		if k+1 < len(gs) && gs[k+1].linked && len(txt) >= 6 && gs[k+1].end-gs[k+1].start == 4 {
			if tail, ok := dateSeq(txt[len(txt)-6:], f[gs[k+1].start:gs[k+1].end]); ok {
				glued := txt[:len(txt)-6]
				refs = unitsBefore(f, gs, k, glued, tail, gs[k+1].end, refs)
			}
		}
	}
	return refs
}

// dateSeq checks yymmdd+nnnn (look-alike letters read as digits) and
// returns it in digits.
func dateSeq(s1, s2 string) ([10]byte, bool) {
	var b [10]byte
	if len(s1)+len(s2) != len(b) {
		return b, false
	}
	copy(b[:], s1)
	copy(b[len(s1):], s2)
	for i, c := range b {
		if isDigit(c) {
			continue
		}
		d, ok := lookalikeDigit(c)
		if !ok {
			return b, false
		}
		b[i] = d
	}
	mm := int(b[2]-'0')*10 + int(b[3]-'0')
	dd := int(b[4]-'0')*10 + int(b[5]-'0')
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return b, false
	}
	return b, true
}

// unitsBefore emits a dossier candidate for each plausible receiving-unit id
// ending just before the date: the glued letters of the tail's own group,
// and up to five linked groups before it (Circular 10/2016 ids have one to
// five dotted groups of 1–3 characters, e.g. G01.899.108.000, or are typed
// together, e.g. G01899108000). Candidates name no notice until a notice's
// dossier has the same key, so the extra ones are harmless.
func unitsBefore(f string, gs []group, k int, glued string, tail [10]byte, end int, refs []Reference) []Reference {
	mark := len(refs)
	canonical := -1 // index in refs of the longest span in dotted form
	emit := func(unit string, start int) {
		if len(unit) < 2 || len(unit) > 15 || !hasLetterAndDigit(unit) {
			return
		}
		var b strings.Builder
		b.Grow(len(unit) + len(tail))
		b.WriteString(unit)
		b.Write(tail[:])
		compact := b.String()
		r := Reference{Kind: RefDossier, Dossier: compact, Key: compactDossierKey(compact),
			Rule: RuleDossierCode, Evidence: f[start:end]}
		if canonicalDossier(r.Evidence) {
			canonical = len(refs)
		}
		refs = append(refs, r)
	}
	unit := glued
	if glued != "" {
		// The unit typed together with the date: the group is the whole
		// code (G018991080002311100096); words before it are not read.
		emit(unit, gs[k].start)
		return refs
	}
	for i := 1; i <= 5 && k-i >= 0; i++ {
		if !gs[k-i+1].linked {
			break
		}
		gtxt := f[gs[k-i].start:gs[k-i].end]
		if i > 1 && len(gtxt) > 3 {
			break
		}
		start := gs[k-i].start
		if canonical >= 0 && !canonicalDossier(f[start:end]) {
			break // grown past the code into the words before it
		}
		unit = gtxt + unit
		emit(unit, start)
		if len(gtxt) > 3 {
			break // a long group is a whole unit typed without dots
		}
	}
	// A span in the canonical dotted form is the whole code: its suffixes
	// ("21.H29-…" of "000.31.21.H29-…") are not offered.
	if canonical >= 0 {
		r := refs[canonical]
		refs = append(refs[:mark], r)
	}
	return refs
}

// canonicalDossier reports whether s (folded) is a dossier code in its
// dotted form, the pattern payment.ParseDossierCode accepts:
// [A-Z0-9]{2,3}(\.[A-Z0-9]{1,3}){1,4}-\d{6}-\d{4}. Written out by hand
// because it runs for every candidate span of every payment.
func canonicalDossier(s string) bool {
	n := len(s)
	if n < 2+2+12 || s[n-5] != '-' || s[n-12] != '-' {
		return false
	}
	for i := n - 11; i < n; i++ {
		if i != n-5 && !isDigit(s[i]) {
			return false
		}
	}
	unit := s[:n-12]
	groups, size := 0, 0
	for i := 0; i <= len(unit); i++ {
		if i == len(unit) || unit[i] == '.' {
			groups++
			if (groups == 1 && (size < 2 || size > 3)) || (groups > 1 && (size < 1 || size > 3)) {
				return false
			}
			size = 0
			continue
		}
		if !isAlnum(unit[i]) {
			return false
		}
		size++
	}
	return groups >= 2 && groups <= 5
}

// compactDossierKey is DossierKey of a compact dossier (A–Z and 0–9 only,
// already folded): the same string when it holds no look-alike letter.
func compactDossierKey(compact string) string {
	if !strings.ContainsAny(compact, "OIL") {
		return compact
	}
	b := []byte(compact)
	for i, c := range b {
		if d, ok := lookalikeDigit(c); ok {
			b[i] = d
		}
	}
	return string(b)
}

func hasLetterAndDigit(s string) bool {
	l, d := false, false
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			d = true
		} else if isLetter(s[i]) {
			l = true
		}
	}
	return l && d
}

func ruleStrength(r Rule) int {
	switch r {
	case RulePaymentCode:
		return 0
	case RulePaymentCodeLookalike:
		return 1
	case RulePaymentCodeDigits:
		return 2
	case RuleDossierCode:
		return 3
	case RuleMultiReferenceExactSum, RuleManual:
		return 4
	}
	return 5
}

func dedupe(refs []Reference) []Reference {
	if len(refs) == 0 {
		return nil
	}
	slices.SortStableFunc(refs, func(a, b Reference) int {
		if a.Kind != b.Kind {
			if a.Kind == RefCode {
				return -1
			}
			if b.Kind == RefCode {
				return 1
			}
			return 0
		}
		if a.Key != b.Key {
			return strings.Compare(a.Key, b.Key)
		}
		if sa, sb := ruleStrength(a.Rule), ruleStrength(b.Rule); sa != sb {
			return cmp.Compare(sa, sb)
		}
		if len(a.Evidence) != len(b.Evidence) {
			return cmp.Compare(len(b.Evidence), len(a.Evidence))
		}
		return strings.Compare(a.Evidence, b.Evidence)
	})
	out := refs[:1]
	for _, r := range refs[1:] {
		last := out[len(out)-1]
		if r.Kind == last.Kind && r.Key == last.Key {
			continue
		}
		out = append(out, r)
	}
	return out
}
