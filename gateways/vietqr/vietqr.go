package vietqr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

// HeaderSignature carries the hex HMAC-SHA256 of the body.
const HeaderSignature = "X-Feerecon-Signature"

// MinSecretBytes is the shortest accepted shared secret.
const MinSecretBytes = 16

const (
	gw      = payment.GatewayVietQR
	dateFmt = "2006-01-02 15:04:05"
)

// Transfer types.
const (
	TransferIn  = "in"
	TransferOut = "out"
)

// Config configures the decoder.
type Config struct {
	// Secret is the HMAC key of HeaderSignature, at least MinSecretBytes.
	Secret string
	// Amounts validates amounts; the zero value means
	// payment.DefaultAmountPolicy().
	Amounts payment.AmountPolicy
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if len(c.Secret) < MinSecretBytes {
		errs = append(errs, fmt.Errorf("the Secret must have at least %d bytes", MinSecretBytes))
	}
	if c.Amounts.Ceiling.IsNegative() {
		errs = append(errs, errors.New("Amounts.Ceiling is negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("vietqr config: %w", err)
	}
	return nil
}

// Decoder decodes bank credit notifications.
type Decoder struct {
	secret  []byte
	amounts payment.AmountPolicy
	loc     *time.Location
}

var _ gateways.Decoder = (*Decoder)(nil)

// New returns a Decoder for cfg.
func New(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Decoder{secret: []byte(cfg.Secret), amounts: gateways.AmountPolicy(cfg.Amounts), loc: payment.Location()}, nil
}

// Gateway returns payment.GatewayVietQR.
func (d *Decoder) Gateway() payment.Gateway { return gw }

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
	if len(raw.Body) > gateways.MaxMessageBytes {
		return nil, gateways.Errorf(gw, gateways.ErrTooLarge, "%d bytes", len(raw.Body))
	}
	if err := d.verify(raw); err != nil {
		return nil, err
	}
	var n notification
	dec := json.NewDecoder(bytes.NewReader(raw.Body))
	if err := dec.Decode(&n); err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "json: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "data after the JSON object")
	}
	p, err := d.normalise(n)
	if err != nil {
		return nil, err
	}
	return []payment.Payment{p}, nil
}

func (d *Decoder) verify(raw gateways.Raw) error {
	return gateways.VerifyBodyHMAC(gw, raw, HeaderSignature, d.secret)
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
	m, err := d.amounts.ParsePositive(n.TransferAmount.String(), string(payment.VND))
	if err != nil {
		return payment.Payment{}, &gateways.Error{Gateway: gw, Err: fmt.Errorf("%w: transferAmount: %w", gateways.ErrAmount, err)}
	}
	paidAt, err := time.ParseInLocation(dateFmt, *n.TransactionDate, d.loc)
	if err != nil {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "transactionDate %q: want YYYY-MM-DD HH:mm:ss", *n.TransactionDate)
	}
	var ref string
	if n.ReferenceCode != nil {
		ref = *n.ReferenceCode
	}
	return payment.Payment{
		ID:          payment.PaymentID(gw, txn),
		Gateway:     gw,
		TxnID:       txn,
		Amount:      m,
		PaidAt:      paidAt,
		Description: gateways.StorableText(*n.Content),
		BankRef:     gateways.StorableText(ref),
	}, nil
}

// Reply answers the aggregator's webhook call.
func (d *Decoder) Reply(err error) (int, string, []byte) {
	const ct = "application/json"
	switch {
	case err == nil, errors.Is(err, gateways.ErrNotPayment):
		return 200, ct, []byte(`{"success":true}`)
	case errors.Is(err, gateways.ErrTooLarge):
		return 413, ct, []byte(`{"success":false}`)
	case gateways.Poison(err):
		return 400, ct, []byte(`{"success":false}`)
	default:
		return 500, ct, []byte(`{"success":false}`)
	}
}
