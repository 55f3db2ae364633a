package reconcile

import (
	"io"
	"slices"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// Rule names the matching rule that allocated money to a notice. Every
// allocation is stored with its rule and the evidence the rule saw.
type Rule string

// Allocation rules.
const (
	// RulePaymentCode: the description carries the notice's payment code,
	// letter for letter after case and separator clean-up.
	RulePaymentCode Rule = "payment_code"
	// RulePaymentCodeLookalike: look-alike letters (O for 0, I/l for 1)
	// repaired, and the check digits confirm the repaired code.
	RulePaymentCodeLookalike Rule = "payment_code_lookalike"
	// RulePaymentCodeDigits: the 12 digits of a code typed without its
	// letter prefix; the check digits under a configured prefix confirm it.
	RulePaymentCodeDigits Rule = "payment_code_digits"
	// RuleDossierCode: the description carries the notice's dossier code.
	RuleDossierCode Rule = "dossier_code"
	// RuleMultiReferenceExactSum: several references in one payment whose
	// outstanding amounts sum exactly to the payment.
	RuleMultiReferenceExactSum Rule = "multi_reference_exact_sum"
	// RuleManual: an accountant allocated the payment by hand (an
	// exception's allocate action), stored with who and why. The engine
	// decides around it and never removes it; only a reopen does.
	RuleManual Rule = "manual"
)

// ExceptionKind names why a payment (or statement line) needs a person.
type ExceptionKind string

// Exception kinds. The first six and wrong_account come from matching, the
// rest from the daily three-way reconciliation and casework.
const (
	ExceptionUnmatched        ExceptionKind = "unmatched"
	ExceptionAmbiguous        ExceptionKind = "ambiguous"
	ExceptionOverpaid         ExceptionKind = "overpaid"
	ExceptionDuplicate        ExceptionKind = "duplicate"
	ExceptionCancelledNotice  ExceptionKind = "cancelled_notice"
	ExceptionCurrencyMismatch ExceptionKind = "currency_mismatch"
	ExceptionMissingEvent     ExceptionKind = "missing_event"
	ExceptionMissingCredit    ExceptionKind = "missing_credit"
	ExceptionAmountMismatch   ExceptionKind = "amount_mismatch"
	ExceptionSettlementShort  ExceptionKind = "settlement_short"
	ExceptionLateEvent        ExceptionKind = "late_event"
	// ExceptionInvalidInput: an input line (e.g. of a batch payments file)
	// that could not be read; listed with its file and line so the run
	// finishes and nothing is dropped unseen.
	ExceptionInvalidInput ExceptionKind = "invalid_input"
	// ExceptionRemainder: the part of a payment an accountant allocated
	// by hand that was left over, explicitly: to refund, write off or
	// allocate later. Raised by the allocate action, not by matching.
	ExceptionRemainder ExceptionKind = "remainder"
	// ExceptionWrongAccount: a payment credited to an account that is not
	// a collection account of the agency of the notice it names (Config
	// CollectionAccounts): never allocated, so never confirmed.
	ExceptionWrongAccount ExceptionKind = "wrong_account"
	// ExceptionUnknownReversal: a gateway took back a credit feerecon
	// cannot find (no payment with the reference it names, or one of
	// another amount): kept, with the reversal's id as statement_ref,
	// for an accountant (ingest.Processor.Reverse).
	ExceptionUnknownReversal ExceptionKind = "unknown_reversal"
)

// ExceptionKinds lists every exception kind, matching's first: the one
// list that validators (the API's ?kind=, the stores) take. A test checks
// it against the constants declared above.
func ExceptionKinds() []ExceptionKind {
	return []ExceptionKind{
		ExceptionUnmatched, ExceptionAmbiguous, ExceptionOverpaid, ExceptionDuplicate,
		ExceptionCancelledNotice, ExceptionCurrencyMismatch,
		ExceptionMissingEvent, ExceptionMissingCredit, ExceptionAmountMismatch,
		ExceptionSettlementShort, ExceptionLateEvent,
		ExceptionInvalidInput, ExceptionRemainder, ExceptionWrongAccount, ExceptionUnknownReversal,
	}
}

// Valid reports whether k is one of ExceptionKinds.
func (k ExceptionKind) Valid() bool { return slices.Contains(ExceptionKinds(), k) }

// ExceptionStatus is where an exception is in its life.
type ExceptionStatus string

// Exception statuses: open, or closed in one of four ways.
const (
	ExceptionOpen ExceptionStatus = "open"
	// ExceptionResolved: closed with a note (the money is where it is).
	ExceptionResolved ExceptionStatus = "resolved"
	// ExceptionAllocated: the payment was allocated by hand (RuleManual).
	ExceptionAllocated ExceptionStatus = "allocated"
	// ExceptionRefund: the money is to go back to the payer.
	ExceptionRefund ExceptionStatus = "refund"
	// ExceptionWrittenOff: written off, always with an approver's consent.
	ExceptionWrittenOff ExceptionStatus = "written_off"
)

// Action is what an accountant does with an exception (package casework).
type Action string

// Actions on an exception. Allocate, refund, write off and reopen move or
// commit money: above a threshold (a write-off always) they wait for an
// approver. Assign and comment move nothing.
const (
	ActionAllocate Action = "allocate"
	ActionRefund   Action = "refund"
	ActionWriteOff Action = "write_off"
	ActionReopen   Action = "reopen"
	ActionAssign   Action = "assign"
	ActionComment  Action = "comment"
)

// Actions lists every action.
func Actions() []Action {
	return []Action{ActionAllocate, ActionRefund, ActionWriteOff, ActionReopen, ActionAssign, ActionComment}
}

// ExceptionStatuses lists every status, open first: the one list
// validators (the API's ?status=, the stores) take.
func ExceptionStatuses() []ExceptionStatus {
	return []ExceptionStatus{ExceptionOpen, ExceptionResolved, ExceptionAllocated, ExceptionRefund, ExceptionWrittenOff}
}

// Closed reports whether an accountant has dealt with the exception, in
// any of the four ways.
func (s ExceptionStatus) Closed() bool {
	switch s {
	case ExceptionResolved, ExceptionAllocated, ExceptionRefund, ExceptionWrittenOff:
		return true
	case ExceptionOpen:
	}
	return false
}

// Allocation assigns (part of) a payment to a notice.
type Allocation struct {
	PaymentID string `json:"payment_id"`
	// NoticeSystem and NoticeID identify the notice (unique together).
	NoticeSystem string              `json:"notice_system,omitempty"`
	NoticeID     string              `json:"notice_id"`
	Code         payment.PaymentCode `json:"payment_code,omitempty"`
	Amount       payment.Money       `json:"amount"`
	Rule         Rule                `json:"rule"`
	// Evidence is what the rule saw, e.g. the text span that held the code.
	Evidence string `json:"evidence,omitempty"`
	// By and Reason are a manual allocation's (RuleManual): who allocated
	// (the maker; Approved the checker when one consented) and why.
	By       string `json:"by,omitempty"`
	Approved string `json:"approved_by,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Exception is a payment, or part of one, or a statement line, that is not
// simply allocated and needs an accountant.
type Exception struct {
	// ID is deterministic: derived from the kind and the keys it concerns,
	// so a replay produces the same exception, not a second one.
	ID           string        `json:"id"`
	Kind         ExceptionKind `json:"kind"`
	PaymentID    string        `json:"payment_id,omitempty"`
	StatementRef string        `json:"statement_ref,omitempty"`
	// NoticeSystem and NoticeID name the one notice the exception concerns,
	// if any: a notice id is unique only within its issuing system.
	NoticeSystem string `json:"notice_system,omitempty"`
	NoticeID     string `json:"notice_id,omitempty"`
	// Amount is the money concerned (e.g. the excess of an overpayment).
	Amount     payment.Money   `json:"amount"`
	Candidates []string        `json:"candidates"`
	Evidence   string          `json:"evidence,omitempty"`
	Status     ExceptionStatus `json:"status"`
	// CreatedAt is when the exception was raised, by the injected clock of
	// whoever recorded it first — never the payment's date. Decide has no
	// clock and leaves it zero; ingest stamps its clock (keeping an
	// earlier time for an exception raised before), the daily run its
	// run's time, a batch run its as-of time (the end of its business
	// day). A store keeps the first CreatedAt of an id (UpsertException).
	CreatedAt time.Time `json:"created_at"`
	// AssignedTo is the login of the accountant it is assigned to.
	AssignedTo string `json:"assigned_to,omitempty"`
	// Resolution and ResolvedBy are set when an accountant closes it
	// (Status is then one of the closed statuses).
	Resolution string     `json:"resolution,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// ExceptionID builds the deterministic id of an exception.
func ExceptionID(kind ExceptionKind, keys ...string) string {
	size := len(kind)
	for _, k := range keys {
		size += 1 + len(k)
	}
	var b strings.Builder
	b.Grow(size)
	writeExceptionID(&b, kind, keys...)
	return b.String()
}

// writeExceptionID writes ExceptionID(kind, keys...) to w.
func writeExceptionID(w io.StringWriter, kind ExceptionKind, keys ...string) {
	_, _ = w.WriteString(string(kind))
	for _, k := range keys {
		_, _ = w.WriteString("|")
		_, _ = w.WriteString(k)
	}
}
