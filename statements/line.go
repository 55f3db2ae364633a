package statements

import (
	"strings"

	"github.com/feerecon/feerecon/payment"
)

// Source names where a statement line came from: SourceCamt053, or an
// e-wallet's settlement file (SettlementSource: "settlement:vnpay",
// "settlement:momo", "settlement:zalopay").
type Source string

// SourceCamt053 is an ISO 20022 camt.053 bank-to-customer statement.
const SourceCamt053 Source = "camt053"

// settlementPrefix starts the source of an e-wallet settlement line.
const settlementPrefix = "settlement:"

// SettlementSource is the source of wallet w's settlement lines.
func SettlementSource(w payment.Gateway) Source { return Source(settlementPrefix + string(w)) }

// Wallet is the wallet of a settlement source; ok is false for any other
// source (it does not check that the wallet is one feerecon knows).
func (s Source) Wallet() (w payment.Gateway, ok bool) {
	name, ok := strings.CutPrefix(string(s), settlementPrefix)
	if !ok || name == "" {
		return "", false
	}
	return payment.Gateway(name), true
}

// Line is one booked entry of a statement, as parsed and as stored.
type Line struct {
	// StatementID is the idempotency key of the statement the line belongs
	// to (see camt053.Statement.Key and settlement.File.ID).
	StatementID string `json:"statement_id"`
	// Seq is the 1-based position of the entry in its statement.
	Seq     int    `json:"seq"`
	Source  Source `json:"source"`
	Account string `json:"account"`
	// Ref is the bank's reference (camt.053 AcctSvcrRef) or the wallet's
	// transaction id.
	Ref        string `json:"ref"`
	EndToEndID string `json:"end_to_end_id,omitempty"`
	Credit     bool   `json:"credit"`
	// Amount is the booked amount; for a settlement line, the gross amount
	// the citizen paid.
	Amount payment.Money `json:"amount"`
	// Fee is what the wallet kept; zero for bank entries.
	Fee         payment.Money `json:"fee"`
	BookingDate payment.Date  `json:"booking_date"`
	ValueDate   payment.Date  `json:"value_date"`
	// Text is the remittance information as the bank gave it.
	Text string `json:"text"`
}
