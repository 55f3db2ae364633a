package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/batch"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// Issue 5, batch form: --statement and --settlement add the three-way
// discrepancies to report.json (an exception without a payment carries
// statement_ref instead of payment_id) and write the per-agency daily
// reports. The day is testdata/daily (its README maps lines to outcomes).
func TestBatchThreeWay(t *testing.T) {
	t.Parallel()
	day, err := payment.ParseDate("2026-11-26")
	if err != nil {
		t.Fatal(err)
	}
	dir := "../../testdata/daily"
	res, err := batch.Run(context.Background(), batch.Options{DayRules: daily.DefaultDayRules(),
		NoticesPath: filepath.Join(dir, "notices.csv"), PaymentsPath: filepath.Join(dir, "events.jsonl"), Date: day,
		Statements:  []string{filepath.Join(dir, "statement.camt053.xml")},
		Settlements: []string{filepath.Join(dir, "settlement.vnpay.csv")},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := batch.WriteReport(out, res); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, batch.ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Exceptions []struct {
			PaymentID    string                  `json:"payment_id"`
			StatementRef string                  `json:"statement_ref"`
			Kind         reconcile.ExceptionKind `json:"kind"`
		} `json:"exceptions"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	kinds := map[reconcile.ExceptionKind]int{}
	for _, e := range rep.Exceptions {
		kinds[e.Kind]++
		switch e.Kind {
		case reconcile.ExceptionMissingEvent:
			if e.StatementRef == "" || e.PaymentID != "" {
				t.Errorf("missing_event %+v: want statement_ref and no payment_id", e)
			}
		case reconcile.ExceptionAmountMismatch:
			if e.StatementRef == "" || e.PaymentID == "" {
				t.Errorf("amount_mismatch %+v: want both refs", e)
			}
		default: // the other kinds carry a payment id, checked below
		}
	}
	for kind, want := range map[reconcile.ExceptionKind]int{
		reconcile.ExceptionMissingEvent: 2, reconcile.ExceptionAmountMismatch: 1, reconcile.ExceptionSettlementShort: 1,
		reconcile.ExceptionMissingCredit: 1, reconcile.ExceptionOverpaid: 1, reconcile.ExceptionUnmatched: 1,
		reconcile.ExceptionCancelledNotice: 1,
	} {
		if kinds[kind] != want {
			t.Errorf("%s: %d exceptions, want %d (all: %v)", kind, kinds[kind], want, kinds)
		}
	}
	for _, name := range []string{"daily-ALL.json", "daily-ALL.csv", "daily-ALL.html", batch.DailyXLSX} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	x, err := excelize.OpenFile(filepath.Join(out, batch.DailyXLSX))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if sheets := x.GetSheetList(); len(sheets) < 3 { // ALL and the two agencies
		t.Errorf("sheets %v", sheets)
	}
}

// Notices whose payment codes carry another prefix than the configured one
// are matched by that prefix: the batch accepts the prefixes it is given.
func TestBatchAcceptsTheNoticesPrefixes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, err := payment.NewPaymentCode("TP", 123456)
	if err != nil {
		t.Fatal(err)
	}
	notices := "notice_id,dossier_code,payment_code,agency_code,payer_name,amount,currency,issued_at,due_at,budget_chapter,budget_subitem,treasury_account,status\n" +
		"N1,000.00.20.H40-261126-0001," + string(code) + ",H40.01,Le Van C,50000,VND,2026-11-26T08:00:00+07:00,,599,2771,3511,issued\n"
	payments := `{"payment_id":"momo:1","gateway":"momo","gateway_txn_id":"1","amount":"50000","currency":"VND","paid_at":"2026-11-26T09:00:00+07:00","description":"nop phi ` + string(code[2:]) + ` ` + string(code) + `","payer_name":"","payer_account":""}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "n.csv"), []byte(notices), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.jsonl"), []byte(payments), 0o600); err != nil {
		t.Fatal(err)
	}
	day, _ := payment.ParseDate("2026-11-26")
	res, err := batch.Run(context.Background(), batch.Options{DayRules: daily.DefaultDayRules(), NoticesPath: filepath.Join(dir, "n.csv"), PaymentsPath: filepath.Join(dir, "p.jsonl"), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Allocations) != 1 || res.Allocations[0].NoticeID != "N1" || res.Allocations[0].Code != code {
		t.Fatalf("allocations %+v, exceptions %+v", res.Allocations, res.Exceptions)
	}
}

// A notices file as spreadsheets write it: header names in another case,
// an extra column, statuses in capitals. Nothing in it is lost.
func TestNoticesFileAsSpreadsheetsWriteIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, _ := payment.NewPaymentCode("NP", 42)
	notices := "\uFEFFNOTICE_ID,Dossier_Code,payment_code,agency_code,payer_name,amount,currency,issued_at,due_at,budget_chapter,budget_subitem,treasury_account,status,ghi_chu\r\n" +
		"N1,000.00.20.H40-261126-0001," + string(code) + ",H40.01,Le Van C,50000,VND,2026-11-26T08:00:00+07:00,,599,2771,3511,ISSUED,nộp tại quầy\r\n"
	payments := `{"payment_id":"P1","gateway":"vietqr","gateway_txn_id":"1","amount":"50000","currency":"VND","paid_at":"2026-11-26T09:00:00+07:00","description":"` + string(code) + `"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "n.csv"), []byte(notices), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.jsonl"), []byte(payments), 0o600); err != nil {
		t.Fatal(err)
	}
	day, _ := payment.ParseDate("2026-11-26")
	res, err := batch.Run(context.Background(), batch.Options{DayRules: daily.DefaultDayRules(), NoticesPath: filepath.Join(dir, "n.csv"), PaymentsPath: filepath.Join(dir, "p.jsonl"), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.InvalidNotices) != 0 || len(res.Allocations) != 1 || res.Allocations[0].PaymentID != "P1" {
		t.Fatalf("invalid %v, allocations %+v, exceptions %+v", res.InvalidNotices, res.Allocations, res.Exceptions)
	}
}

// A statement whose entries do not add up to its closing balance is still
// reconciled, with a warning in the report: entries are missing at the
// bank, and the day's other discrepancies are still worth seeing.
func TestBatchStatementThatDoesNotBalance(t *testing.T) {
	t.Parallel()
	dir := "../../testdata/daily"
	body, err := os.ReadFile(filepath.Join(dir, "statement.camt053.xml"))
	if err != nil {
		t.Fatal(err)
	}
	off := bytes.Replace(body, []byte(">51361560<"), []byte(">51361561<"), 1)
	if bytes.Equal(off, body) {
		t.Fatal("closing balance not found in the test statement")
	}
	stmt := filepath.Join(t.TempDir(), "off.xml")
	if err := os.WriteFile(stmt, off, 0o600); err != nil {
		t.Fatal(err)
	}
	day, _ := payment.ParseDate("2026-11-26")
	res, err := batch.Run(context.Background(), batch.Options{DayRules: daily.DefaultDayRules(),
		NoticesPath: filepath.Join(dir, "notices.csv"), PaymentsPath: filepath.Join(dir, "events.jsonl"), Date: day,
		Statements: []string{stmt},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Inputs.StatementWarnings) != 1 || !strings.Contains(res.Inputs.StatementWarnings[0], "do not add up") {
		t.Fatalf("warnings %v", res.Inputs.StatementWarnings)
	}
	if res.Totals.ExceptionsByKind[reconcile.ExceptionMissingEvent] == 0 {
		t.Fatalf("no three-way reconciliation: %v", res.Totals.ExceptionsByKind)
	}
}
