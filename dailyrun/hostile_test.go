package dailyrun_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/hostile"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/storetest"
)

// hostileBudget bounds each file: one not handled by then hangs.
const hostileBudget = 30 * time.Second

// statementCase is one row of the imported files' catalogue (camt.053 and
// settlement CSV), for dailyrun.ImportStatement and for the statements.raw
// handler alike.
type statementCase struct {
	name  hostile.Case
	label string
	body  []byte
	// want is a sentinel the error must wrap besides ErrParse; nil when
	// the file is imported by design (check reads it back).
	want  error
	check func(t *testing.T, st store.Store)
}

func statementCases(t *testing.T) []statementCase {
	golden := string(readFile(t, "statement.camt053.xml"))
	// Every case but the duplicate is another statement than the golden
	// one imported first, so that what is refused is refused for itself.
	camt := strings.Replace(golden, "<Id>0071000123456-20261126</Id>", "<Id>0071000123456-20261126-H</Id>", 1)
	csv := string(readFile(t, "settlement.vnpay.csv"))
	entryAmt := `<Amt Ccy="VND">150000</Amt>`
	camtAmount := func(v string) []byte { return []byte(strings.Replace(camt, entryAmt, `<Amt Ccy="VND">`+v+`</Amt>`, 1)) }
	booked := "<BookgDt><Dt>2026-11-26</Dt></BookgDt>"
	camtBooked := func(d string) []byte {
		return []byte(strings.Replace(camt, booked, "<BookgDt><Dt>"+d+"</Dt></BookgDt>", 1))
	}
	ustrd := "<Ustrd>IBFT NP000000015283 nop phi</Ustrd>"
	camtText := func(v string) []byte { return []byte(strings.Replace(camt, ustrd, "<Ustrd>"+v+"</Ustrd>", 1)) }
	row := "vnpay,14422574,100000,1100,98900,2026-11-26"
	csvRow := func(r string) []byte { return []byte(strings.Replace(csv, row, r, 1)) }
	amountErr := payment.ErrAmountNotNumeric
	return []statementCase{
		{name: hostile.OversizedBody, label: "camt053", body: camtText(strings.Repeat("A", dailyrun.MaxStatementBytes)), want: dailyrun.ErrTooLarge},
		{name: hostile.InvalidUTF8, label: "camt053", body: camtText("IBFT " + hostile.BadUTF8), want: nil, check: nil},
		{name: hostile.InvalidUTF8, label: "settlement", body: csvRow("vnpay,1442\xff2574,100000,1100,98900,2026-11-26")},
		{name: hostile.EntityExpansion, body: []byte(hostile.BillionLaughs("Document"))},
		{name: hostile.ExternalEntityFile, body: []byte(hostile.ExternalEntity("Document", "file:///etc/passwd"))},
		{name: hostile.ExternalEntityHTTP, body: []byte(hostile.ExternalEntity("Document", "http://127.0.0.1:1/xxe"))},
		{name: hostile.DeepXML, body: []byte(hostile.DeepXMLDoc("Document", 100000))},
		{name: hostile.DeepXML, label: "in-entry", body: camtText(strings.Repeat("<a>", 20000) + strings.Repeat("</a>", 20000))},
		{name: hostile.SQLInjection, label: "camt053", body: camtText(hostile.SQL), check: func(t *testing.T, st store.Store) {
			if !hasLine(t, st, func(l statements.Line) bool { return l.Text == hostile.SQL }) {
				t.Error("no line with the text verbatim")
			}
		}},
		{name: hostile.SQLInjection, label: "settlement", body: []byte(strings.ReplaceAll(strings.Replace(csv, row, "vnpay,"+strings.ReplaceAll(hostile.SQL, ",", ";")+",100000,1100,98900,2026-11-26", 1), "2026-11-26", "2026-11-25")),
			check: func(t *testing.T, st store.Store) {
				if !hasLine(t, st, func(l statements.Line) bool { return l.Ref == strings.ReplaceAll(hostile.SQL, ",", ";") }) {
					t.Error("no line with the transaction id verbatim")
				}
			}},
		{name: hostile.AmountHuge, label: "camt053", body: camtAmount(hostile.HugeAmount), want: payment.ErrAmountCeiling},
		{name: hostile.AmountNegative, label: "camt053", body: camtAmount("-150000"), want: payment.ErrAmountNegative},
		{name: hostile.AmountFractionalVND, label: "camt053", body: camtAmount("150000.5"), want: payment.ErrAmountFractional},
		{name: hostile.AmountExponent, label: "camt053", body: camtAmount("1.5e5"), want: amountErr},
		{name: hostile.AmountThousands, label: "camt053-dot", body: camtAmount("150.000"), want: payment.ErrAmountGrouped},
		{name: hostile.AmountThousands, label: "camt053-comma", body: camtAmount("150,000"), want: amountErr},
		{name: hostile.AmountHuge, label: "settlement", body: csvRow("vnpay,14422574," + hostile.HugeAmount + ",1100,98900,2026-11-26"), want: payment.ErrAmountCeiling},
		{name: hostile.AmountNegative, label: "settlement", body: csvRow("vnpay,14422574,-100000,1100,98900,2026-11-26"), want: payment.ErrAmountNegative},
		{name: hostile.AmountFractionalVND, label: "settlement", body: csvRow("vnpay,14422574,100000.5,1100,98900,2026-11-26"), want: payment.ErrAmountFractional},
		{name: hostile.AmountExponent, label: "settlement", body: csvRow("vnpay,14422574,1e5,1100,98900,2026-11-26"), want: amountErr},
		{name: hostile.AmountThousands, label: "settlement-dot", body: csvRow("vnpay,14422574,100.000,1.100,98.900,2026-11-26"), want: payment.ErrAmountGrouped},
		{name: hostile.AmountThousands, label: "settlement-comma", body: csvRow(`vnpay,14422574,"100,000",1100,98900,2026-11-26`), want: amountErr},
		{name: hostile.TimeFarPast, label: "camt053", body: camtBooked("1900-01-01")},
		{name: hostile.TimeFarFuture, label: "camt053", body: camtBooked("9999-12-31")},
		{name: hostile.TimeFarFuture, label: "settlement", body: []byte(strings.ReplaceAll(csv, "2026-11-26", "9999-12-31"))},
		{name: hostile.DuplicateID, label: "camt053", body: []byte(strings.Replace(golden, ustrd, "<Ustrd>IBFT NP000000015283 nop phi (sent again)</Ustrd>", 1)), want: dailyrun.ErrConflict},
		{name: hostile.Empty, body: nil, want: dailyrun.ErrUnknownFormat},
		{name: hostile.Empty, label: "camt053-no-entries", body: []byte(`<Document><BkToCstmrStmt></BkToCstmrStmt></Document>`)},
		{name: hostile.Empty, label: "settlement-header-only", body: []byte("wallet,transaction_id,amount,fee,net,settled_date\n")},
		{name: hostile.Truncated, label: "camt053", body: []byte(camt[:len(camt)/2])},
		{name: hostile.Truncated, label: "settlement", body: []byte(csv[:len(csv)/2+7])},
	}
}

func hasLine(t *testing.T, st store.Store, ok func(statements.Line) bool) bool {
	t.Helper()
	var found bool
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		ls, err := tx.StatementLines(context.Background(), payment.Date{Year: 2000, Month: 1, Day: 1}, payment.Date{Year: 2099, Month: 12, Day: 31})
		for _, l := range ls {
			found = found || ok(l)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestHostileStatements is the imported files' and the statements.raw
// topic's part of the hostile-input catalogue (RELIABILITY.md "Hostile
// input"): every hostile camt.053 or settlement CSV fails with ErrParse
// (and the parser's own sentinel), which the statements.raw handler
// dead-letters as statement_parse; never a panic or a hang, and nothing
// stored changes. A file accepted by design is stored verbatim. The golden
// day's camt.053 is imported first, so that a duplicate is a duplicate.
func TestHostileStatements(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		if _, err := dailyrun.ImportStatement(ctx, st, readFile(t, "statement.camt053.xml"), importOptions(st, at(27, 0, 0))); err != nil {
			t.Fatal(err)
		}
		h := dailyrun.StatementHandler(st, importOptions(st, at(27, 0, 0)).Reverser, payment.DefaultAmountPolicy(), func() time.Time { return at(27, 0, 0) }, nil)
		for _, c := range statementCases(t) {
			name := string(c.name)
			if c.label != "" {
				name += "/" + c.label
			}
			t.Run(name, func(t *testing.T) {
				before := storetest.Snapshot(t, st)
				done := make(chan [2]error, 1)
				go func() {
					_, ierr := dailyrun.ImportStatement(ctx, st, c.body, importOptions(st, at(27, 0, 0)))
					herr := h(ctx, kafkabus.Message{Topic: "statements.raw", Value: c.body})
					done <- [2]error{ierr, herr}
				}()
				var errs [2]error
				select {
				case errs = <-done:
				case <-time.After(hostileBudget):
					t.Fatalf("not handled within %s", hostileBudget)
				}
				if c.check != nil {
					if errs[0] != nil || errs[1] != nil {
						t.Fatalf("want imported: %v; handler %v", errs[0], errs[1])
					}
					c.check(t, st)
					return
				}
				t.Logf("%s: %.300v", name, errs[0])
				if !errors.Is(errs[0], dailyrun.ErrParse) || c.want != nil && !errors.Is(errs[0], c.want) {
					t.Errorf("ImportStatement: %v, want ErrParse and %v", errs[0], c.want)
				}
				if perm, _, reason := kafkabus.Classify(errs[1]); !perm || reason != dailyrun.ReasonStatementParse {
					t.Errorf("handler: %v, want a dead letter as %s", errs[1], dailyrun.ReasonStatementParse)
				}
				if changed := before.Changed(storetest.Snapshot(t, st)); len(changed) > 0 {
					t.Errorf("refused file changed the store: %v", changed)
				}
			})
		}
	})
}
