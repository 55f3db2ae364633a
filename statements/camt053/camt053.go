package camt053

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/iso20022"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements"
)

// Errors. A *StatementError wraps one of them (or a *payment.AmountError),
// so callers test with errors.Is and errors.As.
var (
	// ErrMalformed: the input is not well-formed XML.
	ErrMalformed = errors.New("malformed camt.053 XML")
	// ErrNotCamt053: the document has no BkToCstmrStmt.
	ErrNotCamt053 = errors.New("not a camt.053 document")
	// ErrNoStatement: BkToCstmrStmt holds no Stmt.
	ErrNoStatement = errors.New("camt.053 document has no statement")
	// ErrMissingField: a required element is absent or empty.
	ErrMissingField = errors.New("required field missing")
	// ErrBadField: an element has a value outside its code list or format.
	ErrBadField = errors.New("invalid field")
	// ErrCurrency: an entry's currency differs from the account's.
	ErrCurrency = errors.New("entry currency differs from the account currency")
	// ErrBalanceCurrency: a balance is in another currency than the entries.
	ErrBalanceCurrency = errors.New("balance currency differs from the statement currency")
	// ErrBalanceMismatch: opening + credits − debits ≠ closing.
	ErrBalanceMismatch = errors.New("balances do not add up")
)

// StatementError says which statement (and entry, when there is one) failed.
type StatementError struct {
	StatementID string
	// Entry is the 1-based entry number, 0 when the error is not about an entry.
	Entry int
	Field string
	Err   error
}

func (e *StatementError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "camt.053 statement %q", e.StatementID)
	if e.Entry > 0 {
		fmt.Fprintf(&b, " entry %d", e.Entry)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " %s", e.Field)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *StatementError) Unwrap() error { return e.Err }

// BalanceType is a camt.053 balance type code (Bal/Tp/CdOrPrtry/Cd).
type BalanceType string

// Balance types feerecon recognises.
const (
	BalanceOpeningBooked    BalanceType = "OPBD"
	BalancePreviouslyClosed BalanceType = "PRCD"
	BalanceClosingBooked    BalanceType = "CLBD"
	BalanceInterimBooked    BalanceType = "ITBD"
	BalanceOpeningAvailable BalanceType = "OPAV"
	BalanceClosingAvailable BalanceType = "CLAV"
	BalanceForwardAvailable BalanceType = "FWAV"
	BalanceInterimAvailable BalanceType = "ITAV"
	BalanceInformation      BalanceType = "INFO"
	BalanceExpectedCredit   BalanceType = "XPCD"
)

// EntryStatus is an entry's Sts.
type EntryStatus string

// Entry statuses.
const (
	StatusBooked  EntryStatus = "BOOK"
	StatusPending EntryStatus = "PDNG"
	StatusInfo    EntryStatus = "INFO"
)

// Balance is one Bal of a statement. Amount is signed: negative for DBIT.
type Balance struct {
	Type   BalanceType
	Amount decimal.Decimal
	Ccy    payment.Currency
	Date   payment.Date
}

// Entry is one Ntry.
type Entry struct {
	// Seq is the 1-based position of the entry in the statement.
	Seq      int
	Amount   payment.Money
	Credit   bool
	Reversal bool
	Status   EntryStatus
	// BookingDate is the business date of BookgDt; BookingTime is set only
	// when the bank gave BookgDt/DtTm.
	BookingDate payment.Date
	BookingTime time.Time
	ValueDate   payment.Date
	// AcctSvcrRef is Ntry/AcctSvcrRef, else the first TxDtls/Refs/AcctSvcrRef.
	AcctSvcrRef string
	// EntryRef is Ntry/AcctSvcrRef alone: the bank's reference of the
	// entry itself (on a reversal, TxDtls' references name the original).
	EntryRef   string
	EndToEndID string
	// SubFamily is BkTxCd/Domn/Fmly/SubFmlyCd (RRTN, RPCR: a return).
	SubFamily string
	// Returned: a TxDtls carries RtrInf (return information).
	Returned bool
	// Unstructured is RmtInf/Ustrd of all transaction details, joined.
	Unstructured string
	// CreditorRefs are RmtInf/Strd/CdtrRefInf/Ref values, in order.
	CreditorRefs []string
	DebtorName   string
	// TxRefs are the transactions' own references (Refs/AcctSvcrRef,
	// EndToEndId but NOTPROVIDED, TxId), in order, each once, without the
	// entry's AcctSvcrRef: on a reversal, what names the original credit.
	TxRefs []string
}

// Sub-family codes of BkTxCd (ISO 20022 external code set) that book the
// return of a payment received: the credit taken back.
const (
	SubFamilyReversalReturn      = "RRTN" // reversal due to payment return
	SubFamilyReversalCancelation = "RPCR" // reversal due to payment cancellation request
)

// ReversesCredit reports whether e is the reversal of a credit: a DBIT
// with RvslInd true (ISO 20022: a CRDT with it reverses a debit), or a
// DBIT that the format marks as the return of a received payment by its
// structure (BkTxCd sub-family RRTN or RPCR, or a TxDtls with RtrInf) and
// that names a transaction reference (TxRefs). A plain DBIT is none:
// banks book fees and sweeps as DBIT too. The rule is camt.054's
// (gateways/camt054), so that both messages of one bank entry agree.
func (e Entry) ReversesCredit() bool {
	if e.Credit {
		return false
	}
	if e.Reversal {
		return true
	}
	returned := e.Returned || e.SubFamily == SubFamilyReversalReturn || e.SubFamily == SubFamilyReversalCancelation
	return returned && len(e.TxRefs) > 0
}

// ReversedCredits returns the booked entries that reverse a credit, in
// statement order: the bank taking back money it credited before. They
// are also lines (Lines, as debits); see the package doc for what is done
// with them.
func (s Statement) ReversedCredits() []Entry {
	var out []Entry
	for _, e := range s.Entries {
		if e.Status == StatusBooked && e.ReversesCredit() {
			out = append(out, e)
		}
	}
	return out
}

// Statement is one Stmt.
type Statement struct {
	ID       string
	Account  string
	Currency payment.Currency // Acct/Ccy, empty when not given
	Balances []Balance
	Entries  []Entry
}

// Key is the statement's idempotency key: "camt053:<account>:<Stmt/Id>".
func (s Statement) Key() string {
	return string(statements.SourceCamt053) + ":" + s.Account + ":" + s.ID
}

// Opening returns the opening booked balance (OPBD, else PRCD).
func (s Statement) Opening() (Balance, bool) {
	if b, ok := s.balance(BalanceOpeningBooked, false); ok {
		return b, true
	}
	return s.balance(BalancePreviouslyClosed, false)
}

// Closing returns the closing booked balance (CLBD, else the last ITBD).
func (s Statement) Closing() (Balance, bool) {
	if b, ok := s.balance(BalanceClosingBooked, true); ok {
		return b, true
	}
	return s.balance(BalanceInterimBooked, true)
}

func (s Statement) balance(t BalanceType, last bool) (Balance, bool) {
	var found Balance
	ok := false
	for _, b := range s.Balances {
		if b.Type == t {
			found, ok = b, true
			if !last {
				return found, true
			}
		}
	}
	return found, ok
}

// currency is the currency of the entries, else Acct/Ccy.
func (s Statement) currency() payment.Currency {
	for _, e := range s.Entries {
		return e.Amount.Currency
	}
	return s.Currency
}

// CheckBalance verifies opening + booked credits − booked debits == closing
// when both balances are given. A statement with only one of them (an
// intraday extract) passes.
func (s Statement) CheckBalance() error {
	open, okOpen := s.Opening()
	closing, okClose := s.Closing()
	if !okOpen || !okClose {
		return nil
	}
	cur := s.currency()
	for _, b := range []Balance{open, closing} {
		if cur != "" && b.Ccy != cur {
			return &StatementError{StatementID: s.ID, Field: "Bal " + string(b.Type), Err: fmt.Errorf("%w: %s balance in %s, statement in %s", ErrBalanceCurrency, b.Type, b.Ccy, cur)}
		}
	}
	sum := open.Amount
	for _, e := range s.Entries {
		if e.Status != StatusBooked {
			continue
		}
		if e.Credit {
			sum = sum.Add(e.Amount.Amount)
		} else {
			sum = sum.Sub(e.Amount.Amount)
		}
	}
	if !sum.Equal(closing.Amount) {
		return &StatementError{StatementID: s.ID, Field: "Bal", Err: fmt.Errorf("%w: opening %s %s + entries = %s, closing %s is %s",
			ErrBalanceMismatch, open.Type, open.Amount, sum, closing.Type, closing.Amount)}
	}
	return nil
}

// text is the entry's line text: its RmtInf/Ustrd, then its creditor
// references.
func (e Entry) text() string {
	if len(e.CreditorRefs) == 0 {
		return e.Unstructured
	}
	return strings.TrimSpace(e.Unstructured + " " + strings.Join(e.CreditorRefs, " "))
}

// Lines returns the booked entries as statement lines.
func (s Statement) Lines() []statements.Line {
	out := make([]statements.Line, 0, len(s.Entries))
	for _, e := range s.Entries {
		if e.Status != StatusBooked {
			continue
		}
		out = append(out, statements.Line{
			StatementID: s.Key(),
			Seq:         e.Seq,
			Source:      statements.SourceCamt053,
			Account:     s.Account,
			Ref:         e.AcctSvcrRef,
			EndToEndID:  e.EndToEndID,
			Credit:      e.Credit,
			Amount:      e.Amount,
			Fee:         payment.Money{Amount: decimal.Zero, Currency: e.Amount.Currency},
			BookingDate: e.BookingDate,
			ValueDate:   e.ValueDate,
			Text:        e.text(),
		})
	}
	return out
}

// Parse decodes every statement and checks its balances. It is what an
// import uses: a statement that does not add up is not imported.
func Parse(r io.Reader, policy payment.AmountPolicy) ([]Statement, error) {
	stmts, err := Decode(r, policy)
	if err != nil {
		return nil, err
	}
	for _, s := range stmts {
		if err := s.CheckBalance(); err != nil {
			return nil, err
		}
	}
	return stmts, nil
}

// Decode reads and validates the statements without the balance check.
func Decode(r io.Reader, policy payment.AmountPolicy) ([]Statement, error) {
	var doc xDocument
	dec := iso20022.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode camt.053: %w: %w", ErrMalformed, err)
	}
	if doc.Stmt == nil {
		return nil, fmt.Errorf("decode camt.053: root %q: %w", doc.XMLName.Local, ErrNotCamt053)
	}
	if len(doc.Stmt.Stmts) == 0 {
		return nil, fmt.Errorf("decode camt.053: %w", ErrNoStatement)
	}
	out := make([]Statement, 0, len(doc.Stmt.Stmts))
	seen := make(map[string]bool, len(doc.Stmt.Stmts))
	for i := range doc.Stmt.Stmts {
		s, err := convert(&doc.Stmt.Stmts[i], policy)
		if err != nil {
			return nil, err
		}
		if seen[s.Key()] {
			return nil, &StatementError{StatementID: s.ID, Field: "Id", Err: fmt.Errorf("%w: statement repeated in the document", ErrBadField)}
		}
		seen[s.Key()] = true
		out = append(out, s)
	}
	return out, nil
}

func convert(x *xStmt, policy payment.AmountPolicy) (Statement, error) {
	s := Statement{ID: strings.TrimSpace(x.ID)}
	fail := func(entry int, field string, err error) (Statement, error) {
		return Statement{}, &StatementError{StatementID: s.ID, Entry: entry, Field: field, Err: err}
	}
	if s.ID == "" {
		return fail(0, "Id", ErrMissingField)
	}
	s.Account = strings.TrimSpace(x.Acct.ID.IBAN)
	if s.Account == "" {
		s.Account = strings.TrimSpace(x.Acct.ID.Othr.ID)
	}
	if s.Account == "" {
		return fail(0, "Acct/Id", ErrMissingField)
	}
	if c := strings.TrimSpace(x.Acct.Ccy); c != "" {
		cur := payment.Currency(strings.ToUpper(c))
		if _, ok := cur.MinorUnits(); !ok {
			return fail(0, "Acct/Ccy", &payment.AmountError{Input: c, Currency: c, Err: payment.ErrUnknownCurrency})
		}
		s.Currency = cur
	}
	for i, xb := range x.Bal {
		field := fmt.Sprintf("Bal[%d]", i+1)
		b, err := convertBalance(xb)
		if err != nil {
			return fail(0, field, err)
		}
		s.Balances = append(s.Balances, b)
	}
	for i := range x.Ntry {
		e, field, err := convertEntry(&x.Ntry[i], policy)
		if err != nil {
			return fail(i+1, field, err)
		}
		e.Seq = i + 1
		if s.Currency != "" && e.Amount.Currency != s.Currency {
			return fail(i+1, "Amt@Ccy", fmt.Errorf("%w: %s, account in %s", ErrCurrency, e.Amount.Currency, s.Currency))
		}
		if i > 0 && e.Amount.Currency != s.Entries[0].Amount.Currency {
			return fail(i+1, "Amt@Ccy", fmt.Errorf("%w: %s, first entry in %s", ErrCurrency, e.Amount.Currency, s.Entries[0].Amount.Currency))
		}
		s.Entries = append(s.Entries, e)
	}
	// A statement is in a currency feerecon knows, even one with no
	// entries: its currency then comes from its booked balances.
	cur := s.currency()
	if cur == "" {
		if b, ok := s.Opening(); ok {
			cur = b.Ccy
		} else if b, ok := s.Closing(); ok {
			cur = b.Ccy
		}
	}
	if _, ok := cur.MinorUnits(); cur != "" && !ok {
		return fail(0, "Ccy", &payment.AmountError{Input: string(cur), Currency: string(cur), Err: payment.ErrUnknownCurrency})
	}
	return s, nil
}

func convertBalance(xb xBal) (Balance, error) {
	t := BalanceType(strings.TrimSpace(xb.Tp.CdOrPrtry.Cd))
	if t == "" {
		// A proprietary balance type is kept under its own name; it never
		// matches OPBD/CLBD and so never takes part in the check.
		t = BalanceType(strings.TrimSpace(xb.Tp.CdOrPrtry.Prtry))
	}
	if t == "" {
		return Balance{}, fmt.Errorf("type: %w", ErrMissingField)
	}
	m, err := balanceAmount(xb.Amt)
	if err != nil {
		return Balance{}, fmt.Errorf("amount: %w", err)
	}
	amt := m.Amount
	switch ind := strings.TrimSpace(xb.CdtDbtInd); ind {
	case "CRDT":
	case "DBIT":
		amt = amt.Neg()
	default:
		return Balance{}, fmt.Errorf("credit/debit indicator %q: %w", ind, ErrBadField)
	}
	d, _, err := xb.Dt.date()
	if err != nil {
		return Balance{}, fmt.Errorf("date: %w", err)
	}
	return Balance{Type: t, Amount: amt, Ccy: m.Currency, Date: d}, nil
}

func convertEntry(x *xNtry, policy payment.AmountPolicy) (Entry, string, error) {
	var e Entry
	m, err := policy.ParsePositive(x.Amt.Value, x.Amt.Ccy)
	if err != nil {
		return e, "Amt", err
	}
	e.Amount = m
	switch ind := strings.TrimSpace(x.CdtDbtInd); ind {
	case "CRDT":
		e.Credit = true
	case "DBIT":
	default:
		return e, "CdtDbtInd", fmt.Errorf("%q: %w", ind, ErrBadField)
	}
	switch v := strings.TrimSpace(x.RvslInd); v {
	case "", "false", "0":
	case "true", "1":
		e.Reversal = true
	default:
		return e, "RvslInd", fmt.Errorf("%q: %w", v, ErrBadField)
	}
	st := strings.TrimSpace(x.Sts.Cd)
	if st == "" {
		st = strings.TrimSpace(x.Sts.Value)
	}
	switch EntryStatus(st) {
	case StatusBooked, StatusPending, StatusInfo:
		e.Status = EntryStatus(st)
	case "":
		return e, "Sts", ErrMissingField
	default:
		return e, "Sts", fmt.Errorf("%q: %w", st, ErrBadField)
	}
	if x.BookgDt == nil {
		if e.Status == StatusBooked {
			return e, "BookgDt", ErrMissingField
		}
	} else {
		d, t, err := x.BookgDt.date()
		if err != nil {
			return e, "BookgDt", err
		}
		e.BookingDate, e.BookingTime = d, t
	}
	if x.ValDt != nil {
		d, _, err := x.ValDt.date()
		if err != nil {
			return e, "ValDt", err
		}
		e.ValueDate = d
	}
	e.AcctSvcrRef = strings.TrimSpace(x.AcctSvcrRef)
	e.EntryRef = e.AcctSvcrRef
	e.SubFamily = strings.TrimSpace(x.BkTxCd.Domn.Fmly.SubFmlyCd)
	var ustrd []string
	for _, dt := range x.NtryDtls {
		for _, tx := range dt.TxDtls {
			if e.EndToEndID == "" {
				if id := strings.TrimSpace(tx.Refs.EndToEndID); id != "" && id != "NOTPROVIDED" {
					e.EndToEndID = id
				}
			}
			if e.AcctSvcrRef == "" {
				e.AcctSvcrRef = strings.TrimSpace(tx.Refs.AcctSvcrRef)
			}
			e.Returned = e.Returned || tx.RtrInf != nil
			for _, u := range tx.RmtInf.Ustrd {
				if u = strings.TrimSpace(u); u != "" {
					ustrd = append(ustrd, u)
				}
			}
			for _, sr := range tx.RmtInf.Strd {
				if ref := strings.TrimSpace(sr.CdtrRefInf.Ref); ref != "" {
					e.CreditorRefs = append(e.CreditorRefs, ref)
				}
			}
			if e.DebtorName == "" {
				e.DebtorName = strings.TrimSpace(tx.RltdPties.Dbtr.Nm)
				if e.DebtorName == "" {
					e.DebtorName = strings.TrimSpace(tx.RltdPties.Dbtr.Pty.Nm)
				}
			}
		}
	}
	e.Unstructured = strings.Join(ustrd, " ")
	e.TxRefs = txRefs(strings.TrimSpace(x.AcctSvcrRef), x.NtryDtls)
	return e, "", nil
}

// txRefs are the transactions' references of an entry whose own
// AcctSvcrRef is own (Entry.TxRefs).
func txRefs(own string, dtls []struct {
	TxDtls []xTx `xml:"TxDtls"`
}) []string {
	var out []string
	seen := map[string]bool{own: true}
	for _, dt := range dtls {
		for _, tx := range dt.TxDtls {
			for _, r := range []string{tx.Refs.AcctSvcrRef, tx.Refs.EndToEndID, tx.Refs.TxID} {
				if r = strings.TrimSpace(r); r != "" && r != "NOTPROVIDED" && !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// balanceAmount reads a balance amount. Balances have no ceiling (an account
// balance may exceed any payment). A balance in a currency feerecon does not
// know is kept as read, so that a statement mixing currencies is reported as
// ErrBalanceCurrency by CheckBalance rather than as an unknown currency; a
// known currency's minor units are enforced.
func balanceAmount(a xAmt) (payment.Money, error) {
	cur := payment.Currency(strings.ToUpper(strings.TrimSpace(a.Ccy)))
	if _, ok := cur.MinorUnits(); ok {
		return payment.AmountPolicy{}.Parse(a.Value, string(cur))
	}
	if !isCurrencyCode(string(cur)) {
		return payment.Money{}, &payment.AmountError{Input: a.Value, Currency: a.Ccy, Err: payment.ErrUnknownCurrency}
	}
	v := strings.TrimSpace(a.Value)
	d, err := decimal.NewFromString(v)
	if err != nil || !plainUnsigned(v) {
		return payment.Money{}, &payment.AmountError{Input: a.Value, Currency: a.Ccy, Err: payment.ErrAmountNotNumeric}
	}
	return payment.Money{Amount: d, Currency: cur}, nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// plainUnsigned accepts digits with at most one dot: camt amounts carry no
// sign (CdtDbtInd does) and no exponent.
func plainUnsigned(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// The XML shapes. Tags carry no namespace, so every schema version
// (camt.053.001.02 … .08 and later) decodes into them.
type xDocument struct {
	XMLName xml.Name
	Stmt    *xContainer `xml:"BkToCstmrStmt"`
}

type xContainer struct {
	Stmts []xStmt `xml:"Stmt"`
}

type xStmt struct {
	ID   string `xml:"Id"`
	Acct struct {
		ID struct {
			IBAN string `xml:"IBAN"`
			Othr struct {
				ID string `xml:"Id"`
			} `xml:"Othr"`
		} `xml:"Id"`
		Ccy string `xml:"Ccy"`
	} `xml:"Acct"`
	Bal  []xBal  `xml:"Bal"`
	Ntry []xNtry `xml:"Ntry"`
}

type xAmt struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

type xDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

// date reads Dt (a calendar date) or DtTm (a date-time, with or without an
// offset; without one it is read in the business zone). The time is zero
// for Dt.
func (d xDate) date() (payment.Date, time.Time, error) {
	v, t, err := d.parse()
	if err == nil {
		if cerr := payment.CheckDate("date", v); cerr != nil {
			return payment.Date{}, time.Time{}, fmt.Errorf("%w: %w", ErrBadField, cerr)
		}
	}
	return v, t, err
}

// parse is date without the years' check.
func (d xDate) parse() (payment.Date, time.Time, error) {
	if s := strings.TrimSpace(d.Dt); s != "" {
		v, err := payment.ParseDate(s)
		if err != nil {
			return payment.Date{}, time.Time{}, fmt.Errorf("date %q: %w", s, ErrBadField)
		}
		return v, time.Time{}, nil
	}
	if s := strings.TrimSpace(d.DtTm); s != "" {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return payment.DateOf(t), t, nil
		}
		if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, payment.Location()); err == nil {
			return payment.DateOf(t), t, nil
		}
		return payment.Date{}, time.Time{}, fmt.Errorf("date-time %q: %w", s, ErrBadField)
	}
	return payment.Date{}, time.Time{}, ErrMissingField
}

type xBal struct {
	Tp struct {
		CdOrPrtry struct {
			Cd    string `xml:"Cd"`
			Prtry string `xml:"Prtry"`
		} `xml:"CdOrPrtry"`
	} `xml:"Tp"`
	Amt       xAmt   `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
	Dt        xDate  `xml:"Dt"`
}

type xNtry struct {
	Amt       xAmt   `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
	RvslInd   string `xml:"RvslInd"`
	// Sts is text up to camt.053.001.07 and Sts/Cd from .08.
	Sts struct {
		Value string `xml:",chardata"`
		Cd    string `xml:"Cd"`
	} `xml:"Sts"`
	BookgDt     *xDate `xml:"BookgDt"`
	ValDt       *xDate `xml:"ValDt"`
	AcctSvcrRef string `xml:"AcctSvcrRef"`
	BkTxCd      struct {
		Domn struct {
			Fmly struct {
				SubFmlyCd string `xml:"SubFmlyCd"`
			} `xml:"Fmly"`
		} `xml:"Domn"`
	} `xml:"BkTxCd"`
	NtryDtls []struct {
		TxDtls []xTx `xml:"TxDtls"`
	} `xml:"NtryDtls"`
}

type xTx struct {
	Refs struct {
		EndToEndID  string `xml:"EndToEndId"`
		AcctSvcrRef string `xml:"AcctSvcrRef"`
		TxID        string `xml:"TxId"`
	} `xml:"Refs"`
	RmtInf struct {
		Ustrd []string `xml:"Ustrd"`
		Strd  []struct {
			CdtrRefInf struct {
				Ref string `xml:"Ref"`
			} `xml:"CdtrRefInf"`
		} `xml:"Strd"`
	} `xml:"RmtInf"`
	// RtrInf is present on a returned payment (its reason inside).
	RtrInf    *struct{} `xml:"RtrInf"`
	RltdPties struct {
		Dbtr struct {
			Nm  string `xml:"Nm"`
			Pty struct {
				Nm string `xml:"Nm"`
			} `xml:"Pty"`
		} `xml:"Dbtr"`
	} `xml:"RltdPties"`
}
