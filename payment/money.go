package payment

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 alphabetic currency code, e.g. "VND".
type Currency string

// VND is the Vietnamese đồng, ISO 4217 numeric 704, zero minor units.
const VND Currency = "VND"

// minorUnits lists the ISO 4217 currencies feerecon recognises and their
// minor units. Fees are due in VND; the others are recognised so that a
// payment in a foreign currency becomes a currency_mismatch exception rather
// than unreadable input.
var minorUnits = map[Currency]int32{
	"VND": 0, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "CNY": 2, "GBP": 2,
	"SGD": 2, "THB": 2, "AUD": 2, "LAK": 2, "KHR": 2, "HKD": 2, "TWD": 2,
}

// MinorUnits reports the number of decimal places currency c allows and
// whether c is a currency feerecon recognises.
func (c Currency) MinorUnits() (int32, bool) {
	n, ok := minorUnits[c]
	return n, ok
}

// NumericCode returns the ISO 4217 numeric code used in EMVCo QR field 53.
func (c Currency) NumericCode() (string, bool) {
	switch c {
	case VND:
		return "704", true
	case "USD":
		return "840", true
	case "EUR":
		return "978", true
	}
	return "", false
}

// Errors returned for bad amounts. An *AmountError wraps exactly one of them,
// so callers test with errors.Is.
var (
	ErrAmountNotNumeric = errors.New("amount is not a decimal number")
	ErrAmountFractional = errors.New("amount has more decimal places than the currency allows")
	ErrAmountNegative   = errors.New("amount is negative")
	ErrAmountZero       = errors.New("amount is zero")
	ErrAmountCeiling    = errors.New("amount is above the configured ceiling")
	// ErrAmountGrouped: a point then three digits in a currency without
	// minor units ("150.000" VND) is Vietnamese thousands grouping, not a
	// decimal 150; read as a number it would silently be a thousandth.
	ErrAmountGrouped   = errors.New("amount groups thousands with a point (write plain digits, e.g. 150000)")
	ErrUnknownCurrency = errors.New("unknown currency")
)

// AmountError says which input failed and why.
type AmountError struct {
	Input    string
	Currency string
	Err      error
}

func (e *AmountError) Error() string {
	if e.Currency == "" {
		return fmt.Sprintf("amount %q: %v", e.Input, e.Err)
	}
	return fmt.Sprintf("amount %q %s: %v", e.Input, e.Currency, e.Err)
}

func (e *AmountError) Unwrap() error { return e.Err }

// Money is an exact amount in a currency.
type Money struct {
	Amount   decimal.Decimal
	Currency Currency
}

// DefaultCeiling is the largest single amount accepted by default:
// 100 billion đồng, far above any fee but small enough to catch a wrong
// multiplier (VNPay's ×100) or a garbled field.
var defaultCeiling = decimal.New(100_000_000_000, 0)

// AmountPolicy validates amounts at the edges. The zero value has no
// ceiling; use DefaultAmountPolicy for the production default.
type AmountPolicy struct {
	// Ceiling, when positive, is the largest amount accepted.
	Ceiling decimal.Decimal
}

// DefaultAmountPolicy returns the policy with the default ceiling.
func DefaultAmountPolicy() AmountPolicy { return AmountPolicy{Ceiling: defaultCeiling} }

// Parse reads a decimal amount string in currency and validates it: the
// currency must be known, the amount numeric, non-negative, within the
// currency's minor units and under the ceiling. Zero is allowed here (a fee
// line may be waived); payments use ParsePositive.
func (p AmountPolicy) Parse(amount, currency string) (Money, error) {
	cur := Currency(strings.ToUpper(strings.TrimSpace(currency)))
	if _, ok := cur.MinorUnits(); !ok {
		return Money{}, &AmountError{Input: amount, Currency: currency, Err: ErrUnknownCurrency}
	}
	s := strings.TrimSpace(amount)
	// decimal.NewFromString accepts exponents ("1e3"); edges take plain
	// decimal notation only, so a garbled field cannot turn into a number.
	if !plainDecimal(s) {
		return Money{}, &AmountError{Input: amount, Currency: string(cur), Err: ErrAmountNotNumeric}
	}
	if units, _ := cur.MinorUnits(); units == 0 {
		if _, frac, ok := strings.Cut(s, "."); ok && len(frac) == 3 {
			return Money{}, &AmountError{Input: amount, Currency: string(cur), Err: ErrAmountGrouped}
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, &AmountError{Input: amount, Currency: string(cur), Err: ErrAmountNotNumeric}
	}
	return p.New(d, cur)
}

// ParsePositive is Parse that also rejects zero, for payment amounts.
func (p AmountPolicy) ParsePositive(amount, currency string) (Money, error) {
	m, err := p.Parse(amount, currency)
	if err != nil {
		return Money{}, err
	}
	if m.Amount.IsZero() {
		return Money{}, &AmountError{Input: amount, Currency: string(m.Currency), Err: ErrAmountZero}
	}
	return m, nil
}

// New validates an already-decimal amount.
func (p AmountPolicy) New(d decimal.Decimal, cur Currency) (Money, error) {
	units, ok := cur.MinorUnits()
	if !ok {
		return Money{}, &AmountError{Input: d.String(), Currency: string(cur), Err: ErrUnknownCurrency}
	}
	if d.IsNegative() {
		return Money{}, &AmountError{Input: d.String(), Currency: string(cur), Err: ErrAmountNegative}
	}
	if !d.Equal(d.Truncate(units)) {
		return Money{}, &AmountError{Input: d.String(), Currency: string(cur), Err: ErrAmountFractional}
	}
	if p.Ceiling.IsPositive() && d.GreaterThan(p.Ceiling) {
		return Money{}, &AmountError{Input: d.String(), Currency: string(cur), Err: ErrAmountCeiling}
	}
	// Normalise the representation so that "100.00" and "100" are stored
	// and printed alike.
	return Money{Amount: d.Truncate(units), Currency: cur}, nil
}

// VNDOf builds a VND amount from a whole number of đồng. It panics on a
// negative value: it is for constants and tests, not for outside input.
func VNDOf(dong int64) Money {
	if dong < 0 {
		panic("payment.VNDOf: negative amount")
	}
	return Money{Amount: decimal.NewFromInt(dong), Currency: VND}
}

func plainDecimal(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i = 1
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// String prints the amount in plain decimal notation followed by the currency.
func (m Money) String() string { return m.Amount.String() + " " + string(m.Currency) }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// Add returns m+o. Currencies must match.
func (m Money) Add(o Money) (Money, error) {
	if err := m.sameCurrency(o); err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Sub returns m-o, which may be negative (an outstanding balance after an
// overpayment). Currencies must match.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.sameCurrency(o); err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Sub(o.Amount), Currency: m.Currency}, nil
}

// Cmp compares amounts of the same currency: -1, 0 or +1. It panics on a
// currency mismatch, which is a programming error by then.
func (m Money) Cmp(o Money) int {
	if m.Currency != o.Currency {
		panic(fmt.Sprintf("payment: compare %s with %s", m.Currency, o.Currency))
	}
	return m.Amount.Cmp(o.Amount)
}

// Equal reports whether m and o are the same amount in the same currency.
func (m Money) Equal(o Money) bool { return m.Currency == o.Currency && m.Amount.Equal(o.Amount) }

// ErrCurrencyMismatch is returned by arithmetic on different currencies.
var ErrCurrencyMismatch = errors.New("currency mismatch")

func (m Money) sameCurrency(o Money) error {
	if m.Currency != o.Currency {
		return fmt.Errorf("%w: %s and %s", ErrCurrencyMismatch, m.Currency, o.Currency)
	}
	return nil
}

type moneyJSON struct {
	Amount   string   `json:"amount"`
	Currency Currency `json:"currency"`
}

// MarshalJSON writes {"amount":"150000","currency":"VND"}: the amount as a
// string so no JSON reader turns it into a float.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(moneyJSON{Amount: m.Amount.String(), Currency: m.Currency})
}

// UnmarshalJSON reads what MarshalJSON writes, validated without a ceiling.
// It is exact where Parse is forgiving (a form, a bank's padded field): an
// amount with spaces around it, or a currency not written as its code
// ("vnd", " VND"), is refused — what JSON carries is read as written, as
// the API's document says.
func (m *Money) UnmarshalJSON(b []byte) error {
	var v moneyJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if strings.TrimSpace(v.Amount) != v.Amount {
		return &AmountError{Input: v.Amount, Currency: string(v.Currency), Err: ErrAmountNotNumeric}
	}
	if c := string(v.Currency); strings.ToUpper(strings.TrimSpace(c)) != c {
		return &AmountError{Input: v.Amount, Currency: c, Err: ErrUnknownCurrency}
	}
	got, err := AmountPolicy{}.Parse(v.Amount, string(v.Currency))
	if err != nil {
		return err
	}
	*m = got
	return nil
}

// dongRE is a whole number of đồng: plain digits, or thousands grouped by
// one kind of separator.
var dongRE = regexp.MustCompile(`^(\d+|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+|\d{1,3}(_\d{3})+|\d{1,3}([ \x{00a0}]\d{3})+)$`)

// ParseDong reads a whole amount of đồng as people type it: digits, with
// '.', ',', spaces or '_' grouping thousands (Vietnamese writes 1.500.000;
// every group after the first has three digits), and an optional ₫, đ or
// VND after. A fraction is refused: VND has no minor unit, and "1.5" is
// neither 15 nor one and a half. For forms and flags, not for gateway
// payloads (each adapter reads its own format).
func ParseDong(s string) (Money, error) {
	bad := fmt.Errorf("%w: %q is not a whole number of đồng (e.g. 1.500.000)", ErrAmountNotNumeric, s)
	t := strings.TrimSpace(s)
	for _, unit := range []string{"₫", "VND", "vnd", "đ", "Đ"} {
		t = strings.TrimSpace(strings.TrimSuffix(t, unit))
	}
	if !dongRE.MatchString(t) {
		return Money{}, bad
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, t)
	if len(digits) > 15 {
		return Money{}, bad
	}
	return Money{Amount: decimal.RequireFromString(digits), Currency: VND}, nil
}
