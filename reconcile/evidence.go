package reconcile

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Evidence names one form of an exception's evidence text. An exception
// stores its evidence as an English sentence (Exception.Evidence): the
// form's Text with its arguments filled in (Format). Every exception the
// matching engine and the daily run raise is written through a form, so
// a rendering in another language reads the stored sentence back
// (EvidenceReader) and writes it again from its own template of the same
// form, without the stored text (and the reports' hashes over it)
// changing. The form lives here only: what writes and what reads cannot
// drift apart.
type Evidence string

// Evidence forms of the matching engine (Engine.Decide).
const (
	// EvidenceNotPositive: a zero or negative payment amount.
	EvidenceNotPositive Evidence = "not_positive"
	// EvidenceReferences: the references alone (unmatched, currency_mismatch).
	EvidenceReferences Evidence = "references"
	// EvidenceNoReference: unmatched, no reference at all.
	EvidenceNoReference Evidence = "no_reference"
	// EvidenceCodeAndDossier: ambiguous, the codes name different notices.
	EvidenceCodeAndDossier Evidence = "code_and_dossier"
	// EvidenceNoticeClosed: cancelled_notice (cancelled or expired).
	EvidenceNoticeClosed Evidence = "notice_closed"
	// EvidenceAlreadyPaid: duplicate, the notice is paid.
	EvidenceAlreadyPaid Evidence = "already_paid"
	// EvidenceNothingDue: duplicate, the notice has nothing outstanding.
	EvidenceNothingDue Evidence = "nothing_due"
	// EvidenceOverpaid: overpaid, what was paid against what was due.
	EvidenceOverpaid Evidence = "overpaid"
	// EvidenceSeveralClosed: ambiguous, one of several notices is closed.
	EvidenceSeveralClosed Evidence = "several_closed"
	// EvidenceSeveralSum: ambiguous, the amount is not the notices' sum.
	EvidenceSeveralSum Evidence = "several_sum"
	// EvidenceWrongAccount: wrong_account, the (masked) account credited
	// and the agency whose collection accounts it is not among.
	EvidenceWrongAccount Evidence = "wrong_account"
)

// Evidence forms of an accountant's casework (package casework).
const (
	// EvidenceRemainder: remainder, what a manual allocation left over.
	EvidenceRemainder Evidence = "remainder"
	// EvidenceManual: a manual allocation, made from an exception.
	EvidenceManual Evidence = "manual"
)

// Evidence forms of the daily three-way reconciliation (package daily).
const (
	// EvidenceSettlementShort: settlement_short, net + fee < gross.
	EvidenceSettlementShort Evidence = "settlement_short"
	// EvidenceSettlementOver: settlement_short, net + fee > gross.
	EvidenceSettlementOver Evidence = "settlement_over"
	// EvidenceSettlementNoEvent: missing_event, a settlement line alone.
	EvidenceSettlementNoEvent Evidence = "settlement_no_event"
	// EvidenceSettledTwice: missing_event, a transaction settled twice.
	EvidenceSettledTwice Evidence = "settled_twice"
	// EvidenceSettledGross: amount_mismatch on a settlement line.
	EvidenceSettledGross Evidence = "settled_gross"
	// EvidenceBookedAmount: amount_mismatch on a bank statement entry.
	EvidenceBookedAmount Evidence = "booked_amount"
	// EvidenceCreditNoEvent: missing_event, a bank credit alone.
	EvidenceCreditNoEvent Evidence = "credit_no_event"
	// EvidenceNoStatementCredit: missing_credit of a bank payment.
	EvidenceNoStatementCredit Evidence = "no_statement_credit"
	// EvidenceNoSettlementCredit: missing_credit of a wallet payment.
	EvidenceNoSettlementCredit Evidence = "no_settlement_credit"
	// EvidenceSettlementNotCredited: missing_credit of a wallet's payout.
	EvidenceSettlementNotCredited Evidence = "settlement_not_credited"
	// EvidenceLate: late_event.
	EvidenceLate Evidence = "late"
	// EvidenceBeforeWindow: late_event of a payment whose business day is
	// before the scheduler's reporting window and was never reported (the
	// window's first day, and the command that reports the day).
	EvidenceBeforeWindow Evidence = "before_window"
)

// Evidences lists every form, in the order EvidenceReader tries them (a
// form that would also read a more specific one's text comes after it).
// A test checks it against the constants above.
func Evidences() []Evidence {
	return []Evidence{
		EvidenceNotPositive, EvidenceNoReference, EvidenceCodeAndDossier, EvidenceNoticeClosed,
		EvidenceAlreadyPaid, EvidenceNothingDue, EvidenceOverpaid, EvidenceSeveralClosed, EvidenceSeveralSum,
		EvidenceWrongAccount,
		EvidenceSettlementOver, EvidenceSettlementShort, EvidenceSettlementNoEvent, EvidenceSettledTwice,
		EvidenceSettledGross, EvidenceBookedAmount, EvidenceCreditNoEvent, EvidenceNoStatementCredit,
		EvidenceNoSettlementCredit, EvidenceSettlementNotCredited, EvidenceLate, EvidenceBeforeWindow, EvidenceRemainder, EvidenceManual,
		EvidenceReferences,
	}
}

// Text is the form's English sentence: {i:kind} stands for argument i of
// that kind (ArgKind).
func (e Evidence) Text() string {
	switch e {
	case EvidenceNotPositive:
		return "amount is not positive: {0:refs}"
	case EvidenceReferences:
		return "{0:refs}"
	case EvidenceNoReference:
		return "no valid payment code or dossier code in the description"
	case EvidenceCodeAndDossier:
		return "payment code and dossier code name different notices: {0:refs}"
	case EvidenceNoticeClosed:
		return "notice is {0:status}: {1:refs}"
	case EvidenceAlreadyPaid:
		return "notice already paid: {0:refs}"
	case EvidenceNothingDue:
		return "nothing outstanding: {0:refs}"
	case EvidenceOverpaid:
		return "paid {0:amount}, outstanding was {1:amount}: {2:refs}"
	case EvidenceSeveralClosed:
		return "several notices named, {0:id} is {1:status}: {2:refs}"
	case EvidenceSeveralSum:
		return "several notices named, amount {0:amount} is not their outstanding sum {1:amount}: {2:refs}"
	case EvidenceWrongAccount:
		return "credited to {0:id}, not a collection account of agency {1:id}: {2:refs}"
	case EvidenceSettlementShort:
		return "{0:id} row {1:int}: net {2:amount} + fee {3:amount} != gross {4:amount}"
	case EvidenceSettlementOver:
		return "{0:id} row {1:int}: net {2:amount} + fee {3:amount} != gross {4:amount}: paid out {5:amount} more than owed"
	case EvidenceSettlementNoEvent:
		return "{0:id} row {1:int}: {2:id} transaction {3:id} has no payment event"
	case EvidenceSettledTwice:
		return "{0:id} row {1:int}: {2:id} transaction {3:id} was already settled in {4:id}"
	case EvidenceSettledGross:
		return "{0:id} row {1:int}: settled gross {2:money}, event {3:money}"
	case EvidenceBookedAmount:
		return "{0:id} entry {1:int}: booked {2:money}, event {3:money}"
	case EvidenceCreditNoEvent:
		return "{0:id} entry {1:int} booked {2:date}: {3:quoted}"
	case EvidenceNoStatementCredit:
		return "paid {0:time} (business day {1:date}), no statement credit by {2:date} (T+{3:int})"
	case EvidenceNoSettlementCredit:
		return "paid {0:time} (business day {1:date}), no {2:id} settlement credit by {3:date} (T+{4:int})"
	case EvidenceSettlementNotCredited:
		return "{0:id}: net {1:amount} not credited on the bank statement by {2:date} (T+{3:int})"
	case EvidenceLate:
		return "paid {0:time}, after report {1:id} was sent"
	case EvidenceBeforeWindow:
		// {3} is the command's argument: written as the command reads it
		// in every language (an id), never as a localised date.
		return "paid {0:time} for business day {1:date}, before the reporting window starting {2:date}: " +
			"no report lists it; report the day with feerecon report --date {3:id}"
	case EvidenceManual:
		return "allocated by hand from exception {0:id}"
	case EvidenceRemainder:
		return "left over by the manual allocation of exception {0:id}"
	}
	return string(e)
}

// ArgKind is what an evidence argument holds, and so how a rendering
// writes it in its language.
type ArgKind string

// Argument kinds.
const (
	ArgID     ArgKind = "id"     // a name or key, written as it is
	ArgInt    ArgKind = "int"    // a count or a position: digits
	ArgAmount ArgKind = "amount" // a plain decimal: 150000, -5000.5
	ArgMoney  ArgKind = "money"  // an amount and its currency: 150000 VND
	ArgDate   ArgKind = "date"   // YYYY-MM-DD
	ArgTime   ArgKind = "time"   // RFC 3339
	ArgStatus ArgKind = "status" // a notice status (payment.NoticeStatus)
	ArgQuoted ArgKind = "quoted" // a Go-quoted text (a statement line's)
	// ArgRefs: the references a description held (payment code, dossier
	// code …) and the codes that named no notice, as RefsText writes
	// them; read back with ReadRefs.
	ArgRefs ArgKind = "refs"
)

// pattern is the regular expression an argument of the kind matches.
func (k ArgKind) pattern() string {
	switch k {
	case ArgID:
		return `.+?`
	case ArgInt:
		return `[0-9]+`
	case ArgAmount:
		return `-?[0-9]+(?:\.[0-9]+)?`
	case ArgMoney:
		return `-?[0-9]+(?:\.[0-9]+)? [A-Z]{3}`
	case ArgDate:
		return `[0-9]{4}-[0-9]{2}-[0-9]{2}`
	case ArgTime:
		return `[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})`
	case ArgStatus:
		return `[a-z_]+`
	case ArgQuoted:
		return `".*"`
	case ArgRefs:
		return `.*`
	}
	return `.*?`
}

var placeholderRE = regexp.MustCompile(`\{([0-9]+):([a-z]+)\}`)

// Args are the kinds of the form's arguments, in argument order.
func (e Evidence) Args() []ArgKind {
	var out []ArgKind
	for _, m := range placeholderRE.FindAllStringSubmatch(e.Text(), -1) {
		i, _ := strconv.Atoi(m[1]) // digits: the pattern says so
		for len(out) <= i {
			out = append(out, "")
		}
		out[i] = ArgKind(m[2])
	}
	return out
}

// Format writes the form's sentence with args, which must be as many as
// the form takes (a programming error otherwise: the sentence says so).
// It fills the placeholders by hand, as placeholderRE finds them (leftmost
// first, never inside an argument): every exception of Decide is written
// through it.
func (e Evidence) Format(args ...string) string {
	text := e.Text()
	n, size := 0, len(text)
	for i := 0; i < len(text); i++ {
		if k, end, ok := placeholderAt(text, i); ok {
			n = max(n, k+1)
			if k < len(args) {
				size += len(args[k]) - (end - i)
			}
			i = end - 1
		}
	}
	if n != len(args) {
		return fmt.Sprintf("%s: %d arguments for %d: %q", e, len(args), n, args)
	}
	var b strings.Builder
	b.Grow(size)
	e.write(&b, func(k int) { b.WriteString(args[k]) })
	return b.String()
}

// write writes the form's sentence to w, each placeholder by arg (its
// argument number): Format's, for a caller that writes an argument
// itself rather than passing it as a string.
func (e Evidence) write(w io.StringWriter, arg func(k int)) {
	text := e.Text()
	last := 0
	for i := 0; i < len(text); i++ {
		if k, end, ok := placeholderAt(text, i); ok {
			_, _ = w.WriteString(text[last:i])
			arg(k)
			last, i = end, end-1
		}
	}
	_, _ = w.WriteString(text[last:])
}

// placeholderAt reads a placeholder {digits:letters} starting at text[i]:
// its argument number and where it ends.
func placeholderAt(text string, i int) (int, int, bool) {
	if text[i] != '{' {
		return 0, 0, false
	}
	j, k := i+1, 0
	for j < len(text) && text[j] >= '0' && text[j] <= '9' {
		k = k*10 + int(text[j]-'0')
		j++
	}
	if j == i+1 || j >= len(text) || text[j] != ':' {
		return 0, 0, false
	}
	j++
	l := j
	for j < len(text) && text[j] >= 'a' && text[j] <= 'z' {
		j++
	}
	if j == l || j >= len(text) || text[j] != '}' {
		return 0, 0, false
	}
	return k, j + 1, true
}

// EvidenceReader reads a stored evidence sentence back into its form and
// arguments. Build one per rendering (it compiles every form once).
type EvidenceReader struct {
	forms []Evidence
	res   []*regexp.Regexp
}

// NewEvidenceReader compiles every form.
func NewEvidenceReader() *EvidenceReader {
	r := &EvidenceReader{}
	for _, e := range Evidences() {
		var b strings.Builder
		b.WriteString("^")
		text, last := e.Text(), 0
		for _, loc := range placeholderRE.FindAllStringSubmatchIndex(text, -1) {
			b.WriteString(regexp.QuoteMeta(text[last:loc[0]]))
			b.WriteString("(" + ArgKind(text[loc[4]:loc[5]]).pattern() + ")")
			last = loc[1]
		}
		b.WriteString(regexp.QuoteMeta(text[last:]))
		b.WriteString("$")
		r.forms = append(r.forms, e)
		r.res = append(r.res, regexp.MustCompile(b.String()))
	}
	return r
}

// Read returns the form of s and its arguments, in argument order; false
// for a text no form wrote (an older or a foreign one: show it as it is).
// The arguments always give s back: e.Format(args...) == s.
func (r *EvidenceReader) Read(s string) (Evidence, []string, bool) {
	for i, re := range r.res {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		e, args := r.forms[i], m[1:]
		if e == EvidenceReferences {
			// The references alone: only a list ReadRefs reads whole.
			if _, ok := ReadRefs(s); !ok || s == "" {
				continue
			}
		}
		// Placeholders are numbered in order of appearance in every form.
		if e.Format(args...) != s {
			continue
		}
		return e, args, true
	}
	return "", nil, false
}

// Ref is one item of an evidence's references: a reference a rule read
// (Rule and the span of the folded description, Evidence), or the
// well-formed codes that named no notice (Unknown).
type Ref struct {
	Rule     Rule
	Evidence string
	Unknown  []string
}

const noNoticePrefix = "no notice has code "

// RefsText writes references as evidence holds them: "rule span" items
// and then "no notice has code A, B", joined by "; ".
func RefsText(refs []Ref) string {
	size := 0
	for _, r := range refs {
		size += len("; ") + len(r.Rule) + len(" ") + len(r.Evidence)
		if r.Unknown != nil {
			size += len(noNoticePrefix)
			for _, u := range r.Unknown {
				size += len(u) + len(", ")
			}
		}
	}
	var b strings.Builder
	b.Grow(size)
	writeRefs(&b, refs)
	return b.String()
}

// writeRefs writes RefsText(refs) to w.
func writeRefs(w io.StringWriter, refs []Ref) {
	for i, r := range refs {
		if i > 0 {
			_, _ = w.WriteString("; ")
		}
		if r.Unknown != nil {
			_, _ = w.WriteString(noNoticePrefix)
			for k, u := range r.Unknown {
				if k > 0 {
					_, _ = w.WriteString(", ")
				}
				_, _ = w.WriteString(u)
			}
			continue
		}
		_, _ = w.WriteString(string(r.Rule))
		_, _ = w.WriteString(" ")
		_, _ = w.WriteString(r.Evidence)
	}
}

// ReadRefs reads what RefsText wrote; false when an item is neither a
// reference of a known rule nor the unknown codes (a span holding "; "
// reads so: show the text as it is).
func ReadRefs(s string) ([]Ref, bool) {
	if s == "" {
		return nil, true
	}
	var out []Ref
	for _, item := range strings.Split(s, "; ") {
		if codes, ok := strings.CutPrefix(item, noNoticePrefix); ok {
			out = append(out, Ref{Unknown: strings.Split(codes, ", ")})
			continue
		}
		rule, span, ok := strings.Cut(item, " ")
		if !ok || !refRule(Rule(rule)) {
			return nil, false
		}
		out = append(out, Ref{Rule: Rule(rule), Evidence: span})
	}
	return out, true
}

// refRule reports whether rule reads references (RefsText's rules).
func refRule(r Rule) bool {
	switch r {
	case RulePaymentCode, RulePaymentCodeLookalike, RulePaymentCodeDigits, RuleDossierCode:
		return true
	case RuleMultiReferenceExactSum, RuleManual:
		return false
	}
	return false
}
