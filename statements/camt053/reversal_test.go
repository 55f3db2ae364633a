package camt053_test

import (
	"slices"
	"testing"

	"github.com/feerecon/feerecon/statements/camt053"
)

// The reversal of a credit (DBIT + RvslInd) is recognised with the
// references that name the original; the reversal of a debit (CRDT +
// RvslInd) and a plain fee debit are not reversals of a credit. All
// three stay lines, and the balance adds up.
func TestReversedCredits(t *testing.T) {
	t.Parallel()
	stmts, err := camt053.Parse(open(t, "../../testdata/statements/camt053.vnd.reversal.xml"), policy())
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 1 {
		t.Fatalf("%d statements", len(stmts))
	}
	s := stmts[0]
	rs := s.ReversedCredits()
	if len(rs) != 1 {
		t.Fatalf("reversed credits %+v, want one", rs)
	}
	r := rs[0]
	if r.Seq != 1 || r.AcctSvcrRef != "FT26331100000042" || r.Amount.Amount.String() != "150000" ||
		!slices.Equal(r.TxRefs, []string{"FT26330100000001", "NAPAS-123456"}) || r.BookingDate.String() != "2026-11-27" {
		t.Errorf("reversal %+v", r)
	}
	if e := s.Entries[2]; !e.Reversal || !e.Credit || e.ReversesCredit() {
		t.Errorf("a debit's reversal %+v", e)
	}
	lines := s.Lines()
	if len(lines) != 3 || lines[0].Credit || lines[0].Ref != "FT26331100000042" {
		t.Errorf("lines %+v: the reversal is a debit line", lines)
	}
}
