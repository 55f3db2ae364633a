package vietqr

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

// HeaderSignature carries the hex HMAC-SHA256 of the body.
const HeaderSignature = "X-Feerecon-Signature"

// MinSecretBytes is the shortest accepted shared secret.
const MinSecretBytes = gateways.MinSecretBytes

const (
	gw      = payment.GatewayVietQR
	dateFmt = "2006-01-02 15:04:05"
)

// Transfer types.
const (
	TransferIn  = "in"
	TransferOut = "out"
)

// Config configures the decoder: Secret is the HMAC key of
// HeaderSignature.
type Config gateways.SecretConfig

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	_, err := gateways.NewBodySigned(gw, HeaderSignature, gateways.SecretConfig(c))
	return err
}

// Decoder decodes bank credit notifications; its Gateway is payment.GatewayVietQR.
type Decoder struct{ gateways.BodySigned }

var _ gateways.Decoder = (*Decoder)(nil)

// New returns a Decoder for cfg.
func New(cfg Config) (*Decoder, error) {
	b, err := gateways.NewBodySigned(gw, HeaderSignature, gateways.SecretConfig(cfg))
	if err != nil {
		return nil, err
	}
	return &Decoder{b}, nil
}

type notification struct {
	ID              *json.Number `json:"id"`
	Gateway         *string      `json:"gateway"`
	TransactionDate *string      `json:"transactionDate"`
	AccountNumber   *string      `json:"accountNumber"`
	Content         *string      `json:"content"`
	TransferType    *string      `json:"transferType"`
	TransferAmount  *json.Number `json:"transferAmount"`
	ReferenceCode   *string      `json:"referenceCode"`
}

// Decode verifies and normalises one notification.
func (d *Decoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	if err := d.Verify(raw); err != nil {
		return nil, err
	}
	var n notification
	if err := gateways.DecodeJSON(raw.Body, &n); err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "json: %v", err)
	}
	return gateways.One(d.normalise(n))
}

func (d *Decoder) normalise(n notification) (payment.Payment, error) {
	missing := func(name string) (payment.Payment, error) {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "%s is missing", name)
	}
	switch {
	case n.ID == nil:
		return missing("id")
	case n.Gateway == nil:
		return missing("gateway")
	case n.TransactionDate == nil:
		return missing("transactionDate")
	case n.AccountNumber == nil || strings.TrimSpace(*n.AccountNumber) == "":
		return missing("accountNumber")
	case n.Content == nil:
		return missing("content")
	case n.TransferType == nil:
		return missing("transferType")
	case n.TransferAmount == nil:
		return missing("transferAmount")
	}
	switch *n.TransferType {
	case TransferIn:
	case TransferOut:
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrNotPayment, "transferType out (debit)")
	default:
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "transferType %q is neither in nor out", *n.TransferType)
	}
	txn := n.ID.String()
	if !gateways.DecimalID(txn) {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "id %q is not a decimal id", txn)
	}
	m, err := d.Amounts.ParsePositive(n.TransferAmount.String(), string(payment.VND))
	if err != nil {
		return payment.Payment{}, gateways.InvalidAmount(gw, "transferAmount", err)
	}
	paidAt, err := time.ParseInLocation(dateFmt, *n.TransactionDate, payment.Location())
	if err != nil {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "transactionDate %q: want YYYY-MM-DD HH:mm:ss", *n.TransactionDate)
	}
	if paidAt, err = gateways.PaidAt(gw, "transactionDate", paidAt); err != nil {
		return payment.Payment{}, err
	}
	var ref string
	if n.ReferenceCode != nil {
		ref = *n.ReferenceCode
	}
	return gateways.Normalise(gw, payment.Payment{TxnID: txn, Amount: m, PaidAt: paidAt,
		Description: *n.Content, BankRef: ref,
		CreditedAccount: payment.BankAccount("", *n.AccountNumber)}), nil
}

// Reply answers the aggregator's webhook call.
func (d *Decoder) Reply(err error) (int, string, []byte) {
	const ct = "application/json"
	switch {
	case err == nil, errors.Is(err, gateways.ErrNotPayment):
		return 200, ct, []byte(`{"success":true}`)
	case errors.Is(err, gateways.ErrTooLarge):
		return 413, ct, []byte(`{"success":false}`)
	case errors.Is(err, gateways.ErrSignature):
		return 401, ct, []byte(`{"success":false}`)
	case gateways.Poison(err):
		return 400, ct, []byte(`{"success":false}`)
	default:
		return 500, ct, []byte(`{"success":false}`)
	}
}
