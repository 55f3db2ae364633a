package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/testenv"
)

// `feerecon statement import` applies a statement's reversals and says so
// on the file's line: here one naming a credit feerecon never received
// (unknown), then the same file again (recorded before). A collection
// accounts file that does not read is a configuration error.
func TestStatementImportAppliesReversals(t *testing.T) {
	db := testenv.Postgres(t)
	if out, err := runCLI(t, "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	file := filepath.Join("../../testdata/statements", "camt053.vnd.reversal.xml")
	out, err := runCLI(t, "statement", "import", file, "--db", db)
	want := file + " imported camt053 camt053:0071000123456:0071000123456-20261127 lines=3 reversals=1 applied=0 unknown=1 before=0\n"
	if err != nil || out != want {
		t.Fatalf("import: %v\n%q, want\n%q", err, out, want)
	}
	out, err = runCLI(t, "statement", "import", file, "--db", db)
	want = file + " duplicate camt053 camt053:0071000123456:0071000123456-20261127 lines=3 reversals=1 applied=0 unknown=0 before=1\n"
	if err != nil || out != want {
		t.Fatalf("re-import: %v\n%q, want\n%q", err, out, want)
	}
	_, err = runCLI(t, "statement", "import", file, "--db", db, "--collection-accounts", filepath.Join(t.TempDir(), "none.csv"))
	if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "--collection-accounts") {
		t.Errorf("unreadable --collection-accounts: %v, want a configuration error naming the flag", err)
	}
}
