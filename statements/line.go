package statements

import "github.com/feerecon/feerecon/payment"

// Source names where a statement line came from.
const (
	// SourceCamt053 is an ISO 20022 camt.053 bank-to-customer statement.
	SourceCamt053 = "camt053"
	// SourceSettlementPrefix starts the source of an e-wallet settlement
	// line: "settlement:vnpay", "settlement:momo", "settlement:zalopay".
	SourceSettlementPrefix = "settlement:"
)

// Line is one booked entry of a statement, as parsed and as stored.
type Line struct {
	// StatementID is the idempotency key of the statement the line belongs
	// to (see camt053.Statement.Key and settlement.File.ID).
	StatementID string `json:"statement_id"`
	// Seq is the 1-based position of the entry in its statement.
	Seq     int    `json:"seq"`
	Source  string `json:"source"`
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
