package ingest_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
)

// On the real PostgreSQL: a signed credit to an account that is not the
// notice's agency's collection account is a wrong_account exception; the
// notice stays issued and nothing is confirmed. The same money to the
// agency's account then pays it, confirmed once. The log masks the
// credited account.
func TestWrongAccountIsNeverConfirmed(t *testing.T) {
	t.Parallel()
	s := pgStore(t)
	accts, err := collection.Parse(strings.NewReader("agency_code,bin,account\nH40.01,970415,113000006100\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := reconcile.NewEngine(reconcile.Config{CollectionAccounts: accts})
	if err != nil {
		t.Fatal(err)
	}
	n := conformance.Notice(t, "dvc", "TB-NA-0003", 3, 100_000) // agency H40.01
	seed(t, s, n)
	var logs bytes.Buffer
	pr := ingest.New(s, e, clock, slog.New(slog.NewTextHandler(&logs, nil)))

	wrong := pay(payment.GatewayVietQR, "W1", 100_000, 1, "NP "+n.Code.Digits()+" le phi")
	wrong.CreditedAccount = payment.BankAccount("", "999999999999")
	out, err := pr.Record(ctx, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Allocations) != 0 || len(out.Confirmed) != 0 {
		t.Fatalf("wrong account: %+v", out)
	}
	confirmations := func() int {
		t.Helper()
		var c int
		must(t, s.InTx(ctx, func(tx store.Tx) error {
			for _, k := range []store.OutboxKind{store.OutboxConfirmation, store.OutboxConfirmationKafka} {
				m, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: k})
				if err != nil {
					return err
				}
				c += len(m)
			}
			return nil
		}))
		return c
	}
	got := state(t, s, []payment.Notice{n}, []payment.Payment{wrong})
	if want := "notice TB-NA-0003 issued\nexception wrong_account|vietqr:W1 100000 VND open\n"; got != want {
		t.Errorf("state:\n%s\nwant\n%s", got, want)
	}
	if c := confirmations(); c != 0 {
		t.Errorf("%d confirmations after a wrong-account payment, want none", c)
	}
	must(t, s.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.Payment(ctx, wrong.ID)
		if err == nil && p.CreditedAccount != wrong.CreditedAccount {
			t.Errorf("stored credited account %+v", p.CreditedAccount)
		}
		return err
	}))

	right := pay(payment.GatewayVietQR, "R1", 100_000, 2, "NP "+n.Code.Digits()+" le phi")
	right.CreditedAccount = payment.BankAccount("", "113000006100")
	if _, err := pr.Record(ctx, right); err != nil {
		t.Fatal(err)
	}
	got = state(t, s, []payment.Notice{n}, []payment.Payment{wrong, right})
	for _, want := range []string{"notice TB-NA-0003 paid", "alloc vietqr:R1 100000 VND payment_code", "exception wrong_account|vietqr:W1 100000 VND open"} {
		if !strings.Contains(got, want) {
			t.Errorf("state lacks %q:\n%s", want, got)
		}
	}
	if c := confirmations(); c != 2 {
		t.Errorf("%d confirmations, want one per channel (webhook, Kafka)", c)
	}
	if l := logs.String(); strings.Contains(l, "999999999999") || strings.Contains(l, "113000006100") ||
		!strings.Contains(l, "credited_account=********9999") {
		t.Errorf("the log does not mask the credited account:\n%s", l)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
