package daily

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/feerecon/feerecon/payment"
)

// injectionReport carries formulas in every text field a report shows and
// a negative amount, which is data.
func injectionReport() Report {
	neg := Amount{decimal.NewFromInt(-5000)}
	return Report{
		Agency: `=HYPERLINK("http://evil","x")`, Version: 1, Currency: payment.VND,
		Accounts: []AccountLine{{Agency: "+H29.75", TreasuryAccount: "=cmd|' /C calc'!A0", NoticesExpected: 1,
			Figures: Figures{Expected: neg, Collected: neg}}},
		Budget: []BudgetLine{{Agency: "@H29", TreasuryAccount: "-3511", Chapter: "\t418", Subitem: "\r2752"}},
		Exceptions: []ExceptionLine{{ID: "=1+1", Kind: "unmatched", PaymentID: "-p", StatementRef: "@r", NoticeID: "+n",
			Amount: neg, Currency: payment.VND, Evidence: "=2+2"}},
	}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(bom)))).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	return recs
}

// Every text cell of the figures and exceptions CSVs that would start a
// formula starts with a quote; the amounts stay numbers, negative or not.
func TestCSVNeutralisesFormulasInTextOnly(t *testing.T) {
	t.Parallel()
	r := injectionReport()
	var fig, exc bytes.Buffer
	if err := WriteCSV(&fig, r, LangEN); err != nil {
		t.Fatal(err)
	}
	if err := WriteExceptionsCSV(&exc, r, LangEN); err != nil {
		t.Fatal(err)
	}
	figs := readCSV(t, fig.Bytes())
	for _, tc := range []struct {
		name      string
		got, want string
	}{
		{"totals agency", figs[1][1], `'=HYPERLINK("http://evil","x")`},
		{"account agency", figs[2][1], "'+H29.75"},
		{"treasury account", figs[2][2], "'=cmd|' /C calc'!A0"},
		{"expected amount", figs[2][8], "-5000"},
		{"collected amount", figs[2][9], "-5000"},
		{"budget agency", figs[3][1], "'@H29"},
		{"budget account", figs[3][2], "'-3511"},
		{"chapter", figs[3][3], "'\t418"},
		{"sub-item: CR dropped by the CRLF writer, quote first", figs[3][4], "'2752"},
	} {
		if tc.got != tc.want {
			t.Errorf("figures %s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	excs := readCSV(t, exc.Bytes())
	want := []string{"'=1+1", "No notice found", "'-p", "'@r", "'+n", "-5000", "VND", "0", "'=2+2"}
	if strings.Join(excs[1], "|") != strings.Join(want, "|") {
		t.Errorf("exception row %q, want %q", excs[1], want)
	}
	for _, b := range [][]byte{fig.Bytes(), exc.Bytes()} {
		for _, rec := range readCSV(t, b) {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+@\t\r", rune(cell[0])) {
					t.Errorf("cell %q starts a formula", cell)
				}
			}
		}
	}
}

// XLSX cells are typed: a text starting with = is a string cell, never a
// formula, and is shown as written (no quote needed).
func TestXLSXTextIsNeverAFormula(t *testing.T) {
	t.Parallel()
	r := injectionReport()
	r.Agency = "H29.75" // a sheet name; the formula texts sit in the cells
	var b bytes.Buffer
	if err := WriteXLSX(&b, []Report{r}, Print{Lang: LangEN}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := f.GetRows("H29.75")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for y, row := range rows {
		for x, v := range row {
			cell, _ := excelize.CoordinatesToCellName(x+1, y+1)
			formula, err := f.GetCellFormula("H29.75", cell)
			if err != nil {
				t.Fatal(err)
			}
			if formula != "" {
				t.Errorf("cell %s holds the formula %q", cell, formula)
			}
			if v == "=cmd|' /C calc'!A0" || v == "+H29.75" {
				found++
				typ, err := f.GetCellType("H29.75", cell)
				if err != nil {
					t.Fatal(err)
				}
				if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
					t.Errorf("cell %s %q has type %v, want a string", cell, v, typ)
				}
			}
		}
	}
	if found < 2 {
		t.Fatalf("found %d of the formula texts in the sheet: the test reads the wrong cells", found)
	}
}
