package camt053_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
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

// Reversals builds the payment.Reversal of each reversed credit with
// camt.054's id scheme (gateway camt054, the entry's own AcctSvcrRef), so
// the same bank entry notified by camt.054 and listed by camt.053 is one
// reversal; returns booked without RvslInd (RRTN, RtrInf) count when they
// name a reference, as in camt.054.
func TestStatementReversals(t *testing.T) {
	t.Parallel()
	endOf28 := time.Date(2026, time.November, 28, 23, 59, 59, 999999000, payment.Location())
	tests := []struct {
		file string
		want []payment.Reversal
	}{
		{file: "camt053.vnd.reversal.xml", want: []payment.Reversal{{
			ID: "camt054:FT26331100000042", Gateway: payment.GatewayCamt054, TxnID: "FT26331100000042",
			OriginalRefs: []string{"FT26330100000001", "NAPAS-123456"}, Amount: payment.VNDOf(150000),
			ReversedAt:  time.Date(2026, time.November, 27, 10, 2, 11, 0, payment.Location()),
			Description: "HOAN TRA GD FT26330100000001 DO SAI THONG TIN",
			RawRef:      "camt053:0071000123456:0071000123456-20261127#1",
		}}},
		{file: "camt053.vnd.returns.xml", want: []payment.Reversal{{
			ID: "camt054:FT26332100000007", Gateway: payment.GatewayCamt054, TxnID: "FT26332100000007",
			OriginalRefs: []string{"FT26331900000003"}, Amount: payment.VNDOf(200000), ReversedAt: endOf28,
			Description: "TRA LAI GD FT26331900000003", RawRef: "camt053:0071000123456:0071000123456-20261128#1",
		}, {
			ID: "camt054:0071000123456-20261128/2", Gateway: payment.GatewayCamt054, TxnID: "0071000123456-20261128/2",
			OriginalRefs: []string{"NAPAS-778899"}, Amount: payment.VNDOf(50000),
			ReversedAt:  time.Date(2026, time.November, 28, 15, 20, 0, 0, payment.Location()),
			Description: "TRA LAI GD NAPAS-778899", RawRef: "camt053:0071000123456:0071000123456-20261128#2",
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			stmts, err := camt053.Parse(open(t, "../../testdata/statements/"+tc.file), policy())
			if err != nil {
				t.Fatal(err)
			}
			got, err := stmts[0].Reversals()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("reversals %+v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.ID != w.ID || g.Gateway != w.Gateway || g.TxnID != w.TxnID || !slices.Equal(g.OriginalRefs, w.OriginalRefs) ||
					!g.Amount.Amount.Equal(w.Amount.Amount) || g.Amount.Currency != w.Amount.Currency || !g.ReversedAt.Equal(w.ReversedAt) ||
					g.Description != w.Description || g.RawRef != w.RawRef {
					t.Errorf("reversal %d\n got %+v\nwant %+v", i, g, w)
				}
				if err := g.Validate(); err != nil {
					t.Errorf("reversal %d: %v", i, err)
				}
			}
			if n := len(stmts[0].Lines()); n != len(stmts[0].Entries) {
				t.Errorf("%d lines of %d entries: every booked entry stays a line", n, len(stmts[0].Entries))
			}
		})
	}
}

// The reversal's id must be storable; one id twice in a statement is
// refused, as camt.054 refuses it in a message.
func TestStatementReversalsRefuseBadIDs(t *testing.T) {
	t.Parallel()
	entry := func(ref string) camt053.Entry {
		return camt053.Entry{Seq: 1, Amount: payment.VNDOf(1000), Reversal: true, Status: camt053.StatusBooked,
			BookingDate: payment.Date{Year: 2026, Month: time.November, Day: 27}, EntryRef: ref, TxRefs: []string{"FT1"}}
	}
	tests := map[string][]camt053.Entry{
		"control character": {entry("FT\x01")},
		"too long":          {entry(strings.Repeat("F", 81))},
		"repeated":          {entry("FTR"), entry("FTR")},
	}
	for name, es := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := camt053.Statement{ID: "S1", Account: "0071000123456", Entries: es}
			_, err := s.Reversals()
			var se *camt053.StatementError
			if !errors.Is(err, camt053.ErrBadField) || !errors.As(err, &se) || se.Entry != 1 && name != "repeated" {
				t.Errorf("Reversals() = %v, want a *StatementError wrapping ErrBadField", err)
			}
		})
	}
}
