package dailyrun_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/feerecon/feerecon/dailyrun"
)

// FuzzImportStatement: any bytes either import (then again as a duplicate,
// with the same line count, its reversals all recorded before) or fail
// with ErrParse; never a panic, never a store error on the memory store.
func FuzzImportStatement(f *testing.F) {
	for _, name := range []string{"statement.camt053.xml", "settlement.vnpay.csv"} {
		f.Add(readFile(f, name))
	}
	for _, name := range []string{"camt053.vnd.reversal.xml", "camt053.vnd.returns.xml"} {
		b, err := os.ReadFile(filepath.Join("../testdata/statements", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("wallet,transaction_id,amount,fee,net,settled_date\nmomo,1,100,0,100,2026-11-26\n"))
	f.Add([]byte("\xef\xbb\xbf<Document/>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		st := memoryStore()
		imp, err := dailyrun.ImportStatement(context.Background(), st, body, importOptions(st, at(27, 0, 0)))
		if err != nil {
			if !errors.Is(err, dailyrun.ErrParse) {
				t.Fatalf("error not ErrParse: %v", err)
			}
			return
		}
		if imp.ID == "" || imp.Lines <= 0 || imp.Duplicate {
			t.Fatalf("first import %+v", imp)
		}
		again, err := dailyrun.ImportStatement(context.Background(), st, body, importOptions(st, at(27, 0, 0)))
		if err != nil || !again.Duplicate || again.Lines != imp.Lines || again.ID != imp.ID ||
			again.Reversals != imp.Reversals || again.Before != imp.Reversals {
			t.Fatalf("re-import %+v, %v after %+v", again, err, imp)
		}
	})
}
