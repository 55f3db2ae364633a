package gatewaysim

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/zalopay"
	"github.com/feerecon/feerecon/payment"
)

// zaloPayData is the order data ZaloPay serialises into the callback's
// "data" string, fields in the order of ZaloPay's documentation.
type zaloPayData struct {
	AppID          json.Number `json:"app_id"`
	AppTransID     string      `json:"app_trans_id"`
	AppTime        json.Number `json:"app_time"`
	AppUser        string      `json:"app_user"`
	Amount         json.Number `json:"amount"`
	EmbedData      string      `json:"embed_data"`
	Item           string      `json:"item"`
	ZPTransID      json.Number `json:"zp_trans_id"`
	ServerTime     json.Number `json:"server_time"`
	Channel        int         `json:"channel"`
	MerchantUserID string      `json:"merchant_user_id"`
	UserFeeAmount  json.Number `json:"user_fee_amount"`
	DiscountAmount json.Number `json:"discount_amount"`
}

type zaloPayCallback struct {
	Data string      `json:"data"`
	MAC  string      `json:"mac"`
	Type json.Number `json:"type"`
}

// emptyEmbedData is what ZaloPay sends when the order had no embed_data;
// the adapter leaves it out of Description.
const emptyEmbedData = "{}"

// zaloPay writes the order callback ZaloPay POSTs to the callback
// URL. ZaloPay has no free-text field: the adapter's Description is
// app_trans_id + " " + embed_data, so Description is split at its first
// space.
func (e *Encoder) zaloPay(p payment.Payment) (gateways.Raw, error) {
	if err := checkVND(p, "zalopay zp_trans_id", idNumber,
		[2]string{"description", p.Description}); err != nil {
		return gateways.Raw{}, err
	}
	ms, err := epochMillis(p)
	if err != nil {
		return gateways.Raw{}, err
	}
	appTrans, embed, spaced := strings.Cut(p.Description, " ")
	switch {
	case appTrans == "":
		return gateways.Raw{}, unencodable(p, "zalopay description %q has no app_trans_id before its first space", p.Description)
	case !spaced:
		embed = emptyEmbedData
	case embed == "" || embed == emptyEmbedData:
		return gateways.Raw{}, unencodable(p, "zalopay description %q: embed_data after the first space would be dropped", p.Description)
	}
	msText := json.Number(strconv.FormatInt(ms, 10))
	data, err := json.Marshal(zaloPayData{
		AppID:          json.Number(e.s.ZaloPayAppID),
		AppTransID:     appTrans,
		AppTime:        msText,
		AppUser:        "feerecon",
		Amount:         json.Number(p.Amount.Amount.String()),
		EmbedData:      embed,
		Item:           "[]",
		ZPTransID:      json.Number(p.TxnID),
		ServerTime:     msText,
		Channel:        38, // ZaloPay wallet
		MerchantUserID: "",
		UserFeeAmount:  "0",
		DiscountAmount: "0",
	})
	if err != nil {
		return gateways.Raw{}, unencodable(p, "json: %v", err)
	}
	body, err := json.Marshal(zaloPayCallback{
		Data: string(data),
		MAC:  signSHA256(e.s.ZaloPayKey2, data),
		Type: zalopay.TypeOrder,
	})
	if err != nil {
		return gateways.Raw{}, unencodable(p, "json: %v", err)
	}
	return gateways.Raw{Body: body}, nil
}
