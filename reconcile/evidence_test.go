package reconcile_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/testenv"
)

func TestEvidencesListsEveryForm(t *testing.T) {
	t.Parallel()
	if n := testenv.ListsEveryConstant(t, "evidence.go", "Evidence", "Evidences"); len(reconcile.Evidences()) != n {
		t.Fatalf("Evidences lists %d forms, evidence.go declares %d", len(reconcile.Evidences()), n)
	}
}

var placeholder = regexp.MustCompile(`\{([0-9]+):([a-z]+)\}`)

// Every form has a sentence of its own, its arguments numbered 0, 1 … in
// the order they appear, each of a known kind.
func TestEvidenceFormsAreWellFormed(t *testing.T) {
	t.Parallel()
	seen := map[string]reconcile.Evidence{}
	for _, e := range reconcile.Evidences() {
		text := e.Text()
		if text == string(e) {
			t.Errorf("%s has no sentence", e)
		}
		if o, ok := seen[text]; ok {
			t.Errorf("%s and %s share the sentence %q", e, o, text)
		}
		seen[text] = e
		for i, m := range placeholder.FindAllStringSubmatch(text, -1) {
			if m[1] != strconv.Itoa(i) {
				t.Errorf("%s: argument %s in place %d", e, m[1], i)
			}
			if !slices.Contains(kinds, reconcile.ArgKind(m[2])) {
				t.Errorf("%s: unknown kind %q", e, m[2])
			}
		}
	}
}

var kinds = []reconcile.ArgKind{reconcile.ArgID, reconcile.ArgInt, reconcile.ArgAmount, reconcile.ArgMoney, reconcile.ArgDate,
	reconcile.ArgTime, reconcile.ArgStatus, reconcile.ArgQuoted, reconcile.ArgRefs}

// sample is an argument of each kind.
func sample(k reconcile.ArgKind, i int) string {
	switch k {
	case reconcile.ArgID:
		return fmt.Sprintf("settlement:vnpay:2026-11-2%d", i)
	case reconcile.ArgInt:
		return strconv.Itoa(3 + i)
	case reconcile.ArgAmount:
		return "-49000.5"
	case reconcile.ArgMoney:
		return "300100 VND"
	case reconcile.ArgDate:
		return "2026-11-26"
	case reconcile.ArgTime:
		return "2026-11-26T20:00:00+07:00"
	case reconcile.ArgStatus:
		return "partially_paid"
	case reconcile.ArgQuoted:
		return strconv.Quote(`NOP PHI "HS" H29.75`)
	case reconcile.ArgRefs:
		return reconcile.RefsText([]reconcile.Ref{{Rule: reconcile.RulePaymentCode, Evidence: "NP000000015962"},
			{Rule: reconcile.RuleDossierCode, Evidence: "H29.75-261120-0007"}, {Unknown: []string{"NP000000000001", "NP000000000002"}}})
	}
	return "?"
}

// What Format writes, Read reads back: the same form, the same arguments.
func TestEvidenceRoundTrip(t *testing.T) {
	t.Parallel()
	rd := reconcile.NewEvidenceReader()
	for _, e := range reconcile.Evidences() {
		var args []string
		for i, k := range e.Args() {
			args = append(args, sample(k, i))
		}
		s := e.Format(args...)
		got, gotArgs, ok := rd.Read(s)
		if !ok || got != e || !slices.Equal(gotArgs, args) {
			t.Errorf("Read(%q) = %s %q %t, want %s %q", s, got, gotArgs, ok, e, args)
		}
	}
}

// The forms write the sentences stored before they existed, byte for
// byte: stored exceptions and the reports' hashes do not change.
func TestEvidenceSentences(t *testing.T) {
	t.Parallel()
	refs := "payment_code NP000000015865; no notice has code NP000000000001, NP000000000002"
	for _, c := range []struct {
		e    reconcile.Evidence
		args []string
		want string
	}{
		{reconcile.EvidenceNotPositive, []string{refs}, "amount is not positive: " + refs},
		{reconcile.EvidenceReferences, []string{refs}, refs},
		{reconcile.EvidenceNoReference, nil, "no valid payment code or dossier code in the description"},
		{reconcile.EvidenceCodeAndDossier, []string{refs}, "payment code and dossier code name different notices: " + refs},
		{reconcile.EvidenceNoticeClosed, []string{"expired", refs}, "notice is expired: " + refs},
		{reconcile.EvidenceAlreadyPaid, []string{refs}, "notice already paid: " + refs},
		{reconcile.EvidenceNothingDue, []string{refs}, "nothing outstanding: " + refs},
		{reconcile.EvidenceOverpaid, []string{"300000", "250000", refs}, "paid 300000, outstanding was 250000: " + refs},
		{reconcile.EvidenceSeveralClosed, []string{"TB-1", "paid", refs}, "several notices named, TB-1 is paid: " + refs},
		{reconcile.EvidenceSeveralSum, []string{"5", "6", refs}, "several notices named, amount 5 is not their outstanding sum 6: " + refs},
		{reconcile.EvidenceSettlementShort, []string{"settlement:vnpay:2026-11-26", "2", "49000", "550", "50000"},
			"settlement:vnpay:2026-11-26 row 2: net 49000 + fee 550 != gross 50000"},
		{reconcile.EvidenceSettlementOver, []string{"settlement:momo:2026-11-26", "1", "50000", "550", "50000", "550"},
			"settlement:momo:2026-11-26 row 1: net 50000 + fee 550 != gross 50000: paid out 550 more than owed"},
		{reconcile.EvidenceSettlementNoEvent, []string{"settlement:vnpay:2026-11-26", "3", "vnpay", "14422599"},
			"settlement:vnpay:2026-11-26 row 3: vnpay transaction 14422599 has no payment event"},
		{reconcile.EvidenceSettledTwice, []string{"settlement:vnpay:2026-11-26", "3", "vnpay", "14422599", "settlement:vnpay:2026-11-25"},
			"settlement:vnpay:2026-11-26 row 3: vnpay transaction 14422599 was already settled in settlement:vnpay:2026-11-25"},
		{reconcile.EvidenceSettledGross, []string{"settlement:vnpay:2026-11-26", "1", "50100 VND", "50000 VND"},
			"settlement:vnpay:2026-11-26 row 1: settled gross 50100 VND, event 50000 VND"},
		{reconcile.EvidenceBookedAmount, []string{"camt053:x", "3", "300100 VND", "300000 VND"}, "camt053:x entry 3: booked 300100 VND, event 300000 VND"},
		{reconcile.EvidenceCreditNoEvent, []string{"camt053:x", "4", "2026-11-26", `"NOP PHI"`}, `camt053:x entry 4 booked 2026-11-26: "NOP PHI"`},
		{reconcile.EvidenceNoStatementCredit, []string{"2026-11-25T16:00:00+07:00", "2026-11-25", "2026-11-26", "1"},
			"paid 2026-11-25T16:00:00+07:00 (business day 2026-11-25), no statement credit by 2026-11-26 (T+1)"},
		{reconcile.EvidenceNoSettlementCredit, []string{"2026-11-25T16:00:00+07:00", "2026-11-25", "momo", "2026-11-26", "1"},
			"paid 2026-11-25T16:00:00+07:00 (business day 2026-11-25), no momo settlement credit by 2026-11-26 (T+1)"},
		{reconcile.EvidenceSettlementNotCredited, []string{"settlement:momo:2026-11-25", "49450", "2026-11-26", "1"},
			"settlement:momo:2026-11-25: net 49450 not credited on the bank statement by 2026-11-26 (T+1)"},
		{reconcile.EvidenceLate, []string{"2026-11-26T20:00:00+07:00", "daily/2026-11-26/ALL/v1"},
			"paid 2026-11-26T20:00:00+07:00, after report daily/2026-11-26/ALL/v1 was sent"},
		{reconcile.EvidenceRemainder, []string{"unmatched|vietqr:SP1009"}, "left over by the manual allocation of exception unmatched|vietqr:SP1009"},
	} {
		if got := c.e.Format(c.args...); got != c.want {
			t.Errorf("%s: %q, want %q", c.e, got, c.want)
		}
	}
}

// A sentence no form wrote is not read (it is shown as it is); neither
// is a list of references with an item no rule reads.
func TestEvidenceReadRefuses(t *testing.T) {
	t.Parallel()
	rd := reconcile.NewEvidenceReader()
	for _, s := range []string{"", "resolved by hand", "payments.csv:3: bad amount", "notice is : payment_code X",
		"paid 3OO, outstanding was 250000: payment_code X", "manual TB-1", "payment_code"} {
		if e, args, ok := rd.Read(s); ok {
			t.Errorf("Read(%q) = %s %q", s, e, args)
		}
	}
	if refs, ok := reconcile.ReadRefs("payment_code A; dossier_code B; no notice has code C, D"); !ok || len(refs) != 3 ||
		refs[1].Rule != reconcile.RuleDossierCode || !slices.Equal(refs[2].Unknown, []string{"C", "D"}) {
		t.Errorf("ReadRefs = %+v %t", refs, ok)
	}
}

// Read never panics, and what it reads it can write again.
func FuzzEvidenceRead(f *testing.F) {
	for _, e := range reconcile.Evidences() {
		var args []string
		for i, k := range e.Args() {
			args = append(args, sample(k, i))
		}
		f.Add(e.Format(args...))
	}
	f.Add("paid 1, outstanding was 2: ")
	rd := reconcile.NewEvidenceReader()
	f.Fuzz(func(t *testing.T, s string) {
		e, args, ok := rd.Read(s)
		if !ok {
			return
		}
		if got := e.Format(args...); got != s {
			t.Fatalf("Read(%q) = %s %q, which writes %q", s, e, args, got)
		}
		if e == reconcile.EvidenceReferences {
			if _, ok := reconcile.ReadRefs(s); !ok {
				t.Fatalf("Read(%q) as references ReadRefs refuses", s)
			}
		}
	})
}
