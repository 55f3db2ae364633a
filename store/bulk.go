package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// ---- Bulk reads and writes (issue 13 §1)

// Bulk is what a batch of payments reads and writes with a fixed number
// of statements, whatever its size: package ingest's fast path. A
// backend implements it with set-based SQL (PostgreSQL); for the others
// BulkOf gives the same results through Tx's one-row methods, so that
// both are held to one contract (the conformance suite).
type Bulk interface {
	// PaymentsByID returns the stored payments among ids, in no order.
	PaymentsByID(ctx context.Context, ids []string) ([]payment.Payment, error)
	// NoticesByDossiers lists the notices whose dossier key is one of
	// keys (NoticesByDossier for each), ordered by (system, id) within
	// a key.
	NoticesByDossiers(ctx context.Context, keys []string) ([]DossierNotice, error)
	// NoticesInUse returns those of keys that a payment is linked to
	// (LinkPayment) or that have an allocation, in no order.
	NoticesInUse(ctx context.Context, keys []NoticeKey) ([]NoticeKey, error)
	// OutboxExisting returns those of ids stored in the outbox, in no
	// order.
	OutboxExisting(ctx context.Context, ids []string) ([]string, error)
	// OpenNoticesByAmounts is OpenNoticesByAmount for each query, in the
	// queries' order.
	OpenNoticesByAmounts(ctx context.Context, qs []AmountSince, limit int) ([][]payment.Notice, error)
	// WriteBatch writes b as its one-row methods would, called for each
	// row in the order the fields are listed and, within a field, in
	// the slice's order: InsertPayment, LinkPayment, AwaitNotices,
	// InsertAllocation, UpsertException, SetNoticeStatus, Enqueue. The
	// first error (a payment or an allocation stored already, a notice
	// not found, a row refused) is returned; the caller rolls back.
	WriteBatch(ctx context.Context, b Batch) error
	// MarkDeliveredAll is MarkDelivered for each of ids, in one statement.
	MarkDeliveredAll(ctx context.Context, ids []string, at time.Time) error
}

// DossierNotice is a notice found by its dossier key.
type DossierNotice struct {
	DossierKey string
	Notice     NoticeKey
	Code       payment.PaymentCode
}

// AmountSince asks for the open notices of an amount issued since a time.
type AmountSince struct {
	Amount payment.Money
	Since  time.Time
}

// Link links a payment to a notice (LinkPayment).
type Link struct {
	PaymentID string
	Notice    NoticeKey
}

// Await is a reference a payment waits for (AwaitNotices).
type Await struct {
	PaymentID string
	Ref       AwaitedRef
}

// StatusChange sets a notice's status (SetNoticeStatus).
type StatusChange struct {
	Notice NoticeKey
	Status payment.NoticeStatus
}

// Batch is what WriteBatch writes.
type Batch struct {
	Payments    []payment.Payment
	Links       []Link
	Awaits      []Await
	Allocations []reconcile.Allocation
	Exceptions  []reconcile.Exception
	Statuses    []StatusChange
	Outbox      []OutboxMessage
}

// Empty reports whether b writes nothing.
func (b Batch) Empty() bool {
	return len(b.Payments)+len(b.Links)+len(b.Awaits)+len(b.Allocations)+len(b.Exceptions)+len(b.Statuses)+len(b.Outbox) == 0
}

// BulkOf returns tx's own Bulk when it has one, or one made of its
// one-row methods.
func BulkOf(tx Tx) Bulk {
	if b, ok := tx.(Bulk); ok {
		return b
	}
	return rowByRow{tx}
}

// rowByRow is Bulk through Tx's one-row methods.
type rowByRow struct{ tx Tx }

func (r rowByRow) PaymentsByID(ctx context.Context, ids []string) ([]payment.Payment, error) {
	var out []payment.Payment
	for _, id := range dedupe(ids) {
		p, err := r.tx.Payment(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (r rowByRow) NoticesByDossiers(ctx context.Context, keys []string) ([]DossierNotice, error) {
	var out []DossierNotice
	for _, k := range dedupe(keys) {
		ns, err := r.tx.NoticesByDossier(ctx, k)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			out = append(out, DossierNotice{DossierKey: k, Notice: NoticeKey{System: n.System, ID: n.ID}, Code: n.Code})
		}
	}
	return out, nil
}

func (r rowByRow) NoticesInUse(ctx context.Context, keys []NoticeKey) ([]NoticeKey, error) {
	var out []NoticeKey
	for _, k := range dedupe(keys) {
		ps, err := r.tx.PaymentsByNotice(ctx, k.System, k.ID)
		if err != nil {
			return nil, err
		}
		as, err := r.tx.AllocationsByNotice(ctx, k.System, k.ID)
		if err != nil {
			return nil, err
		}
		if len(ps)+len(as) > 0 {
			out = append(out, k)
		}
	}
	return out, nil
}

func (r rowByRow) OutboxExisting(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range dedupe(ids) {
		_, err := r.tx.OutboxMessage(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func (r rowByRow) OpenNoticesByAmounts(ctx context.Context, qs []AmountSince, limit int) ([][]payment.Notice, error) {
	out := make([][]payment.Notice, len(qs))
	for i, q := range qs {
		ns, err := r.tx.OpenNoticesByAmount(ctx, q.Amount, q.Since, limit)
		if err != nil {
			return nil, err
		}
		out[i] = ns
	}
	return out, nil
}

func (r rowByRow) WriteBatch(ctx context.Context, b Batch) error {
	for _, p := range b.Payments {
		if err := r.tx.InsertPayment(ctx, p); err != nil {
			return err
		}
	}
	for _, l := range b.Links {
		if err := r.tx.LinkPayment(ctx, l.PaymentID, []NoticeKey{l.Notice}); err != nil {
			return err
		}
	}
	for _, a := range b.Awaits {
		if err := r.tx.AwaitNotices(ctx, a.PaymentID, []AwaitedRef{a.Ref}); err != nil {
			return err
		}
	}
	for _, a := range b.Allocations {
		if err := r.tx.InsertAllocation(ctx, a); err != nil {
			return err
		}
	}
	for _, e := range b.Exceptions {
		if err := r.tx.UpsertException(ctx, e); err != nil {
			return err
		}
	}
	for _, s := range b.Statuses {
		if err := r.tx.SetNoticeStatus(ctx, s.Notice.System, s.Notice.ID, s.Status); err != nil {
			return err
		}
	}
	for _, m := range b.Outbox {
		if err := r.tx.Enqueue(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (r rowByRow) MarkDeliveredAll(ctx context.Context, ids []string, at time.Time) error {
	for _, id := range ids {
		if err := r.tx.MarkDelivered(ctx, id, at); err != nil {
			return err
		}
	}
	return nil
}

// CheckBatch refuses what the one-row methods refuse before they touch
// the store: an invalid payment, an await of an invalid reference, a
// manual allocation without its people, an unknown status. A backend's
// WriteBatch calls it first.
func CheckBatch(b Batch) error {
	for _, p := range b.Payments {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	for _, a := range b.Awaits {
		if !a.Ref.Valid() {
			return fmt.Errorf("await notices for payment %s: reference %q %q: %w", a.PaymentID, a.Ref.Kind, a.Ref.Key, ErrConflict)
		}
	}
	for _, a := range b.Allocations {
		if err := CheckManual(a); err != nil {
			return err
		}
	}
	for _, s := range b.Statuses {
		if !s.Status.Valid() {
			return fmt.Errorf("notice %s/%s: status %q: %w", s.Notice.System, s.Notice.ID, s.Status, ErrConflict)
		}
	}
	return nil
}

func dedupe[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return slices.Clip(out)
}
