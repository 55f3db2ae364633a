package settlement_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements/settlement"
)

func parseFile(t *testing.T, path string) settlement.File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := settlement.Parse(bytes.NewReader(b), payment.DefaultAmountPolicy())
	if err != nil {
		t.Fatalf("Parse %s: %v", path, err)
	}
	return f
}

func TestParseVNPay(t *testing.T) {
	t.Parallel()
	f := parseFile(t, "../../testdata/statements/settlement.vnpay.csv")
	if f.ID != "settlement:vnpay:2026-11-26" || f.Wallet != payment.GatewayVNPay || len(f.Lines) != 3 || len(f.SHA256) != 64 {
		t.Fatalf("file %+v", f)
	}
	l := f.Lines[0]
	if l.PaymentID() != "vnpay:14422574" || !l.Gross.Equal(payment.VNDOf(150000)) || !l.Fee.Equal(payment.VNDOf(1650)) || !l.Net.Equal(payment.VNDOf(148350)) {
		t.Fatalf("line %+v", l)
	}
	if _, short := l.Short(); short {
		t.Fatal("line 1 adds up")
	}
	// 49000 + 550 = 49550: the wallet paid 450 đồng short.
	d, short := f.Lines[2].Short()
	if !short || !d.Equal(payment.VNDOf(450)) {
		t.Fatalf("short = %v %s, want 450 VND", short, d)
	}
	if f.Lines[1].Seq != 2 || !f.Lines[1].Gross.Equal(payment.VNDOf(200000)) {
		t.Fatalf("quoted amount: %+v", f.Lines[1])
	}
}

func TestParseBOMAndCRLF(t *testing.T) {
	t.Parallel()
	f := parseFile(t, "../../testdata/statements/settlement.momo.bom.csv")
	if f.Wallet != payment.GatewayMoMo || len(f.Lines) != 1 || f.Lines[0].TxnID != "4088221199" {
		t.Fatalf("file %+v", f)
	}
}

func TestStatementLineRoundTrip(t *testing.T) {
	t.Parallel()
	f := parseFile(t, "../../testdata/statements/settlement.vnpay.csv")
	for i, sl := range f.StatementLines() {
		if sl.StatementID != f.ID || sl.Source != "settlement:vnpay" || !sl.Credit {
			t.Fatalf("statement line %+v", sl)
		}
		back, err := settlement.FromStatementLine(sl)
		if err != nil {
			t.Fatal(err)
		}
		want := f.Lines[i]
		if back.TxnID != want.TxnID || !back.Gross.Equal(want.Gross) || !back.Fee.Equal(want.Fee) || !back.Net.Equal(want.Net) || back.SettledDate != want.SettledDate || back.Seq != want.Seq || back.Wallet != want.Wallet {
			t.Fatalf("round trip %+v != %+v", back, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const h = "wallet,transaction_id,amount,fee,net,settled_date\n"
	tests := []struct {
		name, in string
		want     error
		row      int
	}{
		{"empty", "", settlement.ErrHeader, 1},
		{"header only", h, settlement.ErrMissing, 1},
		{"wrong header", "wallet,txn,amount,fee,net,settled_date\n", settlement.ErrHeader, 1},
		{"columns", h + "vnpay,1,2\n", settlement.ErrMalformed, 0},
		{"wallet", h + "vietqr,1,100,0,100,2026-11-26\n", settlement.ErrWallet, 2},
		{"mixed wallet", h + "momo,1,100,0,100,2026-11-26\nvnpay,2,100,0,100,2026-11-26\n", settlement.ErrMixedWallet, 3},
		{"mixed date", h + "momo,1,100,0,100,2026-11-26\nmomo,2,100,0,100,2026-11-27\n", settlement.ErrMixedDate, 3},
		{"duplicate", h + "momo,1,100,0,100,2026-11-26\nmomo,1,100,0,100,2026-11-26\n", settlement.ErrDuplicate, 3},
		{"fraction", h + "momo,1,100.5,0,100.5,2026-11-26\n", payment.ErrAmountFractional, 2},
		{"zero gross", h + "momo,1,0,0,0,2026-11-26\n", payment.ErrAmountZero, 2},
		{"negative fee", h + "momo,1,100,-1,101,2026-11-26\n", payment.ErrAmountNegative, 2},
		{"thousands", h + "momo,1,\"100,000\",0,100000,2026-11-26\n", payment.ErrAmountNotNumeric, 2},
		{"date", h + "momo,1,100,0,100,26/11/2026\n", settlement.ErrDate, 2},
		{"blank id", h + "momo, ,100,0,100,2026-11-26\n", settlement.ErrMissing, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := settlement.Parse(strings.NewReader(tc.in), payment.DefaultAmountPolicy())
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			var re *settlement.RowError
			if tc.row > 0 && (!errors.As(err, &re) || re.Row != tc.row) {
				t.Fatalf("want row %d, got %v", tc.row, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"../../testdata/statements/settlement.vnpay.csv", "../../testdata/statements/settlement.momo.bom.csv"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := settlement.Parse(bytes.NewReader(in), payment.DefaultAmountPolicy())
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, l := range file.Lines {
			if seen[l.TxnID] || l.Wallet != file.Wallet || l.SettledDate != file.SettledDate || !l.Gross.Amount.IsPositive() {
				t.Fatalf("invariant broken: %+v", l)
			}
			seen[l.TxnID] = true
			back, err := settlement.FromStatementLine(l.StatementLine(file.ID))
			if err != nil || !back.Net.Equal(l.Net) || !back.Gross.Equal(l.Gross) {
				t.Fatalf("round trip: %v %+v", err, back)
			}
		}
	})
}
