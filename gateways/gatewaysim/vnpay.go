package gatewaysim

import (
	"crypto/sha512"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/vnpay"
	"github.com/feerecon/feerecon/payment"
)

// vnPay writes the IPN query string VNPay appends to the merchant's
// IPN URL: the vnp_ parameters sorted by key and PHP-urlencoded, then
// vnp_SecureHash, the HMAC-SHA512 of exactly the preceding string.
func (e *Encoder) vnPay(p payment.Payment) (gateways.Raw, error) {
	if err := checkVND(p, "vnpay vnp_TransactionNo", idDigits,
		[2]string{"description", p.Description}, [2]string{"bank_ref", p.BankRef}); err != nil {
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
		"vnp_TmnCode":           e.s.VNPayTmnCode,
		"vnp_TransactionNo":     p.TxnID,
		"vnp_TransactionStatus": "00",
		// The merchant's order reference: feerecon would have made it
		// when it created the payment URL; the adapter does not carry it.
		"vnp_TxnRef": "FR" + p.TxnID,
	}
	if p.BankRef != "" {
		params["vnp_BankTranNo"] = p.BankRef
	}
	// The signed string is the whole query before the hash: every
	// parameter above starts with vnp_ and none is a hash field.
	data := vnpay.SignedData(params)
	hash := gateways.SignHMAC(sha512.New, []byte(e.s.VNPay), []byte(data))
	return gateways.Raw{Body: []byte(data + "&" + vnpay.ParamSecureHash + "=" + hash)}, nil
}
