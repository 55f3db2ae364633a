package gatewaysim

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

// momoIPN is MoMo's payment notification (API v3), fields in the order MoMo
// sends them. The numbers are json.Number so the signed text and the JSON
// text are the same digits.
type momoIPN struct {
	PartnerCode  string      `json:"partnerCode"`
	OrderID      string      `json:"orderId"`
	RequestID    string      `json:"requestId"`
	Amount       json.Number `json:"amount"`
	OrderInfo    string      `json:"orderInfo"`
	OrderType    string      `json:"orderType"`
	TransID      json.Number `json:"transId"`
	ResultCode   json.Number `json:"resultCode"`
	Message      string      `json:"message"`
	PayType      string      `json:"payType"`
	ResponseTime json.Number `json:"responseTime"`
	ExtraData    string      `json:"extraData"`
	Signature    string      `json:"signature"`
}

// momoOrderID is the merchant order id MoMo echoes as orderId: p.BankRef,
// or one made from the transaction id when p has none (MoMo always sends
// one).
func momoOrderID(p payment.Payment) string {
	if p.BankRef != "" {
		return p.BankRef
	}
	return "FR" + p.TxnID
}

// moMo writes the IPN body MoMo POSTs to the ipnUrl, signed with
// HMAC-SHA256 over MoMo's fixed key order.
func (e *Encoder) moMo(p payment.Payment) (gateways.Raw, error) {
	s := e.s
	if !jsonInteger(p.TxnID) {
		return gateways.Raw{}, unencodable(p, "momo transId %q is not an integer without leading zeros", p.TxnID)
	}
	if err := requireVND(p); err != nil {
		return gateways.Raw{}, err
	}
	if err := storable(p, [2]string{"description", p.Description}, [2]string{"bank_ref", p.BankRef}); err != nil {
		return gateways.Raw{}, err
	}
	ms, err := epochMillis(p)
	if err != nil {
		return gateways.Raw{}, err
	}
	order := momoOrderID(p)
	n := momoIPN{
		PartnerCode:  s.MoMoPartnerCode,
		OrderID:      order,
		RequestID:    order,
		Amount:       json.Number(p.Amount.Amount.String()),
		OrderInfo:    p.Description,
		OrderType:    "momo_wallet",
		TransID:      json.Number(p.TxnID),
		ResultCode:   "0",
		Message:      "Thành công.",
		PayType:      "qr",
		ResponseTime: json.Number(strconv.FormatInt(ms, 10)),
		ExtraData:    "",
	}
	// The signed string, in MoMo's documented key order; values as they
	// appear in the JSON, not URL-encoded.
	var b strings.Builder
	for i, kv := range [][2]string{
		{"accessKey", s.MoMoAccessKey}, {"amount", n.Amount.String()}, {"extraData", n.ExtraData},
		{"message", n.Message}, {"orderId", n.OrderID}, {"orderInfo", n.OrderInfo},
		{"orderType", n.OrderType}, {"partnerCode", n.PartnerCode}, {"payType", n.PayType},
		{"requestId", n.RequestID}, {"responseTime", n.ResponseTime.String()},
		{"resultCode", n.ResultCode.String()}, {"transId", n.TransID.String()},
	} {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[0])
		b.WriteByte('=')
		b.WriteString(kv[1])
	}
	n.Signature = hmacSHA256Hex(s.MoMoSecret, []byte(b.String()))
	body, err := json.Marshal(n)
	if err != nil {
		return gateways.Raw{}, unencodable(p, "json: %v", err)
	}
	return gateways.Raw{Body: body}, nil
}
