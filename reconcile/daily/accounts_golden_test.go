package daily_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// TestGoldenDayCollectionAccounts is the golden day with its agencies'
// collection accounts configured (collection_accounts.csv) and two more
// payments for TB-011 (wrong_account_events.jsonl): one credited to the
// other agency's account, one to nobody's. Neither is allocated (TB-011
// stays unpaid) and each is a wrong_account exception of report v2; the
// day's other payments state no credited account, so v1 is byte for byte
// the golden v1 of the day without accounts.
func TestGoldenDayCollectionAccounts(t *testing.T) {
	t.Parallel()
	accts, err := collection.ReadFile(filepath.Join(dayDir, "collection_accounts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m := engineMatcherWith(t, reconcile.Config{CollectionAccounts: accts})
	d := loadDay(t)
	v1 := reconcileOK(t, d.input(m, d.events, nowV1, nil))
	plain, _ := runDay(t, engineMatcher(t))
	if got, want := reportJSON(t, byAgency(t, v1, daily.AgencyAll)), reportJSON(t, byAgency(t, plain, daily.AgencyAll)); !bytes.Equal(got, want) {
		t.Errorf("v1 with collection accounts differs from v1 without:\n%s\nwant\n%s", got, want)
	}
	wrong := loadEvents(t, filepath.Join(dayDir, "wrong_account_events.jsonl"))
	all := append(append(append([]payment.Payment(nil), d.events...), d.late...), wrong...)
	v2 := reconcileOK(t, d.input(m, all, nowV2, v1.Reports))
	rep := byAgency(t, v2, daily.AgencyAll)
	golden(t, "report.v2.accounts.ALL.json", reportJSON(t, rep))
	var exc bytes.Buffer
	if err := daily.WriteExceptionsCSV(&exc, rep, daily.LangEN); err != nil {
		t.Fatal(err)
	}
	golden(t, "exceptions.v2.accounts.ALL.en.csv", exc.Bytes())

	got := map[string]reconcile.ExceptionKind{}
	for _, e := range rep.Exceptions {
		if e.Kind == reconcile.ExceptionWrongAccount {
			got[e.PaymentID] = e.Kind
		}
	}
	for _, p := range wrong {
		if got[p.ID] != reconcile.ExceptionWrongAccount {
			t.Errorf("%s (credited to %s): no wrong_account in v2; wrong_account exceptions %v", p.ID, p.CreditedAccount.Masked(), got)
		}
	}
	if len(got) != len(wrong) {
		t.Errorf("wrong_account exceptions %v, want exactly %d", got, len(wrong))
	}
	dec := m.decide(d.notices, all)
	for _, a := range dec.Allocations {
		if a.NoticeID == "TB-011" {
			t.Errorf("TB-011 was allocated %+v: money credited to no account of its agency", a)
		}
	}
}
