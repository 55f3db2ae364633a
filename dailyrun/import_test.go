package dailyrun_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/camt053"
	"github.com/feerecon/feerecon/statements/settlement"
	"github.com/feerecon/feerecon/store"
)

func importFile(st store.Store, body []byte) (dailyrun.Imported, error) {
	return dailyrun.ImportStatement(context.Background(), st, body, importOptions(st, at(27, 0, 10)))
}

func auditCount(t *testing.T, st store.Store, entity string) int {
	t.Helper()
	var n int
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		es, err := tx.AuditTrail(context.Background(), entity)
		n = len(es)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func storedLines(t *testing.T, st store.Store) []statements.Line {
	t.Helper()
	var ls []statements.Line
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		ls, err = tx.StatementLines(context.Background(), businessDate.AddDays(-3), businessDate.AddDays(3))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestImportStatement(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		camt := readFile(t, "statement.camt053.xml")
		sett := readFile(t, "settlement.vnpay.csv")
		wantCamt := "camt053:0071000123456:0071000123456-20261126"
		wantSett := "settlement:vnpay:2026-11-26"

		imp, err := importFile(st, camt)
		if err != nil {
			t.Fatal(err)
		}
		if imp.ID != wantCamt || imp.Format != dailyrun.FormatCamt053 || imp.Source != "camt053" || imp.Duplicate || imp.Lines == 0 {
			t.Fatalf("camt.053 import = %+v", imp)
		}
		camtLines := imp.Lines
		imp, err = importFile(st, sett)
		if err != nil {
			t.Fatal(err)
		}
		if imp.ID != wantSett || imp.Format != dailyrun.FormatSettlement || imp.Source != "settlement:vnpay" || imp.Duplicate || imp.Lines != 3 {
			t.Fatalf("settlement import = %+v", imp)
		}
		if got := len(storedLines(t, st)); got != camtLines+3 {
			t.Fatalf("stored %d lines, want %d", got, camtLines+3)
		}

		// A re-import is a duplicate: nothing stored twice, no second audit entry.
		for _, body := range [][]byte{camt, sett} {
			imp, err := importFile(st, body)
			if err != nil || !imp.Duplicate {
				t.Fatalf("re-import = %+v, %v; want a duplicate", imp, err)
			}
			if !strings.HasPrefix(imp.String(), "duplicate ") {
				t.Errorf("line %q", imp.String())
			}
		}
		if got := len(storedLines(t, st)); got != camtLines+3 {
			t.Fatalf("after re-import %d lines, want %d", got, camtLines+3)
		}
		for _, id := range []string{wantCamt, wantSett} {
			if n := auditCount(t, st, "statement:"+id); n != 1 {
				t.Errorf("audit entries of %s = %d, want 1", id, n)
			}
		}
	})
}

func TestImportStatementBadFiles(t *testing.T) {
	t.Parallel()
	camt := string(readFile(t, "statement.camt053.xml"))
	tests := []struct {
		name string
		body string
		want error
	}{
		{"empty", "", dailyrun.ErrUnknownFormat},
		{"neither", "%PDF-1.7 statement", dailyrun.ErrUnknownFormat},
		{"broken xml", camt[:len(camt)/2], camt053.ErrMalformed},
		{"other xml", `<?xml version="1.0"?><Document><Other/></Document>`, camt053.ErrNotCamt053},
		{"balance off", strings.Replace(camt, "<Amt Ccy=\"VND\">50000000</Amt>", "<Amt Ccy=\"VND\">50000001</Amt>", 1), camt053.ErrBalanceMismatch},
		{"settlement header", "wallet,txn,amount,fee,net,settled_date\nvnpay,1,100,0,100,2026-11-26\n", settlement.ErrHeader},
		{"settlement fraction", "wallet,transaction_id,amount,fee,net,settled_date\nvnpay,1,100.5,0,100.5,2026-11-26\n", payment.ErrAmountFractional},
		{"settlement no rows", "wallet,transaction_id,amount,fee,net,settled_date\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := memoryStore()
			_, err := importFile(st, []byte(tt.body))
			if !errors.Is(err, dailyrun.ErrParse) {
				t.Fatalf("err = %v, want ErrParse", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v too", err, tt.want)
			}
			if n := len(storedLines(t, st)); n != 0 {
				t.Fatalf("%d lines stored from a bad file", n)
			}
		})
	}
}
