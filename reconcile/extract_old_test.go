package reconcile

import (
	"sort"
	"strings"

	"github.com/feerecon/feerecon/payment"
)

// The reference extraction as it was before extractInto, kept to hold
// the new one to it (TestExtractSameAsBefore).

type oldGroup struct {
	start, end int
	digits     bool
	noDigits   bool
	linked     bool
}

var oldAccountWords = map[string]bool{
	"TU": true, "TOI": true, "TK": true, "STK": true, "ACC": true, "ACCT": true, "ACCOUNT": true,
}

func oldExtract(description string, prefixes []string) []Reference {
	f := Fold(description)
	var buf [32]oldGroup // most descriptions fit: no allocation for the oldGroups
	gs := oldGroups(f, buf[:0])
	if len(gs) == 0 {
		return nil
	}
	var refs []Reference
	refs = oldPrefixedCodes(f, gs, prefixes, refs)
	refs = oldDigitCodes(f, gs, prefixes, refs)
	refs = oldDossiers(f, gs, refs)
	return oldDedupe(refs)
}

// oldGroups splits folded text into alphanumeric oldGroups and marks envelope
// fields and links.
func oldGroups(f string, gs []oldGroup) []oldGroup {
	for i := 0; i < len(f); {
		if !isAlnum(f[i]) {
			i++
			continue
		}
		g := oldGroup{start: i, digits: true}
		for i < len(f) && isAlnum(f[i]) {
			if !isDigit(f[i]) {
				g.digits = false
			}
			i++
		}
		g.end = i
		if n := len(gs); n > 0 {
			g.linked = oldLinkSep(f[gs[n-1].end:g.start])
		}
		gs = append(gs, g)
	}
	text := func(k int) string { return f[gs[k].start:gs[k].end] }
	for k := range gs {
		if k > 0 && gs[k].digits {
			if prev := text(k - 1); oldAccountWords[prev] || prev == "MBVCB" {
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
	// A digit oldGroup longer than a code is another number (an account, a
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

// oldLinkSep reports whether sep may stand between the parts of one code.
func oldLinkSep(sep string) bool {
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

// oldAfterPrefixSep also allows "NP: 0000…" and "NP#…" between prefix and digits.
func oldAfterPrefixSep(sep string) bool {
	if oldLinkSep(sep) {
		return true
	}
	t := strings.Trim(sep, " ")
	return len(sep) <= 3 && (t == ":" || t == "#")
}

func oldPrefixedCodes(f string, gs []oldGroup, prefixes []string, refs []Reference) []Reference {
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
				if ref, ok := oldReadCode(f, gs, k, g.start+j+len(p), p); ok {
					ref.Evidence = f[g.start+j : ref.endPos()]
					refs = append(refs, ref.Reference)
				}
			}
		}
	}
	return refs
}

type oldCodeRead struct {
	Reference
	end int
}

func (c oldCodeRead) endPos() int { return c.end }

// oldReadCode collects 12 digit-like characters starting at pos (inside oldGroup
// k, or at its end) under prefix p.
func oldReadCode(f string, gs []oldGroup, k, pos int, p string) (oldCodeRead, bool) {
	var digits [payment.SerialDigits + 2]byte
	n, swaps := 0, 0
	first := true
	for n < len(digits) {
		if pos == gs[k].end {
			// continue into the next oldGroup if linked
			if k+1 >= len(gs) {
				return oldCodeRead{}, false
			}
			sep := f[gs[k].end:gs[k+1].start]
			if first && n == 0 {
				if !oldAfterPrefixSep(sep) {
					return oldCodeRead{}, false
				}
			} else if !gs[k+1].linked {
				return oldCodeRead{}, false
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
				return oldCodeRead{}, false
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
		return oldCodeRead{}, false
	}
	if swaps > maxLookalikes {
		return oldCodeRead{}, false
	}
	code, err := payment.ParsePaymentCode(p + string(digits[:]))
	if err != nil {
		return oldCodeRead{}, false
	}
	rule := RulePaymentCode
	if swaps > 0 {
		rule = RulePaymentCodeLookalike
	}
	return oldCodeRead{Reference: Reference{Kind: RefCode, Code: code, Key: string(code), Rule: rule}, end: pos}, true
}

func oldDigitCodes(f string, gs []oldGroup, prefixes []string, refs []Reference) []Reference {
	add := func(digits string, from, to int) {
		for _, p := range prefixes {
			if code, err := payment.ParsePaymentCode(p + digits); err == nil {
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
		// maximal chain of linked digit oldGroups starting at k
		end := k + 1
		for end < len(gs) && gs[end].linked && gs[end].digits && !gs[end].noDigits {
			end++
		}
		total := 0
		for i := k; i < end; i++ {
			total += gs[i].end - gs[i].start
		}
		if total == want && end-k > 1 {
			var b strings.Builder
			for i := k; i < end; i++ {
				b.WriteString(f[gs[i].start:gs[i].end])
			}
			add(b.String(), gs[k].start, gs[end-1].end)
		} else {
			for i := k; i < end; i++ {
				if gs[i].end-gs[i].start == want {
					add(f[gs[i].start:gs[i].end], gs[i].start, gs[i].end)
				}
			}
		}
		k = end
	}
	return refs
}

// oldDossiers finds <unit><yymmdd><nnnn> with or without separators.
func oldDossiers(f string, gs []oldGroup, refs []Reference) []Reference {
	for k := range gs {
		// Tail form 1: the oldGroup ends with 10 digit-like chars (date+seq),
		// possibly with the unit glued before them.
		txt := f[gs[k].start:gs[k].end]
		if len(txt) >= 10 {
			if tail, ok := oldDateSeq(txt[len(txt)-10:], ""); ok {
				glued := txt[:len(txt)-10]
				refs = oldUnitsBefore(f, gs, k, glued, tail, gs[k].end, refs)
			}
		}
		// Tail form 2: a 6-char oldGroup then a linked 4-char oldGroup.
		if k+1 < len(gs) && gs[k+1].linked && len(txt) >= 6 && gs[k+1].end-gs[k+1].start == 4 {
			if tail, ok := oldDateSeq(txt[len(txt)-6:], f[gs[k+1].start:gs[k+1].end]); ok {
				glued := txt[:len(txt)-6]
				refs = oldUnitsBefore(f, gs, k, glued, tail, gs[k+1].end, refs)
			}
		}
	}
	return refs
}

// oldDateSeq checks yymmdd+nnnn (look-alike letters read as digits) and
// returns it in digits.
func oldDateSeq(s1, s2 string) (string, bool) {
	var b [10]byte
	if len(s1)+len(s2) != len(b) {
		return "", false
	}
	copy(b[:], s1)
	copy(b[len(s1):], s2)
	for i, c := range b {
		if isDigit(c) {
			continue
		}
		d, ok := lookalikeDigit(c)
		if !ok {
			return "", false
		}
		b[i] = d
	}
	mm := int(b[2]-'0')*10 + int(b[3]-'0')
	dd := int(b[4]-'0')*10 + int(b[5]-'0')
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return "", false
	}
	return string(b[:]), true
}

// oldUnitsBefore emits a dossier candidate for each plausible receiving-unit id
// ending just before the date: the glued letters of the tail's own oldGroup,
// and up to five linked oldGroups before it (Circular 10/2016 ids have one to
// five dotted oldGroups of 1–3 characters, e.g. G01.899.108.000, or are typed
// together, e.g. G01899108000). Candidates name no notice until a notice's
// dossier has the same key, so the extra ones are harmless.
func oldUnitsBefore(f string, gs []oldGroup, k int, glued, tail string, end int, refs []Reference) []Reference {
	mark := len(refs)
	canonical := -1 // index in refs of the longest span in dotted form
	emit := func(unit string, start int) {
		if len(unit) < 2 || len(unit) > 15 || !oldHasLetterAndDigit(unit) {
			return
		}
		compact := unit + tail
		r := Reference{Kind: RefDossier, Dossier: compact, Key: DossierKey(compact),
			Rule: RuleDossierCode, Evidence: f[start:end]}
		if oldCanonicalDossier(r.Evidence) {
			canonical = len(refs)
		}
		refs = append(refs, r)
	}
	unit := glued
	if glued != "" {
		// The unit typed together with the date: the oldGroup is the whole
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
		if canonical >= 0 && !oldCanonicalDossier(f[start:end]) {
			break // grown past the code into the words before it
		}
		unit = gtxt + unit
		emit(unit, start)
		if len(gtxt) > 3 {
			break // a long oldGroup is a whole unit typed without dots
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

// oldCanonicalDossier reports whether s (folded) is a dossier code in its
// dotted form, the pattern payment.ParseDossierCode accepts:
// [A-Z0-9]{2,3}(\.[A-Z0-9]{1,3}){1,4}-\d{6}-\d{4}. Written out by hand
// because it runs for every candidate span of every payment.
func oldCanonicalDossier(s string) bool {
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
	oldGroups, size := 0, 0
	for i := 0; i <= len(unit); i++ {
		if i == len(unit) || unit[i] == '.' {
			oldGroups++
			if (oldGroups == 1 && (size < 2 || size > 3)) || (oldGroups > 1 && (size < 1 || size > 3)) {
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
	return oldGroups >= 2 && oldGroups <= 5
}

func oldHasLetterAndDigit(s string) bool {
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

func oldRuleStrength(r Rule) int {
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

func oldDedupe(refs []Reference) []Reference {
	if len(refs) == 0 {
		return nil
	}
	sort.SliceStable(refs, func(i, j int) bool {
		a, b := refs[i], refs[j]
		if a.Kind != b.Kind {
			return a.Kind == RefCode
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if sa, sb := oldRuleStrength(a.Rule), oldRuleStrength(b.Rule); sa != sb {
			return sa < sb
		}
		if len(a.Evidence) != len(b.Evidence) {
			return len(a.Evidence) > len(b.Evidence)
		}
		return a.Evidence < b.Evidence
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
