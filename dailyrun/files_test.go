package dailyrun_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// Two agencies that the old file-name mapping sent to the same files
// ("H42/12:x*?[]" and "H42_12:x*?[]" both became H42_12_x____) now write
// files of their own, and neither overwrites the other.
func TestWriteFilesNamesCannotCollide(t *testing.T) {
	t.Parallel()
	day := payment.Date{Year: 2026, Month: 11, Day: 26}
	var reports []daily.Report
	for _, ag := range []string{"H42/12:x*?[]", "H42_12:x*?[]", "H29.75", "h29.75", daily.AgencyAll} {
		reports = append(reports, daily.Report{ID: "daily/2026-11-26/" + ag + "/v1", BusinessDate: day, Agency: ag, Version: 1, Currency: payment.VND})
	}
	dir := t.TempDir()
	paths, err := dailyrun.WriteFiles(dir, reports, daily.Print{Lang: daily.LangEN})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			t.Errorf("%s written twice", p)
		}
		seen[p] = true
		if filepath.Dir(p) != dir {
			t.Errorf("%s is outside %s", p, dir)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(paths) || len(paths) != len(reports)*5 {
		t.Errorf("%d files on disk, %d paths, for %d reports × 5 formats", len(entries), len(paths), len(reports))
	}
	if a, b := dailyrun.FileBase(reports[0]), dailyrun.FileBase(reports[1]); a == b {
		t.Errorf("both agencies have the file base %q", a)
	}
	if got := dailyrun.FileBase(reports[2]); got != "report_2026-11-26_H29.75_v1" {
		t.Errorf("FileBase of a valid agency = %q: valid codes are written as they are", got)
	}
}
