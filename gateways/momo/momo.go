package momo

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

const gw = payment.GatewayMoMo

// Config configures the MoMo decoder.
type Config struct {
	// AccessKey is the partner's accessKey; it is part of the signed string.
	// Required.
	AccessKey string
	// SecretKey is the partner's secretKey, the HMAC key. Required.
	SecretKey string
	// PartnerCode, when set, is the only partnerCode accepted.
	PartnerCode string
	// Amounts validates amounts; the zero value means
	// payment.DefaultAmountPolicy().
	Amounts payment.AmountPolicy
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	return gateways.ValidateConfig(gw, c.Amounts,
		gateways.Required("AccessKey", c.AccessKey), gateways.Required("SecretKey", c.SecretKey))
}

// Decoder decodes MoMo IPN bodies.
type Decoder struct {
	accessKey   string
	secret      []byte
	partnerCode string
	amounts     payment.AmountPolicy
}

var _ gateways.Decoder = (*Decoder)(nil)

// New returns a Decoder for cfg.
func New(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Decoder{accessKey: cfg.AccessKey, secret: []byte(cfg.SecretKey), partnerCode: cfg.PartnerCode,
		amounts: gateways.AmountPolicy(cfg.Amounts)}, nil
}

// Gateway returns payment.GatewayMoMo.
func (d *Decoder) Gateway() payment.Gateway { return gw }

// IPN is the part of MoMo's notification feerecon reads. A nil field was
// absent (or null). The fields are in the order MoMo sends them:
// gatewaysim marshals an IPN as the body it simulates.
type IPN struct {
	PartnerCode  *string      `json:"partnerCode"`
	OrderID      *string      `json:"orderId"`
	RequestID    *string      `json:"requestId"`
	Amount       *json.Number `json:"amount"`
	OrderInfo    *string      `json:"orderInfo"`
	OrderType    *string      `json:"orderType"`
	TransID      *json.Number `json:"transId"`
	ResultCode   *json.Number `json:"resultCode"`
	Message      *string      `json:"message"`
	PayType      *string      `json:"payType"`
	ResponseTime *json.Number `json:"responseTime"`
	ExtraData    *string      `json:"extraData"`
	Signature    *string      `json:"signature"`
}

// SignedData returns the string MoMo signs for n with accessKey, or an
// error naming the first missing field.
func SignedData(n IPN, accessKey string) (string, error) {
	num := func(v *json.Number) *string {
		if v == nil {
			return nil
		}
		s := v.String()
		return &s
	}
	fields := []struct {
		name string
		v    *string
	}{
		{"accessKey", &accessKey}, {"amount", num(n.Amount)}, {"extraData", n.ExtraData},
		{"message", n.Message}, {"orderId", n.OrderID}, {"orderInfo", n.OrderInfo},
		{"orderType", n.OrderType}, {"partnerCode", n.PartnerCode}, {"payType", n.PayType},
		{"requestId", n.RequestID}, {"responseTime", num(n.ResponseTime)},
		{"resultCode", num(n.ResultCode)}, {"transId", num(n.TransID)},
	}
	var b strings.Builder
	for i, f := range fields {
		if f.v == nil {
			return "", fmt.Errorf("%s is missing", f.name)
		}
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(f.name)
		b.WriteByte('=')
		b.WriteString(*f.v)
	}
	return b.String(), nil
}

// Verify checks the size and the signature of an IPN body
// (gateways.Decoder).
func (d *Decoder) Verify(raw gateways.Raw) error {
	_, err := d.authentic(raw)
	return gateways.Unverified(gw, err)
}

// Decode verifies and normalises one IPN body.
func (d *Decoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	n, err := d.authentic(raw)
	if err != nil {
		return nil, err
	}
	if d.partnerCode != "" && *n.PartnerCode != d.partnerCode {
		return nil, gateways.Errorf(gw, gateways.ErrSignature, "partnerCode %q is not ours", *n.PartnerCode)
	}
	return gateways.One(d.normalise(n))
}

// authentic reads raw as far as its signature and verifies it: the IPN, or
// Decode's error.
func (d *Decoder) authentic(raw gateways.Raw) (IPN, error) {
	if err := gateways.CheckSize(gw, raw); err != nil {
		return IPN{}, err
	}
	var n IPN
	if err := gateways.DecodeJSON(raw.Body, &n); err != nil {
		return IPN{}, gateways.Errorf(gw, gateways.ErrMalformed, "json: %v", err)
	}
	// A missing signature is reported before a missing signed field.
	if n.Signature == nil || *n.Signature == "" {
		return IPN{}, gateways.Errorf(gw, gateways.ErrSignature, "signature is missing")
	}
	data, err := SignedData(n, d.accessKey)
	if err != nil {
		return IPN{}, gateways.Errorf(gw, gateways.ErrMalformed, "%v", err)
	}
	if err := gateways.VerifyHMAC(gw, "signature", *n.Signature, sha256.New, d.secret, []byte(data)); err != nil {
		return IPN{}, err
	}
	return n, nil
}

func (d *Decoder) normalise(n IPN) (payment.Payment, error) {
	// SignedData has checked that every field used below is present.
	if rc := n.ResultCode.String(); rc != "0" {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrNotPayment, "resultCode %s: %q", rc, *n.Message)
	}
	txn := n.TransID.String()
	if !gateways.DecimalID(txn) {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "transId %q is not a decimal id", txn)
	}
	m, err := d.amounts.ParsePositive(n.Amount.String(), string(payment.VND))
	if err != nil {
		return payment.Payment{}, gateways.InvalidAmount(gw, "amount", err)
	}
	paidAt, err := gateways.EpochMillis(gw, "responseTime", n.ResponseTime.String())
	if err != nil {
		return payment.Payment{}, err
	}
	return gateways.Normalise(gw, payment.Payment{TxnID: txn, Amount: m, PaidAt: paidAt,
		Description: *n.OrderInfo, BankRef: *n.OrderID,
		CreditedAccount: payment.WalletAccount(gw, *n.PartnerCode)}), nil
}

// Reply answers MoMo's IPN call.
func (d *Decoder) Reply(err error) (int, string, []byte) {
	switch {
	case err == nil, errors.Is(err, gateways.ErrNotPayment):
		return 204, "", nil
	case errors.Is(err, gateways.ErrTooLarge):
		return 413, "text/plain; charset=utf-8", []byte("message too large\n")
	case errors.Is(err, gateways.ErrSignature):
		return 401, "text/plain; charset=utf-8", []byte("signature does not verify\n")
	case errors.Is(err, gateways.ErrMalformed), errors.Is(err, gateways.ErrAmount):
		return 400, "text/plain; charset=utf-8", []byte("rejected\n")
	default:
		return 500, "text/plain; charset=utf-8", []byte("retry later\n")
	}
}
