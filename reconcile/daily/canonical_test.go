package daily

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// nastyStrings are strings that encoding/json escapes one way or another.
var nastyStrings = []string{
	"", "vietqr:SP1", "Nộp phí <b>&</b>", "a\"b\\c", "\b\f\n\r\t\x00\x1f\x7f", "\u2028\u2029x",
	"bad \xff utf8 \xc3", "ký tự đặc biệt ₫", "emoji 💸", "'single' /slash/",
}

// randomAmount is an amount with the exponents and sizes decimal can hold.
func randomAmount(r *rand.Rand) Amount {
	switch r.IntN(7) {
	case 0:
		return Amount{}
	case 1:
		return amt(decimal.New(r.Int64N(1_000_000), -r.Int32N(4)))
	case 2:
		return amt(decimal.New(r.Int64N(1_000), r.Int32N(4)))
	case 3:
		return amt(decimal.RequireFromString("123456789012345678901234567890"))
	case 4:
		return amt(decimal.NewFromInt(-r.Int64N(1 << 62)))
	case 5:
		return amt(decimal.RequireFromString("1.50"))
	}
	return amt(decimal.NewFromInt(r.Int64N(10_000_000)))
}

func randomTime(r *rand.Rand) time.Time {
	t := time.Unix(r.Int64N(4_000_000_000), r.Int64N(3)*int64(r.IntN(1_000_000_000)))
	switch r.IntN(4) {
	case 0:
		return t.In(payment.Location()) // not UTC: json.Marshal's way
	case 1:
		return time.Time{}
	}
	return t.UTC()
}

// TestLineJSONIsMarshal: the hand-written appenders write what json.Marshal
// writes, for every field's empty, odd and usual values.
func TestLineJSONIsMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 2))
	str := func() string { return nastyStrings[r.IntN(len(nastyStrings))] }
	for i := range 5000 {
		var lines []any
		lines = append(lines,
			PaymentLine{
				PaymentID: str(), Gateway: payment.Gateway(str()), Channel: str(), PaidAt: randomTime(r),
				Amount: randomAmount(r), Collected: randomAmount(r), Unassigned: randomAmount(r), Reversed: randomAmount(r),
				ReversedBy: str(), Fee: randomAmount(r), Credit: CreditStatus(str()), LinkRule: LinkRule(str()),
				StatementRef: str(), Late: r.IntN(2) == 0,
			},
			AllocationLine{
				PaymentID: str(), NoticeSystem: str(), NoticeID: str(), PaymentCode: payment.PaymentCode(str()),
				Agency: str(), TreasuryAccount: str(), Channel: str(), Amount: randomAmount(r),
				Rule: reconcile.Rule(str()), Credit: CreditStatus(str()),
			},
			Link{StatementID: str(), Seq: r.IntN(1<<40) - 1<<39, Ref: str(), PaymentID: str(), Settlement: str(),
				Rule: LinkRule(str()), Amount: randomAmount(r)},
			str(), randomAmount(r),
		)
		for _, v := range lines {
			want, werr := json.Marshal(v)
			got, gerr := appendLineJSON([]byte("prefix"), v)
			if (werr != nil) != (gerr != nil) || !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("case %d %T:\n got %s (%v)\nwant prefix%s (%v)", i, v, got, gerr, want, werr)
			}
		}
	}
}
