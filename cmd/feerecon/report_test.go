package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/testenv"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append(args, "--log-level", "error"))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestStatementImportAndReportCommands(t *testing.T) {
	db := testenv.Postgres(t)
	day := "../../testdata/daily"
	camt, sett := filepath.Join(day, "statement.camt053.xml"), filepath.Join(day, "settlement.vnpay.csv")
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("not,a,statement\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Nothing migrates behind the operator's back: import refuses an
	// unmigrated database and names the command that migrates it.
	if out, err := runCLI(t, "statement", "import", camt, "--db", db); err == nil || !strings.Contains(err.Error(), "feerecon migrate") {
		t.Fatalf("import into an unmigrated database: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "migrate", "--db", db); err != nil || !strings.Contains(out, "schema at version") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err := runCLI(t, "statement", "import", camt, sett, "--db", db)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "imported camt053 camt053:0071000123456:0071000123456-20261126 lines=9") ||
		!strings.Contains(lines[1], "imported settlement:vnpay settlement:vnpay:2026-11-26 lines=3") {
		t.Fatalf("import printed\n%s", out)
	}
	out, err = runCLI(t, "statement", "import", camt, bad, "--db", db)
	if err == nil || !strings.Contains(out, camt+" duplicate camt053") || !strings.Contains(out, bad+" error ") {
		t.Fatalf("re-import with a bad file: %v\n%s", err, out)
	}

	dir := t.TempDir()
	out, err = runCLI(t, "report", "--date", "2026-11-26", "--out", dir, "--db", db, "--lang", "en",
		"--issuer", "Sở Tư pháp tỉnh Nghệ An", "--issuer-parent", "UBND tỉnh Nghệ An", "--issuer-place", "Vinh")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if !strings.Contains(out, "daily/2026-11-26/ALL/v1 new") {
		t.Fatalf("report printed\n%s", out)
	}
	for _, ext := range []string{".json", ".csv", ".exceptions.csv", ".xlsx", ".html"} {
		b, err := os.ReadFile(filepath.Join(dir, "report_2026-11-26_ALL_v1"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(ext, ".csv") && !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			t.Errorf("%s has no UTF-8 BOM", ext)
		}
		// The printable page names the issuing unit --issuer gave, and has
		// its signature blocks.
		if ext == ".html" {
			for _, want := range []string{"Sở Tư pháp tỉnh Nghệ An", "UBND tỉnh Nghệ An", "Vinh, 2026-", "Prepared by", "Chief accountant", "Head of unit", "No.: <span id=\"report-number\">BC-20261126-ALL</span>"} {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("report HTML lacks %q", want)
				}
			}
		}
	}
	out, err = runCLI(t, "report", "--date", "2026-11-26", "--out", dir, "--db", db)
	if err != nil || !strings.Contains(out, "daily/2026-11-26/ALL/v1 unchanged") {
		t.Fatalf("second report: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "report", "--date", "26/11/2026", "--out", dir, "--db", db); err == nil {
		t.Fatal("a bad date was accepted")
	}
	// The issuing unit is checked with the rest of the configuration.
	if _, err := runCLI(t, "report", "--date", "2026-11-26", "--out", dir, "--db", db, "--issuer", strings.Repeat("đ", 201)); err == nil ||
		!strings.Contains(err.Error(), "issuer name is longer than 200") {
		t.Fatalf("a 201-character issuer: %v", err)
	}
}
