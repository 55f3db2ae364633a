package batch_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/batch"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/sample")

func sampleRun(t *testing.T) *batch.Result {
	t.Helper()
	date, err := payment.ParseDate("2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	res, err := batch.Run(context.Background(), batch.Options{
		NoticesPath:  "testdata/sample/notices.csv",
		PaymentsPath: "testdata/sample/payments.jsonl",
		Date:         date,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSampleReport compares report.json and report.csv with the reviewed
// golden files; refresh with -update and read the diff before committing.
func TestSampleReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := batch.WriteReport(dir, sampleRun(t)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{batch.ReportJSON, batch.ReportCSV} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata/sample", "golden."+name)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s; run with -update and review the diff", name, golden)
		}
	}
	// a second run writes the same bytes
	dir2 := t.TempDir()
	if err := batch.WriteReport(dir2, sampleRun(t)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{batch.ReportJSON, batch.ReportCSV} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s not reproducible", name)
		}
	}
	csvBytes, _ := os.ReadFile(filepath.Join(dir, batch.ReportCSV))
	if !bytes.HasPrefix(csvBytes, []byte("\xEF\xBB\xBF")) {
		t.Error("report.csv has no UTF-8 byte-order mark")
	}
}

func TestSampleOutcome(t *testing.T) {
	t.Parallel()
	res := sampleRun(t)
	kinds := map[string]reconcile.ExceptionKind{}
	lines := map[int]bool{}
	for _, e := range res.Exceptions {
		if e.Kind == reconcile.ExceptionInvalidInput {
			lines[res.Lines[e.ID]] = true
			continue
		}
		kinds[e.PaymentID] = e.Kind
	}
	want := map[string]reconcile.ExceptionKind{
		"momo:M1":    reconcile.ExceptionOverpaid,
		"momo:M2":    reconcile.ExceptionCancelledNotice,
		"zalopay:Z2": reconcile.ExceptionDuplicate,
		"camt054:C1": reconcile.ExceptionCurrencyMismatch,
		"camt054:C2": reconcile.ExceptionUnmatched,
		"camt054:C3": reconcile.ExceptionUnmatched,
	}
	for id, k := range want {
		if kinds[id] != k {
			t.Errorf("%s: exception %q, want %q", id, kinds[id], k)
		}
	}
	if len(kinds) != len(want) {
		t.Errorf("exceptions %v, want %v", kinds, want)
	}
	// lines 12 (number amount), 14 (fractional đồng), 15 (not JSON), 16 (repeated id)
	for _, l := range []int{12, 14, 15, 16} {
		if !lines[l] {
			t.Errorf("payments line %d not listed as invalid_input (have %v)", l, lines)
		}
	}
	if len(lines) != 4 {
		t.Errorf("invalid lines %v", lines)
	}
	if len(res.InvalidNotices) != 3 {
		t.Errorf("invalid notices %v, want lines 8, 9, 10", res.InvalidNotices)
	}
	for _, le := range res.InvalidNotices {
		if le.File != "notices.csv" || le.Line < 8 || le.Line > 10 {
			t.Errorf("invalid notice %v", le)
		}
	}
	if res.Inputs.PaymentsOtherDates != 1 {
		t.Errorf("payments on other dates %d, want 1 (C4, 23:59:59 the day before)", res.Inputs.PaymentsOtherDates)
	}
	tot := res.Totals
	sum := decimal.Zero
	for _, v := range tot.ExceptionAmountsVND {
		sum = sum.Add(v)
	}
	if !tot.AllocatedAmount.Add(sum).Equal(tot.PaymentsAmountVND) || !sum.Equal(tot.UnallocatedAmountVND) {
		t.Errorf("totals do not add up: %+v", tot)
	}
	// 50000 + 100000 + 100000 + 100000 (of 120000) + 220000
	if !tot.AllocatedAmount.Equal(decimal.NewFromInt(570000)) {
		t.Errorf("allocated %s, want 570000", tot.AllocatedAmount)
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("notice_id,amount\nX,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := batch.Run(context.Background(), batch.Options{NoticesPath: bad, PaymentsPath: "testdata/sample/payments.jsonl"})
	var he *batch.HeaderError
	if !errors.As(err, &he) || !errors.Is(err, batch.ErrHeader) {
		t.Errorf("bad header: %v", err)
	}
	_, err = batch.Run(context.Background(), batch.Options{NoticesPath: "testdata/sample/notices.csv", PaymentsPath: filepath.Join(dir, "missing.jsonl")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, err = batch.Run(context.Background(), batch.Options{})
	if !errors.Is(err, config.ErrInvalid) {
		t.Errorf("empty options: %v", err)
	}
}

// A batch run keeps no state: its exceptions are raised at its as-of time,
// the end of the business day, and name their notice with its system.
func TestExceptionsRaisedAtTheRunsAsOfTime(t *testing.T) {
	t.Parallel()
	res := sampleRun(t)
	next, err := payment.ParseDate("2026-11-21")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exceptions) == 0 {
		t.Fatal("the sample has no exception")
	}
	named := 0
	for _, e := range res.Exceptions {
		if !e.CreatedAt.Equal(next.Start()) {
			t.Errorf("%s created %v, want %v (the end of 2026-11-20)", e.ID, e.CreatedAt, next.Start())
		}
		if e.NoticeID != "" {
			named++
			if e.NoticeSystem != batch.DefaultSystem {
				t.Errorf("%s names notice %s of system %q", e.ID, e.NoticeID, e.NoticeSystem)
			}
		}
	}
	if named == 0 {
		t.Error("no exception names a notice")
	}
}
