package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, payment.Location())

func testNotice(t testing.TB, id string, serial uint64, dossier string, amount int64) payment.Notice {
	t.Helper()
	return payment.Notice{
		ID: id, System: "sys", Dossier: payment.DossierCode(dossier), Code: mustCode(t, "NP", serial),
		Agency: "A1", PayerName: "Nguyễn Văn An", Total: payment.VNDOf(amount),
		IssuedAt: t0.Add(-48 * time.Hour), Status: payment.NoticeIssued, Version: 1,
	}
}

func testPayment(id string, at time.Duration, amount int64, desc string) payment.Payment {
	return payment.Payment{
		ID: "vietqr:" + id, Gateway: payment.GatewayVietQR, TxnID: id, Amount: payment.VNDOf(amount),
		PaidAt: t0.Add(at), Description: desc, PayerName: "NGUYEN VAN AN",
	}
}

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type outcome struct {
	allocs  map[string]string // payment id -> "notice=amount,..."
	kinds   map[string]string // payment id -> "kind:amount:candidates,..."
	notices map[string]string // notice id -> "status paid"
}

func summarize(d Decision) outcome {
	o := outcome{allocs: map[string]string{}, kinds: map[string]string{}, notices: map[string]string{}}
	for _, a := range d.Allocations {
		o.allocs[a.PaymentID] += fmt.Sprintf("%s=%s/%s,", a.NoticeID, a.Amount.Amount, a.Rule)
	}
	for _, e := range d.Exceptions {
		o.kinds[e.PaymentID] += fmt.Sprintf("%s:%s:%v,", e.Kind, e.Amount.Amount, e.Candidates)
	}
	for _, n := range d.Notices {
		o.notices[n.NoticeID] = fmt.Sprintf("%s %s", n.Status, n.Paid.Amount)
	}
	return o
}

func TestDecideRules(t *testing.T) {
	t.Parallel()
	a := testNotice(t, "A", 1, "G01.899.108.000-231110-0001", 100000)
	b := testNotice(t, "B", 2, "G01.899.108.000-231110-0002", 50000)
	c := testNotice(t, "C", 3, "G01.899.108.000-231110-0003", 30000)
	cancelled := testNotice(t, "X", 4, "G01.899.108.000-231110-0004", 30000)
	cancelled.Status = payment.NoticeCancelled
	expired := testNotice(t, "Y", 5, "G01.899.108.000-231110-0005", 30000)
	expired.Status = payment.NoticeExpired
	code := func(n payment.Notice) string { return string(n.Code) }
	usd := testPayment("usd", 0, 0, code(a))
	usd.Amount = payment.Money{Amount: decimal.RequireFromString("4.10"), Currency: "USD"}

	cases := []struct {
		name     string
		notices  []payment.Notice
		payments []payment.Payment
		allocs   map[string]string
		kinds    map[string]string
		notice   map[string]string
	}{
		{"exact", []payment.Notice{a}, []payment.Payment{testPayment("p1", 0, 100000, "TT "+code(a))},
			map[string]string{"vietqr:p1": "A=100000/payment_code,"}, map[string]string{}, map[string]string{"A": "paid 100000"}},
		{"instalments", []payment.Notice{a}, []payment.Payment{
			testPayment("p2", time.Hour, 60000, code(a)), testPayment("p1", 0, 40000, code(a))},
			map[string]string{"vietqr:p1": "A=40000/payment_code,", "vietqr:p2": "A=60000/payment_code,"},
			map[string]string{}, map[string]string{"A": "paid 100000"}},
		{"partial", []payment.Notice{a}, []payment.Payment{testPayment("p1", 0, 40000, code(a))},
			map[string]string{"vietqr:p1": "A=40000/payment_code,"}, map[string]string{}, map[string]string{"A": "partially_paid 40000"}},
		{"overpaid", []payment.Notice{a}, []payment.Payment{testPayment("p1", 0, 120000, code(a))},
			map[string]string{"vietqr:p1": "A=100000/payment_code,"}, map[string]string{"vietqr:p1": "overpaid:20000:[A],"},
			map[string]string{"A": "paid 100000"}},
		{"overpaid after instalment", []payment.Notice{a}, []payment.Payment{
			testPayment("p1", 0, 70000, code(a)), testPayment("p2", time.Hour, 70000, code(a))},
			map[string]string{"vietqr:p1": "A=70000/payment_code,", "vietqr:p2": "A=30000/payment_code,"},
			map[string]string{"vietqr:p2": "overpaid:40000:[A],"}, map[string]string{"A": "paid 100000"}},
		{"duplicate", []payment.Notice{a}, []payment.Payment{
			testPayment("p1", 0, 100000, code(a)), testPayment("p2", time.Minute, 100000, code(a))},
			map[string]string{"vietqr:p1": "A=100000/payment_code,"}, map[string]string{"vietqr:p2": "duplicate:100000:[A],"},
			map[string]string{"A": "paid 100000"}},
		{"redelivery ignored", []payment.Notice{a}, []payment.Payment{
			testPayment("p1", 0, 100000, code(a)), testPayment("p1", 0, 100000, code(a))},
			map[string]string{"vietqr:p1": "A=100000/payment_code,"}, map[string]string{}, map[string]string{"A": "paid 100000"}},
		{"multi exact", []payment.Notice{a, b, c}, []payment.Payment{testPayment("p1", 0, 150000, code(a)+" "+code(b))},
			map[string]string{"vietqr:p1": "A=100000/multi_reference_exact_sum,B=50000/multi_reference_exact_sum,"},
			map[string]string{}, map[string]string{"A": "paid 100000", "B": "paid 50000", "C": "issued 0"}},
		{"multi exact after instalment", []payment.Notice{a, b}, []payment.Payment{
			testPayment("p0", 0, 40000, code(a)), testPayment("p1", time.Hour, 110000, code(a)+" "+code(b))},
			map[string]string{"vietqr:p0": "A=40000/payment_code,", "vietqr:p1": "A=60000/multi_reference_exact_sum,B=50000/multi_reference_exact_sum,"},
			map[string]string{}, map[string]string{"A": "paid 100000", "B": "paid 50000"}},
		{"multi inexact", []payment.Notice{a, b}, []payment.Payment{testPayment("p1", 0, 140000, code(a)+" "+code(b))},
			map[string]string{}, map[string]string{"vietqr:p1": "ambiguous:140000:[A B],"},
			map[string]string{"A": "issued 0", "B": "issued 0"}},
		{"code and dossier disagree", []payment.Notice{a, b}, []payment.Payment{
			testPayment("p1", 0, 100000, code(a)+" ho so "+string(b.Dossier))},
			map[string]string{}, map[string]string{"vietqr:p1": "ambiguous:100000:[A B],"},
			map[string]string{"A": "issued 0", "B": "issued 0"}},
		{"code and dossier agree", []payment.Notice{a, b}, []payment.Payment{
			testPayment("p1", 0, 100000, code(a)+" ho so "+string(a.Dossier))},
			map[string]string{"vietqr:p1": "A=100000/payment_code,"}, map[string]string{},
			map[string]string{"A": "paid 100000", "B": "issued 0"}},
		{"dossier only", []payment.Notice{a, b}, []payment.Payment{testPayment("p1", 0, 50000, "hs G01899108000 2311100002")},
			map[string]string{"vietqr:p1": "B=50000/dossier_code,"}, map[string]string{},
			map[string]string{"A": "issued 0", "B": "paid 50000"}},
		{"cancelled", []payment.Notice{cancelled}, []payment.Payment{testPayment("p1", 0, 30000, code(cancelled))},
			map[string]string{}, map[string]string{"vietqr:p1": "cancelled_notice:30000:[X],"}, map[string]string{"X": "cancelled 0"}},
		{"expired", []payment.Notice{expired}, []payment.Payment{testPayment("p1", 0, 30000, code(expired))},
			map[string]string{}, map[string]string{"vietqr:p1": "cancelled_notice:30000:[Y],"}, map[string]string{"Y": "expired 0"}},
		{"currency", []payment.Notice{a}, []payment.Payment{usd},
			map[string]string{}, map[string]string{"vietqr:usd": "currency_mismatch:4.1:[A],"}, map[string]string{"A": "issued 0"}},
		{"unmatched with suggestion, never allocated", []payment.Notice{a, b}, []payment.Payment{testPayment("p1", 0, 100000, "nop tien")},
			map[string]string{}, map[string]string{"vietqr:p1": "unmatched:100000:[A B],"},
			map[string]string{"A": "issued 0", "B": "issued 0"}},
		{"unknown code", []payment.Notice{a}, []payment.Payment{testPayment("p1", 0, 100000, string(mustCode(t, "NP", 999)))},
			map[string]string{}, map[string]string{"vietqr:p1": "unmatched:100000:[A],"}, map[string]string{"A": "issued 0"}},
		{"zero amount never allocated", []payment.Notice{a}, []payment.Payment{testPayment("p1", 0, 0, code(a))},
			map[string]string{}, map[string]string{"vietqr:p1": "invalid_input:0:[A],"}, map[string]string{"A": "issued 0"}},
		{"status paid on input starts from zero", []payment.Notice{func() payment.Notice { n := a; n.Status = payment.NoticePaid; return n }()},
			[]payment.Payment{testPayment("p1", 0, 100000, code(a))},
			map[string]string{"vietqr:p1": "A=100000/payment_code,"}, map[string]string{}, map[string]string{"A": "paid 100000"}},
	}
	e := newTestEngine(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := e.Decide(c.notices, c.payments)
			got := summarize(d)
			if fmt.Sprint(got.allocs) != fmt.Sprint(c.allocs) {
				t.Errorf("allocations %v, want %v", got.allocs, c.allocs)
			}
			if fmt.Sprint(got.kinds) != fmt.Sprint(c.kinds) {
				t.Errorf("exceptions %v, want %v", got.kinds, c.kinds)
			}
			if fmt.Sprint(got.notices) != fmt.Sprint(c.notice) {
				t.Errorf("notices %v, want %v", got.notices, c.notice)
			}
			for _, x := range d.Exceptions {
				if x.ID != ExceptionID(x.Kind, x.PaymentID) || x.Status != ExceptionOpen {
					t.Errorf("exception %+v: id or status", x)
				}
			}
			for _, a := range d.Allocations {
				if a.Evidence == "" || a.Rule == "" {
					t.Errorf("allocation %+v without rule or evidence", a)
				}
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := NewEngine(Config{CodePrefixes: []string{"np", "NP", "NP"}, SuggestionLimit: 1000}); err == nil {
		t.Fatal("bad config accepted")
	} else if !errorsIs(err, config.ErrInvalid) {
		t.Fatalf("error %v does not wrap config.ErrInvalid", err)
	}
}

// randomWorld builds notices and payments that exercise every rule.
func randomWorld(t testing.TB, r *rand.Rand, nNotices, nPayments int) ([]payment.Notice, []payment.Payment) {
	amounts := []int64{10000, 20000, 50000, 100000}
	ns := make([]payment.Notice, nNotices)
	for i := range ns {
		ns[i] = testNotice(t, fmt.Sprintf("N%06d", i), uint64(i+1), fmt.Sprintf("H29.75-231113-%04d", i), amounts[r.IntN(len(amounts))])
		ns[i].IssuedAt = t0.Add(-time.Duration(r.IntN(240)) * time.Hour)
		switch r.IntN(20) {
		case 0:
			ns[i].Status = payment.NoticeCancelled
		case 1:
			ns[i].Status = payment.NoticeExpired
		}
	}
	ps := make([]payment.Payment, nPayments)
	for i := range ps {
		n := &ns[r.IntN(len(ns))]
		var desc string
		amt := n.Total.Amount.IntPart()
		switch r.IntN(8) {
		case 0:
			desc = "nop phi"
		case 1:
			m := &ns[r.IntN(len(ns))]
			desc = string(n.Code) + " " + string(m.Code)
			amt += m.Total.Amount.IntPart()
		case 2:
			desc = "ho so " + string(n.Dossier)
		case 3:
			amt /= 2
			desc = n.Code.Digits()
		default:
			desc = string(n.Code)
		}
		if r.IntN(6) == 0 {
			amt += 1000
		}
		// coarse times so that ties on PaidAt (ordered by id) happen
		ps[i] = testPayment(fmt.Sprintf("P%06d", i), time.Duration(r.IntN(50))*time.Minute, amt, desc)
	}
	return ns, ps
}

func canonicalJSON(t testing.TB, d Decision) string {
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDecidePermutationInvariant: any delivery order of the payments (and
// any order of the notices) yields the identical Decision.
func TestDecidePermutationInvariant(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 99))
		ns, ps := randomWorld(t, r, 40, 120)
		want := canonicalJSON(t, e.Decide(ns, ps))
		for range 10 {
			ps2 := slices.Clone(ps)
			ns2 := slices.Clone(ns)
			r.Shuffle(len(ps2), func(i, j int) { ps2[i], ps2[j] = ps2[j], ps2[i] })
			r.Shuffle(len(ns2), func(i, j int) { ns2[i], ns2[j] = ns2[j], ns2[i] })
			if got := canonicalJSON(t, e.Decide(ns2, ps2)); got != want {
				t.Fatalf("seed %d: decision depends on delivery order", seed)
			}
		}
	}
}

// TestDecideInvariants: money is conserved: per payment, allocations plus
// unallocated exception amounts equal the payment; per notice, paid equals
// its allocations and never exceeds the amount due.
func TestDecideInvariants(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	r := rand.New(rand.NewPCG(5, 5))
	ns, ps := randomWorld(t, r, 200, 1000)
	d := e.Decide(ns, ps)
	perPayment := map[string]decimal.Decimal{}
	perNotice := map[string]decimal.Decimal{}
	for _, a := range d.Allocations {
		perPayment[a.PaymentID] = perPayment[a.PaymentID].Add(a.Amount.Amount)
		perNotice[a.NoticeID] = perNotice[a.NoticeID].Add(a.Amount.Amount)
	}
	for _, x := range d.Exceptions {
		perPayment[x.PaymentID] = perPayment[x.PaymentID].Add(x.Amount.Amount)
	}
	for _, p := range ps {
		if !perPayment[p.ID].Equal(p.Amount.Amount) {
			t.Fatalf("payment %s: allocated+exceptions %s != %s", p.ID, perPayment[p.ID], p.Amount.Amount)
		}
	}
	for _, n := range d.Notices {
		if !n.Paid.Amount.Equal(perNotice[n.NoticeID]) || n.Paid.Amount.GreaterThan(n.AmountDue.Amount) {
			t.Fatalf("notice %+v: allocations %s", n, perNotice[n.NoticeID])
		}
		switch {
		case n.Paid.Amount.Equal(n.AmountDue.Amount) && n.Status != payment.NoticePaid,
			n.Paid.Amount.IsZero() && n.Status == payment.NoticePaid:
			t.Fatalf("notice %+v: status does not match paid", n)
		}
	}
}

// TestDecideClosedSubset: deciding a notice's group alone (the notices its
// payments name, and those payments) gives that group the same outcome as
// deciding everything at once, which the streaming service relies on.
func TestDecideClosedSubset(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	r := rand.New(rand.NewPCG(8, 8))
	ns, ps := randomWorld(t, r, 60, 200)
	// Suggestions depend on which notices are visible, so compare without.
	full := summarize(e.Decide(ns, ps))
	byCode := map[string]int{}
	for i, n := range ns {
		byCode[string(n.Code)] = i
		byCode[DossierKey(string(n.Dossier))] = i
	}
	for i := range ns {
		// the group: payments naming notice i, closed over the notices they name
		inGroup := map[int]bool{i: true}
		var group []payment.Payment
		for changed := true; changed; {
			changed = false
			group = group[:0]
			for _, p := range ps {
				refs := e.References(p.Description)
				hit := false
				for _, rf := range refs {
					if j, ok := byCode[rf.Key]; ok && inGroup[j] {
						hit = true
					}
				}
				if !hit {
					continue
				}
				group = append(group, p)
				for _, rf := range refs {
					if j, ok := byCode[rf.Key]; ok && !inGroup[j] {
						inGroup[j] = true
						changed = true
					}
				}
			}
		}
		var gn []payment.Notice
		for j := range inGroup {
			gn = append(gn, ns[j])
		}
		part := summarize(e.Decide(gn, group))
		for _, p := range group {
			if part.allocs[p.ID] != full.allocs[p.ID] {
				t.Fatalf("notice %s payment %s: group %q, full %q", ns[i].ID, p.ID, part.allocs[p.ID], full.allocs[p.ID])
			}
		}
		if part.notices[ns[i].ID] != full.notices[ns[i].ID] {
			t.Fatalf("notice %s: group %q, full %q", ns[i].ID, part.notices[ns[i].ID], full.notices[ns[i].ID])
		}
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
