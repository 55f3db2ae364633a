package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
)

// diffWorld generates notices, payments and held allocations that walk
// every rule: exact, spaced, look-alike and bare-digit codes, dossiers
// naming one or several notices, codes naming no notice, codes and
// dossiers naming different notices, multi-reference sums (exact and
// not), partial, exact and over payments, redeliveries (same id, same or
// other content), zero and negative amounts, other currencies, amounts
// of other exponents, cancelled and expired notices, notices given twice,
// wrong collection accounts, payer names for suggestions.
func diffWorld(t testing.TB, seed uint64, n int) ([]payment.Notice, []payment.Payment, []Allocation) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	amounts := []int64{0, 10000, 20000, 50000, 100000, 150000}
	names := []string{"Nguyễn Văn An", "Trần Thị Bích", "LE HOANG CUONG", "", "Phạm  Thu-Dung"}
	agencies := []string{"H40.01", "H29.75", "G01.899.108"}
	amount := func(v int64) decimal.Decimal {
		switch r.IntN(8) {
		case 0:
			return decimal.New(v*100, -2) // "10000.00" from a numeric column
		case 1:
			if v%1000 == 0 {
				return decimal.New(v/1000, 3)
			}
		}
		return decimal.NewFromInt(v)
	}
	ns := make([]payment.Notice, 0, n+n/20)
	for i := range n {
		code, err := payment.NewPaymentCode("NP", uint64(r.IntN(2*n)+1)*7919%payment.MaxSerial)
		if err != nil {
			t.Fatal(err)
		}
		nt := payment.Notice{
			ID: fmt.Sprintf("N%05d", i), System: []string{"sys", "dvc"}[r.IntN(2)], Code: code,
			Agency: agencies[r.IntN(len(agencies))], PayerName: names[r.IntN(len(names))],
			Total:    payment.Money{Amount: amount(amounts[r.IntN(len(amounts))]), Currency: payment.VND},
			IssuedAt: t0.Add(-time.Duration(r.IntN(120*24)) * time.Hour), Status: payment.NoticeIssued,
		}
		if r.IntN(3) > 0 {
			// few dossiers: several notices share one (narrowed to the open one)
			nt.Dossier = payment.DossierCode(fmt.Sprintf("G01.899.%03d.000-2611%02d-%04d", r.IntN(n/8+1), 1+r.IntN(3), r.IntN(3)))
		}
		switch r.IntN(20) {
		case 0:
			nt.Status = payment.NoticeCancelled
		case 1:
			nt.Status = payment.NoticeExpired
		case 2:
			nt.Status = payment.NoticePartiallyPaid
		case 3:
			nt.Total = payment.Money{Amount: decimal.New(int64(r.IntN(10000)), -2), Currency: "USD"}
		}
		ns = append(ns, nt)
		if r.IntN(40) == 0 {
			dup := nt
			dup.Total = payment.VNDOf(amounts[r.IntN(len(amounts))])
			ns = append(ns, dup) // the same notice twice
		}
	}
	// A code of no notice: valid check digits, serial beyond the notices'.
	ghost, err := payment.NewPaymentCode("NP", uint64(9*n+7))
	if err != nil {
		t.Fatal(err)
	}
	ref := func(nt *payment.Notice) string {
		d := nt.Code.Digits()
		switch r.IntN(8) {
		case 0:
			return "MBVCB.3278614134." + string(nt.Code) + " thanh toan.CT tu 0071000123456 NGUYEN VAN AN toi 1234567890123"
		case 1:
			return "123456.201126.101530.Thanh toán lệ phí " + d
		case 2:
			return "np " + d[:4] + " " + d[4:8] + " " + d[8:] + " nop phi"
		case 3:
			return "IBFT " + strings.Replace(string(nt.Code), "0", "O", 1)
		case 4:
			if nt.Dossier != "" {
				return "Thanh toán hồ sơ " + string(nt.Dossier)
			}
		case 5:
			if nt.Dossier != "" {
				return "ho so " + strings.NewReplacer(".", "", "-", "").Replace(string(nt.Dossier))
			}
		}
		return "FT23329138005389 " + string(nt.Code) + " " + nt.PayerName
	}
	ps := make([]payment.Payment, 0, n+n/10)
	for i := range n {
		a, b := &ns[r.IntN(len(ns))], &ns[r.IntN(len(ns))]
		var desc string
		amt := a.Total.Amount
		switch k := r.IntN(20); {
		case k < 10:
			desc = ref(a)
		case k == 10:
			desc = ref(a) + " " + ref(b) // two notices: their sum or ambiguous
			if r.IntN(2) == 0 {
				amt = a.Total.Amount.Add(b.Total.Amount)
			}
		case k == 11:
			desc = "chuyển tiền lệ phí hộ tịch " + a.PayerName
		case k == 12:
			desc = "thanh toan " + string(ghost)
		case k == 13:
			desc = string(a.Code) + " ho so " + string(b.Dossier) // code and dossier
		case k == 14:
			amt = amt.Div(decimal.NewFromInt(2)).Floor() // a part
			desc = ref(a)
		case k == 15:
			amt = amt.Add(decimal.NewFromInt(5000)) // over
			desc = ref(a)
		case k == 16:
			amt = decimal.NewFromInt(int64(-r.IntN(2) * 1000)) // zero or negative
			desc = ref(a)
		default:
			desc = ref(a)
		}
		p := payment.Payment{
			ID: fmt.Sprintf("vietqr:%05d", i), Gateway: payment.GatewayVietQR, TxnID: fmt.Sprintf("%05d", i),
			Amount: payment.Money{Amount: amt, Currency: payment.VND}, PaidAt: t0.Add(time.Duration(r.IntN(3*3600)) * time.Second),
			Description: desc, PayerName: names[r.IntN(len(names))],
		}
		if r.IntN(30) == 0 {
			p.Amount.Currency = "USD"
		}
		switch r.IntN(10) {
		case 0:
			p.CreditedAccount = payment.CreditedAccount{BIN: "970415", Account: "113000006100"}
		case 1:
			p.CreditedAccount = payment.CreditedAccount{BIN: "970436", Account: "0071000123456"}
		}
		ps = append(ps, p)
		switch r.IntN(25) {
		case 0:
			ps = append(ps, p) // a redelivery
		case 1:
			q := p
			q.PaidAt = q.PaidAt.Add(-time.Minute) // the same id, earlier
			q.Description = ref(b)
			ps = append(ps, q)
		}
	}
	r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	var held []Allocation
	for k := 0; k < n/10; k++ {
		p, nt := &ps[r.IntN(len(ps))], &ns[r.IntN(len(ns))]
		a := Allocation{PaymentID: p.ID, NoticeSystem: nt.System, NoticeID: nt.ID, Code: nt.Code,
			Amount: payment.Money{Amount: amount(amounts[1+r.IntN(len(amounts)-1)]), Currency: payment.VND},
			Rule:   []Rule{RuleManual, RulePaymentCode}[r.IntN(2)], By: "kt1", Reason: "test"}
		switch r.IntN(6) {
		case 0:
			a.NoticeID = "missing"
		case 1:
			a.PaymentID = "elsewhere:1"
		}
		held = append(held, a)
	}
	return ns, ps, held
}

func diffEngines(t testing.TB) map[string]*Engine {
	accts, err := collection.Parse(strings.NewReader("agency_code,bin,account\n" +
		"H40.01,970415,113000006100\nH29.75,970436,0071000123456\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Engine{}
	for name, cfg := range map[string]Config{
		"default":   {},
		"nosuggest": {SuggestionLimit: -1},
		"accounts":  {CollectionAccounts: accts, SuggestionLimit: 2, SuggestionWindow: 30 * 24 * time.Hour},
	} {
		e, err := NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = e
	}
	return out
}

// sameDecision fails unless a and b are the same, byte for byte in JSON,
// and every amount has the same decimal exponent.
func sameDecision(t *testing.T, what string, a, b Decision) {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, jb) {
		i := 0
		for i < len(ja) && i < len(jb) && ja[i] == jb[i] {
			i++
		}
		lo := max(0, i-300)
		t.Fatalf("%s: decisions differ at byte %d:\nexact:    %s\ncolumnar: %s", what, i, ja[lo:min(len(ja), i+200)], jb[lo:min(len(jb), i+200)])
	}
	exps := func(d Decision) []int32 {
		var out []int32
		for _, x := range d.Allocations {
			out = append(out, x.Amount.Amount.Exponent())
		}
		for _, x := range d.Exceptions {
			out = append(out, x.Amount.Amount.Exponent())
		}
		for _, x := range d.Notices {
			out = append(out, x.Paid.Amount.Exponent(), x.AmountDue.Amount.Exponent())
		}
		return out
	}
	if ea, eb := exps(a), exps(b); fmt.Sprint(ea) != fmt.Sprint(eb) {
		t.Fatalf("%s: exponents differ", what)
	}
}

// TestDecideColumnarSameAsExact holds the columnar path to the exact one
// (the algorithm Decide had before it) on generated streams, for Decide,
// DecideAround and DecideFixed, whatever GOMAXPROCS.
func TestDecideColumnarSameAsExact(t *testing.T) {
	manual := func(a Allocation) bool { return a.Rule == RuleManual }
	all := func(Allocation) bool { return true }
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	seen := map[string]int{}
	sizes := []int{1, 2, 5, 30, 200, 1000}
	if !testing.Short() {
		sizes = append(sizes, 3*parallelMin/2) // several chunks, parallel init
	}
	for _, n := range sizes {
		seeds := 40
		if n >= 1000 {
			seeds = 3
		}
		if n > 1000 {
			seeds = 1
		}
		for seed := range uint64(seeds) {
			ns, ps, held := diffWorld(t, seed+uint64(n)*1000, n)
			for name, e := range diffEngines(t) {
				if n > 1000 && name != "accounts" {
					continue // the large stream exercises the chunks, once
				}
				for _, mode := range []struct {
					name string
					held []Allocation
					keep func(Allocation) bool
				}{{"decide", nil, manual}, {"around", held, manual}, {"fixed", held, all}} {
					if n > 1000 && mode.name != "fixed" {
						continue
					}
					what := fmt.Sprintf("n=%d seed=%d %s %s", n, seed, name, mode.name)
					want := e.decideExact(ns, ps, mode.held, mode.keep)
					for _, x := range want.Allocations {
						seen[string(x.Rule)]++
					}
					for _, x := range want.Exceptions {
						seen[string(x.Kind)]++
					}
					for _, p := range []int{1, 2, 4} {
						runtime.GOMAXPROCS(p)
						got, ok := e.decideColumnar(ns, ps, mode.held, mode.keep)
						if !ok {
							t.Fatalf("%s: amounts did not fit the columnar path", what)
						}
						sameDecision(t, fmt.Sprintf("%s procs=%d", what, p), want, got)
					}
					runtime.GOMAXPROCS(procs)
				}
			}
		}
	}
	// The streams walk every matching rule and exception.
	for _, k := range []string{string(RulePaymentCode), string(RulePaymentCodeLookalike), string(RulePaymentCodeDigits),
		string(RuleDossierCode), string(RuleMultiReferenceExactSum), string(RuleManual), string(RulePaymentCode),
		string(ExceptionUnmatched), string(ExceptionAmbiguous), string(ExceptionOverpaid), string(ExceptionDuplicate),
		string(ExceptionCancelledNotice), string(ExceptionCurrencyMismatch), string(ExceptionInvalidInput),
		string(ExceptionWrongAccount)} {
		if seen[k] == 0 {
			t.Errorf("no %s in the generated decisions", k)
		}
	}
	t.Logf("rules and exceptions seen: %v", seen)
}

// TestDecideHugeAmountsTakeExactPath: amounts beyond int64 still decide.
func TestDecideHugeAmountsTakeExactPath(t *testing.T) {
	t.Parallel()
	e := diffEngines(t)["default"]
	ns, ps, _ := diffWorld(t, 7, 20)
	huge, err := decimal.NewFromString("123456789012345678901234567890")
	if err != nil {
		t.Fatal(err)
	}
	ns[0].Total.Amount = huge
	ps[0].Amount.Amount = huge
	ps[0].Description = string(ns[0].Code)
	if _, ok := e.decideColumnar(ns, ps, nil, nil); ok {
		t.Fatal("a 30-digit amount taken by the int64 path")
	}
	sameDecision(t, "huge", e.decideExact(ns, ps, nil, func(a Allocation) bool { return a.Rule == RuleManual }), e.Decide(ns, ps))
}

// TestDecideSameWhateverGOMAXPROCS holds Decide to one Decision, byte for
// byte, whether its parallel parts (index building, reference extraction,
// the suggester, the writing of allocations, exceptions and notice
// states) run on one core or several, on the benchmark's world: several
// chunks of payments, exception blocks on both workers, dossiers shared
// by many notices.
func TestDecideSameWhateverGOMAXPROCS(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	// Above parallelMin allocations and exceptions: each written by
	// both workers.
	ns, ps := benchWorld(t, 3*parallelMin+123)
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(1)
	want := e.Decide(ns, ps)
	if len(want.Allocations) < parallelMin || len(want.Exceptions) < parallelMin {
		t.Fatalf("the world exercises too little: %d allocations, %d exceptions", len(want.Allocations), len(want.Exceptions))
	}
	for _, p := range []int{2, 3} {
		runtime.GOMAXPROCS(p)
		sameDecision(t, fmt.Sprintf("GOMAXPROCS %d against 1", p), want, e.Decide(ns, ps))
	}
}
