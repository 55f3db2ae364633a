package payment

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckAgencyCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"H29.75", true},
		{"H40.01", true},
		{"G01.899.108", true},
		{"000.00.20.H40", true},
		{"G01.899.108.000", true},
		{"H29.7", true},
		{"A1.2", true},
		{"H85.163", true},
		{"", false},
		{"ALL", false}, // the summary scope is never an agency
		{"H40", false}, // one group: write the full code, 000.00.00.H40
		{"h29.75", false},
		{"H29.75 ", false},
		{" H29.75", false},
		{"H29..75", false},
		{"H29.", false},
		{".H29", false},
		{"H2975.1", false},
		{"H29.7555", false},
		{"A.1", false},
		{"1.2.3.4.5.6", false},
		{"UBND-01", false},
		{"H42/12:x*?[]", false},
		{"H42_12:x*?[]", false},
		{"=HYPERLINK(\"x\")", false},
		{"H29.75\n", false},
		{"Н29.75", false}, // Cyrillic Н
	} {
		err := CheckAgencyCode(tc.code)
		if (err == nil) != tc.ok {
			t.Errorf("CheckAgencyCode(%q) = %v, want ok=%v", tc.code, err, tc.ok)
		}
	}
}

func TestCheckTreasuryAccount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		acct string
		ok   bool
	}{
		{"7111", true},
		{"3511", true},
		{"3511.0.1052361", true},
		{"7111.0.2000000", true},
		{"3511.0.1055555", true},
		{"3713.9.1234567", true},
		{"", false},
		{"711", false},
		{"71111", false},
		{"71110767", false}, // account and unit code run together
		{"7111001", false},
		{"3511.0.105236", false},
		{"3511.0.10523611", false},
		{"3511.00.1052361", false},
		{"3511.0.", false},
		{"3511.1052361", false},
		{"3511-0-1052361", false},
		{"=cmd|' /C calc'!A0", false},
		{"３５１１", false}, // full-width digits
		{"3511.0.1052361\n", false},
	} {
		err := CheckTreasuryAccount(tc.acct)
		if (err == nil) != tc.ok {
			t.Errorf("CheckTreasuryAccount(%q) = %v, want ok=%v", tc.acct, err, tc.ok)
		}
	}
}

// Every notice fixture of the repository has a valid agency code and
// treasury account: the grammars describe the data the tests use.
func TestFixturesHaveValidCodes(t *testing.T) {
	t.Parallel()
	var files []string
	for _, g := range []string{"../testdata/*/notices.csv", "../testdata/*/notices.jsonl", "../reconcile/batch/testdata/*/notices.csv"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 4 {
		t.Fatalf("found only %d notice fixtures: %v", len(files), files)
	}
	n := 0
	check := func(file, agency, acct string) {
		n++
		if err := CheckAgencyCode(agency); err != nil {
			t.Errorf("%s: %v", file, err)
		}
		if err := CheckTreasuryAccount(acct); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".csv") {
			recs, err := csv.NewReader(bufio.NewReader(fh)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			col := map[string]int{}
			for i, h := range recs[0] {
				col[strings.TrimPrefix(h, "\uFEFF")] = i
			}
			for _, r := range recs[1:] {
				check(f, r[col["agency_code"]], r[col["treasury_account"]])
			}
		} else {
			sc := bufio.NewScanner(fh)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var v struct {
					Agency   string `json:"agency_code"`
					Treasury string `json:"treasury_account"`
				}
				if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				check(f, v.Agency, v.Treasury)
			}
		}
		_ = fh.Close()
	}
	t.Logf("%d notices in %d fixture files checked", n, len(files))
}
