package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment/collection"
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

// --collection-accounts: a payment credited to an account that is not its
// notice's agency's is a wrong_account, never allocated; one with no
// credited_account is matched as before and counted unknown; a bad file is
// a configuration error naming its line.
func TestReconcileCollectionAccounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	accounts := filepath.Join(dir, "accounts.csv")
	if err := os.WriteFile(accounts, []byte("agency_code,bin,account\nH29.75,970415,113000006100\nH29.75,vnpay,FEERECON01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	payments := filepath.Join(dir, "payments.jsonl")
	line := func(txn, code, amount, credited string) string {
		s := `{"gateway":"vietqr","gateway_txn_id":"` + txn + `","amount":"` + amount + `","currency":"VND",` +
			`"paid_at":"2026-11-26T11:00:00+07:00","description":"` + code + ` le phi"`
		if credited != "" {
			s += `,"credited_account":` + credited
		}
		return s + "}\n"
	}
	lines := line("R1", "NP000000015186", "150000", `{"account":"113000006100"}`) +
		line("R2", "NP000000015283", "200000", `{"bin":"970415","account":"999999999999"}`) +
		line("R3", "NP000000015380", "300000", "")
	if err := os.WriteFile(payments, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	args := []string{"reconcile", "--notices", "../../testdata/daily/notices.csv", "--payments", payments,
		"--date", "2026-11-26", "--out", out, "--collection-accounts", accounts}
	if msg, err := runCLI(t, args...); err != nil {
		t.Fatalf("reconcile: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Allocations []struct {
			PaymentID string `json:"payment_id"`
		} `json:"allocations"`
		Exceptions []struct {
			PaymentID string                  `json:"payment_id"`
			Kind      reconcile.ExceptionKind `json:"kind"`
			Evidence  string                  `json:"evidence"`
		} `json:"exceptions"`
		Totals struct {
			Credited *struct {
				Known, Unknown   int
				WrongAccount     int    `json:"wrong_account"`
				UnknownAmountVND string `json:"unknown_amount_vnd"`
			} `json:"credited_accounts"`
		} `json:"totals"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	var allocated []string
	for _, a := range rep.Allocations {
		allocated = append(allocated, a.PaymentID)
	}
	if fmt.Sprint(allocated) != "[vietqr:R1 vietqr:R3]" {
		t.Errorf("allocated %v, want R1 (the agency's account) and R3 (unknown)", allocated)
	}
	if len(rep.Exceptions) != 1 || rep.Exceptions[0].PaymentID != "vietqr:R2" || rep.Exceptions[0].Kind != reconcile.ExceptionWrongAccount ||
		strings.Contains(rep.Exceptions[0].Evidence, "999999999999") {
		t.Errorf("exceptions %+v, want R2's wrong_account with the account masked", rep.Exceptions)
	}
	if c := rep.Totals.Credited; c == nil || c.Known != 2 || c.Unknown != 1 || c.WrongAccount != 1 || c.UnknownAmountVND != "300000" {
		t.Errorf("credited totals %+v", c)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("agency_code,bin,account\nH29.75,9704,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args[len(args)-1] = bad
	_, err = runCLI(t, args...)
	if !errors.Is(err, config.ErrInvalid) || !errors.Is(err, collection.ErrBIN) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad file: %v, want a configuration error naming line 2", err)
	}
}
