package spreadsheet_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every CSV feerecon writes goes through Text: a source file (outside
// tests and testdata) that makes a csv.Writer also calls spreadsheet.Text,
// so a new CSV cannot forget the rule. The one exception is a CSV that no
// person opens, only feerecon reads back, which says so in a line
// "spreadsheet: machine-read CSV" with its reason (Text would change the
// values it is read for).
func TestEveryCSVWriterUsesText(t *testing.T) {
	t.Parallel()
	writers := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "csv.NewWriter(") {
			writers++
			if !strings.Contains(string(b), "spreadsheet.Text(") && !strings.Contains(string(b), "spreadsheet: machine-read CSV") {
				t.Errorf("%s writes CSV without spreadsheet.Text", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if writers < 2 {
		t.Fatalf("found %d CSV writers: the walk is broken", writers)
	}
}
