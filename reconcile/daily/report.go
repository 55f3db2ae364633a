package daily

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// AgencyAll is the agency of the report over every agency.
const AgencyAll = "ALL"

// Amount is an exact decimal amount in the report's currency, written in
// JSON as a string ("150000") so no reader turns it into a float. It does
// not depend on decimal's package-level JSON switches.
type Amount struct{ decimal.Decimal }

// MarshalJSON writes the amount as a JSON string in plain notation.
// A decimal's text is digits, a dot and a sign: nothing to escape.
func (a Amount) MarshalJSON() ([]byte, error) {
	s := a.String()
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("report amount: %w", err)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("report amount %q: %w", s, err)
	}
	a.Decimal = d
	return nil
}

func amt(d decimal.Decimal) Amount { return Amount{d} }

// Figures are the money columns of a report line.
type Figures struct {
	// Expected: amounts due of the notices issued on the day (not cancelled).
	Expected Amount `json:"expected"`
	// Collected: money of the day's payments allocated to notices, plus the
	// overpaid excess (which is also a refund due).
	Collected Amount `json:"collected"`
	// Matched: the part of Collected whose credit is on a bank statement or
	// settlement file with the same amount.
	Matched Amount `json:"matched"`
	// Unmatched = Collected − Matched: credit not seen yet, or different.
	Unmatched Amount `json:"unmatched"`
	// RefundsDue: overpaid excess to pay back.
	RefundsDue Amount `json:"refunds_due"`
	// Fees: what the wallets kept, from settlement files.
	Fees Amount `json:"fees"`
}

func (f *Figures) add(o Figures) {
	addTo(&f.Expected, o.Expected)
	addTo(&f.Collected, o.Collected)
	addTo(&f.Matched, o.Matched)
	addTo(&f.Unmatched, o.Unmatched)
	addTo(&f.RefundsDue, o.RefundsDue)
	addTo(&f.Fees, o.Fees)
}

// addTo adds o to a; adding zero allocates nothing.
func addTo(a *Amount, o Amount) {
	if !o.IsZero() {
		a.Decimal = a.Add(o.Decimal)
	}
}

func (f Figures) equal(o Figures, withExpected bool) bool {
	return (!withExpected || f.Expected.Equal(o.Expected.Decimal)) &&
		f.Collected.Equal(o.Collected.Decimal) && f.Matched.Equal(o.Matched.Decimal) &&
		f.Unmatched.Equal(o.Unmatched.Decimal) && f.RefundsDue.Equal(o.RefundsDue.Decimal) &&
		f.Fees.Equal(o.Fees.Decimal)
}

// BudgetLine is the breakdown by treasury account and budget classification.
type BudgetLine struct {
	Agency          string `json:"agency"`
	TreasuryAccount string `json:"treasury_account"`
	Chapter         string `json:"budget_chapter"`
	Subitem         string `json:"budget_subitem"`
	NoticesExpected int    `json:"notices_expected"`
	Figures
}

// ChannelLine is the breakdown by payment channel (Gateway.Channel()).
type ChannelLine struct {
	Agency          string `json:"agency"`
	TreasuryAccount string `json:"treasury_account"`
	Channel         string `json:"channel"`
	Payments        int    `json:"payments"`
	Figures
}

// AccountLine is the subtotal of one treasury account of an agency.
type AccountLine struct {
	Agency          string `json:"agency"`
	TreasuryAccount string `json:"treasury_account"`
	NoticesExpected int    `json:"notices_expected"`
	Figures
}

// UnassignedLine is money of the day's payments not allocated to any
// notice (unmatched, ambiguous, duplicate, cancelled notice …), by channel.
// Only the ALL report has it: it belongs to no agency yet.
type UnassignedLine struct {
	Channel   string `json:"channel"`
	Payments  int    `json:"payments"`
	Amount    Amount `json:"amount"`
	Matched   Amount `json:"matched"`
	Unmatched Amount `json:"unmatched"`
	Fees      Amount `json:"fees"`
	// Reversed is the part of Amount a reversal took back (the payment
	// lines' Reversed, see PaymentLine): money the bank or wallet returned
	// to the payer, not money waiting for a notice. Omitted when zero.
	Reversed Amount `json:"reversed,omitzero"`
}

// CreditStatus says whether a payment's money was seen on a statement.
type CreditStatus string

// Credit statuses.
const (
	CreditMatched  CreditStatus = "matched"  // credit found, same amount
	CreditMismatch CreditStatus = "mismatch" // credit found, other amount
	CreditAwaiting CreditStatus = "awaiting" // not yet, still within T+N
	CreditMissing  CreditStatus = "missing"  // not by T+N: missing_credit
)

// PaymentLine is one payment of the day.
type PaymentLine struct {
	PaymentID string          `json:"payment_id"`
	Gateway   payment.Gateway `json:"gateway"`
	Channel   string          `json:"channel"`
	PaidAt    time.Time       `json:"paid_at"`
	// Amount is the whole payment.
	Amount Amount `json:"amount"`
	// Collected is the part allocated to this report's notices (plus their
	// overpaid excess); Unassigned the part allocated to none (ALL only).
	Collected  Amount `json:"collected"`
	Unassigned Amount `json:"unassigned"`
	// Reversed is the part of Unassigned that the reversal ReversedBy took
	// back (ALL only; omitted when zero): a reversal undoes the payment's
	// allocations, so its money is on no notice, yet it is not waiting
	// for one. ReversedBy names the reversal (payment.Reversal.ID) on every
	// line of the payment, whatever day it was booked: the reversals
	// section lists only those booked on the report's day.
	Reversed     Amount       `json:"reversed,omitzero"`
	ReversedBy   string       `json:"reversed_by,omitempty"`
	Fee          Amount       `json:"fee"`
	Credit       CreditStatus `json:"credit"`
	LinkRule     LinkRule     `json:"link_rule,omitempty"`
	StatementRef string       `json:"statement_ref,omitempty"`
	Late         bool         `json:"late,omitempty"`
}

// AllocationLine is one allocation of a payment of the day.
type AllocationLine struct {
	PaymentID       string              `json:"payment_id"`
	NoticeSystem    string              `json:"notice_system"`
	NoticeID        string              `json:"notice_id"`
	PaymentCode     payment.PaymentCode `json:"payment_code,omitempty"`
	Agency          string              `json:"agency"`
	TreasuryAccount string              `json:"treasury_account"`
	Channel         string              `json:"channel"`
	Amount          Amount              `json:"amount"`
	Rule            reconcile.Rule      `json:"rule"`
	Credit          CreditStatus        `json:"credit"`
}

// ExceptionLine is one exception: open (Report.Exceptions) or resolved by an
// accountant (Report.Resolved).
type ExceptionLine struct {
	ID           string                  `json:"id"`
	Kind         reconcile.ExceptionKind `json:"kind"`
	PaymentID    string                  `json:"payment_id,omitempty"`
	StatementRef string                  `json:"statement_ref,omitempty"`
	// NoticeSystem and NoticeID name the notice the exception concerns,
	// if one: the id is unique only within its issuing system.
	NoticeSystem string           `json:"notice_system,omitempty"`
	NoticeID     string           `json:"notice_id,omitempty"`
	Amount       Amount           `json:"amount"`
	Currency     payment.Currency `json:"currency"`
	Candidates   []string         `json:"candidates"`
	Evidence     string           `json:"evidence,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	// AgeDays is the number of business days from the exception's creation
	// to the report's as-of date (to its resolution, for a resolved one).
	AgeDays int `json:"age_days"`
	// ResolvedAt is when an accountant resolved it; absent while open.
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// ClosedAs says how an accountant closed it when not by a note alone
	// (status resolved): allocated, refund, written_off.
	ClosedAs reconcile.ExceptionStatus `json:"closed_as,omitempty"`
}

// Adjustment is a change to an already-sent report of the same day: a
// payment that arrived after it was sent (late_event).
type Adjustment struct {
	PaymentID   string                  `json:"payment_id"`
	Channel     string                  `json:"channel"`
	Reason      reconcile.ExceptionKind `json:"reason"`
	ExceptionID string                  `json:"exception_id"`
	Amount      Amount                  `json:"amount"`
	Collected   Amount                  `json:"collected"`
}

// ReversalLine is a credit a gateway took back on the report's business
// day (payment.Reversal, issue 11 §2): its allocations were undone, so the
// notices it paid are open again. Listed in the ALL report only, as the
// reversal no longer names a notice's agency; PaymentID is empty for a
// reversal of an unknown payment (its unknown_reversal exception says so).
type ReversalLine struct {
	ReversalID string           `json:"reversal_id"`
	PaymentID  string           `json:"payment_id,omitempty"`
	Channel    string           `json:"channel"`
	Amount     Amount           `json:"amount"`
	Currency   payment.Currency `json:"currency"`
	ReversedAt time.Time        `json:"reversed_at"`
}

// KindCount counts open exceptions of one kind.
type KindCount struct {
	Kind   reconcile.ExceptionKind `json:"kind"`
	Count  int                     `json:"count"`
	Amount Amount                  `json:"amount"`
}

// Totals are the report's figures over all its lines.
type Totals struct {
	Figures
	NoticesExpected int `json:"notices_expected"`
	Payments        int `json:"payments"`
	// Unassigned and UnassignedFees: see UnassignedLine (ALL only).
	Unassigned     Amount `json:"unassigned"`
	UnassignedFees Amount `json:"unassigned_fees"`
	// UnassignedReversed is the part of Unassigned reversals took back:
	// the unassigned lines' Reversed (ALL only; omitted when zero).
	// Unassigned keeps it, so that collected + unassigned is still every
	// payment of the day; what waits for a decision is Unassigned −
	// UnassignedReversed.
	UnassignedReversed Amount      `json:"unassigned_reversed,omitzero"`
	OpenExceptions     int         `json:"open_exceptions"`
	ByKind             []KindCount `json:"exceptions_by_kind"`
	// ResolvedExceptions counts Report.Resolved (absent when none).
	ResolvedExceptions int `json:"resolved_exceptions,omitempty"`
}

// Control holds the counts and sums that Check verifies add up.
type Control struct {
	PaymentCount int    `json:"payment_count"`
	PaymentSum   Amount `json:"payment_sum"`
	// ForeignPayments are payments of the day not in VND: listed as
	// exceptions by matching, left out of every sum.
	ForeignPayments int    `json:"foreign_payments"`
	AllocationCount int    `json:"allocation_count"`
	AllocationSum   Amount `json:"allocation_sum"`
	ExcessSum       Amount `json:"excess_sum"`
	UnassignedSum   Amount `json:"unassigned_sum"`
	// Statement credits booked on the day (ALL only): each is linked or a
	// missing_event.
	CreditCount       int    `json:"credit_count"`
	CreditSum         Amount `json:"credit_sum"`
	LinkedCreditCount int    `json:"linked_credit_count"`
	LinkedCreditSum   Amount `json:"linked_credit_sum"`
	MissingEventCount int    `json:"missing_event_count"`
	MissingEventSum   Amount `json:"missing_event_sum"`
	DebitCount        int    `json:"debit_count"`
	DebitSum          Amount `json:"debit_sum"`
	ExceptionCount    int    `json:"exception_count"`
}

// Report is one immutable version of a daily report for an agency (or ALL).
// Its JSON (see REPORT.md) is canonical: fields in a fixed order, every
// slice sorted, no maps, no time but the inputs'.
type Report struct {
	ID               string           `json:"id"`
	BusinessDate     payment.Date     `json:"business_date"`
	Agency           string           `json:"agency"`
	Version          int              `json:"version"`
	Currency         payment.Currency `json:"currency"`
	Cutoff           string           `json:"cutoff"`
	CreditWindowDays int              `json:"credit_window_days"`
	AsOf             time.Time        `json:"as_of"`
	// AuditHead is the audit chain's head at the cut-off (Input.AuditHead):
	// absent where there is no audit log (the batch command).
	AuditHead   *AuditHead       `json:"audit_head,omitempty"`
	Totals      Totals           `json:"totals"`
	Control     Control          `json:"control"`
	Accounts    []AccountLine    `json:"accounts"`
	Budget      []BudgetLine     `json:"budget"`
	Channels    []ChannelLine    `json:"channels"`
	Unassigned  []UnassignedLine `json:"unassigned"`
	Payments    []PaymentLine    `json:"payments"`
	Allocations []AllocationLine `json:"allocations"`
	Links       []Link           `json:"links"`
	Exceptions  []ExceptionLine  `json:"exceptions"`
	Adjustments []Adjustment     `json:"adjustments"`
	// Reversals are the credits taken back on the day (ALL only; absent
	// when none, as in reports made before they existed).
	Reversals []ReversalLine `json:"reversals,omitempty"`
	// RefundsDue are the refund instructions not completed before the
	// day (ALL only; absent when none).
	RefundsDue []RefundLine `json:"refunds_due,omitempty"`
	// LateUnreported are the late events of days that have no report,
	// raised on this report's day (ALL only; absent when none): see
	// UnreportedLateLine.
	LateUnreported []UnreportedLateLine `json:"late_events_unreported_days,omitempty"`
	// Resolved are the report's exceptions an accountant resolved (absent
	// when none): found again by a run, they are never open again.
	Resolved []ExceptionLine `json:"resolved_exceptions,omitempty"`
	// Diff is the change from the previous version; nil for version 1.
	Diff *Diff `json:"diff,omitempty"`
	// SHA256 is the hex SHA-256 of the canonical JSON of the report with
	// this field empty.
	SHA256 string `json:"sha256,omitempty"`
}

// AuditHead is a place on feerecon's audit chain (store.AuditLink): the
// seq and hex SHA-256 of the last entry at or before the report's cut-off
// (DayRules.DayEnd). The treasury keeps it with the report; `feerecon audit
// verify --head SEQ:HASH` checks later that the chain still holds it, which
// the chain alone cannot show when it was cut short or rebuilt whole. Seq 0
// (and no hash): the chain was empty at the cut-off.
type AuditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String is "SEQ:HASH", the form audit verify's --head takes.
func (h AuditHead) String() string { return fmt.Sprintf("%d:%s", h.Seq, h.Hash) }

// ReportID is the id of a report version: daily/<date>/<agency>/v<version>.
func ReportID(date payment.Date, agency string, version int) string {
	return fmt.Sprintf("%s/v%d", ScopeID(date, agency), version)
}

// ScopeID names a day's report of an agency (ALL), every version:
// daily/<date>/<agency>, what ReportID adds the version to.
func ScopeID(date payment.Date, agency string) string {
	return fmt.Sprintf("daily/%s/%s", date, agency)
}

// CanonicalJSON is the JSON the SHA-256 is computed over: the report with
// SHA256 empty, compact, as json.Marshal writes it (writeCanonical).
func (r Report) CanonicalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := r.writeCanonical(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteCompactJSON writes json.Marshal(r)'s bytes, the SHA-256 included, a
// top-level field and a line at a time: what a consumer of the report
// gets (the treasury's message).
func (r Report) WriteCompactJSON(w io.Writer) error {
	if err := r.writeJSON(w, false); err != nil {
		return fmt.Errorf("report %s json: %w", r.ID, err)
	}
	return nil
}

// JSON is the report.json file: indented, with the SHA-256, and a final
// newline (WriteJSON into memory).
func (r Report) JSON() ([]byte, error) {
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteJSON writes the report.json file to w: byte for byte
// json.MarshalIndent(r, "", "  ") and a newline, written a top-level field
// and a line at a time, so that a report of a million lines is never
// whole in memory as JSON (twice: MarshalIndent indents a compact copy).
func (r Report) WriteJSON(w io.Writer) error {
	if err := r.writeJSON(w, true); err != nil {
		return fmt.Errorf("report %s json: %w", r.ID, err)
	}
	_, err := w.Write([]byte{'\n'})
	return err
}

// writeCanonical writes exactly what CanonicalJSON returns, one top-level
// field and one slice element at a time, so that hashing a report of a
// million lines does not hold its whole JSON in memory.
func (r Report) writeCanonical(w io.Writer) error {
	r.SHA256 = ""
	if err := r.writeJSON(w, false); err != nil {
		return fmt.Errorf("report %s canonical json: %w", r.ID, err)
	}
	return nil
}

// Indentation of the report.json file: a top-level field, a line of a
// list.
const (
	fieldIndent = "  "
	lineIndent  = "    "
)

// writeJSON writes json.Marshal(r), or with indent json.MarshalIndent(r,
// "", "  "), one top-level field and one slice element at a time.
// MarshalIndent is json.Indent of Marshal's bytes, so indenting each piece
// at its depth gives the same bytes.
func (r Report) writeJSON(w io.Writer, indent bool) error {
	jw := jsonWriter{bw: bufio.NewWriterSize(w, 64<<10), indent: indent}
	v := reflect.ValueOf(r)
	t := v.Type()
	first := true
	_ = jw.bw.WriteByte('{')
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		fv := v.Field(i)
		if !f.IsExported() || name == "-" || opts == "omitempty" && emptyJSON(fv) {
			continue
		}
		if !first {
			_ = jw.bw.WriteByte(',')
		}
		first = false
		jw.newline(fieldIndent)
		if err := jw.marshal(name, ""); err != nil {
			return err
		}
		_ = jw.bw.WriteByte(':')
		if indent {
			_ = jw.bw.WriteByte(' ')
		}
		if fv.Kind() != reflect.Slice || fv.IsNil() {
			if err := jw.marshal(fv.Interface(), fieldIndent); err != nil {
				return err
			}
			continue
		}
		if err := jw.lines(fv); err != nil {
			return err
		}
	}
	if !first {
		jw.newline("")
	}
	_ = jw.bw.WriteByte('}')
	return jw.bw.Flush() // a bufio.Writer keeps its first error for Flush
}

// emptyJSON says whether omitempty leaves the field v out, as
// encoding/json decides: false, 0, a nil pointer or interface, an empty
// array, slice, map or string.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	default:
		return false
	}
}

// jsonWriter writes a report's JSON, compact or indented, through bw.
type jsonWriter struct {
	bw     *bufio.Writer
	indent bool
	// line holds one value's compact JSON, ind its indented form.
	line []byte
	ind  bytes.Buffer
}

// newline starts an indented line at prefix; nothing when compact.
func (jw *jsonWriter) newline(prefix string) {
	if jw.indent {
		_ = jw.bw.WriteByte('\n')
		_, _ = jw.bw.WriteString(prefix)
	}
}

// put writes jw.line, a value's compact JSON, indented as a value whose
// line begins with prefix.
func (jw *jsonWriter) put(prefix string) error {
	if !jw.indent {
		_, _ = jw.bw.Write(jw.line)
		return nil
	}
	jw.ind.Reset()
	if err := json.Indent(&jw.ind, jw.line, prefix, "  "); err != nil {
		return err
	}
	_, _ = jw.bw.Write(jw.ind.Bytes())
	return nil
}

// marshal writes json.Marshal(x) (see put).
func (jw *jsonWriter) marshal(x any, prefix string) error {
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	jw.line = append(jw.line[:0], b...)
	return jw.put(prefix)
}

// lines writes the JSON array of the non-nil slice v, a line at a time.
func (jw *jsonWriter) lines(v reflect.Value) error {
	// The line types of many lines have appenders of their own.
	var appendLine func(b []byte, j int) ([]byte, error)
	switch xs := v.Interface().(type) {
	case []PaymentLine:
		appendLine = func(b []byte, j int) ([]byte, error) {
			if plainTime(xs[j].PaidAt) {
				return appendPaymentLine(b, &xs[j]), nil
			}
			return appendLineJSON(b, xs[j])
		}
	case []AllocationLine:
		appendLine = func(b []byte, j int) ([]byte, error) { return appendAllocationLine(b, &xs[j]), nil }
	case []Link:
		appendLine = func(b []byte, j int) ([]byte, error) { return appendLink(b, &xs[j]), nil }
	default:
		appendLine = func(b []byte, j int) ([]byte, error) { return appendLineJSON(b, v.Index(j).Interface()) }
	}
	_ = jw.bw.WriteByte('[')
	n := v.Len()
	for j := range n {
		if j > 0 {
			_ = jw.bw.WriteByte(',')
		}
		jw.newline(lineIndent)
		var err error
		if jw.line, err = appendLine(jw.line[:0], j); err != nil {
			return err
		}
		if err := jw.put(lineIndent); err != nil {
			return err
		}
	}
	if n > 0 {
		jw.newline(fieldIndent)
	}
	_ = jw.bw.WriteByte(']')
	return nil
}

func (r Report) hash() (string, error) {
	h := sha256.New()
	if err := r.writeCanonical(h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (r *Report) seal() error {
	r.ID = ReportID(r.BusinessDate, r.Agency, r.Version)
	sum, err := r.hash()
	if err != nil {
		return err
	}
	r.SHA256 = sum
	return nil
}

// ErrSHA256 is returned by Verify when a report's hash does not match.
var ErrSHA256 = errors.New("report SHA-256 does not match its content")

// Verify recomputes the SHA-256 and the control totals.
func (r Report) Verify() error {
	sum, err := r.hash()
	if err != nil {
		return err
	}
	if sum != r.SHA256 {
		return fmt.Errorf("report %s: %w", r.ID, ErrSHA256)
	}
	return Check(r)
}
