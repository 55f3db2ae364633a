package collection_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
)

const sample = "\ufeffagency_code,bin,account\r\n" +
	"H40.01,970415,113000006100\n" +
	"H40.01 , vnpay , FEERECON01\n" +
	"\n" +
	"H29.75,970436,0071000123456\n" +
	"H29.75,momo,MOMOFEER2024\n" +
	"H29.75,zalopay,2553\n" +
	"H29.75,970415,113000006100\n"

func TestParseSample(t *testing.T) {
	t.Parallel()
	a, err := collection.Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Configured() || len(a.Rows()) != 6 {
		t.Fatalf("rows %+v", a.Rows())
	}
	want := []payment.CreditedAccount{{BIN: "970415", Account: "113000006100"}, {BIN: "vnpay", Account: "FEERECON01"}}
	if got := a.Of("H40.01"); !slices.Equal(got, want) {
		t.Errorf("H40.01: %+v, want %+v", got, want)
	}
	if got := a.BankOf("H29.75"); !slices.Equal(got, []payment.CreditedAccount{{BIN: "970436", Account: "0071000123456"}, {BIN: "970415", Account: "113000006100"}}) {
		t.Errorf("BankOf(H29.75) = %+v: want its two bank rows in file order, no wallet", got)
	}
	if got := a.BankOf("G01.899.108"); got != nil {
		t.Errorf("BankOf of an unlisted agency = %+v", got)
	}
	tests := []struct {
		agency string
		c      payment.CreditedAccount
		want   bool
	}{
		{"H40.01", payment.CreditedAccount{BIN: "970415", Account: "113000006100"}, true},
		// the gateway did not state the bank: the account number decides
		{"H40.01", payment.CreditedAccount{Account: "113000006100"}, true},
		{"H40.01", payment.CreditedAccount{BIN: "970436", Account: "113000006100"}, false},
		{"H40.01", payment.CreditedAccount{Account: "999999999999"}, false},
		{"H40.01", payment.WalletAccount(payment.GatewayVNPay, "FEERECON01"), true},
		// a wallet id never matches as a bank account, nor another wallet
		{"H40.01", payment.CreditedAccount{Account: "FEERECON01"}, false},
		{"H40.01", payment.WalletAccount(payment.GatewayMoMo, "FEERECON01"), false},
		// an account shared by two agencies serves both
		{"H29.75", payment.CreditedAccount{Account: "113000006100"}, true},
		{"H29.75", payment.WalletAccount(payment.GatewayZaloPay, "2553"), true},
		{"H29.75", payment.WalletAccount(payment.GatewayVNPay, "FEERECON01"), false},
		// an agency the file does not list collects nothing
		{"G01.899.108", payment.CreditedAccount{Account: "113000006100"}, false},
		// unknown is not "collects": the caller decides what unknown means
		{"H40.01", payment.CreditedAccount{}, false},
	}
	for _, tt := range tests {
		if got := a.Collects(tt.agency, tt.c); got != tt.want {
			t.Errorf("Collects(%s, %+v) = %v, want %v", tt.agency, tt.c, got, tt.want)
		}
	}
	var zero collection.Accounts
	if zero.Configured() || zero.Collects("H40.01", want[0]) {
		t.Error("the zero Accounts lists something")
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	t.Parallel()
	const head = "agency_code,bin,account\n"
	tests := []struct {
		name, in string
		want     []error
		lines    []int
		columns  []string
	}{
		{"empty file", "", []error{collection.ErrHeader}, []int{1}, []string{""}},
		{"header only", head, []error{collection.ErrEmpty}, []int{1}, []string{""}},
		{"wrong header", "agency,bin,account\nH40.01,970415,1\n", []error{collection.ErrHeader}, []int{1}, []string{""}},
		{"header with a column more", "agency_code,bin,account,name\n", []error{collection.ErrHeader}, []int{1}, []string{""}},
		{"two fields", head + "H40.01,970415\n", []error{collection.ErrFields}, []int{2}, []string{""}},
		{"bad agency", head + "h40,970415,113000006100\n", []error{collection.ErrAgency}, []int{2}, []string{"agency_code"}},
		{"five-digit bin", head + "H40.01,97041,113000006100\n", []error{collection.ErrBIN}, []int{2}, []string{"bin"}},
		{"a bank gateway as bin", head + "H40.01,vietqr,113000006100\n", []error{collection.ErrBIN}, []int{2}, []string{"bin"}},
		{"empty bin", head + "H40.01,,113000006100\n", []error{collection.ErrBIN}, []int{2}, []string{"bin"}},
		{"account with a space", head + "H40.01,970415,1130 0000\n", []error{collection.ErrAccount}, []int{2}, []string{"account"}},
		{"empty account", head + "H40.01,momo,\n", []error{collection.ErrAccount}, []int{2}, []string{"account"}},
		{"account too long", head + "H40.01,970415," + strings.Repeat("1", 35) + "\n", []error{collection.ErrAccount}, []int{2}, []string{"account"}},
		{"duplicate", head + "H40.01,970415,1\n\nH40.01,970415,1\n", []error{collection.ErrDuplicate}, []int{4}, []string{""}},
		{"bad quoting", head + "H40.01,\"970415,1\n", []error{collection.ErrCSV}, []int{2}, []string{""}},
		{"every problem at once", head + "x,970415,1\nH40.01,1,1\nH40.01,momo,a b\n",
			[]error{collection.ErrAgency, collection.ErrBIN, collection.ErrAccount}, []int{2, 3, 4}, []string{"agency_code", "bin", "account"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := collection.Parse(strings.NewReader(tt.in))
			if !errors.Is(err, collection.ErrInvalid) {
				t.Fatalf("err %v, want ErrInvalid", err)
			}
			var les []*collection.LineError
			collect(err, &les)
			if len(les) != len(tt.want) {
				t.Fatalf("problems %v, want %d", err, len(tt.want))
			}
			for i, le := range les {
				if !errors.Is(le, tt.want[i]) || le.Line != tt.lines[i] || le.Column != tt.columns[i] {
					t.Errorf("problem %d: %v (line %d, column %q), want %v at line %d, column %q",
						i, le, le.Line, le.Column, tt.want[i], tt.lines[i], tt.columns[i])
				}
			}
		})
	}
}

func collect(err error, out *[]*collection.LineError) {
	if le, ok := err.(*collection.LineError); ok { //nolint:errorlint // the direct type: one problem, not what it wraps
		*out = append(*out, le)
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			collect(e, out)
		}
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "accounts.csv")
	if err := os.WriteFile(name, []byte("agency_code,bin,account\nH40.01,9704,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := collection.ReadFile(name)
	if !errors.Is(err, collection.ErrBIN) || !strings.Contains(err.Error(), name+" line 2 bin \"9704\"") {
		t.Errorf("err %v", err)
	}
	if _, err := collection.ReadFile(name + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzParse: any bytes give a set or an error wrapping ErrInvalid, never
// a panic; a set written back (WriteCSV) reads back to the same set.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("agency_code,bin,account\nH40.01,970415,\"113000006100\"\n"))
	f.Add([]byte("agency_code,bin,account\nH40.01,momo,\"a\"\"b\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := collection.Parse(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, collection.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := a.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		b, err := collection.Parse(&buf)
		if err != nil {
			t.Fatalf("written back: %v\n%s", err, buf.String())
		}
		if !slices.Equal(a.Rows(), b.Rows()) {
			t.Fatalf("round trip: %+v, then %+v", a.Rows(), b.Rows())
		}
		for _, r := range a.Rows() {
			if !a.Collects(r.Agency, r.CreditedAccount) {
				t.Fatalf("a row does not collect itself: %+v", r)
			}
		}
	})
}
