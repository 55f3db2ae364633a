package reconcile

import (
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
)

func TestDecideWrongAccount(t *testing.T) {
	t.Parallel()
	accts, err := collection.Parse(strings.NewReader("agency_code,bin,account\n" +
		"H40.01,970415,113000006100\nH40.01,momo,MOMOH40\nH29.75,970436,0071000123456\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Config{CollectionAccounts: accts})
	if err != nil {
		t.Fatal(err)
	}
	a := testNotice(t, "A", 1, "", 100000)
	a.Agency = "H40.01"
	b := testNotice(t, "B", 2, "", 50000)
	b.Agency = "H29.75"
	other := testNotice(t, "C", 3, "", 30000)
	other.Agency = "G01.899.108" // listed nowhere in the file
	notices := []payment.Notice{a, b, other}
	code := func(n payment.Notice) string { return string(n.Code) }
	pay := func(id string, amount int64, desc string, c payment.CreditedAccount) payment.Payment {
		p := testPayment(id, 0, amount, desc)
		p.CreditedAccount = c
		return p
	}
	bank := func(bin, acct string) payment.CreditedAccount {
		return payment.CreditedAccount{BIN: bin, Account: acct}
	}
	cases := []struct {
		name     string
		p        payment.Payment
		allocs   string
		kinds    string
		evidence string
	}{
		{name: "the agency's account, BIN stated", p: pay("1", 100000, code(a), bank("970415", "113000006100")),
			allocs: "A=100000/payment_code,"},
		{name: "the agency's account, BIN not stated", p: pay("2", 100000, code(a), bank("", "113000006100")),
			allocs: "A=100000/payment_code,"},
		{name: "the agency's wallet merchant", p: pay("3", 100000, code(a), payment.WalletAccount(payment.GatewayMoMo, "MOMOH40")),
			allocs: "A=100000/payment_code,"},
		{name: "unknown credited account: decided as before", p: pay("4", 100000, code(a), payment.CreditedAccount{}),
			allocs: "A=100000/payment_code,"},
		{name: "an account that is nobody's", p: pay("5", 100000, code(a), bank("", "999999999999")),
			kinds:    "wrong_account:100000:[A],",
			evidence: "credited to ********9999, not a collection account of agency H40.01: payment_code " + code(a)},
		{name: "another agency's account", p: pay("6", 100000, code(a), bank("970436", "0071000123456")),
			kinds: "wrong_account:100000:[A],"},
		{name: "the right number at another bank", p: pay("7", 100000, code(a), bank("970436", "113000006100")),
			kinds: "wrong_account:100000:[A],"},
		{name: "another wallet's merchant of the same id", p: pay("8", 100000, code(a), payment.WalletAccount(payment.GatewayVNPay, "MOMOH40")),
			kinds: "wrong_account:100000:[A],"},
		{name: "an agency the file does not list", p: pay("9", 30000, code(other), bank("970415", "113000006100")),
			kinds: "wrong_account:30000:[C],"},
		{name: "two notices, one of them another agency's", p: pay("10", 150000, code(a)+" "+code(b), bank("", "113000006100")),
			kinds: "wrong_account:150000:[A B],"},
		{name: "no notice named: unmatched, whatever the account", p: pay("11", 100000, "le phi", bank("", "999999999999")),
			kinds: "unmatched:100000:[A B C],"},
		{name: "wrong account even when the notice is overpaid", p: pay("12", 500000, code(a), bank("", "999999999999")),
			kinds: "wrong_account:500000:[A],"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := e.Decide(notices, []payment.Payment{tt.p})
			o := summarize(d)
			if got := o.allocs[tt.p.ID]; got != tt.allocs {
				t.Errorf("allocations %q, want %q", got, tt.allocs)
			}
			if got := o.kinds[tt.p.ID]; got != tt.kinds {
				t.Errorf("exceptions %q, want %q", got, tt.kinds)
			}
			if tt.evidence != "" && (len(d.Exceptions) != 1 || d.Exceptions[0].Evidence != tt.evidence) {
				t.Errorf("evidence %+v, want %q", d.Exceptions, tt.evidence)
			}
			if strings.HasPrefix(tt.kinds, string(ExceptionWrongAccount)) {
				for _, n := range d.Notices {
					if n.Status != payment.NoticeIssued || !n.Paid.Amount.IsZero() {
						t.Errorf("notice %s %s paid %s after a wrong-account payment", n.NoticeID, n.Status, n.Paid.Amount)
					}
				}
			}
		})
	}
}

// Without collection accounts configured, a payment credited anywhere is
// decided as before.
func TestDecideWithoutCollectionAccounts(t *testing.T) {
	t.Parallel()
	a := testNotice(t, "A", 1, "", 100000)
	a.Agency = "H40.01"
	p := testPayment("1", 0, 100000, string(a.Code))
	p.CreditedAccount = payment.CreditedAccount{Account: "999999999999"}
	o := summarize(newTestEngine(t).Decide([]payment.Notice{a}, []payment.Payment{p}))
	if o.allocs[p.ID] != "A=100000/payment_code," || o.kinds[p.ID] != "" {
		t.Errorf("%+v", o)
	}
}
