package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feerecon/feerecon/payment"
)

// NoticeColumns returns the notices CSV header, in the documented order.
// Columns may come in any order; all must be present.
func NoticeColumns() []string {
	return []string{
		"notice_id", "dossier_code", "payment_code", "agency_code", "payer_name", "amount", "currency",
		"issued_at", "due_at", "budget_chapter", "budget_subitem", "treasury_account", "status",
	}
}

// Errors wrapped by *LineError and *HeaderError.
var (
	ErrField  = errors.New("invalid field")
	ErrSyntax = errors.New("malformed line")
	ErrHeader = errors.New("bad header")
	// ErrRepeated: a payment id or notice id seen on an earlier line.
	ErrRepeated = errors.New("repeated id")
)

// LineError is a line of an input file that could not be read.
type LineError struct {
	File  string
	Line  int
	Field string // empty when the whole line is at fault
	Err   error
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Field, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// HeaderError is a notices file whose header is not NoticeColumns.
type HeaderError struct {
	File   string
	Reason string
}

func (e *HeaderError) Error() string { return fmt.Sprintf("%s:1: %v: %s", e.File, ErrHeader, e.Reason) }
func (e *HeaderError) Unwrap() error { return ErrHeader }

// fieldError is a field problem before the file and line are known.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

func badField(field string, format string, args ...any) error {
	return &fieldError{field: field, err: fmt.Errorf("%w: "+format, append([]any{ErrField}, args...)...)}
}

// noticeHeader maps column names to positions.
type noticeHeader map[string]int

func parseNoticeHeader(file string, rec []string) (noticeHeader, error) {
	h := noticeHeader{}
	for i, name := range rec {
		name = strings.ToLower(strings.TrimSpace(name))
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		if _, dup := h[name]; dup {
			return nil, &HeaderError{File: file, Reason: fmt.Sprintf("column %q twice", name)}
		}
		h[name] = i
	}
	cols := NoticeColumns()
	var missing []string
	for _, c := range cols {
		if _, ok := h[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &HeaderError{File: file, Reason: "missing columns " + strings.Join(missing, ", ")}
	}
	// Columns beyond the contract (a note, an officer) are ignored.
	return h, nil
}

// parseNotice reads one notices CSV record. The notice gets one item
// carrying the whole amount and the budget classification, version 1.
// status is issued, cancelled or expired.
func parseNotice(h noticeHeader, rec []string, system string, policy payment.AmountPolicy) (payment.Notice, error) {
	if len(rec) != len(h) {
		return payment.Notice{}, fmt.Errorf("%w: %d fields, header has %d", ErrSyntax, len(rec), len(h))
	}
	get := func(c string) string { return strings.TrimSpace(rec[h[c]]) }
	for _, c := range NoticeColumns() {
		if i, ok := h[c]; ok && !utf8.ValidString(rec[i]) {
			// Read on, it would be stored or reported with U+FFFD: two
			// different bad names would read the same.
			return payment.Notice{}, badField(c, "not valid UTF-8")
		}
	}
	n := payment.Notice{
		ID:              get("notice_id"),
		System:          system,
		Agency:          get("agency_code"),
		PayerName:       get("payer_name"),
		TreasuryAccount: get("treasury_account"),
		Version:         1,
	}
	if n.ID == "" {
		return n, badField("notice_id", "empty")
	}
	d, err := payment.ParseDossierCode(get("dossier_code"))
	if err != nil {
		return n, &fieldError{"dossier_code", fmt.Errorf("%w: %w", ErrField, err)}
	}
	n.Dossier = d
	if c := get("payment_code"); c != "" {
		code, err := payment.ParsePaymentCode(strings.ToUpper(c))
		if err != nil {
			return n, &fieldError{"payment_code", fmt.Errorf("%w: %w", ErrField, err)}
		}
		n.Code = code
	}
	m, err := policy.ParsePositive(get("amount"), get("currency"))
	if err != nil {
		return n, &fieldError{"amount", fmt.Errorf("%w: %w", ErrField, err)}
	}
	n.Total = m
	n.Items = []payment.NoticeItem{{
		Amount: m, BudgetChapter: get("budget_chapter"), BudgetSubitem: get("budget_subitem"),
	}}
	if n.IssuedAt, err = parseTime(get("issued_at")); err != nil {
		return n, &fieldError{"issued_at", err}
	}
	if due := get("due_at"); due != "" {
		if n.DueAt, err = parseTime(due); err != nil {
			return n, &fieldError{"due_at", err}
		}
	}
	switch st := payment.NoticeStatus(strings.ToLower(get("status"))); st {
	case payment.NoticeIssued, payment.NoticeCancelled, payment.NoticeExpired:
		n.Status = st
	case payment.NoticePartiallyPaid, payment.NoticePaid, payment.NoticeOverpaid:
		return n, badField("status", "%q is derived from payments, not input; want issued, cancelled or expired", st)
	default:
		return n, badField("status", "%q: want issued, cancelled or expired", st)
	}
	if err := n.Validate(); err != nil {
		return n, fmt.Errorf("%w: %w", ErrField, err)
	}
	return n, nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not an RFC 3339 time", ErrField, s)
	}
	return t, nil
}

// paymentLine is the JSONL record. Amount stays raw so a JSON number
// (which a float-minded producer would write) is rejected, not rounded.
type paymentLine struct {
	PaymentID    string          `json:"payment_id"`
	Gateway      string          `json:"gateway"`
	TxnID        string          `json:"gateway_txn_id"`
	Amount       json.RawMessage `json:"amount"`
	Currency     string          `json:"currency"`
	PaidAt       string          `json:"paid_at"`
	Description  string          `json:"description"`
	PayerName    string          `json:"payer_name"`
	PayerAccount string          `json:"payer_account"`
	BankRef      string          `json:"bank_ref"`
	// CreditedAccount is absent when unknown.
	CreditedAccount *creditedLine `json:"credited_account"`
}

// creditedLine is a payment line's credited_account.
type creditedLine struct {
	BIN     string `json:"bin"`
	Account string `json:"account"`
}

// parsePayment reads one payments JSONL line. It returns the payment id it
// could read even on error, so an invalid_input row can name it.
func parsePayment(line []byte, policy payment.AmountPolicy) (payment.Payment, error) {
	var v paymentLine
	// encoding/json would put U+FFFD for invalid UTF-8 without a word.
	if !utf8.Valid(line) {
		return payment.Payment{}, fmt.Errorf("%w: not valid UTF-8", ErrSyntax)
	}
	// Fields beyond the contract (a channel, a note) are ignored: a line
	// that carries what matching needs is matched, not rejected.
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&v); err != nil {
		return payment.Payment{}, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	if dec.More() {
		return payment.Payment{ID: v.PaymentID}, fmt.Errorf("%w: more than one JSON value on the line", ErrSyntax)
	}
	p := payment.Payment{
		ID:           v.PaymentID,
		Gateway:      payment.Gateway(v.Gateway),
		TxnID:        v.TxnID,
		Description:  v.Description,
		PayerName:    v.PayerName,
		PayerAccount: v.PayerAccount,
		BankRef:      v.BankRef,
	}
	if p.ID == "" && p.Gateway != "" && p.TxnID != "" {
		p.ID = payment.PaymentID(p.Gateway, p.TxnID)
	}
	// A batch file names its own payment ids and may name channels feerecon
	// has no adapter for (the money is received all the same): both are
	// kept as given. What identifies the money must be there.
	switch {
	case strings.TrimSpace(v.Gateway) == "":
		return p, badField("gateway", "empty")
	case strings.TrimSpace(v.TxnID) == "":
		return p, badField("gateway_txn_id", "empty")
	}
	if c := v.CreditedAccount; c != nil {
		if strings.TrimSpace(c.Account) == "" {
			return p, badField("credited_account", "account is empty; leave credited_account out when unknown")
		}
		p.CreditedAccount = payment.BankAccount(c.BIN, c.Account)
	}
	var amount string
	if len(v.Amount) == 0 || v.Amount[0] != '"' || json.Unmarshal(v.Amount, &amount) != nil {
		return p, badField("amount", "want a decimal string such as \"150000\", got %s", truncate(string(v.Amount), 40))
	}
	m, err := policy.ParsePositive(amount, v.Currency)
	if err != nil {
		return p, &fieldError{"amount", fmt.Errorf("%w: %w", ErrField, err)}
	}
	p.Amount = m
	if p.PaidAt, err = parseTime(v.PaidAt); err != nil {
		return p, &fieldError{"paid_at", err}
	}
	// The domain's checks, on the canonical id and a known channel; the
	// payment keeps the id and channel the file gave.
	q := p
	q.ID = payment.PaymentID(q.Gateway, q.TxnID)
	if !q.Gateway.Valid() {
		q.Gateway, q.ID = payment.GatewayCamt054, payment.PaymentID(payment.GatewayCamt054, q.TxnID)
	}
	if err := q.Validate(); err != nil {
		return p, fmt.Errorf("%w: %w", ErrField, err)
	}
	return p, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
