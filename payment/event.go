package payment

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Gateway names the source of a payment event: one per adapter in
// feerecon/gateways.
type Gateway string

// Gateways feerecon reads.
const (
	GatewayVietQR  Gateway = "vietqr"  // bank credit notification (NAPAS 247 / VietQR transfer)
	GatewayCamt054 Gateway = "camt054" // ISO 20022 camt.054 credit notification
	GatewayVNPay   Gateway = "vnpay"
	GatewayMoMo    Gateway = "momo"
	GatewayZaloPay Gateway = "zalopay"
)

// Gateways lists every gateway in a fixed order.
func Gateways() []Gateway {
	return []Gateway{GatewayVietQR, GatewayCamt054, GatewayVNPay, GatewayMoMo, GatewayZaloPay}
}

// Valid reports whether g is a known gateway.
func (g Gateway) Valid() bool {
	for _, k := range Gateways() {
		if g == k {
			return true
		}
	}
	return false
}

// Wallet reports whether g is an e-wallet (VNPay, MoMo, ZaloPay), whose
// money is collected for a merchant rather than credited to a bank account.
func (g Gateway) Wallet() bool {
	switch g {
	case GatewayVNPay, GatewayMoMo, GatewayZaloPay:
		return true
	case GatewayVietQR, GatewayCamt054:
	}
	return false
}

// Channel is how the citizen paid, as the treasury report breaks it down.
func (g Gateway) Channel() string {
	switch g {
	case GatewayVietQR:
		return "qr"
	case GatewayCamt054:
		return "transfer"
	case GatewayVNPay, GatewayMoMo, GatewayZaloPay:
		return string(g)
	}
	return "other"
}

// Payment is the canonical payment event every gateway adapter produces.
type Payment struct {
	// ID is feerecon's id of the payment: "<gateway>:<gateway txn id>".
	ID      string  `json:"payment_id"`
	Gateway Gateway `json:"gateway"`
	// TxnID is the gateway's transaction id: with Gateway, the
	// idempotency key. A redelivery carries the same key.
	TxnID  string    `json:"gateway_txn_id"`
	Amount Money     `json:"amount"`
	PaidAt time.Time `json:"paid_at"`
	// PayerName and PayerAccount as the gateway reports them. The account is
	// masked in logs and UI (see MaskAccount).
	PayerName    string `json:"payer_name,omitempty"`
	PayerAccount string `json:"payer_account,omitempty"`
	// Description is the transfer description exactly as received.
	Description string `json:"description"`
	// BankRef is a bank-side reference (AcctSvcrRef, FT number) if any.
	BankRef string `json:"bank_ref,omitempty"`
	// RawRef points at the raw payload: "<topic>/<partition>/<offset>" or a file name.
	RawRef string `json:"raw_ref,omitempty"`
	// CreditedAccount is the account the money was credited to, as the
	// gateway names it; zero when the gateway did not say (unknown).
	CreditedAccount CreditedAccount `json:"credited_account,omitzero"`
}

// CreditedAccount is an account money is credited to: a bank account
// (BIN and account number) or a wallet merchant (the gateway's name in BIN
// and the merchant or terminal id in Account). It is what a collection
// account is compared with (package payment/collection).
//
// A bank gateway that names the account but not its bank (the SePay
// schema gives the bank's name, camt.054 a BIC or nothing) leaves BIN
// empty: the account number alone then identifies it among the bank
// collection accounts.
type CreditedAccount struct {
	// BIN is the bank's 6-digit NAPAS BIN, or for a wallet the gateway
	// ("vnpay", "momo", "zalopay"), or "" when the bank is not stated.
	BIN string `json:"bin,omitempty"`
	// Account is the account number, or the wallet's merchant / terminal
	// id (vnp_TmnCode, partnerCode, app_id).
	Account string `json:"account"`
}

// IsZero reports whether the credited account is unknown.
func (c CreditedAccount) IsZero() bool { return c.Account == "" }

// Wallet reports whether c is a wallet merchant: its BIN is a gateway.
func (c CreditedAccount) Wallet() bool { return Gateway(c.BIN).Wallet() }

// Masked is c for logs: the BIN as is, the account as MaskAccount
// masks it: "970415:********6100", "********6100" without a BIN, ""
// when unknown.
func (c CreditedAccount) Masked() string {
	switch {
	case c.IsZero():
		return ""
	case c.BIN == "":
		return MaskAccount(c.Account)
	}
	return c.BIN + ":" + MaskAccount(c.Account)
}

// WalletAccount is the credited account of a wallet payment: gateway g's
// merchant or terminal id, or zero when id is blank.
func WalletAccount(g Gateway, id string) CreditedAccount {
	id = strings.TrimSpace(id)
	if id == "" {
		return CreditedAccount{}
	}
	return CreditedAccount{BIN: string(g), Account: id}
}

// BankAccount is the credited account of a bank credit: bin may be "".
// Zero when acct is blank.
func BankAccount(bin, acct string) CreditedAccount {
	acct = strings.TrimSpace(acct)
	if acct == "" {
		return CreditedAccount{}
	}
	return CreditedAccount{BIN: strings.TrimSpace(bin), Account: acct}
}

// PaymentID returns the canonical payment id for a gateway transaction.
func PaymentID(g Gateway, txnID string) string { return string(g) + ":" + txnID }

// ErrInvalidPayment is wrapped by every payment validation error.
var ErrInvalidPayment = errors.New("invalid payment")

// Validate checks a payment and reports all problems at once.
func (p Payment) Validate() error {
	var probs []string
	if !p.Gateway.Valid() {
		probs = append(probs, fmt.Sprintf("gateway %q is unknown", p.Gateway))
	}
	if strings.TrimSpace(p.TxnID) == "" {
		probs = append(probs, "gateway_txn_id is empty")
	}
	if p.ID != PaymentID(p.Gateway, p.TxnID) {
		probs = append(probs, fmt.Sprintf("payment_id %q is not %q", p.ID, PaymentID(p.Gateway, p.TxnID)))
	}
	if _, ok := p.Amount.Currency.MinorUnits(); !ok {
		probs = append(probs, fmt.Sprintf("currency %q is unknown", p.Amount.Currency))
	} else if _, err := (AmountPolicy{}).New(p.Amount.Amount, p.Amount.Currency); err != nil {
		probs = append(probs, err.Error())
	} else if !p.Amount.Amount.IsPositive() {
		probs = append(probs, "amount must be positive")
	}
	if p.PaidAt.IsZero() {
		probs = append(probs, "paid_at is missing")
	} else if err := CheckTime("paid_at", p.PaidAt); err != nil {
		probs = append(probs, err.Error())
	}
	if p.CreditedAccount.IsZero() && p.CreditedAccount.BIN != "" {
		probs = append(probs, fmt.Sprintf("credited_account has bin %q but no account", p.CreditedAccount.BIN))
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w %q: %s", ErrInvalidPayment, p.ID, strings.Join(probs, "; "))
	}
	return nil
}

// MaskAccount hides all but the last four characters of an account number:
// "0071000123456" → "*********3456". Use it in every log line and UI.
func MaskAccount(acct string) string {
	r := []rune(strings.TrimSpace(acct))
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

// MaskAccountsIn masks, in free text, every run of 9 or more ASCII digits
// (the length of Vietnamese bank account numbers and longer) as
// MaskAccount does, keeping its last 4: for text kept as evidence or
// logged, where an account number may hide among other bytes.
func MaskAccountsIn(text string) string {
	b := []byte(text)
	for i := 0; i < len(b); {
		if b[i] < '0' || b[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j-i >= 9 {
			for k := i; k < j-4; k++ {
				b[k] = '*'
			}
		}
		i = j
	}
	return string(b)
}
