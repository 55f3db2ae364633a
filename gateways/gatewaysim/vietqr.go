package gatewaysim

import (
	"encoding/json"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/payment"
)

// sepayWebhook is SePay's bank-transaction webhook body, fields in the order
// SePay sends them.
type sepayWebhook struct {
	ID              json.Number `json:"id"`
	Gateway         string      `json:"gateway"`
	TransactionDate string      `json:"transactionDate"`
	AccountNumber   string      `json:"accountNumber"`
	Code            *string     `json:"code"`
	Content         string      `json:"content"`
	TransferType    string      `json:"transferType"`
	TransferAmount  json.Number `json:"transferAmount"`
	Accumulated     json.Number `json:"accumulated"`
	SubAccount      *string     `json:"subAccount"`
	ReferenceCode   string      `json:"referenceCode"`
	Description     string      `json:"description"`
}

// vietQR writes the SePay-schema credit webhook with feerecon's
// X-Feerecon-Signature header.
func (e *Encoder) vietQR(p payment.Payment) (gateways.Raw, error) {
	if err := checkVND(p, "vietqr id", idNumber,
		[2]string{"description", p.Description}, [2]string{"bank_ref", p.BankRef}); err != nil {
		return gateways.Raw{}, err
	}
	at, err := e.localTime(p, "2006-01-02 15:04:05")
	if err != nil {
		return gateways.Raw{}, err
	}
	body, err := json.Marshal(sepayWebhook{
		ID:              json.Number(p.TxnID),
		Gateway:         "Vietcombank",
		TransactionDate: at,
		AccountNumber:   e.s.CollectionAccount,
		Content:         p.Description,
		TransferType:    vietqr.TransferIn,
		TransferAmount:  json.Number(p.Amount.Amount.String()),
		// The running balance is unknown to the simulator; the adapter
		// does not read it.
		Accumulated:   json.Number("0"),
		ReferenceCode: p.BankRef,
		// SePay's description is the bank's full notification text.
		Description: "BankAPINotify " + p.Description,
	})
	if err != nil {
		return gateways.Raw{}, unencodable(p, "json: %v", err)
	}
	return gateways.Raw{Body: body, Headers: map[string]string{vietqr.HeaderSignature: signSHA256(e.s.VietQR, body)}}, nil
}
