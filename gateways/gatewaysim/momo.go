package gatewaysim

import (
	"encoding/json"
	"strconv"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/momo"
	"github.com/feerecon/feerecon/payment"
)

// momoOrderID is the merchant order id MoMo echoes as orderId: p.BankRef,
// or one made from the transaction id when p has none (MoMo always sends
// one).
func momoOrderID(p payment.Payment) string {
	if p.BankRef != "" {
		return p.BankRef
	}
	return "FR" + p.TxnID
}

// moMo writes the IPN body MoMo POSTs to the ipnUrl (API v3), signed with
// HMAC-SHA256 over MoMo's fixed key order. momo.IPN holds exactly the
// fields MoMo sends, in its order; the numbers are json.Number so the
// signed text and the JSON text are the same digits.
func (e *Encoder) moMo(p payment.Payment) (gateways.Raw, error) {
	if err := checkVND(p, "momo transId", idNumber,
		[2]string{"description", p.Description}, [2]string{"bank_ref", p.BankRef}); err != nil {
		return gateways.Raw{}, err
	}
	ms, err := epochMillis(p)
	if err != nil {
		return gateways.Raw{}, err
	}
	order := momoOrderID(p)
	n := momo.IPN{
		PartnerCode:  new(e.s.MoMoPartnerCode),
		OrderID:      new(order),
		RequestID:    new(order),
		Amount:       new(json.Number(p.Amount.Amount.String())),
		OrderInfo:    new(p.Description),
		OrderType:    new("momo_wallet"),
		TransID:      new(json.Number(p.TxnID)),
		ResultCode:   new(json.Number("0")),
		Message:      new("Thành công."),
		PayType:      new("qr"),
		ResponseTime: new(json.Number(strconv.FormatInt(ms, 10))),
		ExtraData:    new(""),
	}
	// Values as they appear in the JSON, not URL-encoded.
	data, err := momo.SignedData(n, e.s.MoMoAccessKey)
	if err != nil {
		return gateways.Raw{}, unencodable(p, "momo signed data: %v", err) // every field is set above
	}
	n.Signature = new(signSHA256(e.s.MoMoSecret, []byte(data)))
	body, err := json.Marshal(n)
	if err != nil {
		return gateways.Raw{}, unencodable(p, "json: %v", err)
	}
	return gateways.Raw{Body: body}, nil
}
