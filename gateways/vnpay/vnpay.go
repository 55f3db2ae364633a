package vnpay

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

// Parameter names used by the decoder.
const (
	ParamSecureHash     = "vnp_SecureHash"
	ParamSecureHashType = "vnp_SecureHashType"
)

const (
	gw         = payment.GatewayVNPay
	payDateFmt = "20060102150405"
)

// Config configures the VNPay decoder.
type Config struct {
	// HashSecret is the terminal's vnp_HashSecret. Required.
	HashSecret string
	// TmnCode, when set, is the only vnp_TmnCode accepted.
	TmnCode string
	// Amounts validates amounts; the zero value means
	// payment.DefaultAmountPolicy().
	Amounts payment.AmountPolicy
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	return gateways.ValidateConfig(gw, c.Amounts, gateways.Required("HashSecret", c.HashSecret))
}

// Decoder decodes VNPay IPN query strings.
type Decoder struct {
	secret  []byte
	tmnCode string
	amounts payment.AmountPolicy
}

var _ gateways.Decoder = (*Decoder)(nil)

// New returns a Decoder for cfg.
func New(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Decoder{secret: []byte(cfg.HashSecret), tmnCode: cfg.TmnCode, amounts: gateways.AmountPolicy(cfg.Amounts)}, nil
}

// Gateway returns payment.GatewayVNPay.
func (d *Decoder) Gateway() payment.Gateway { return gw }

// Verify checks the size and the vnp_SecureHash of an IPN query string
// (gateways.Decoder).
func (d *Decoder) Verify(raw gateways.Raw) error {
	_, err := d.authentic(raw)
	return gateways.Unverified(gw, err)
}

// Decode verifies and normalises one IPN query string.
func (d *Decoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	params, err := d.authentic(raw)
	if err != nil {
		return nil, err
	}
	return gateways.One(d.normalise(params))
}

// authentic parses raw and verifies its hash: the parameters, or Decode's
// error.
func (d *Decoder) authentic(raw gateways.Raw) (map[string]string, error) {
	if err := gateways.CheckSize(gw, raw); err != nil {
		return nil, err
	}
	params, err := parseQuery(string(raw.Body))
	if err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "%v", err)
	}
	if err := d.verify(params); err != nil {
		return nil, err
	}
	return params, nil
}

// parseQuery reads a query string strictly: no repeated keys.
func parseQuery(q string) (map[string]string, error) {
	vals, err := url.ParseQuery(q)
	if err != nil {
		return nil, fmt.Errorf("query string: %w", err)
	}
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		if len(v) != 1 {
			return nil, fmt.Errorf("parameter %q given %d times", k, len(v))
		}
		out[k] = v[0]
	}
	return out, nil
}

func (d *Decoder) verify(params map[string]string) error {
	got, ok := params[ParamSecureHash]
	if !ok || got == "" {
		return gateways.Errorf(gw, gateways.ErrSignature, "%s is missing", ParamSecureHash)
	}
	if t, ok := params[ParamSecureHashType]; ok && !strings.EqualFold(t, "HmacSHA512") {
		return gateways.Errorf(gw, gateways.ErrSignature, "%s %q is not HmacSHA512", ParamSecureHashType, t)
	}
	return gateways.VerifyHMAC(gw, ParamSecureHash, got, sha512.New, d.secret, []byte(SignedData(params)))
}

// SignedData returns the string VNPay signs: the "vnp_" parameters except
// the hash fields, sorted by key, PHP-urlencoded, joined k=v with "&".
func SignedData(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if strings.HasPrefix(k, "vnp_") && k != ParamSecureHash && k != ParamSecureHashType {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(phpURLEncode(k))
		b.WriteByte('=')
		b.WriteString(phpURLEncode(params[k]))
	}
	return b.String()
}

// phpURLEncode matches PHP's urlencode: url.QueryEscape leaves "~" alone,
// PHP encodes it.
func phpURLEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "~", "%7E")
}

func (d *Decoder) normalise(params map[string]string) (payment.Payment, error) {
	get := func(k string) (string, error) {
		v, ok := params[k]
		if !ok || strings.TrimSpace(v) == "" {
			return "", gateways.Errorf(gw, gateways.ErrMalformed, "%s is missing", k)
		}
		return v, nil
	}
	tmn, err := get("vnp_TmnCode")
	if err != nil {
		return payment.Payment{}, err
	}
	if d.tmnCode != "" && tmn != d.tmnCode {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrSignature, "vnp_TmnCode %q is not this terminal", tmn)
	}
	rsp, err := get("vnp_ResponseCode")
	if err != nil {
		return payment.Payment{}, err
	}
	status, err := get("vnp_TransactionStatus")
	if err != nil {
		return payment.Payment{}, err
	}
	if rsp != "00" || status != "00" {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrNotPayment,
			"vnp_ResponseCode %q, vnp_TransactionStatus %q", rsp, status)
	}
	var v [4]string
	for i, k := range []string{"vnp_TransactionNo", "vnp_Amount", "vnp_PayDate", "vnp_TxnRef"} {
		if v[i], err = get(k); err != nil {
			return payment.Payment{}, err
		}
	}
	txn, amount, payDate := v[0], v[1], v[2]
	if !gateways.DecimalID(txn) {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "vnp_TransactionNo %q is not a decimal id", txn)
	}
	if _, ok := params["vnp_OrderInfo"]; !ok {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "vnp_OrderInfo is missing")
	}
	cur := payment.VND
	if c, ok := params["vnp_CurrCode"]; ok {
		cur = payment.Currency(c)
	}
	m, err := d.amount(amount, cur)
	if err != nil {
		return payment.Payment{}, gateways.InvalidAmount(gw, "vnp_Amount", err)
	}
	paidAt, err := time.ParseInLocation(payDateFmt, payDate, payment.Location())
	if err != nil {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "vnp_PayDate %q: want yyyyMMddHHmmss", payDate)
	}
	if paidAt, err = gateways.PaidAt(gw, "vnp_PayDate", paidAt); err != nil {
		return payment.Payment{}, err
	}
	return gateways.Normalise(gw, payment.Payment{TxnID: txn, Amount: m, PaidAt: paidAt,
		Description: params["vnp_OrderInfo"], BankRef: params["vnp_BankTranNo"],
		CreditedAccount: payment.WalletAccount(gw, tmn)}), nil
}

// amount reads vnp_Amount, đồng × 100, exactly.
func (d *Decoder) amount(s string, cur payment.Currency) (payment.Money, error) {
	// Validate the raw value first (numeric, not negative, whole); the
	// ceiling applies after the division.
	hundredths, err := payment.AmountPolicy{}.Parse(s, string(payment.VND))
	if err != nil {
		return payment.Money{}, err
	}
	// New rejects a result with more decimals than the currency allows
	// (for VND: any value not divisible by 100).
	m, err := d.amounts.New(hundredths.Amount.Shift(-2), cur)
	if err != nil {
		return payment.Money{}, err
	}
	if m.IsZero() {
		return payment.Money{}, &payment.AmountError{Input: s, Currency: string(cur), Err: payment.ErrAmountZero}
	}
	return m, nil
}

// Reply answers VNPay's IPN call.
func (d *Decoder) Reply(err error) (int, string, []byte) {
	status, code, msg := 200, "99", "Unknown error"
	switch {
	case err == nil, errors.Is(err, gateways.ErrNotPayment):
		code, msg = "00", "Confirm Success"
	case errors.Is(err, gateways.ErrSignature):
		// Refused (issue 9): VNPay reads RspCode; a non-200 status only
		// makes VNPay call again, which a genuine IPN whose checksum
		// failed on a wrong secret needs anyway.
		status, code, msg = 401, "97", "Invalid Checksum"
	case errors.Is(err, gateways.ErrAmount):
		code, msg = "04", "Invalid amount"
	}
	return status, "application/json", []byte(`{"RspCode":"` + code + `","Message":"` + msg + `"}`)
}
