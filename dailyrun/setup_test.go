package dailyrun_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
)

const dayDir = "../testdata/daily"

// system is the procedure system the day's notices come from.
const system = "motcua"

var businessDate = payment.Date{Year: 2026, Month: time.November, Day: 26}

// backends runs fn once per store backend: memory, and PostgreSQL on a
// fresh database of the test server.
func backends(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		fn(t, memory.New())
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, openPostgres(t))
	})
}

func openPostgres(t *testing.T) store.Store {
	t.Helper()
	return pgtest.Store(t)
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dayDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadNotices(t testing.TB) []payment.Notice {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(readFile(t, "notices.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "notice_id,dossier_code,payment_code,agency_code,payer_name,amount,currency,issued_at,due_at,budget_chapter,budget_subitem,treasury_account,status"
	if strings.Join(rows[0], ",") != want {
		t.Fatalf("notices header %v", rows[0])
	}
	var out []payment.Notice
	for _, r := range rows[1:] {
		m, err := payment.DefaultAmountPolicy().ParsePositive(r[5], r[6])
		if err != nil {
			t.Fatal(err)
		}
		issued, err1 := time.Parse(time.RFC3339, r[7])
		due, err2 := time.Parse(time.RFC3339, r[8])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		n := payment.Notice{
			ID: r[0], System: system, Dossier: payment.DossierCode(r[1]), Code: payment.PaymentCode(r[2]),
			Agency: r[3], PayerName: r[4], Total: m, IssuedAt: issued, DueAt: due,
			Items:           []payment.NoticeItem{{FeeType: "le_phi", Kind: payment.FeeKindLePhi, Amount: m, BudgetChapter: r[9], BudgetSubitem: r[10]}},
			TreasuryAccount: r[11], Status: payment.NoticeStatus(r[12]), Version: 1,
		}
		if err := n.Validate(); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func loadEvents(t testing.TB, name string) []payment.Payment {
	t.Helper()
	var out []payment.Payment
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, name)))
	for sc.Scan() {
		var e struct {
			PaymentID    string          `json:"payment_id"`
			Gateway      payment.Gateway `json:"gateway"`
			TxnID        string          `json:"gateway_txn_id"`
			BankRef      string          `json:"bank_ref"`
			Amount       string          `json:"amount"`
			Currency     string          `json:"currency"`
			PaidAt       time.Time       `json:"paid_at"`
			Description  string          `json:"description"`
			PayerName    string          `json:"payer_name"`
			PayerAccount string          `json:"payer_account"`
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatal(err)
		}
		m, err := payment.DefaultAmountPolicy().ParsePositive(e.Amount, e.Currency)
		if err != nil {
			t.Fatal(err)
		}
		p := payment.Payment{ID: e.PaymentID, Gateway: e.Gateway, TxnID: e.TxnID, BankRef: e.BankRef, Amount: m, PaidAt: e.PaidAt,
			Description: e.Description, PayerName: e.PayerName, PayerAccount: e.PayerAccount, RawRef: name}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// at is a time in Asia/Ho_Chi_Minh.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, time.November, day, hour, minute, 0, 0, payment.Location())
}

// record sends payments through the production path (ingest), so that
// allocations and matching exceptions are stored as in the service.
func record(t testing.TB, st store.Store, now time.Time, ps []payment.Payment) {
	t.Helper()
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pr := ingest.New(st, eng, func() time.Time { return now }, nil)
	for _, p := range ps {
		if _, err := pr.Record(context.Background(), p); err != nil {
			t.Fatalf("record %s: %v", p.ID, err)
		}
	}
}

// importOptions imports at now with the default amount policy, applying
// reversals through the production path (ingest.Processor.Reverse).
func importOptions(st store.Store, now time.Time) dailyrun.ImportOptions {
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		panic(err) // the zero configuration is valid
	}
	return dailyrun.ImportOptions{Policy: payment.DefaultAmountPolicy(), Now: now,
		Reverser: ingest.New(st, eng, func() time.Time { return now }, nil)}
}

// loadDay stores the golden day's notices, events (recorded at 23:00 of
// the day), bank statement and settlement file.
func loadDay(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(tx store.Tx) error {
		for _, n := range loadNotices(t) {
			if err := tx.CreateNotice(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	record(t, st, at(26, 23, 0), loadEvents(t, "events.jsonl"))
	for _, f := range []string{"statement.camt053.xml", "settlement.vnpay.csv"} {
		if _, err := importFile(st, readFile(t, f)); err != nil {
			t.Fatalf("import %s: %v", f, err)
		}
	}
}

func memoryStore() store.Store { return memory.New() }
