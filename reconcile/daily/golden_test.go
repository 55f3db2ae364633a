package daily_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/camt053"
	"github.com/feerecon/feerecon/statements/settlement"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/daily/golden")

const dayDir = "../../testdata/daily"

// system is the procedure system the batch notices come from.
const system = "motcua"

func loadNotices(t testing.TB, path string) []payment.Notice {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
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

func loadEvents(t testing.TB, path string) []payment.Payment {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []payment.Payment
	sc := bufio.NewScanner(f)
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
			// CreditedAccount: only wrong_account_events.jsonl states it.
			CreditedAccount payment.CreditedAccount `json:"credited_account"`
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
			Description: e.Description, PayerName: e.PayerName, PayerAccount: e.PayerAccount, CreditedAccount: e.CreditedAccount,
			RawRef: filepath.Base(path)}
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

func loadStatement(t testing.TB) []statements.Line {
	t.Helper()
	f, err := os.Open(filepath.Join(dayDir, "statement.camt053.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stmts, err := camt053.Parse(f, payment.DefaultAmountPolicy())
	if err != nil {
		t.Fatal(err)
	}
	var out []statements.Line
	for _, s := range stmts {
		out = append(out, s.Lines()...)
	}
	return out
}

func loadSettlement(t testing.TB) []settlement.Line {
	t.Helper()
	f, err := os.Open(filepath.Join(dayDir, "settlement.vnpay.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, err := settlement.Parse(f, payment.DefaultAmountPolicy())
	if err != nil {
		t.Fatal(err)
	}
	return file.Lines
}

// matcher is how the golden test obtains the matching result: the real
// engine (reconcile.Engine), swappable for labelled decisions.
type matcher struct {
	decide  func([]payment.Notice, []payment.Payment) reconcile.Decision
	extract func(string) []string
}

func engineMatcher(t testing.TB) matcher {
	t.Helper()
	return engineMatcherWith(t, reconcile.Config{})
}

// engineMatcherWith is engineMatcher of an engine configured by cfg.
func engineMatcherWith(t testing.TB, cfg reconcile.Config) matcher {
	t.Helper()
	eng, err := reconcile.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return matcher{
		decide: eng.Decide,
		extract: func(s string) []string {
			refs := eng.References(s)
			out := make([]string, len(refs))
			for i, r := range refs {
				out[i] = r.Key
			}
			return out
		},
	}
}

var (
	businessDate = payment.Date{Year: 2026, Month: time.November, Day: 26}
	nowV1        = time.Date(2026, time.November, 27, 1, 0, 0, 0, payment.Location())
	nowV2        = time.Date(2026, time.November, 27, 9, 0, 0, 0, payment.Location())
)

type day struct {
	notices    []payment.Notice
	events     []payment.Payment
	late       []payment.Payment
	lines      []statements.Line
	settlement []settlement.Line
}

func loadDay(t testing.TB) day {
	return day{
		notices:    loadNotices(t, filepath.Join(dayDir, "notices.csv")),
		events:     loadEvents(t, filepath.Join(dayDir, "events.jsonl")),
		late:       loadEvents(t, filepath.Join(dayDir, "late_events.jsonl")),
		lines:      loadStatement(t),
		settlement: loadSettlement(t),
	}
}

func (d day) input(m matcher, events []payment.Payment, now time.Time, prev []daily.Report) daily.Input {
	dec := m.decide(d.notices, events)
	return daily.Input{
		DayRules:        daily.DefaultDayRules(),
		BusinessDate:    businessDate,
		Notices:         d.notices,
		NoticeStates:    dec.Notices,
		Payments:        events,
		Allocations:     dec.Allocations,
		Exceptions:      dec.Exceptions,
		StatementLines:  d.lines,
		SettlementLines: d.settlement,
		ExtractRefs:     m.extract,
		PreviousReports: prev,
		Now:             now,
		// What dailyrun gives from the store: the audit chain's head at
		// the cut-off.
		AuditHead: &daily.AuditHead{Seq: 4711, Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
	}
}

func reconcileOK(t testing.TB, in daily.Input) daily.Result {
	t.Helper()
	res, err := daily.Reconcile(in)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	for _, r := range res.Reports {
		if err := r.Verify(); err != nil {
			t.Fatalf("report %s does not verify: %v", r.ID, err)
		}
	}
	return res
}

// golden compares got with testdata/daily/golden/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(dayDir, "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run with -update to create it)", name, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; rerun with -update and review the diff", name)
	}
}

func reportJSON(t testing.TB, r daily.Report) []byte {
	t.Helper()
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func byAgency(t testing.TB, res daily.Result, agency string) daily.Report {
	t.Helper()
	for _, r := range res.Reports {
		if r.Agency == agency {
			return r
		}
	}
	t.Fatalf("no report for %s", agency)
	return daily.Report{}
}

// runDay produces v1 (without the late event) and v2 (with it).
func runDay(t testing.TB, m matcher) (daily.Result, daily.Result) {
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	all := append(append([]payment.Payment(nil), d.events...), d.late...)
	v2 := reconcileOK(t, d.input(m, all, nowV2, v1.Reports))
	return v1, v2
}

func TestGoldenDay(t *testing.T) {
	t.Parallel()
	v1, v2 := runDay(t, engineMatcher(t))
	golden(t, "report.v1.ALL.json", reportJSON(t, byAgency(t, v1, daily.AgencyAll)))
	for _, r := range v2.Reports {
		golden(t, "report.v2."+r.Agency+".json", reportJSON(t, r))
	}
	all := byAgency(t, v2, daily.AgencyAll)
	var csvBuf, excBuf, htmlBuf bytes.Buffer
	if err := daily.WriteCSV(&csvBuf, all, daily.LangVI); err != nil {
		t.Fatal(err)
	}
	if err := daily.WriteExceptionsCSV(&excBuf, all, daily.LangEN); err != nil {
		t.Fatal(err)
	}
	if err := daily.WriteHTML(&htmlBuf, all, daily.Print{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.v2.ALL.csv", csvBuf.Bytes())
	golden(t, "exceptions.v2.ALL.en.csv", excBuf.Bytes())
	golden(t, "report.v2.ALL.html", htmlBuf.Bytes())

	// Every discrepancy kind is present in the day.
	kinds := map[reconcile.ExceptionKind]int{}
	for _, e := range all.Exceptions {
		kinds[e.Kind]++
	}
	for _, k := range []reconcile.ExceptionKind{
		reconcile.ExceptionMissingEvent, reconcile.ExceptionMissingCredit, reconcile.ExceptionAmountMismatch,
		reconcile.ExceptionSettlementShort, reconcile.ExceptionLateEvent,
		reconcile.ExceptionOverpaid, reconcile.ExceptionUnmatched, reconcile.ExceptionCancelledNotice,
	} {
		if kinds[k] == 0 {
			t.Errorf("golden day has no %s exception", k)
		}
	}
	if kinds[reconcile.ExceptionMissingEvent] != 2 {
		t.Errorf("missing_event: want the bank credit and the settlement line, got %d", kinds[reconcile.ExceptionMissingEvent])
	}
	// Every link rule is exercised.
	rules := map[daily.LinkRule]bool{}
	for _, l := range v2.Links {
		rules[l.Rule] = true
	}
	for _, r := range []daily.LinkRule{daily.LinkBankRef, daily.LinkAmountDateReference, daily.LinkSettlementTxn, daily.LinkSettlementBatch} {
		if !rules[r] {
			t.Errorf("no link by %s", r)
		}
	}
}
