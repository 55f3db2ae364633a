package batch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/hostile"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/batch"
)

// hostileBudget bounds each run: one not done by then hangs.
const hostileBudget = 30 * time.Second

const (
	noticeHeader = "notice_id,dossier_code,payment_code,agency_code,payer_name,amount,currency,issued_at,due_at,budget_chapter,budget_subitem,treasury_account,status"
	goodNotice   = "TB-1,G01.899.108.000-261118-0001,NP000000015186,H29.01,Nguyen Van An,50000,VND,2026-11-18T08:00:00+07:00,,018,2771,7111.0.1000001,issued"
	goodPayment  = `{"payment_id":"vietqr:V1","gateway":"vietqr","gateway_txn_id":"V1","amount":"50000","currency":"VND","paid_at":"2026-11-20T08:15:00+07:00","description":"NP000000015186"}`
)

// notice is goodNotice as TB-9 with column col set to v.
func notice(col, v string) string {
	f := strings.Split(strings.Replace(goodNotice, "TB-1,", "TB-9,", 1), ",")
	for i, c := range batch.NoticeColumns() {
		if c == col {
			f[i] = v
		}
	}
	return strings.Join(f, ",")
}

// paymentLine is goodPayment as V9 with field set to the raw JSON v.
func paymentLine(field, v string) string {
	p := strings.NewReplacer(`"vietqr:V1"`, `"vietqr:V9"`, `"V1"`, `"V9"`).Replace(goodPayment)
	i := strings.Index(p, `"`+field+`":`)
	j := i + len(field) + 3
	k := j + 1
	for k < len(p) && !(p[k] == '"' && p[k-1] != '\\') {
		k++
	}
	if p[j] != '"' { // a number
		k = strings.IndexAny(p[j:], ",}") + j - 1
	}
	return p[:j] + v + p[k+1:]
}

// batchCase is one row of the batch inputs' catalogue: a notices CSV and
// a payments JSONL with one hostile line (or a hostile file).
type batchCase struct {
	name     hostile.Case
	label    string
	notices  string // the file, header and good line included
	payments string
	// fileErr: the whole run fails with this (a file that is not one).
	fileErr error
	// accepted: the hostile line is read by design; check looks at it.
	check func(t *testing.T, r *batch.Result)
}

func batchCases() []batchCase {
	n := func(line string) string { return noticeHeader + "\n" + goodNotice + "\n" + line + "\n" }
	p := func(line string) string { return goodPayment + "\n" + line + "\n" }
	good := batchCase{notices: n(notice("notice_id", "TB-2")), payments: p(paymentLine("gateway_txn_id", `"V2"`))}
	with := func(c batchCase) batchCase {
		if c.notices == "" {
			c.notices = good.notices
		}
		if c.payments == "" {
			c.payments = good.payments
		}
		return c
	}
	cs := []batchCase{
		{name: hostile.OversizedBody, label: "payment-line", payments: p(paymentLine("description", `"`+strings.Repeat("A", 2<<20)+`"`)), fileErr: errTooLong},
		{name: hostile.InvalidUTF8, label: "notice", notices: n(notice("payer_name", hostile.BadUTF8))},
		{name: hostile.InvalidUTF8, label: "payment", payments: p(paymentLine("description", `"`+hostile.BadUTF8+`"`))},
		{name: hostile.DeepJSON, label: "payment", payments: p(paymentLine("description", hostile.DeepJSONValue(20000)))},
		{name: hostile.SQLInjection, label: "notice", notices: n(notice("payer_name", strings.ReplaceAll(hostile.SQL, ",", ";"))), check: func(t *testing.T, r *batch.Result) {
			if len(r.InvalidNotices) != 0 || r.Inputs.NoticeLines != 2 {
				t.Errorf("want both notices read: %+v", r.InvalidNotices)
			}
		}},
		{name: hostile.SQLInjection, label: "payment", payments: p(paymentLine("description", `"`+hostile.SQL+`"`)), check: func(t *testing.T, r *batch.Result) {
			if r.Inputs.InvalidPayments != 0 || r.Inputs.PaymentsSelected != 2 {
				t.Errorf("want both payments read: %+v", r.Inputs)
			}
		}},
		{name: hostile.SQLInjection, label: "notice-amount", notices: n(notice("amount", strings.ReplaceAll(hostile.SQL, ",", ";")))},
		{name: hostile.AmountHuge, label: "notice", notices: n(notice("amount", hostile.HugeAmount))},
		{name: hostile.AmountNegative, label: "notice", notices: n(notice("amount", "-50000"))},
		{name: hostile.AmountFractionalVND, label: "notice", notices: n(notice("amount", "50000.5"))},
		{name: hostile.AmountExponent, label: "notice", notices: n(notice("amount", "5e4"))},
		{name: hostile.AmountThousands, label: "notice-dot", notices: n(notice("amount", "50.000"))},
		{name: hostile.AmountThousands, label: "notice-comma", notices: n(notice("amount", `"50,000"`))},
		{name: hostile.AmountHuge, label: "payment", payments: p(paymentLine("amount", `"`+hostile.HugeAmount+`"`))},
		{name: hostile.AmountNegative, label: "payment", payments: p(paymentLine("amount", `"-50000"`))},
		{name: hostile.AmountFractionalVND, label: "payment", payments: p(paymentLine("amount", `"50000.5"`))},
		{name: hostile.AmountExponent, label: "payment", payments: p(paymentLine("amount", `"5e4"`))},
		{name: hostile.AmountExponent, label: "payment-json-number", payments: p(paymentLine("amount", `5e4`))},
		{name: hostile.AmountThousands, label: "payment-dot", payments: p(paymentLine("amount", `"50.000"`))},
		{name: hostile.AmountThousands, label: "payment-comma", payments: p(paymentLine("amount", `"50,000"`))},
		{name: hostile.TimeFarPast, label: "notice", notices: n(notice("issued_at", "1900-01-01T00:00:00Z"))},
		{name: hostile.TimeFarFuture, label: "notice", notices: n(notice("issued_at", "9999-12-31T23:59:59Z"))},
		{name: hostile.TimeFarPast, label: "payment", payments: p(paymentLine("paid_at", `"1900-01-01T00:00:00Z"`))},
		{name: hostile.TimeFarFuture, label: "payment", payments: p(paymentLine("paid_at", `"9999-12-31T23:59:59Z"`))},
		{name: hostile.DuplicateID, label: "notice", notices: n(strings.Replace(notice("amount", "70000"), "TB-9,", "TB-1,", 1))},
		{name: hostile.DuplicateID, label: "payment", payments: p(strings.NewReplacer(`"vietqr:V9"`, `"vietqr:V1"`, `"V9"`, `"V1"`).Replace(paymentLine("amount", `"70000"`)))},
		{name: hostile.Empty, label: "notices", notices: "\n", fileErr: batch.ErrHeader},
		{name: hostile.Empty, label: "notices-no-bytes", notices: "-", fileErr: batch.ErrHeader},
		{name: hostile.Empty, label: "payments", payments: "-", check: func(t *testing.T, r *batch.Result) {
			if r.Inputs.PaymentLines != 0 {
				t.Errorf("payment lines %d", r.Inputs.PaymentLines)
			}
		}},
		{name: hostile.Truncated, label: "notice", notices: n(goodNotice[:len(goodNotice)/2])},
		{name: hostile.Truncated, label: "payment", payments: p(goodPayment[:len(goodPayment)/2])},
	}
	for i := range cs {
		cs[i] = with(cs[i])
	}
	return cs
}

var errTooLong = errors.New("token too long")

// TestHostileBatchInputs is the batch inputs' part of the hostile-input
// catalogue (RELIABILITY.md "Hostile input"): a hostile line of the
// notices CSV or the payments JSONL is reported as an invalid line (a
// LineError: ErrField or ErrSyntax, naming the line; an invalid_input
// exception for a payment) and decides nothing; a file that is not one
// fails the run with its error; never a panic or a hang.
func TestHostileBatchInputs(t *testing.T) {
	t.Parallel()
	for _, c := range batchCases() {
		name := string(c.name)
		if c.label != "" {
			name += "/" + c.label
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write := func(file, body string) string {
				if body == "-" {
					body = ""
				}
				path := filepath.Join(dir, file)
				if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
				return path
			}
			o := batch.Options{NoticesPath: write("notices.csv", c.notices), PaymentsPath: write("payments.jsonl", c.payments)}
			type result struct {
				r   *batch.Result
				err error
			}
			done := make(chan result, 1)
			go func() {
				r, err := batch.Run(context.Background(), o)
				done <- result{r, err}
			}()
			var res result
			select {
			case res = <-done:
			case <-time.After(hostileBudget):
				t.Fatalf("no result within %s", hostileBudget)
			}
			if c.fileErr != nil {
				if res.err == nil || !(errors.Is(res.err, c.fileErr) || strings.Contains(res.err.Error(), c.fileErr.Error())) {
					t.Fatalf("run: %v, want %v", res.err, c.fileErr)
				}
				t.Logf("%s: run fails: %v", name, res.err)
				return
			}
			if res.err != nil {
				t.Fatalf("run: %v", res.err)
			}
			r := res.r
			if c.check != nil {
				c.check(t, r)
				return
			}
			var invalid []string
			for _, le := range r.InvalidNotices {
				if !errors.Is(le, batch.ErrField) && !errors.Is(le, batch.ErrSyntax) && !errors.Is(le, batch.ErrRepeated) {
					t.Errorf("notice line error %v wraps no batch sentinel", le)
				}
				invalid = append(invalid, le.Error())
			}
			for _, e := range r.Exceptions {
				if e.Kind == reconcile.ExceptionInvalidInput {
					invalid = append(invalid, e.Evidence)
				}
			}
			t.Logf("%s: %q", name, invalid)
			if len(invalid) != 1 {
				t.Fatalf("want the hostile line reported invalid, once: %q", invalid)
			}
			if r.Inputs.NoticeLines-len(r.InvalidNotices) < 1 || r.Inputs.PaymentsSelected < 1 {
				t.Errorf("the good lines were not read: %+v", r.Inputs)
			}
		})
	}
}
