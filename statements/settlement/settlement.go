package settlement

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements"
)

// Header returns the exact header row of a settlement file (a fresh slice).
func Header() []string {
	return []string{"wallet", "transaction_id", "amount", "fee", "net", "settled_date"}
}

// Errors. A *RowError wraps one of them or a *payment.AmountError.
var (
	ErrMalformed   = errors.New("malformed settlement CSV")
	ErrHeader      = errors.New("settlement header differs from the documented one")
	ErrWallet      = errors.New("unknown wallet")
	ErrMixedWallet = errors.New("file holds more than one wallet")
	ErrMixedDate   = errors.New("file holds more than one settled date")
	ErrDuplicate   = errors.New("transaction id repeated")
	ErrMissing     = errors.New("required field empty")
	ErrDate        = errors.New("settled_date is not YYYY-MM-DD")
	ErrNetText     = errors.New("statement line text does not carry the net amount")
)

// RowError says which row (1-based line of the file, the header is line 1)
// and column failed.
type RowError struct {
	Row    int
	Column string
	Err    error
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("settlement row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("settlement row %d %s: %v", e.Row, e.Column, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// Line is one settled transaction.
type Line struct {
	// Seq is the 1-based position of the row after the header.
	Seq         int
	Wallet      payment.Gateway
	TxnID       string
	Gross       payment.Money
	Fee         payment.Money
	Net         payment.Money
	SettledDate payment.Date
}

// PaymentID is the canonical id of the payment this line settles.
func (l Line) PaymentID() string { return payment.PaymentID(l.Wallet, l.TxnID) }

// Short returns gross − (net + fee) and whether it is non-zero: positive
// when the wallet paid out less than it owed, negative when more.
func (l Line) Short() (payment.Money, bool) {
	d := payment.Money{Amount: l.Gross.Amount.Sub(l.Net.Amount).Sub(l.Fee.Amount), Currency: l.Gross.Currency}
	return d, !d.Amount.IsZero()
}

// StatementLine is the persisted shape of the line, under the file's id.
func (l Line) StatementLine(fileID string) statements.Line {
	return statements.Line{
		StatementID: fileID,
		Seq:         l.Seq,
		Source:      statements.SettlementSource(l.Wallet),
		Ref:         l.TxnID,
		Credit:      true,
		Amount:      l.Gross,
		Fee:         l.Fee,
		BookingDate: l.SettledDate,
		ValueDate:   l.SettledDate,
		Text:        "net=" + l.Net.Amount.String(),
	}
}

// FromStatementLine reads back what StatementLine wrote.
func FromStatementLine(s statements.Line) (Line, error) {
	w, ok := s.Source.Wallet()
	if !ok || !isWallet(w) {
		return Line{}, fmt.Errorf("settlement line %s/%d source %q: %w", s.StatementID, s.Seq, s.Source, ErrWallet)
	}
	netText, ok := strings.CutPrefix(s.Text, "net=")
	if !ok {
		return Line{}, fmt.Errorf("settlement line %s/%d: %w", s.StatementID, s.Seq, ErrNetText)
	}
	net, err := payment.AmountPolicy{}.Parse(netText, string(s.Amount.Currency))
	if err != nil {
		return Line{}, fmt.Errorf("settlement line %s/%d net: %w", s.StatementID, s.Seq, err)
	}
	return Line{Seq: s.Seq, Wallet: w, TxnID: s.Ref, Gross: s.Amount, Fee: s.Fee, Net: net, SettledDate: s.BookingDate}, nil
}

// File is a parsed settlement file.
type File struct {
	ID          string
	SHA256      string
	Wallet      payment.Gateway
	SettledDate payment.Date
	Lines       []Line
}

// StatementLines returns the lines in their persisted shape.
func (f File) StatementLines() []statements.Line {
	out := make([]statements.Line, len(f.Lines))
	for i, l := range f.Lines {
		out[i] = l.StatementLine(f.ID)
	}
	return out
}

func isWallet(g payment.Gateway) bool {
	switch g {
	case payment.GatewayVNPay, payment.GatewayMoMo, payment.GatewayZaloPay:
		return true
	case payment.GatewayVietQR, payment.GatewayCamt054:
		return false
	}
	return false
}

// Parse reads a settlement file. A header-only file needs its wallet and
// date from elsewhere and is refused here (ErrMissing): an empty settlement
// is reported by its absence, not by an empty file.
func Parse(r io.Reader, policy payment.AmountPolicy) (File, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return File{}, fmt.Errorf("read settlement: %w", err)
	}
	sum := sha256.Sum256(raw)
	body := bytes.TrimPrefix(raw, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(body))
	header := Header()
	cr.FieldsPerRecord = len(header)
	cr.ReuseRecord = false
	rows, err := cr.ReadAll()
	if err != nil {
		return File{}, fmt.Errorf("parse settlement: %w: %w", ErrMalformed, err)
	}
	if len(rows) == 0 {
		return File{}, &RowError{Row: 1, Err: ErrHeader}
	}
	for i, h := range header {
		if rows[0][i] != h {
			return File{}, &RowError{Row: 1, Column: h, Err: fmt.Errorf("%w: got %q", ErrHeader, rows[0][i])}
		}
	}
	if len(rows) == 1 {
		return File{}, &RowError{Row: 1, Err: fmt.Errorf("%w: no settled transaction", ErrMissing)}
	}
	f := File{SHA256: hex.EncodeToString(sum[:])}
	seen := make(map[string]int, len(rows)-1)
	for i, rec := range rows[1:] {
		row := i + 2
		l, err := parseRow(rec, policy)
		if err != nil {
			var re *RowError
			if errors.As(err, &re) {
				re.Row = row
			}
			return File{}, err
		}
		l.Seq = i + 1
		if i == 0 {
			f.Wallet, f.SettledDate = l.Wallet, l.SettledDate
		}
		if l.Wallet != f.Wallet {
			return File{}, &RowError{Row: row, Column: "wallet", Err: fmt.Errorf("%w: %s and %s", ErrMixedWallet, f.Wallet, l.Wallet)}
		}
		if l.SettledDate != f.SettledDate {
			return File{}, &RowError{Row: row, Column: "settled_date", Err: fmt.Errorf("%w: %s and %s", ErrMixedDate, f.SettledDate, l.SettledDate)}
		}
		if prev, dup := seen[l.TxnID]; dup {
			return File{}, &RowError{Row: row, Column: "transaction_id", Err: fmt.Errorf("%w: %q first on row %d", ErrDuplicate, l.TxnID, prev)}
		}
		seen[l.TxnID] = row
		f.Lines = append(f.Lines, l)
	}
	f.ID = "settlement:" + string(f.Wallet) + ":" + f.SettledDate.String()
	return f, nil
}

func parseRow(rec []string, policy payment.AmountPolicy) (Line, error) {
	var l Line
	fail := func(col string, err error) (Line, error) { return Line{}, &RowError{Column: col, Err: err} }
	// A text no database stores (PostgreSQL refuses invalid UTF-8 and
	// NUL) would fail the import at every retry: refused here, named.
	for i, v := range rec {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return fail(Header()[i], fmt.Errorf("%w: not valid UTF-8 text without NUL: %q", ErrMalformed, v))
		}
	}
	l.Wallet = payment.Gateway(rec[0])
	if !isWallet(l.Wallet) {
		return fail("wallet", fmt.Errorf("%w: %q", ErrWallet, rec[0]))
	}
	l.TxnID = strings.TrimSpace(rec[1])
	if l.TxnID == "" || l.TxnID != rec[1] {
		return fail("transaction_id", fmt.Errorf("%w (or padded with spaces): %q", ErrMissing, rec[1]))
	}
	var err error
	if l.Gross, err = policy.ParsePositive(rec[2], string(payment.VND)); err != nil {
		return fail("amount", err)
	}
	if l.Fee, err = policy.Parse(rec[3], string(payment.VND)); err != nil {
		return fail("fee", err)
	}
	if l.Net, err = policy.Parse(rec[4], string(payment.VND)); err != nil {
		return fail("net", err)
	}
	if l.SettledDate, err = payment.ParseDate(rec[5]); err != nil {
		return fail("settled_date", fmt.Errorf("%w: %q", ErrDate, rec[5]))
	}
	if err := payment.CheckDate("settled_date", l.SettledDate); err != nil {
		return fail("settled_date", fmt.Errorf("%w: %w", ErrDate, err))
	}
	return l, nil
}
