package camt053_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements/camt053"
)

const sharedDir = "../../../shared/testdata/camt"

// shared returns the path of a genkgo/camt sample. Outside CI a missing
// shared directory skips the test; under CI=true it fails.
func shared(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedDir, name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared camt sample %s missing under CI: %v", p, err)
		}
		t.Skipf("shared camt sample %s not present (set CI=true to fail instead)", p)
	}
	return p
}

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func policy() payment.AmountPolicy { return payment.DefaultAmountPolicy() }

// The real samples: which ones import, and why the others are refused.
func TestParseSharedSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		wantErr error
		// wantStmts is the number of statements when the file imports.
		wantStmts int
	}{
		// Closing balance in SEK (DBIT) on a EUR statement: inconsistent.
		{file: "camt053.v2.minimal.xml", wantErr: camt053.ErrBalanceCurrency},
		{file: "camt053.v2.minimal.ultimate.xml", wantErr: camt053.ErrBalanceCurrency},
		{file: "camt053.v2.with-party-ids.xml", wantErr: camt053.ErrBalanceCurrency},
		{file: "camt053.v3.xml", wantErr: camt053.ErrBalanceCurrency},
		{file: "camt053.v4.xml", wantErr: camt053.ErrBalanceCurrency},
		{file: "camt053.v8.xml", wantErr: camt053.ErrBalanceCurrency},
		// 18.150 + 8.850 = 27.000, the file says 27.050.
		{file: "camt053.v2.five.decimals.xml", wantErr: camt053.ErrBalanceMismatch},
		// OPBD 1.01 + 8.850 ≠ CLBD 4.04.
		{file: "camt053.v2.all-balance-types.xml", wantErr: camt053.ErrBalanceMismatch},
		// RON is not a currency feerecon knows; 5442.09000 would fit its 2 minor units.
		{file: "camt53.only-Dt-with-DtTm.xml", wantErr: payment.ErrUnknownCurrency},
		// BkToCstmrStmt without any Stmt.
		{file: "camt053.v2.wrong.xml", wantErr: camt053.ErrNoStatement},
		// Only a CLAV balance: nothing to check, imports.
		{file: "camt053.v2.with-account-name.xml", wantStmts: 1},
		{file: "camt053.v2.multi.statement.xml", wantStmts: 2},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			got, err := camt053.Parse(open(t, shared(t, tc.file)), policy())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Parse error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got) != tc.wantStmts {
				t.Fatalf("got %d statements, want %d", len(got), tc.wantStmts)
			}
		})
	}
}

func TestBalanceErrorNamesStatement(t *testing.T) {
	t.Parallel()
	_, err := camt053.Parse(open(t, shared(t, "camt053.v2.five.decimals.xml")), policy())
	var se *camt053.StatementError
	if !errors.As(err, &se) {
		t.Fatalf("want *StatementError, got %T %v", err, err)
	}
	if se.StatementID != "253EURNL26VAYB8060476890" {
		t.Fatalf("statement id %q", se.StatementID)
	}
	if !strings.Contains(err.Error(), "253EURNL26VAYB8060476890") {
		t.Fatalf("message does not name the statement: %v", err)
	}
}

func TestDecodeSharedFields(t *testing.T) {
	t.Parallel()
	// v8: Sts/Cd, AcctSvcrRef, EndToEndId, Strd ref, IBAN under Acct/Id.
	stmts, err := camt053.Decode(open(t, shared(t, "camt053.v8.xml")), policy())
	if err != nil {
		t.Fatal(err)
	}
	s := stmts[0]
	if s.ID != "253EURNL26VAYB8060476890" || s.Account != "NL26VAYB8060476890" {
		t.Fatalf("id/account %q %q", s.ID, s.Account)
	}
	if len(s.Entries) != 1 {
		t.Fatalf("entries %d", len(s.Entries))
	}
	e := s.Entries[0]
	if e.Status != camt053.StatusBooked || !e.Credit || e.Amount.String() != "8.85 EUR" {
		t.Fatalf("entry %+v", e)
	}
	if e.AcctSvcrRef != "AAAASESS-FP-CN_98765/01" || e.EndToEndID != "MUELL/FINP/RA12345" {
		t.Fatalf("refs %q %q", e.AcctSvcrRef, e.EndToEndID)
	}
	if len(e.CreditorRefs) != 1 || e.CreditorRefs[0] != "4654654654654654" {
		t.Fatalf("creditor refs %v", e.CreditorRefs)
	}
	if e.DebtorName != "NAME NAME" {
		t.Fatalf("debtor %q", e.DebtorName)
	}
	if e.BookingDate.String() != "2014-12-31" || e.ValueDate.String() != "2015-01-02" {
		t.Fatalf("dates %s %s", e.BookingDate, e.ValueDate)
	}
	open, _ := s.Opening()
	closing, _ := s.Closing()
	if open.Type != camt053.BalanceOpeningBooked || closing.Type != camt053.BalanceClosingBooked {
		t.Fatalf("balance types %s %s", open.Type, closing.Type)
	}
	if closing.Amount.String() != "-27" || closing.Ccy != "SEK" {
		t.Fatalf("closing %s %s (DBIT must be negative)", closing.Amount, closing.Ccy)
	}
}

func TestDecodeMultiStatement(t *testing.T) {
	t.Parallel()
	stmts, err := camt053.Parse(open(t, shared(t, "camt053.v2.multi.statement.xml")), policy())
	if err != nil {
		t.Fatal(err)
	}
	if stmts[0].ID != "253EURNL26VAYB8060476890" || stmts[1].ID != "254EURNL26VAYB8060476890" {
		t.Fatalf("ids %q %q", stmts[0].ID, stmts[1].ID)
	}
	if stmts[1].Entries[0].Credit {
		t.Fatal("second statement's entry is DBIT")
	}
	if stmts[0].Key() == stmts[1].Key() {
		t.Fatal("keys must differ")
	}
}

func TestParseVNDDay(t *testing.T) {
	t.Parallel()
	stmts, err := camt053.Parse(open(t, "../../testdata/statements/camt053.vnd.day.xml"), policy())
	if err != nil {
		t.Fatal(err)
	}
	s := stmts[0]
	if s.Key() != "camt053:0071000123456:0071000123456-20261126" {
		t.Fatalf("key %q", s.Key())
	}
	open, _ := s.Opening()
	if open.Type != camt053.BalancePreviouslyClosed {
		t.Fatalf("opening from PRCD, got %s", open.Type)
	}
	lines := s.Lines()
	if len(lines) != 2 {
		t.Fatalf("want 2 booked lines (pending excluded), got %d", len(lines))
	}
	l := lines[0]
	if l.Ref != "FT26330100000001" || l.EndToEndID != "NAPAS-123456" || !l.Credit || !l.Amount.Equal(payment.VNDOf(150000)) {
		t.Fatalf("line %+v", l)
	}
	if l.Text != "MBVCB.1234567.NP000000000151 le phi ho tich CT tu 0011004455667 NGUYEN VAN A" {
		t.Fatalf("text %q", l.Text)
	}
	if l.BookingDate.String() != "2026-11-26" || l.Seq != 1 {
		t.Fatalf("booking %s seq %d", l.BookingDate, l.Seq)
	}
	if s.Entries[0].BookingTime.IsZero() {
		t.Fatal("DtTm booking time lost")
	}
	if lines[1].Credit || lines[1].Seq != 2 || !lines[1].Fee.IsZero() {
		t.Fatalf("debit line %+v", lines[1])
	}
}

func TestParseVNDRejects(t *testing.T) {
	t.Parallel()
	_, err := camt053.Parse(open(t, "../../testdata/statements/camt053.vnd.unbalanced.xml"), policy())
	var se *camt053.StatementError
	if !errors.Is(err, camt053.ErrBalanceMismatch) || !errors.As(err, &se) || se.StatementID != "0071000123456-20261126-BAD" {
		t.Fatalf("unbalanced: %v", err)
	}
	_, err = camt053.Parse(open(t, "../../testdata/statements/camt053.vnd.fractional.xml"), policy())
	if !errors.Is(err, payment.ErrAmountFractional) || !errors.As(err, &se) || se.Entry != 1 {
		t.Fatalf("fractional: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	doc := func(stmt string) string {
		return `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>` + stmt + `</BkToCstmrStmt></Document>`
	}
	acct := `<Acct><Id><IBAN>VN00X</IBAN></Id></Acct>`
	ntry := func(body string) string { return doc(`<Stmt><Id>S1</Id>` + acct + `<Ntry>` + body + `</Ntry></Stmt>`) }
	tests := []struct {
		name, in string
		want     error
	}{
		{"not xml", "<<<", camt053.ErrMalformed},
		{"other root", `<Document><BkToCstmrDbtCdtNtfctn/></Document>`, camt053.ErrNotCamt053},
		{"no id", doc(`<Stmt>` + acct + `</Stmt>`), camt053.ErrMissingField},
		{"no account", doc(`<Stmt><Id>S1</Id></Stmt>`), camt053.ErrMissingField},
		{"repeated", doc(`<Stmt><Id>S1</Id>` + acct + `</Stmt><Stmt><Id>S1</Id>` + acct + `</Stmt>`), camt053.ErrBadField},
		{"bad indicator", ntry(`<Amt Ccy="VND">1</Amt><CdtDbtInd>X</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt>`), camt053.ErrBadField},
		{"no status", ntry(`<Amt Ccy="VND">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-01-01</Dt></BookgDt>`), camt053.ErrMissingField},
		{"booked without date", ntry(`<Amt Ccy="VND">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>`), camt053.ErrMissingField},
		{"bad date", ntry(`<Amt Ccy="VND">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>26-01-01</Dt></BookgDt>`), camt053.ErrBadField},
		{"zero amount", ntry(`<Amt Ccy="VND">0</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt>`), payment.ErrAmountZero},
		{"exponent", ntry(`<Amt Ccy="VND">1e6</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt>`), payment.ErrAmountNotNumeric},
		{"ceiling", ntry(`<Amt Ccy="VND">100000000001</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt>`), payment.ErrAmountCeiling},
		{"currency differs", doc(`<Stmt><Id>S1</Id><Acct><Id><IBAN>VN00X</IBAN></Id><Ccy>VND</Ccy></Acct><Ntry><Amt Ccy="USD">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt></Ntry></Stmt>`), camt053.ErrCurrency},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := camt053.Decode(strings.NewReader(tc.in), policy())
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzDecode: no input panics, and what decodes keeps its invariants.
func FuzzDecode(f *testing.F) {
	for _, p := range []string{
		"../../testdata/statements/camt053.vnd.day.xml",
		"../../testdata/statements/camt053.vnd.unbalanced.xml",
		filepath.Join(sharedDir, "camt053.v8.xml"),
		filepath.Join(sharedDir, "camt053.v2.multi.statement.xml"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<Document><BkToCstmrStmt><Stmt><Id>1</Id><Acct><Id><IBAN>X</IBAN></Id></Acct></Stmt></BkToCstmrStmt></Document>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		stmts, err := camt053.Parse(bytes.NewReader(in), policy())
		if err != nil {
			return
		}
		for _, s := range stmts {
			if s.ID == "" || s.Account == "" {
				t.Fatalf("accepted a statement without id or account: %+v", s)
			}
			for _, l := range s.Lines() {
				units, ok := l.Amount.Currency.MinorUnits()
				if !ok || !l.Amount.Amount.IsPositive() || !l.Amount.Amount.Equal(l.Amount.Amount.Truncate(units)) {
					t.Fatalf("accepted an invalid amount %s", l.Amount)
				}
			}
			if err := s.CheckBalance(); err != nil {
				t.Fatalf("Parse accepted what CheckBalance refuses: %v", err)
			}
		}
	})
}
