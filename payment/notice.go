package payment

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// NoticeStatus is the life-cycle state of a fee notice.
type NoticeStatus string

// Notice statuses.
const (
	// NoticeIssued: issued, nothing paid yet.
	NoticeIssued NoticeStatus = "issued"
	// NoticePartiallyPaid: some but not all of the amount is paid (instalments).
	NoticePartiallyPaid NoticeStatus = "partially_paid"
	// NoticePaid: paid exactly.
	NoticePaid NoticeStatus = "paid"
	// NoticeOverpaid: paid, with an excess that is a refund case.
	NoticeOverpaid NoticeStatus = "overpaid"
	// NoticeCancelled: withdrawn by the issuing system; accepts no payment.
	NoticeCancelled NoticeStatus = "cancelled"
	// NoticeExpired: past its due time unpaid; accepts no payment.
	NoticeExpired NoticeStatus = "expired"
)

// Valid reports whether s is one of the documented statuses.
func (s NoticeStatus) Valid() bool {
	switch s {
	case NoticeIssued, NoticePartiallyPaid, NoticePaid, NoticeOverpaid, NoticeCancelled, NoticeExpired:
		return true
	}
	return false
}

// Settled reports whether the notice is fully paid (paid or overpaid).
func (s NoticeStatus) Settled() bool { return s == NoticePaid || s == NoticeOverpaid }

// Open reports whether the notice can still receive a payment.
func (s NoticeStatus) Open() bool { return s == NoticeIssued || s == NoticePartiallyPaid }

// FeeKind says whether a line is a phí (fee for a service) or a lệ phí
// (charge for a state administrative act); the treasury reports them apart.
type FeeKind string

// Fee kinds.
const (
	FeeKindPhi   FeeKind = "phi"
	FeeKindLePhi FeeKind = "le_phi"
)

// NoticeItem is one line of a notice, classified by the state budget
// classification (Circular 324/2016/TT-BTC): chapter (chương) and sub-item
// (tiểu mục).
type NoticeItem struct {
	FeeType       string  `json:"fee_type"`
	Kind          FeeKind `json:"kind,omitempty"`
	Amount        Money   `json:"amount"`
	BudgetChapter string  `json:"budget_chapter"`
	BudgetSubitem string  `json:"budget_subitem"`
}

// Notice is a fee notice issued by a procedure (one-stop-shop) system.
type Notice struct {
	// ID is the notice id given by the issuing system, unique per system.
	ID string `json:"notice_id"`
	// System is the issuing procedure system.
	System string `json:"system"`
	// Dossier is the dossier the fee is for.
	Dossier DossierCode `json:"dossier_code"`
	// Code is the payment code feerecon issued for the notice.
	Code PaymentCode `json:"payment_code"`
	// Agency is the collecting agency's code.
	Agency    string       `json:"agency_code"`
	PayerName string       `json:"payer_name"`
	Items     []NoticeItem `json:"items"`
	// Total is the amount due: the sum of the items.
	Total    Money     `json:"amount"`
	IssuedAt time.Time `json:"issued_at"`
	DueAt    time.Time `json:"due_at,omitzero"`
	// TreasuryAccount is the State Treasury account the fee is remitted to.
	TreasuryAccount string       `json:"treasury_account"`
	Status          NoticeStatus `json:"status"`
	// Version starts at 1 and grows with each amendment.
	Version int `json:"version"`
}

// ErrInvalidNotice is wrapped by every notice validation error.
var ErrInvalidNotice = errors.New("invalid notice")

// Validate checks a notice and reports all problems at once.
func (n Notice) Validate() error {
	if probs := n.Problems(); len(probs) > 0 {
		return fmt.Errorf("%w %q: %s", ErrInvalidNotice, n.ID, strings.Join(probs, "; "))
	}
	return nil
}

// Problems lists what Validate reports, one entry per problem, for callers
// that show them one by one (the HTTP API's 422 details).
func (n Notice) Problems() []string {
	var probs []string
	if strings.TrimSpace(n.ID) == "" {
		probs = append(probs, "notice_id is empty")
	}
	if strings.TrimSpace(n.System) == "" {
		probs = append(probs, "system is empty")
	}
	if _, err := ParseDossierCode(string(n.Dossier)); err != nil {
		probs = append(probs, err.Error())
	}
	if n.Code != "" {
		if _, err := ParsePaymentCode(string(n.Code)); err != nil {
			probs = append(probs, err.Error())
		}
	}
	if strings.TrimSpace(n.Agency) == "" {
		probs = append(probs, "agency_code is empty")
	} else if err := CheckAgencyCode(n.Agency); err != nil {
		probs = append(probs, err.Error())
	}
	if strings.TrimSpace(n.TreasuryAccount) == "" {
		probs = append(probs, "treasury_account is empty")
	} else if err := CheckTreasuryAccount(n.TreasuryAccount); err != nil {
		probs = append(probs, err.Error())
	}
	if n.Total.Currency != VND {
		probs = append(probs, fmt.Sprintf("currency %q: notices are issued in VND", n.Total.Currency))
	}
	if !n.Total.Amount.IsPositive() {
		probs = append(probs, "amount must be positive")
	}
	if len(n.Items) > 0 {
		sum := Money{Currency: n.Total.Currency}
		for i, it := range n.Items {
			if it.Amount.Currency != n.Total.Currency {
				probs = append(probs, fmt.Sprintf("item %d: currency %q differs from the notice", i, it.Amount.Currency))
				continue
			}
			if it.Amount.Amount.IsNegative() {
				probs = append(probs, fmt.Sprintf("item %d: negative amount", i))
			}
			sum.Amount = sum.Amount.Add(it.Amount.Amount)
		}
		if !sum.Amount.Equal(n.Total.Amount) {
			probs = append(probs, fmt.Sprintf("items sum to %s, notice amount is %s", sum.Amount, n.Total.Amount))
		}
	}
	if n.IssuedAt.IsZero() {
		probs = append(probs, "issued_at is missing")
	}
	for _, err := range []error{CheckTime("issued_at", n.IssuedAt), CheckTime("due_at", n.DueAt)} {
		if err != nil {
			probs = append(probs, err.Error())
		}
	}
	if !n.DueAt.IsZero() && n.DueAt.Before(n.IssuedAt) {
		probs = append(probs, "due_at is before issued_at")
	}
	if !n.Status.Valid() {
		probs = append(probs, fmt.Sprintf("status %q is not a notice status", n.Status))
	}
	if n.Version < 1 {
		probs = append(probs, "version must be at least 1")
	}
	return probs
}

// Equal reports whether two notice lines are the same, amounts compared as
// money (currency and value, so 1000 equals 1000.0).
func (it NoticeItem) Equal(o NoticeItem) bool {
	return it.FeeType == o.FeeType && it.Kind == o.Kind && it.Amount.Equal(o.Amount) &&
		it.BudgetChapter == o.BudgetChapter && it.BudgetSubitem == o.BudgetSubitem
}

// SameContent reports whether n and o say the same thing as their issuing
// system wrote it, leaving out what feerecon owns: the payment code, the
// status and the version. A resubmitted notice with the same content is a
// redelivery, not an amendment.
func (n Notice) SameContent(o Notice) bool {
	if n.ID != o.ID || n.System != o.System || n.Dossier != o.Dossier || n.Agency != o.Agency ||
		n.PayerName != o.PayerName || !n.Total.Equal(o.Total) || !n.IssuedAt.Equal(o.IssuedAt) ||
		!n.DueAt.Equal(o.DueAt) || n.TreasuryAccount != o.TreasuryAccount || len(n.Items) != len(o.Items) {
		return false
	}
	for i := range n.Items {
		if !n.Items[i].Equal(o.Items[i]) {
			return false
		}
	}
	return true
}

// Equal reports whether n and o are the same notice in every field, money
// and times compared as values.
func (n Notice) Equal(o Notice) bool {
	return n.SameContent(o) && n.Code == o.Code && n.Status == o.Status && n.Version == o.Version
}
