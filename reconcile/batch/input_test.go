package batch

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
)

func TestParsePaymentErrors(t *testing.T) {
	t.Parallel()
	policy := payment.DefaultAmountPolicy()
	ok := `{"payment_id":"vietqr:A","gateway":"vietqr","gateway_txn_id":"A","amount":"150000","currency":"VND","paid_at":"2026-11-20T09:00:00+07:00","description":"NP"}`
	if _, err := parsePayment([]byte(ok), policy); err != nil {
		t.Fatalf("good line rejected: %v", err)
	}
	// A file's own payment ids, channels without an adapter and fields
	// beyond the contract are kept or ignored, not rejected: the money is
	// matched all the same.
	for name, line := range map[string]string{
		"own payment id": strings.Replace(ok, `"vietqr:A"`, `"P-000123"`, 1),
		"other channel":  strings.Replace(ok, `"gateway":"vietqr"`, `"gateway":"bank_transfer"`, 1),
		"extra field":    strings.Replace(ok, `"description"`, `"channel":"qr","description"`, 1),
	} {
		p, err := parsePayment([]byte(line), policy)
		if err != nil {
			t.Errorf("%s: rejected: %v", name, err)
			continue
		}
		if name == "own payment id" && p.ID != "P-000123" {
			t.Errorf("%s: id %q", name, p.ID)
		}
		if name == "other channel" && (p.Gateway != "bank_transfer" || p.Gateway.Channel() != "other") {
			t.Errorf("%s: gateway %q channel %q", name, p.Gateway, p.Gateway.Channel())
		}
	}
	for name, c := range map[string]struct {
		line  string
		field string
		is    error
	}{
		"number amount": {strings.Replace(ok, `"150000"`, `150000`, 1), "amount", ErrField},
		"fraction":      {strings.Replace(ok, `"150000"`, `"1.5"`, 1), "amount", payment.ErrAmountFractional},
		"exponent":      {strings.Replace(ok, `"150000"`, `"1e5"`, 1), "amount", payment.ErrAmountNotNumeric},
		"zero":          {strings.Replace(ok, `"150000"`, `"0"`, 1), "amount", payment.ErrAmountZero},
		"currency":      {strings.Replace(ok, `"VND"`, `"XYZ"`, 1), "amount", payment.ErrUnknownCurrency},
		"time":          {strings.Replace(ok, `2026-11-20T09:00:00+07:00`, `2026-11-20 09:00`, 1), "paid_at", ErrField},
		"no gateway":    {strings.Replace(ok, `"gateway":"vietqr"`, `"gateway":""`, 1), "gateway", ErrField},
		"no txn id":     {strings.Replace(ok, `"gateway_txn_id":"A"`, `"gateway_txn_id":" "`, 1), "gateway_txn_id", ErrField},
		"two values":    {ok + ` {}`, "", ErrSyntax},
	} {
		_, err := parsePayment([]byte(c.line), policy)
		if !errors.Is(err, c.is) {
			t.Errorf("%s: error %v, want %v", name, err, c.is)
		}
		le := lineErr("payments.jsonl", 3, err)
		if le.Field != c.field || !strings.HasPrefix(le.Error(), "payments.jsonl:3: ") {
			t.Errorf("%s: line error %q field %q, want field %q", name, le, le.Field, c.field)
		}
	}
}

// report.csv neutralises formulas in every text cell (payers write
// descriptions, systems write ids) and leaves amounts and line numbers as
// numbers, a negative one included.
func TestReportCSVNeutralisesTextCells(t *testing.T) {
	t.Parallel()
	rep := Report{
		Allocations: []ReportAllocation{{PaymentID: "=cmd|' /C calc'!A0", NoticeID: "+TB-1", PaymentCode: "NP000000015186",
			Amount: "150000", Currency: payment.VND, Rule: "@rule", Evidence: "=HYPERLINK(\"http://x\")"}},
		Exceptions: []ReportException{{PaymentID: "\tp", NoticeID: "-n", Kind: "unmatched", Amount: "-5000",
			Currency: payment.VND, Candidates: []string{"=a", "b"}, Evidence: "\r=1", Line: 7}},
		InvalidNotices: []ReportLine{{Line: 3, Field: "=f", Error: "@e"}},
	}
	b, err := reportCSV(rep)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		CSVHeader(),
		{"allocation", "'=cmd|' /C calc'!A0", "", "'+TB-1", "NP000000015186", "'@rule", "", "150000", "", "VND", "", "'=HYPERLINK(\"http://x\")"},
		{"exception", "'\tp", "7", "'-n", "", "unmatched", "open", "-5000", "", "VND", "'=a b", "'=1"},
		{"invalid_notice", "", "3", "", "", "'=f", "", "", "", "", "", "'@e"},
	}
	// With UseCRLF, encoding/csv drops a lone CR inside a quoted field;
	// the quote prefix still comes first.
	if !bytes.Contains(b, []byte(",\"'=1\"\r\n")) {
		t.Errorf("the evidence starting with CR is not written as \"'=1\": %q", b)
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %q", len(recs), len(want), recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d:\n got %q\nwant %q", i, recs[i], want[i])
		}
	}
}

func FuzzParsePaymentLine(f *testing.F) {
	f.Add([]byte(`{"payment_id":"vietqr:A","gateway":"vietqr","gateway_txn_id":"A","amount":"150000","currency":"VND","paid_at":"2026-11-20T09:00:00+07:00","description":"NP000000015186","payer_name":"Nguyễn","payer_account":"0071"}`))
	f.Add([]byte(`{"payment_id":"momo:1","gateway":"momo","gateway_txn_id":"1","amount":"12.50","currency":"USD","paid_at":"2026-11-20T09:00:00Z","description":""}`))
	f.Add([]byte(`{"amount":1e400}`))
	f.Add([]byte(`not json`))
	policy := payment.DefaultAmountPolicy()
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := parsePayment(line, policy)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrField) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if p.ID == "" || p.Gateway == "" || p.TxnID == "" || !p.Amount.Amount.IsPositive() || p.PaidAt.IsZero() {
			t.Fatalf("accepted an incomplete payment: %+v", p)
		}
		if _, err := payment.DefaultAmountPolicy().New(p.Amount.Amount, p.Amount.Currency); err != nil {
			t.Fatalf("accepted an invalid amount: %v", err)
		}
		// write it back and read it again: the same payment
		back, err := json.Marshal(map[string]string{
			"payment_id": p.ID, "gateway": string(p.Gateway), "gateway_txn_id": p.TxnID,
			"amount": p.Amount.Amount.String(), "currency": string(p.Amount.Currency),
			"paid_at": p.PaidAt.Format("2006-01-02T15:04:05.999999999Z07:00"), "description": p.Description,
			"payer_name": p.PayerName, "payer_account": p.PayerAccount, "bank_ref": p.BankRef,
		})
		if err != nil {
			t.Fatal(err)
		}
		q, err := parsePayment(back, policy)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if q.ID != p.ID || !q.Amount.Equal(p.Amount) || !q.PaidAt.Equal(p.PaidAt) || q.Description != p.Description {
			t.Fatalf("round trip changed %+v into %+v", p, q)
		}
	})
}

func FuzzParseNoticeRecord(f *testing.F) {
	f.Add("TB-1,G01.899.108.000-261118-0001,NP000000015186,H29.01,Nguyễn Văn An,50000,VND,2026-11-18T08:00:00+07:00,2026-12-18T08:00:00+07:00,018,2771,7111.0.1000001,issued")
	f.Add("TB-2,H29.75-261119-0003,,A,B,1.5,VND,2026-11-18T08:00:00Z,,1,2,3,cancelled")
	f.Add("TB-3,x,y,z,,,,,,,,,")
	h, err := parseNoticeHeader("notices.csv", NoticeColumns())
	if err != nil {
		f.Fatal(err)
	}
	policy := payment.DefaultAmountPolicy()
	f.Fuzz(func(t *testing.T, line string) {
		rec := strings.Split(line, ",")
		n, err := parseNotice(h, rec, "batch", policy)
		if err != nil {
			var fe *fieldError
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrField) && !errors.As(err, &fe) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("accepted an invalid notice: %v", err)
		}
		if n.Status != payment.NoticeIssued && n.Status != payment.NoticeCancelled && n.Status != payment.NoticeExpired {
			t.Fatalf("status %q accepted", n.Status)
		}
	})
}

// The daily-* file names of two scopes never coincide (they did for
// H42/12:x*?[] and H42_12:x*?[]); valid codes keep their names.
func TestDailyFileNamesAreDistinct(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, scope := range []string{"ALL", "H29.75", "H42/12:x*?[]", "H42_12:x*?[]", "h29.75", "H29_75"} {
		j, c, h := dailyFiles(scope)
		for _, name := range []string{j, c, h} {
			if prev, dup := seen[strings.ToUpper(name)]; dup {
				t.Errorf("%q and %q both write %s", prev, scope, name)
			}
			seen[strings.ToUpper(name)] = scope
		}
	}
	if j, _, _ := dailyFiles("H29.75"); j != "daily-H29.75.json" {
		t.Errorf("dailyFiles(H29.75) = %s", j)
	}
}
