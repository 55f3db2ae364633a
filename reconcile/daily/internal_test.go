package daily

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
)

func TestSpreadFillsItemsInOrder(t *testing.T) {
	t.Parallel()
	n := &payment.Notice{Total: payment.VNDOf(300), Items: []payment.NoticeItem{
		{Amount: payment.VNDOf(100), BudgetSubitem: "a"},
		{Amount: payment.VNDOf(150), BudgetSubitem: "b"},
		{Amount: payment.VNDOf(50), BudgetSubitem: "c"},
	}}
	d := decimal.NewFromInt
	tests := []struct {
		before, amount int64
		want           map[int]int64
	}{
		{0, 300, map[int]int64{0: 100, 1: 150, 2: 50}},
		{0, 60, map[int]int64{0: 60}},
		{60, 100, map[int]int64{0: 40, 1: 60}},
		{240, 60, map[int]int64{1: 10, 2: 50}},
		{290, 30, map[int]int64{2: 30}}, // beyond the total: the last item
	}
	for _, tc := range tests {
		parts := spread(n, d(tc.before), d(tc.amount))
		got := map[int]int64{}
		sum := decimal.Zero
		for _, p := range parts {
			got[p.item] = p.amount.IntPart()
			sum = sum.Add(p.amount)
		}
		if !sum.Equal(d(tc.amount)) || len(got) != len(tc.want) {
			t.Fatalf("spread(%d, %d) = %v, want %v", tc.before, tc.amount, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Fatalf("spread(%d, %d) = %v, want %v", tc.before, tc.amount, got, tc.want)
			}
		}
	}
	// A notice without items is one unclassified line.
	bare := &payment.Notice{Total: payment.VNDOf(500)}
	if ps := spread(bare, decimal.Zero, d(500)); len(ps) != 1 || ps[0].item != 0 || !ps[0].amount.Equal(d(500)) {
		t.Fatalf("bare notice %+v", ps)
	}
}

func TestMaskNumbers(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"CT tu 0011004455667 NGUYEN VAN A toi 0071000123456": "CT tu *********5667 NGUYEN VAN A toi *********3456",
		"NP000000015186 le phi":                              "NP000000015186 le phi",
		"ma 12345678 ngan":                                   "ma 12345678 ngan",
		"0071000123456":                                      "*********3456",
		"FT26330100000001":                                   "FT26330100000001",
	}
	for in, want := range tests {
		if got := maskNumbers(in); got != want {
			t.Errorf("maskNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}

// The streamed canonical and compact JSON are byte for byte json.Marshal's
// (jsonReports, and these).
func TestWriteCanonicalEqualsMarshal(t *testing.T) {
	t.Parallel()
	reports := []Report{
		{}, // nil slices, no diff
		{ID: "x", Agency: "A<&>", Budget: []BudgetLine{{Agency: "a"}, {Agency: "b"}}, Exceptions: []ExceptionLine{},
			Diff: &Diff{PreviousVersion: 1, Lines: Changes{Added: []string{"k"}}}, SHA256: "ignored"},
	}
	for _, r := range append(reports, jsonReports()...) {
		blank := r
		blank.SHA256 = ""
		want, err := json.Marshal(blank)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := r.writeCanonical(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("streamed:\n%s\nmarshal:\n%s", got.Bytes(), want)
		}
		if c, err := r.CanonicalJSON(); err != nil || !bytes.Equal(c, want) {
			t.Fatalf("CanonicalJSON: %v\n%s", err, c)
		}
		if want, err = json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		got.Reset()
		if err := r.WriteCompactJSON(&got); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("WriteCompactJSON: %v\n%s\nmarshal:\n%s", err, got.Bytes(), want)
		}
	}
}

// The streamed report.json is byte for byte json.MarshalIndent's and a
// newline (jsonReports).
func TestWriteJSONEqualsMarshalIndent(t *testing.T) {
	t.Parallel()
	reports := jsonReports()
	for _, r := range reports {
		want, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		var got bytes.Buffer
		if err := r.WriteJSON(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("streamed:\n%s\nmarshal indent:\n%s", got.Bytes(), want)
		}
		if j, err := r.JSON(); err != nil || !bytes.Equal(j, want) {
			t.Fatalf("JSON: %v\n%s", err, j)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		lang Lang
		want string
	}{
		{"1630000", LangVI, "1.630.000"}, {"1630000", LangEN, "1,630,000"}, {"0", LangVI, "0"},
		{"999", LangVI, "999"}, {"1000", LangVI, "1.000"}, {"-50000", LangVI, "-50.000"},
		{"1234.5", LangVI, "1.234,5"}, {"1234.5", LangEN, "1,234.5"}, {"100000000000", LangEN, "100,000,000,000"},
	} {
		if got := groupDigits(c.in, c.lang); got != c.want {
			t.Errorf("groupDigits(%q, %s) = %q, want %q", c.in, c.lang, got, c.want)
		}
	}
}

// exactSum totals what a decimal sum of the same terms totals: whole
// amounts, fractions, huge and negative terms, and int64 overflow on the
// way.
func TestExactSumIsDecimalSum(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 2))
	terms := func() decimal.Decimal {
		switch rng.IntN(8) {
		case 0:
			return decimal.New(rng.Int64N(1000), -2) // a fraction
		case 1:
			return decimal.New(math.MaxInt64-rng.Int64N(10), 0) // overflows soon
		case 2:
			return decimal.NewFromInt(-rng.Int64N(1_000_000))
		case 3:
			return decimal.New(rng.Int64N(100), 3) // a positive exponent
		case 4:
			return decimal.RequireFromString("123456789012345678901234567890")
		case 5:
			return decimal.Decimal{} // the zero value
		default:
			return decimal.NewFromInt(rng.Int64N(10_000_000))
		}
	}
	for run := range 500 {
		var s exactSum
		want := decimal.Decimal{}
		n := run % 40
		for range n {
			x := terms()
			if run%2 == 0 && rng.IntN(4) > 0 {
				x = decimal.NewFromInt(rng.Int64N(10_000_000)) // mostly whole, as a day is
			}
			s.add(x)
			want = want.Add(x)
		}
		got := s.amount()
		if !got.Equal(want) || got.String() != want.String() {
			t.Fatalf("run %d: exact sum %s, decimal sum %s", run, got.String(), want.String())
		}
	}
}

// jsonReports are reports whose JSON the streamed writers must write as
// encoding/json does: empty and nil lists, lines of every hand-written
// type (a payment line of a time not in UTC goes through json.Marshal),
// nested values, text to escape.
func jsonReports() []Report {
	amt := Amount{decimal.NewFromInt(150000)}
	paid := time.Date(2026, 11, 26, 2, 3, 4, 5, time.UTC)
	return []Report{
		{},
		{ID: "x", Agency: "A<&>\u2028", Budget: []BudgetLine{{Agency: "a"}, {Agency: "b"}}, Exceptions: []ExceptionLine{},
			Payments: []PaymentLine{{PaymentID: "p\"1", PaidAt: paid, Amount: amt, Late: true},
				{PaymentID: "p2", PaidAt: paid.In(payment.Location()), Amount: amt}},
			Allocations: []AllocationLine{{PaymentID: "p1", NoticeID: "N<1>", Amount: amt}},
			Links:       []Link{{StatementID: "s", Seq: 3, Ref: "FT1", Amount: amt}, {StatementID: "s", Seq: 4}},
			AuditHead:   &AuditHead{Seq: 7, Hash: "ab"}, Reversals: []ReversalLine{},
			Diff: &Diff{PreviousVersion: 1, Lines: Changes{Added: []string{"k"}}}, SHA256: "kept"},
	}
}
