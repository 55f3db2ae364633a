package payment

import (
	"errors"
	"fmt"
	"strconv"
)

// PaymentCode is the code (mã thanh toán) feerecon issues for a notice:
// a prefix of 2–4 uppercase letters, a 10-digit serial and two check digits
// by ISO 7064 MOD 97-10, computed as IBAN computes them. Example:
// NP000000000151.
type PaymentCode string

// DefaultCodePrefix is the payment-code prefix used unless configured.
const DefaultCodePrefix = "NP"

// SerialDigits is the number of digits of a payment code's serial.
const SerialDigits = 10

// MaxSerial is the largest serial a payment code can carry.
const MaxSerial = 9_999_999_999

// Errors for payment codes; *CodeError wraps one of them.
var (
	ErrCodePrefix = errors.New("prefix must be 2 to 4 letters A-Z")
	ErrCodeSerial = errors.New("serial must be 10 digits")
	ErrCodeLength = errors.New("wrong length")
	ErrCodeCheck  = errors.New("check digits do not match")
)

// CodeError says which code failed and why.
type CodeError struct {
	Input string
	Err   error
}

func (e *CodeError) Error() string { return fmt.Sprintf("payment code %q: %v", e.Input, e.Err) }
func (e *CodeError) Unwrap() error { return e.Err }

// ValidatePrefix checks a configured payment-code prefix.
func ValidatePrefix(prefix string) error {
	if len(prefix) < 2 || len(prefix) > 4 {
		return &CodeError{Input: prefix, Err: ErrCodePrefix}
	}
	for i := 0; i < len(prefix); i++ {
		if prefix[i] < 'A' || prefix[i] > 'Z' {
			return &CodeError{Input: prefix, Err: ErrCodePrefix}
		}
	}
	return nil
}

// NewPaymentCode builds the code for serial under prefix.
func NewPaymentCode(prefix string, serial uint64) (PaymentCode, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return "", err
	}
	if serial > MaxSerial {
		return "", &CodeError{Input: strconv.FormatUint(serial, 10), Err: ErrCodeSerial}
	}
	body := fmt.Sprintf("%s%010d", prefix, serial)
	return PaymentCode(body + CheckDigits(body)), nil
}

// CheckDigits returns the two ISO 7064 MOD 97-10 check digits for body
// (letters and digits): letters map to 10–35, "00" is appended, and the
// check is 98 − (number mod 97). body must hold only A–Z and 0–9.
func CheckDigits(body string) string {
	r := mod97(body + "00")
	return fmt.Sprintf("%02d", 98-r)
}

// mod97 computes the remainder of the MOD 97-10 number of s piecewise, so no
// big integers are needed. Characters other than A–Z/0–9 yield -1.
func mod97(s string) int {
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		default:
			return -1
		}
	}
	return r
}

// ParsePaymentCode validates s as a payment code: layout and check digits.
// It does not clean up input; reference extraction (in reconcile) does that
// and then calls this.
func ParsePaymentCode(s string) (PaymentCode, error) {
	n := len(s)
	if n < 2+SerialDigits+2 || n > 4+SerialDigits+2 {
		return "", &CodeError{Input: s, Err: ErrCodeLength}
	}
	prefixLen := n - SerialDigits - 2
	if err := ValidatePrefix(s[:prefixLen]); err != nil {
		return "", &CodeError{Input: s, Err: ErrCodePrefix}
	}
	for i := prefixLen; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", &CodeError{Input: s, Err: ErrCodeSerial}
		}
	}
	// ISO 7064 check digits run 02–98; "00", "01" and "99" can satisfy the
	// mod-97 test too (00 ≡ 97) but are never issued.
	if check := s[n-2:]; mod97(s) != 1 || check < "02" || check > "98" {
		return "", &CodeError{Input: s, Err: ErrCodeCheck}
	}
	return PaymentCode(s), nil
}

// Prefix returns the letter prefix of a valid code.
func (c PaymentCode) Prefix() string { return string(c[:len(c)-SerialDigits-2]) }

// Serial returns the serial number of a valid code.
func (c PaymentCode) Serial() uint64 {
	s := string(c[len(c)-SerialDigits-2 : len(c)-2])
	v, _ := strconv.ParseUint(s, 10, 64)
	return v
}

// Digits returns the 12 digits after the prefix (serial and check), which
// is what a payer sometimes types without the letters.
func (c PaymentCode) Digits() string { return string(c[len(c)-SerialDigits-2:]) }

func (c PaymentCode) String() string { return string(c) }
