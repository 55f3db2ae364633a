package gatewaysim

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/vnpay"
	"github.com/feerecon/feerecon/payment"
)

// vnPay writes the IPN query string VNPay appends to the merchant's
// IPN URL: the vnp_ parameters sorted by key and PHP-urlencoded, then
// vnp_SecureHash, the HMAC-SHA512 of exactly the preceding string.
func (e *Encoder) vnPay(p payment.Payment) (gateways.Raw, error) {
	s := e.s
	if !decimalID(p.TxnID) {
		return gateways.Raw{}, unencodable(p, "vnpay vnp_TransactionNo %q is not 1 to 30 decimal digits", p.TxnID)
	}
	if err := requireVND(p); err != nil {
		return gateways.Raw{}, err
	}
	if err := storable(p, [2]string{"description", p.Description}, [2]string{"bank_ref", p.BankRef}); err != nil {
		return gateways.Raw{}, err
	}
	at, err := e.localTime(p, "20060102150405")
	if err != nil {
		return gateways.Raw{}, err
	}
	params := map[string]string{
		"vnp_Amount":            p.Amount.Amount.Shift(2).String(), // đồng × 100
		"vnp_BankCode":          "NCB",
		"vnp_CardType":          "ATM",
		"vnp_OrderInfo":         p.Description,
		"vnp_PayDate":           at,
		"vnp_ResponseCode":      "00",
		"vnp_TmnCode":           s.VNPayTmnCode,
		"vnp_TransactionNo":     p.TxnID,
		"vnp_TransactionStatus": "00",
		// The merchant's order reference: feerecon would have made it
		// when it created the payment URL; the adapter does not carry it.
		"vnp_TxnRef": "FR" + p.TxnID,
	}
	if p.BankRef != "" {
		params["vnp_BankTranNo"] = p.BankRef
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(phpURLEncode(k))
		b.WriteByte('=')
		b.WriteString(phpURLEncode(params[k]))
	}
	mac := hmac.New(sha512.New, []byte(s.VNPay))
	mac.Write([]byte(b.String()))
	b.WriteString("&" + vnpay.ParamSecureHash + "=")
	b.WriteString(hex.EncodeToString(mac.Sum(nil)))
	return gateways.Raw{Body: []byte(b.String())}, nil
}

// phpURLEncode encodes like PHP's urlencode, which VNPay's reference code
// uses: space as "+", everything but [A-Za-z0-9._-] as %XX.
func phpURLEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "~", "%7E")
}
