package payment

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestAmountPolicyParse(t *testing.T) {
	t.Parallel()
	p := DefaultAmountPolicy()
	tests := []struct {
		amount, currency string
		want             string // canonical amount, when no error
		err              error
	}{
		{"150000", "VND", "150000", nil},
		{"150000.00", "VND", "150000", nil}, // trailing zero decimals are exact
		{" 50000 ", "vnd", "50000", nil},
		{"0", "VND", "0", nil},
		{"100000000000", "VND", "100000000000", nil}, // at the ceiling
		{"12.50", "USD", "12.5", nil},
		{"150000.5", "VND", "", ErrAmountFractional},
		{"0.01", "VND", "", ErrAmountFractional},
		{"12.345", "USD", "", ErrAmountFractional},
		{"-1", "VND", "", ErrAmountNegative},
		{"-0.5", "VND", "", ErrAmountNegative},
		{"abc", "VND", "", ErrAmountNotNumeric},
		{"", "VND", "", ErrAmountNotNumeric},
		{"1e5", "VND", "", ErrAmountNotNumeric},
		{"1,000", "VND", "", ErrAmountNotNumeric},
		{"1.000.000", "VND", "", ErrAmountNotNumeric},
		{"NaN", "VND", "", ErrAmountNotNumeric},
		{"100000000001", "VND", "", ErrAmountCeiling},
		{"100", "XYZ", "", ErrUnknownCurrency},
		{"100", "", "", ErrUnknownCurrency},
		{"100", "704", "", ErrUnknownCurrency},
	}
	for _, tt := range tests {
		got, err := p.Parse(tt.amount, tt.currency)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q, %q) error = %v, want %v", tt.amount, tt.currency, err, tt.err)
			}
			var ae *AmountError
			if !errors.As(err, &ae) {
				t.Errorf("Parse(%q, %q): %T is not *AmountError", tt.amount, tt.currency, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q, %q): %v", tt.amount, tt.currency, err)
			continue
		}
		if got.Amount.String() != tt.want {
			t.Errorf("Parse(%q, %q) = %s, want %s", tt.amount, tt.currency, got.Amount, tt.want)
		}
	}
}

func TestParsePositiveRejectsZero(t *testing.T) {
	t.Parallel()
	if _, err := DefaultAmountPolicy().ParsePositive("0", "VND"); !errors.Is(err, ErrAmountZero) {
		t.Fatalf("err = %v, want ErrAmountZero", err)
	}
}

func TestMoneyArithmetic(t *testing.T) {
	t.Parallel()
	a, b := VNDOf(150_000), VNDOf(50_000)
	sum, err := a.Add(b)
	if err != nil || !sum.Equal(VNDOf(200_000)) {
		t.Fatalf("Add = %v, %v", sum, err)
	}
	diff, _ := b.Sub(a)
	if diff.Amount.String() != "-100000" {
		t.Fatalf("Sub = %s", diff)
	}
	usd := Money{Amount: decimal.NewFromInt(1), Currency: "USD"}
	if _, err := a.Add(usd); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("Add across currencies: %v", err)
	}
}

func TestMoneyJSONRoundTrip(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(VNDOf(1_234_567))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"amount":"1234567","currency":"VND"}` {
		t.Fatalf("marshal = %s", b)
	}
	var m Money
	if err := json.Unmarshal(b, &m); err != nil || !m.Equal(VNDOf(1_234_567)) {
		t.Fatalf("unmarshal = %v, %v", m, err)
	}
	if err := json.Unmarshal([]byte(`{"amount":"1.5","currency":"VND"}`), &m); !errors.Is(err, ErrAmountFractional) {
		t.Fatalf("fractional VND accepted: %v", err)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"150000", "150000.00", "0.5", "-1", "1e9", "abc", "99999999999999999999999", "+7", ".5", "5."} {
		f.Add(s, "VND")
	}
	f.Add("12.34", "USD")
	f.Fuzz(func(t *testing.T, amount, currency string) {
		m, err := DefaultAmountPolicy().Parse(amount, currency)
		if err != nil {
			var ae *AmountError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T is not *AmountError", err)
			}
			return
		}
		units, ok := m.Currency.MinorUnits()
		if !ok {
			t.Fatalf("accepted unknown currency %q", m.Currency)
		}
		if m.Amount.IsNegative() {
			t.Fatalf("accepted negative %s", m.Amount)
		}
		if !m.Amount.Equal(m.Amount.Truncate(units)) {
			t.Fatalf("accepted %s with more than %d decimals", m.Amount, units)
		}
		// The canonical form parses back to the same amount.
		again, err := DefaultAmountPolicy().Parse(m.Amount.String(), string(m.Currency))
		if err != nil || !again.Equal(m) {
			t.Fatalf("round trip of %s: %v, %v", m, again, err)
		}
	})
}

func TestParseDong(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1500000": "1500000", "1.500.000": "1500000", "1,500,000": "1500000", " 1 500 000 ₫": "1500000",
		"20_000_000": "20000000", "770.000đ": "770000", "0": "0", "5000 VND": "5000",
	} {
		m, err := ParseDong(in)
		if err != nil || m.Amount.String() != want || m.Currency != VND {
			t.Errorf("ParseDong(%q) = %v, %v; want %s VND", in, m, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-5", "1.5e3", "12đồng", "1234567890123456", "₫", "1.5", "1.50", "1500.000.0",
		"1..500", ".500", "500.", "1234.567"} {
		if _, err := ParseDong(in); !errors.Is(err, ErrAmountNotNumeric) {
			t.Errorf("ParseDong(%q): %v, want ErrAmountNotNumeric", in, err)
		}
	}
}

// ParseDong reads what people type: it never panics, and what it accepts
// is a whole, non-negative number of đồng whose digits are the input's.
func FuzzParseDong(f *testing.F) {
	for _, s := range []string{"1.500.000", "1,500,000", "770000", "1 500 000 ₫", "20_000_000", "1.5", "", "-1", "₫", "9999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseDong(s)
		if err != nil {
			return
		}
		if m.Currency != VND || m.Amount.IsNegative() || !m.Amount.Equal(m.Amount.Truncate(0)) {
			t.Fatalf("ParseDong(%q) = %v", s, m)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		if strings.TrimLeft(digits, "0") != strings.TrimLeft(m.Amount.String(), "0") {
			t.Fatalf("ParseDong(%q) = %s: not the input's digits", s, m.Amount)
		}
	})
}
