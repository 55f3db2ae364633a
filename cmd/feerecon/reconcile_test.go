package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/feerecon/feerecon/reconcile"
)

// --credit-window-days 0 is T+0: a bank payment of the day with no credit
// on the day's statement is a missing_credit at once; with the default
// T+1 it still awaits its credit.
func TestReconcileCreditWindowZeroIsSameDay(t *testing.T) {
	t.Parallel()
	day := "../../testdata/daily"
	payments := filepath.Join(t.TempDir(), "payments.jsonl")
	// A bank credit paid on the day that the day's camt.053 does not carry.
	line := `{"payment_id":"vietqr:SP7001","gateway":"vietqr","gateway_txn_id":"SP7001","amount":"123000","currency":"VND",` +
		`"paid_at":"2026-11-26T11:00:00+07:00","description":"NP000000015186 le phi","payer_name":"NGUYEN VAN AN"}` + "\n"
	if err := os.WriteFile(payments, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	kinds := func(window string) map[reconcile.ExceptionKind]bool {
		t.Helper()
		out := t.TempDir()
		args := []string{"reconcile", "--notices", filepath.Join(day, "notices.csv"), "--payments", payments,
			"--date", "2026-11-26", "--statement", filepath.Join(day, "statement.camt053.xml"), "--out", out}
		if window != "" {
			args = append(args, "--credit-window-days", window)
		}
		if msg, err := runCLI(t, args...); err != nil {
			t.Fatalf("reconcile %v: %v\n%s", args, err, msg)
		}
		b, err := os.ReadFile(filepath.Join(out, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Exceptions []struct {
				PaymentID string                  `json:"payment_id"`
				Kind      reconcile.ExceptionKind `json:"kind"`
			} `json:"exceptions"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		got := map[reconcile.ExceptionKind]bool{}
		for _, e := range rep.Exceptions {
			if e.PaymentID == "vietqr:SP7001" {
				got[e.Kind] = true
			}
		}
		return got
	}
	if got := kinds("0"); !got[reconcile.ExceptionMissingCredit] {
		t.Errorf("--credit-window-days 0: SP7001's exceptions %v, want missing_credit", got)
	}
	for _, w := range []string{"", "1"} {
		if got := kinds(w); got[reconcile.ExceptionMissingCredit] {
			t.Errorf("--credit-window-days %q: SP7001 is missing_credit on its own day under T+1", w)
		}
	}
}
