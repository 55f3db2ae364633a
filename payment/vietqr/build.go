package vietqr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/feerecon/feerecon/payment"
)

// Service is the NAPAS 247 service code of field 38.02.
type Service string

// Services.
const (
	// ServiceToAccount: transfer to a bank account (the default).
	ServiceToAccount Service = "QRIBFTTA"
	// ServiceToCard: transfer to a card number.
	ServiceToCard Service = "QRIBFTTC"
)

// Valid reports whether s is a documented service code.
func (s Service) Valid() bool {
	switch s {
	case ServiceToAccount, ServiceToCard:
		return true
	}
	return false
}

// Constants of the NAPAS profile.
const (
	// NAPASAID is the application identifier in field 38.00.
	NAPASAID = "A000000727"
	// DefaultMaxPurposeLen is the purpose-text limit Build applies unless
	// configured: what VietQR libraries keep and bank apps reliably show.
	DefaultMaxPurposeLen = 25
	// MaxAccountLen is the longest account or card number accepted (NAPAS
	// gives an..19 for the consumer/merchant id; L confidence).
	MaxAccountLen = 19
	// MaxBillNumberLen is the EMVCo limit of field 62.01.
	MaxBillNumberLen = 25
	// maxAmountLen is the EMVCo limit of field 54.
	maxAmountLen = 13
	// maxValueLen is the largest length two digits can state.
	maxValueLen = 99
)

// Payload is what a VietQR code carries.
type Payload struct {
	// BankBIN is the 6-digit NAPAS BIN of the beneficiary's bank.
	BankBIN string
	// Account is the beneficiary account (or card) number: 1–19 letters
	// or digits. It is public on the QR; mask it in logs.
	Account string
	// Service defaults to ServiceToAccount when empty.
	Service Service
	// Amount in whole VND, positive. The zero Money omits it and makes a
	// static QR (01=11); an amount makes a dynamic one (01=12).
	Amount payment.Money
	// Purpose is field 62.08: printable ASCII without diacritics. Callers
	// put the payment code first. Empty omits it.
	Purpose string
	// BillNumber is field 62.01, optional.
	BillNumber string
}

// HasAmount reports whether the payload carries an amount.
func (p Payload) HasAmount() bool { return !(p.Amount.Currency == "" && p.Amount.Amount.IsZero()) }

// Builder builds payloads under configurable limits. The zero value uses
// the defaults.
type Builder struct {
	// MaxPurposeLen limits the purpose text; 0 means DefaultMaxPurposeLen.
	// At most 95, what fits field 62 with the 08 header.
	MaxPurposeLen int
}

// Build builds a payload with the default limits.
func Build(p Payload) (string, error) { return Builder{}.Build(p) }

// Build validates p and returns the payload string with its CRC. It
// rejects what does not fit rather than truncating it: a cut payment code
// would send money nowhere.
func (b Builder) Build(p Payload) (string, error) {
	maxPurpose := b.MaxPurposeLen
	if maxPurpose == 0 {
		maxPurpose = DefaultMaxPurposeLen
	}
	if maxPurpose < 0 || maxPurpose > maxValueLen-4 {
		return "", fieldErr("MaxPurposeLen", ErrInvalid, "must be 1..%d", maxValueLen-4)
	}
	if !isDigits(p.BankBIN) || len(p.BankBIN) != 6 {
		return "", fieldErr("BankBIN", ErrInvalid, "must be 6 digits")
	}
	if p.Account == "" || !isAlnum(p.Account) {
		return "", fieldErr("Account", ErrInvalid, "must be letters and digits")
	}
	if len(p.Account) > MaxAccountLen {
		return "", fieldErr("Account", ErrTooLong, "%d characters, at most %d", len(p.Account), MaxAccountLen)
	}
	svc := p.Service
	if svc == "" {
		svc = ServiceToAccount
	}
	if !svc.Valid() {
		return "", fieldErr("Service", ErrInvalid, "must be %s or %s", ServiceToAccount, ServiceToCard)
	}
	amount := ""
	if p.HasAmount() {
		a, err := amountString(p.Amount)
		if err != nil {
			return "", err
		}
		amount = a
	}
	if !isPrintableASCII(p.Purpose) {
		return "", fieldErr("Purpose", ErrInvalid, "printable ASCII only, no diacritics")
	}
	if len(p.Purpose) > maxPurpose {
		return "", fieldErr("Purpose", ErrTooLong, "%d characters, at most %d", len(p.Purpose), maxPurpose)
	}
	if !isPrintableASCII(p.BillNumber) {
		return "", fieldErr("BillNumber", ErrInvalid, "printable ASCII only")
	}
	if len(p.BillNumber) > MaxBillNumberLen {
		return "", fieldErr("BillNumber", ErrTooLong, "%d characters, at most %d", len(p.BillNumber), MaxBillNumberLen)
	}
	var extra strings.Builder
	if p.BillNumber != "" {
		tlv(&extra, "01", p.BillNumber)
	}
	if p.Purpose != "" {
		tlv(&extra, "08", p.Purpose)
	}
	if extra.Len() > maxValueLen {
		return "", fieldErr("62", ErrTooLong, "additional data is %d bytes, at most %d", extra.Len(), maxValueLen)
	}

	var bene, merchant, out strings.Builder
	tlv(&bene, "00", p.BankBIN)
	tlv(&bene, "01", p.Account)
	tlv(&merchant, "00", NAPASAID)
	tlv(&merchant, "01", bene.String())
	tlv(&merchant, "02", string(svc))

	tlv(&out, "00", "01")
	if amount == "" {
		tlv(&out, "01", "11")
	} else {
		tlv(&out, "01", "12")
	}
	tlv(&out, "38", merchant.String())
	tlv(&out, "53", "704")
	if amount != "" {
		tlv(&out, "54", amount)
	}
	tlv(&out, "58", "VN")
	if extra.Len() > 0 {
		tlv(&out, "62", extra.String())
	}
	out.WriteString("6304")
	s := out.String()
	return s + crcHex(s), nil
}

// amountString validates a VND amount for field 54.
func amountString(m payment.Money) (string, error) {
	if m.Currency != payment.VND {
		return "", fieldErr("Amount", ErrInvalid, "currency %q: VietQR carries VND only", m.Currency)
	}
	if !m.Amount.IsPositive() {
		return "", fieldErr("Amount", ErrInvalid, "must be positive")
	}
	if !m.Amount.IsInteger() {
		return "", fieldErr("Amount", ErrInvalid, "VND has no minor units")
	}
	s := m.Amount.StringFixed(0)
	if len(s) > maxAmountLen {
		return "", fieldErr("Amount", ErrTooLong, "%d digits, at most %d", len(s), maxAmountLen)
	}
	return s, nil
}

// tlv appends one data object. Callers have checked len(v) <= 99.
func tlv(b *strings.Builder, id, v string) {
	b.WriteString(id)
	if len(v) < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(len(v)))
	b.WriteString(v)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// String describes a payload for logs with the account masked.
func (p Payload) String() string {
	amt := "no amount"
	if p.HasAmount() {
		amt = p.Amount.String()
	}
	return fmt.Sprintf("vietqr{bin=%s account=%s %s purpose=%q}", p.BankBIN, payment.MaskAccount(p.Account), amt, p.Purpose)
}
