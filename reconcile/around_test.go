package reconcile

import (
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// An accountant's manual allocations are fixed: credited first, their
// payments never decided again, the others decided around them.
func TestDecideAroundManualAllocations(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	n1 := testNotice(t, "N1", 151, "", 500_000)
	n2 := testNotice(t, "N2", 152, "", 300_000)
	n3 := testNotice(t, "N3", 153, "", 200_000)
	byHand := testPayment("HAND", 0, 500_000, "chuyen tien le phi")                       // unmatched, allocated by hand to N1
	later := testPayment("LATER", time.Hour, 500_000, "NP"+string(n1.Code[2:])+" le phi") // names N1: paid by hand already
	part := testPayment("PART", 2*time.Hour, 200_000, "ho so "+string(n2.Code))           // names N2, partly paid by hand
	split := testPayment("SPLIT", 3*time.Hour, 300_000, string(n3.Code)+" "+string(n2.Code))
	manual := []Allocation{
		{PaymentID: byHand.ID, NoticeSystem: "sys", NoticeID: "N1", Code: n1.Code, Amount: payment.VNDOf(500_000), Rule: RuleManual, By: "lan", Reason: "receipt"},
		{PaymentID: split.ID, NoticeSystem: "sys", NoticeID: "N2", Code: n2.Code, Amount: payment.VNDOf(100_000), Rule: RuleManual, By: "lan", Reason: "payer's letter"},
		{PaymentID: split.ID, NoticeSystem: "sys", NoticeID: "N3", Code: n3.Code, Amount: payment.VNDOf(200_000), Rule: RuleManual, By: "lan", Reason: "payer's letter"},
		// a notice not given, and an allocation of another rule: left out
		{PaymentID: split.ID, NoticeSystem: "sys", NoticeID: "N9", Amount: payment.VNDOf(1), Rule: RuleManual, By: "lan", Reason: "x"},
		{PaymentID: later.ID, NoticeSystem: "sys", NoticeID: "N1", Amount: payment.VNDOf(1), Rule: RulePaymentCode},
	}
	d := e.DecideAround([]payment.Notice{n1, n2, n3}, []payment.Payment{byHand, later, part, split}, manual)
	got := summarize(d)
	want := outcome{
		allocs: map[string]string{
			byHand.ID: "N1=500000/manual,",
			split.ID:  "N2=100000/manual,N3=200000/manual,",
			part.ID:   "N2=200000/payment_code,",
		},
		kinds: map[string]string{later.ID: "duplicate:500000:[N1],"},
		notices: map[string]string{
			"N1": "paid 500000", "N2": "paid 300000", "N3": "paid 200000",
		},
	}
	assertOutcome(t, got, want)
	// Without the manual allocations the same stream decides otherwise:
	// the test above is not what Decide does anyway.
	plain := summarize(e.Decide([]payment.Notice{n1, n2, n3}, []payment.Payment{byHand, later, part, split}))
	if plain.allocs[later.ID] == "" || plain.kinds[byHand.ID] == "" {
		t.Errorf("without manual allocations: %+v", plain)
	}
}

// A manual allocation to a cancelled notice keeps it cancelled; one that
// covers part of a notice leaves it partially paid.
func TestDecideAroundStatuses(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	cancelled := testNotice(t, "C", 161, "", 100_000)
	cancelled.Status = payment.NoticeCancelled
	half := testNotice(t, "H", 162, "", 100_000)
	p := testPayment("P", 0, 150_000, "tien")
	d := e.DecideAround([]payment.Notice{cancelled, half}, []payment.Payment{p}, []Allocation{
		{PaymentID: p.ID, NoticeSystem: "sys", NoticeID: "C", Amount: payment.VNDOf(100_000), Rule: RuleManual, By: "a", Reason: "b"},
		{PaymentID: p.ID, NoticeSystem: "sys", NoticeID: "H", Amount: payment.VNDOf(50_000), Rule: RuleManual, By: "a", Reason: "b"},
	})
	assertOutcome(t, summarize(d), outcome{
		allocs:  map[string]string{p.ID: "C=100000/manual,H=50000/manual,"},
		kinds:   map[string]string{},
		notices: map[string]string{"C": "cancelled 100000", "H": "partially_paid 50000"},
	})
}

func assertOutcome(t *testing.T, got, want outcome) {
	t.Helper()
	for name, pair := range map[string][2]map[string]string{
		"allocations": {got.allocs, want.allocs}, "exceptions": {got.kinds, want.kinds}, "notices": {got.notices, want.notices},
	} {
		g, w := pair[0], pair[1]
		if len(g) != len(w) {
			t.Errorf("%s: got %v, want %v", name, g, w)
			continue
		}
		for k, v := range w {
			if g[k] != v {
				t.Errorf("%s[%s]: got %q, want %q", name, k, g[k], v)
			}
		}
	}
}

// A confirmed notice's allocations, passed to DecideFixed, hold whatever
// their rule: an earlier-dated payment decided afterwards is the
// duplicate, where Decide in canonical order would have given it the
// notice.
func TestDecideFixedHoldsConfirmedAllocations(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	n := testNotice(t, "N1", 171, "", 500_000)
	early := testPayment("EARLY", 0, 500_000, string(n.Code)+" le phi")
	late := testPayment("LATE", time.Hour, 500_000, string(n.Code)+" nop lai")
	confirmed := []Allocation{{PaymentID: late.ID, NoticeSystem: "sys", NoticeID: "N1", Code: n.Code,
		Amount: payment.VNDOf(500_000), Rule: RulePaymentCode}}
	got := summarize(e.DecideFixed([]payment.Notice{n}, []payment.Payment{early, late}, confirmed))
	assertOutcome(t, got, outcome{
		allocs:  map[string]string{late.ID: "N1=500000/payment_code,"},
		kinds:   map[string]string{early.ID: "duplicate:500000:[N1],"},
		notices: map[string]string{"N1": "paid 500000"},
	})
	// DecideAround ignores the same allocation (not manual): canonical order.
	plain := summarize(e.DecideAround([]payment.Notice{n}, []payment.Payment{early, late}, confirmed))
	if plain.allocs[early.ID] == "" || plain.kinds[late.ID] == "" {
		t.Errorf("DecideAround with a non-manual allocation: %+v", plain)
	}
}
