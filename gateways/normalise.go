package gateways

import (
	"strconv"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// Normalise finishes p, the payment a verified message of gateway g
// records, as every adapter does: its ID (payment.PaymentID of g and
// p.TxnID) and Gateway set, and its outside text made storable
// (StorableText).
func Normalise(g payment.Gateway, p payment.Payment) payment.Payment {
	p.ID = payment.PaymentID(g, p.TxnID)
	p.Gateway = g
	p.Description = StorableText(p.Description)
	p.BankRef = StorableText(p.BankRef)
	p.PayerName = StorableText(p.PayerName)
	p.PayerAccount = StorableText(p.PayerAccount)
	p.CreditedAccount.BIN = StorableText(p.CreditedAccount.BIN)
	p.CreditedAccount.Account = StorableText(p.CreditedAccount.Account)
	if p.CreditedAccount.Account == "" {
		p.CreditedAccount = payment.CreditedAccount{}
	}
	return p
}

// One is Decode's result for a message that records one payment: p alone,
// or err. Call it on the adapter's normalise: One(d.normalise(msg)).
func One(p payment.Payment, err error) ([]payment.Payment, error) {
	if err != nil {
		return nil, err
	}
	return []payment.Payment{p}, nil
}

// EpochMillis reads s, which field of gateway g's message holds, as a
// positive count of milliseconds since the Unix epoch, shown in
// Asia/Ho_Chi_Minh. Anything else is ErrMalformed.
func EpochMillis(g payment.Gateway, field, s string) (time.Time, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, Errorf(g, ErrMalformed, "%s %q is not epoch milliseconds", field, s)
	}
	return PaidAt(g, field, time.UnixMilli(ms).In(payment.Location()))
}

// PaidAt returns t, which field of gateway g's message holds, if it falls
// in payment.CheckTime's years; otherwise ErrMalformed: a garbled clock
// (epoch 0, year 2925) is poison, never a payment to match.
func PaidAt(g payment.Gateway, field string, t time.Time) (time.Time, error) {
	if err := payment.CheckTime(field, t); err != nil {
		return time.Time{}, Errorf(g, ErrMalformed, "%v", err)
	}
	return t, nil
}
