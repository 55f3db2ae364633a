// Package memory is the in-memory store: the embedded default (make demo,
// feerecon reconcile) and the fast backend of unit tests. It honours the
// same contract as store/postgres, checked by the same conformance suite.
//
// Transactions are serial: one runs at a time under a mutex, and a failed
// one is undone from a journal, so callers see the isolation PostgreSQL
// gives them. Nothing survives the process.
package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

type noticeKey struct{ system, id string }

type allocKey struct {
	payment string
	notice  noticeKey
}

type reportKey struct {
	date    payment.Date
	agency  string
	version int
}

// Store is the in-memory backend. The zero value is not usable: call New.
type Store struct {
	mu     sync.Mutex
	serial uint64

	notices  map[noticeKey]payment.Notice
	byCode   map[payment.PaymentCode]noticeKey
	payments map[string]payment.Payment
	byTxn    map[string]string // gateway|txn -> payment id
	allocs   map[allocKey]reconcile.Allocation
	// Secondary indexes, so that a transaction's lookups cost what the
	// matching rows cost, not a scan of the store.
	allocsByNotice  map[noticeKey]map[string]bool
	allocsByPayment map[string]map[noticeKey]bool
	refsByNotice    map[noticeKey]map[string]bool
	refsByPayment   map[string]map[noticeKey]bool
	excsByPayment   map[string]map[string]bool
	byDossierKey    map[string]map[noticeKey]bool
	excs            map[string]reconcile.Exception
	outbox          map[string]store.OutboxMessage
	reports         map[reportKey]store.Report
	reportID        map[string]bool
	stmts           map[string][]statements.Line
	audit           []store.AuditRecord
	users           map[string]user.User
	sessions        map[string]user.Session // by string(token hash)
	keys            map[string]store.APIKey
	requests        map[string]store.ActionRequest
	cursors         map[string]int64
	offsets         map[offsetKey]int64
	// awaiting: payment ids by awaited reference (awaiting.go).
	awaiting   map[store.AwaitedRef]map[string]bool
	reversals  map[string]payment.Reversal
	reversalOf map[string]string // payment id -> reversal id
}

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		notices:  map[noticeKey]payment.Notice{},
		byCode:   map[payment.PaymentCode]noticeKey{},
		payments: map[string]payment.Payment{},
		byTxn:    map[string]string{},
		allocs:   map[allocKey]reconcile.Allocation{},

		allocsByNotice:  map[noticeKey]map[string]bool{},
		allocsByPayment: map[string]map[noticeKey]bool{},
		refsByNotice:    map[noticeKey]map[string]bool{},
		refsByPayment:   map[string]map[noticeKey]bool{},
		excsByPayment:   map[string]map[string]bool{},
		byDossierKey:    map[string]map[noticeKey]bool{},
		excs:            map[string]reconcile.Exception{},
		outbox:          map[string]store.OutboxMessage{},
		reports:         map[reportKey]store.Report{},
		reportID:        map[string]bool{},
		stmts:           map[string][]statements.Line{},
		users:           map[string]user.User{},
		sessions:        map[string]user.Session{},
		keys:            map[string]store.APIKey{},
		requests:        map[string]store.ActionRequest{},
		cursors:         map[string]int64{},
		offsets:         map[offsetKey]int64{},
		reversals:       map[string]payment.Reversal{},
		reversalOf:      map[string]string{},
	}
}

// Close does nothing; it is there for the contract.
func (s *Store) Close() error { return nil }

// InTx runs fn with the store locked; a non-nil error or a panic undoes
// every change fn made.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &tx{s: s}
	defer func() {
		if p := recover(); p != nil {
			t.rollback()
			panic(p)
		}
		if err != nil {
			t.rollback()
		}
	}()
	return fn(t)
}

// tx is one transaction; undo holds the inverse of each change, newest last.
type tx struct {
	s    *Store
	undo []func()
}

var _ store.Tx = (*tx)(nil)

func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// setMap records the old value of m[k] (or its absence) and sets v.
func setMap[K comparable, V any](t *tx, m map[K]V, k K, v V) {
	old, had := m[k]
	t.undo = append(t.undo, func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
	m[k] = v
}

// addToSet adds member m to the set idx[k], undoably.
func addToSet[K, M comparable](t *tx, idx map[K]map[M]bool, k K, m M) {
	set := idx[k]
	if set == nil {
		set = map[M]bool{}
		idx[k] = set
	}
	if set[m] {
		return
	}
	set[m] = true
	t.undo = append(t.undo, func() { delete(idx[k], m) })
}

// removeFromSet removes member m from the set idx[k], undoably.
func removeFromSet[K, M comparable](t *tx, idx map[K]map[M]bool, k K, m M) {
	if !idx[k][m] {
		return
	}
	delete(idx[k], m)
	t.undo = append(t.undo, func() {
		if idx[k] == nil {
			idx[k] = map[M]bool{}
		}
		idx[k][m] = true
	})
}

// sortedKeys returns the members of a set in order.
func sortedKeys[M interface{ ~string }](set map[M]bool) []M {
	out := make([]M, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func delMap[K comparable, V any](t *tx, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	t.undo = append(t.undo, func() { m[k] = old })
	delete(m, k)
}

// ---- notices

func (t *tx) NextCodeSerial(ctx context.Context) (uint64, error) {
	if t.s.serial >= payment.MaxSerial {
		return 0, fmt.Errorf("payment code serials exhausted")
	}
	t.s.serial++ // never undone: serials are not reused
	return t.s.serial, nil
}

func cloneNotice(n payment.Notice) payment.Notice {
	n.Items = append([]payment.NoticeItem(nil), n.Items...)
	return n
}

func (t *tx) CreateNotice(ctx context.Context, n payment.Notice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	k := noticeKey{n.System, n.ID}
	if _, ok := t.s.notices[k]; ok {
		return fmt.Errorf("notice %s/%s: %w", n.System, n.ID, store.ErrAlreadyExists)
	}
	if _, ok := t.s.byCode[n.Code]; ok {
		return fmt.Errorf("payment code %s: %w", n.Code, store.ErrAlreadyExists)
	}
	setMap(t, t.s.notices, k, cloneNotice(n))
	setMap(t, t.s.byCode, n.Code, k)
	addToSet(t, t.s.byDossierKey, reconcile.DossierKey(string(n.Dossier)), k)
	return nil
}

func (t *tx) UpdateNotice(ctx context.Context, n payment.Notice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	k := noticeKey{n.System, n.ID}
	old, ok := t.s.notices[k]
	if !ok {
		return fmt.Errorf("notice %s/%s: %w", n.System, n.ID, store.ErrNotFound)
	}
	if old.Version != n.Version-1 && !store.StatusOnly(old, n) {
		return fmt.Errorf("notice %s/%s version %d over stored %d: %w", n.System, n.ID, n.Version, old.Version, store.ErrConflict)
	}
	if old.Code != n.Code {
		return fmt.Errorf("notice %s/%s: payment code cannot change: %w", n.System, n.ID, store.ErrConflict)
	}
	if old.Dossier != n.Dossier {
		removeFromSet(t, t.s.byDossierKey, reconcile.DossierKey(string(old.Dossier)), k)
		addToSet(t, t.s.byDossierKey, reconcile.DossierKey(string(n.Dossier)), k)
	}
	setMap(t, t.s.notices, k, cloneNotice(n))
	return nil
}

func (t *tx) SetNoticeStatus(ctx context.Context, system, id string, status payment.NoticeStatus) error {
	k := noticeKey{system, id}
	n, ok := t.s.notices[k]
	if !ok {
		return fmt.Errorf("notice %s/%s: %w", system, id, store.ErrNotFound)
	}
	if !status.Valid() {
		return fmt.Errorf("notice %s/%s: status %q: %w", system, id, status, store.ErrConflict)
	}
	n = cloneNotice(n)
	n.Status = status
	setMap(t, t.s.notices, k, n)
	return nil
}

func (t *tx) Notice(ctx context.Context, system, id string) (payment.Notice, error) {
	n, ok := t.s.notices[noticeKey{system, id}]
	if !ok {
		return payment.Notice{}, fmt.Errorf("notice %s/%s: %w", system, id, store.ErrNotFound)
	}
	return cloneNotice(n), nil
}

func (t *tx) NoticeByCode(ctx context.Context, code payment.PaymentCode) (payment.Notice, error) {
	k, ok := t.s.byCode[code]
	if !ok {
		return payment.Notice{}, fmt.Errorf("payment code %s: %w", code, store.ErrNotFound)
	}
	return cloneNotice(t.s.notices[k]), nil
}

func (t *tx) NoticesByDossier(ctx context.Context, key string) ([]payment.Notice, error) {
	var out []payment.Notice
	for k := range t.s.byDossierKey[key] {
		out = append(out, cloneNotice(t.s.notices[k]))
	}
	sortNotices(out)
	return out, nil
}

func sortNotices(ns []payment.Notice) {
	sort.Slice(ns, func(i, j int) bool {
		if ns[i].System != ns[j].System {
			return ns[i].System < ns[j].System
		}
		return ns[i].ID < ns[j].ID
	})
}

// LockNotices needs no lock here: transactions are serial already.
func (t *tx) LockNotices(ctx context.Context, codes []payment.PaymentCode) ([]payment.Notice, error) {
	var out []payment.Notice
	seen := map[payment.PaymentCode]bool{}
	for _, c := range codes {
		if seen[c] {
			continue
		}
		seen[c] = true
		if k, ok := t.s.byCode[c]; ok {
			out = append(out, cloneNotice(t.s.notices[k]))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

func (t *tx) OpenNoticesByAmount(ctx context.Context, amount payment.Money, since time.Time, limit int) ([]payment.Notice, error) {
	var out []payment.Notice
	for _, n := range t.s.notices {
		if n.Status.Open() && n.Total.Equal(amount) && !n.IssuedAt.Before(since) {
			out = append(out, cloneNotice(n))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].IssuedAt.Equal(out[j].IssuedAt) {
			return out[i].IssuedAt.After(out[j].IssuedAt)
		}
		if out[i].System != out[j].System {
			return out[i].System < out[j].System
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (t *tx) ListNotices(ctx context.Context, from, to time.Time) ([]payment.Notice, error) {
	var out []payment.Notice
	for _, n := range t.s.notices {
		if !n.IssuedAt.Before(from) && n.IssuedAt.Before(to) {
			out = append(out, cloneNotice(n))
		}
	}
	sortNotices(out)
	return out, nil
}

// ---- payments

func (t *tx) InsertPayment(ctx context.Context, p payment.Payment) error {
	if err := p.Validate(); err != nil {
		return err
	}
	key := string(p.Gateway) + "|" + p.TxnID
	if _, ok := t.s.byTxn[key]; ok {
		return fmt.Errorf("payment %s: %w", p.ID, store.ErrAlreadyExists)
	}
	if _, ok := t.s.payments[p.ID]; ok {
		return fmt.Errorf("payment %s: %w", p.ID, store.ErrAlreadyExists)
	}
	setMap(t, t.s.payments, p.ID, p)
	setMap(t, t.s.byTxn, key, p.ID)
	return nil
}

func (t *tx) Payment(ctx context.Context, id string) (payment.Payment, error) {
	p, ok := t.s.payments[id]
	if !ok {
		return payment.Payment{}, fmt.Errorf("payment %s: %w", id, store.ErrNotFound)
	}
	return p, nil
}

func (t *tx) ListPayments(ctx context.Context, from, to time.Time) ([]payment.Payment, error) {
	var out []payment.Payment
	for _, p := range t.s.payments {
		if !p.PaidAt.Before(from) && p.PaidAt.Before(to) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PaidAt.Equal(out[j].PaidAt) {
			return out[i].PaidAt.Before(out[j].PaidAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *tx) LinkPayment(ctx context.Context, paymentID string, notices []store.NoticeKey) error {
	if _, ok := t.s.payments[paymentID]; !ok {
		return fmt.Errorf("link payment %s: %w", paymentID, store.ErrNotFound)
	}
	for _, k := range notices {
		if _, ok := t.s.notices[noticeKey{k.System, k.ID}]; !ok {
			return fmt.Errorf("link payment %s to %s/%s: %w", paymentID, k.System, k.ID, store.ErrNotFound)
		}
		addToSet(t, t.s.refsByNotice, noticeKey{k.System, k.ID}, paymentID)
		addToSet(t, t.s.refsByPayment, paymentID, noticeKey{k.System, k.ID})
	}
	return nil
}

func (t *tx) PaymentsByNotice(ctx context.Context, system, noticeID string) ([]payment.Payment, error) {
	var out []payment.Payment
	for id := range t.s.refsByNotice[noticeKey{system, noticeID}] {
		out = append(out, t.s.payments[id])
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PaidAt.Equal(out[j].PaidAt) {
			return out[i].PaidAt.Before(out[j].PaidAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *tx) LinkedNotices(ctx context.Context, paymentID string) ([]store.NoticeKey, error) {
	var out []store.NoticeKey
	for k := range t.s.refsByPayment[paymentID] {
		out = append(out, store.NoticeKey{System: k.system, ID: k.id})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].System != out[j].System {
			return out[i].System < out[j].System
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *tx) NoticesByID(ctx context.Context, id string) ([]payment.Notice, error) {
	var out []payment.Notice
	for k, n := range t.s.notices {
		if k.id == id {
			out = append(out, cloneNotice(n))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].System < out[j].System })
	return out, nil
}

func (t *tx) NoticesByKeys(ctx context.Context, keys []store.NoticeKey) ([]payment.Notice, error) {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, compareKeys)
	keys = slices.Compact(keys)
	var out []payment.Notice
	for _, k := range keys {
		if n, ok := t.s.notices[noticeKey{k.System, k.ID}]; ok {
			out = append(out, cloneNotice(n))
		}
	}
	return out, nil
}

// ---- allocations

func (t *tx) InsertAllocation(ctx context.Context, a reconcile.Allocation) error {
	p, ok := t.s.payments[a.PaymentID]
	if !ok {
		return fmt.Errorf("allocation of payment %s: %w", a.PaymentID, store.ErrNotFound)
	}
	nk := noticeKey{a.NoticeSystem, a.NoticeID}
	if _, ok := t.s.notices[nk]; !ok {
		return fmt.Errorf("allocation to notice %s/%s: %w", a.NoticeSystem, a.NoticeID, store.ErrNotFound)
	}
	if !a.Amount.Amount.IsPositive() {
		return fmt.Errorf("allocation of payment %s: amount %s must be positive: %w", a.PaymentID, a.Amount, store.ErrConflict)
	}
	if a.Amount.Currency != p.Amount.Currency {
		return fmt.Errorf("allocation of payment %s in %s: %w", a.PaymentID, a.Amount.Currency, payment.ErrCurrencyMismatch)
	}
	if a.Rule == "" {
		return fmt.Errorf("allocation of payment %s has no rule: %w", a.PaymentID, store.ErrConflict)
	}
	if err := store.CheckManual(a); err != nil {
		return err
	}
	k := allocKey{a.PaymentID, nk}
	if _, ok := t.s.allocs[k]; ok {
		return fmt.Errorf("allocation %s -> %s/%s: %w", a.PaymentID, a.NoticeSystem, a.NoticeID, store.ErrAlreadyExists)
	}
	total := a.Amount.Amount
	for n := range t.s.allocsByPayment[a.PaymentID] {
		total = total.Add(t.s.allocs[allocKey{a.PaymentID, n}].Amount.Amount)
	}
	if total.GreaterThan(p.Amount.Amount) {
		return fmt.Errorf("allocations of payment %s would sum to %s, more than %s: %w", a.PaymentID, total, p.Amount, store.ErrConflict)
	}
	setMap(t, t.s.allocs, k, a)
	addToSet(t, t.s.allocsByNotice, nk, a.PaymentID)
	addToSet(t, t.s.allocsByPayment, a.PaymentID, nk)
	return nil
}

func (t *tx) DeleteAllocations(ctx context.Context, system, noticeID string) error {
	nk := noticeKey{system, noticeID}
	for _, id := range sortedKeys(t.s.allocsByNotice[nk]) {
		if t.s.allocs[allocKey{id, nk}].Rule == reconcile.RuleManual {
			continue
		}
		t.deleteAllocation(id, nk)
	}
	return nil
}

func (t *tx) DeletePaymentAllocations(ctx context.Context, paymentID string) error {
	keys := make([]noticeKey, 0, len(t.s.allocsByPayment[paymentID]))
	for nk := range t.s.allocsByPayment[paymentID] {
		keys = append(keys, nk)
	}
	for _, nk := range keys {
		t.deleteAllocation(paymentID, nk)
	}
	return nil
}

func (t *tx) deleteAllocation(paymentID string, nk noticeKey) {
	delMap(t, t.s.allocs, allocKey{paymentID, nk})
	removeFromSet(t, t.s.allocsByNotice, nk, paymentID)
	removeFromSet(t, t.s.allocsByPayment, paymentID, nk)
}

func sortAllocs(as []reconcile.Allocation) {
	sort.Slice(as, func(i, j int) bool {
		a, b := as[i], as[j]
		if a.PaymentID != b.PaymentID {
			return a.PaymentID < b.PaymentID
		}
		if a.NoticeSystem != b.NoticeSystem {
			return a.NoticeSystem < b.NoticeSystem
		}
		return a.NoticeID < b.NoticeID
	})
}

func (t *tx) AllocationsByNotice(ctx context.Context, system, noticeID string) ([]reconcile.Allocation, error) {
	var out []reconcile.Allocation
	nk := noticeKey{system, noticeID}
	for id := range t.s.allocsByNotice[nk] {
		out = append(out, t.s.allocs[allocKey{id, nk}])
	}
	sortAllocs(out)
	return out, nil
}

func (t *tx) AllocationsByPayment(ctx context.Context, paymentID string) ([]reconcile.Allocation, error) {
	var out []reconcile.Allocation
	for nk := range t.s.allocsByPayment[paymentID] {
		out = append(out, t.s.allocs[allocKey{paymentID, nk}])
	}
	sortAllocs(out)
	return out, nil
}

func (t *tx) AllocationsPaidIn(ctx context.Context, from, to time.Time) ([]reconcile.Allocation, error) {
	ps, err := t.ListPayments(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var out []reconcile.Allocation
	for _, p := range ps {
		as, err := t.AllocationsByPayment(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

func (t *tx) NoticesPaid(ctx context.Context, keys []store.NoticeKey, before time.Time) ([]store.NoticePaid, error) {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, compareKeys)
	keys = slices.Compact(keys)
	var out []store.NoticePaid
	for _, k := range keys {
		nk := noticeKey{k.System, k.ID}
		paid, found := decimal.Zero, false
		for id := range t.s.allocsByNotice[nk] {
			if t.s.payments[id].PaidAt.Before(before) {
				paid, found = paid.Add(t.s.allocs[allocKey{id, nk}].Amount.Amount), true
			}
		}
		if found {
			out = append(out, store.NoticePaid{NoticeKey: k, Paid: paid})
		}
	}
	return out, nil
}

func compareKeys(a, b store.NoticeKey) int {
	return cmp.Or(cmp.Compare(a.System, b.System), cmp.Compare(a.ID, b.ID))
}

// ---- exceptions

func cloneException(e reconcile.Exception) reconcile.Exception {
	e.Candidates = append([]string{}, e.Candidates...)
	if e.ResolvedAt != nil {
		at := *e.ResolvedAt
		e.ResolvedAt = &at
	}
	return e
}

func (t *tx) UpsertException(ctx context.Context, e reconcile.Exception) error {
	if e.ID == "" || e.Kind == "" {
		return fmt.Errorf("exception without id or kind: %w", store.ErrConflict)
	}
	if e.PaymentID != "" {
		if _, ok := t.s.payments[e.PaymentID]; !ok {
			return fmt.Errorf("exception %s: payment %s: %w", e.ID, e.PaymentID, store.ErrNotFound)
		}
	}
	if e.Amount.Amount.IsNegative() {
		return fmt.Errorf("exception %s: negative amount: %w", e.ID, store.ErrConflict)
	}
	if e.Status != "" && !slices.Contains(reconcile.ExceptionStatuses(), e.Status) || !e.Kind.Valid() {
		return fmt.Errorf("exception %s: status %q, kind %q: %w", e.ID, e.Status, e.Kind, store.ErrConflict)
	}
	if e.Status.Closed() != (e.ResolvedAt != nil) {
		return fmt.Errorf("exception %s: closed exactly when it has a resolution time: %w", e.ID, store.ErrConflict)
	}
	if _, ok := t.s.excs[e.ID]; ok {
		return nil
	}
	if e.Status == "" {
		e.Status = reconcile.ExceptionOpen
	}
	setMap(t, t.s.excs, e.ID, cloneException(e))
	if e.PaymentID != "" {
		addToSet(t, t.s.excsByPayment, e.PaymentID, e.ID)
	}
	return nil
}

func (t *tx) Exception(ctx context.Context, id string) (reconcile.Exception, error) {
	e, ok := t.s.excs[id]
	if !ok {
		return reconcile.Exception{}, fmt.Errorf("exception %s: %w", id, store.ErrNotFound)
	}
	return cloneException(e), nil
}

func (t *tx) ExceptionsByID(ctx context.Context, ids []string) ([]reconcile.Exception, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	var out []reconcile.Exception
	for _, id := range slices.Compact(ids) {
		if e, ok := t.s.excs[id]; ok {
			out = append(out, cloneException(e))
		}
	}
	return out, nil
}

func (t *tx) ListExceptions(ctx context.Context, f store.ExceptionFilter) ([]reconcile.Exception, error) {
	var out []reconcile.Exception
	match := func(e reconcile.Exception) {
		if (f.Status == "" || e.Status == f.Status) && (f.Kind == "" || e.Kind == f.Kind) &&
			(f.PaymentID == "" || e.PaymentID == f.PaymentID) && e.ID > f.After &&
			(f.AssignedTo == "" || e.AssignedTo == f.AssignedTo) &&
			(!f.Scoped || t.concernsAgency(e.PaymentID, f.Agencies) || f.Unassigned && t.concernsNone(e.PaymentID)) {
			out = append(out, cloneException(e))
		}
	}
	if f.PaymentID != "" {
		for id := range t.s.excsByPayment[f.PaymentID] {
			match(t.s.excs[id])
		}
	} else {
		for _, e := range t.s.excs {
			match(e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (t *tx) ExceptionsPaidIn(ctx context.Context, from, to time.Time) ([]reconcile.Exception, error) {
	ps, err := t.ListPayments(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var out []reconcile.Exception
	for _, p := range ps {
		es, err := t.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID})
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// concernsNone reports whether payment paymentID ("" for none) is
// allocated to no notice and referenced none.
func (t *tx) concernsNone(paymentID string) bool {
	return paymentID == "" || len(t.s.allocsByPayment[paymentID]) == 0 && len(t.s.refsByPayment[paymentID]) == 0
}

// concernsAgency reports whether payment paymentID is allocated to, or
// referenced, a notice of one of agencies.
func (t *tx) concernsAgency(paymentID string, agencies []string) bool {
	if paymentID == "" {
		return false
	}
	for _, keys := range []map[noticeKey]bool{t.s.allocsByPayment[paymentID], t.s.refsByPayment[paymentID]} {
		for k := range keys {
			if n, ok := t.s.notices[k]; ok && slices.Contains(agencies, n.Agency) {
				return true
			}
		}
	}
	return false
}

func (t *tx) ResolveException(ctx context.Context, id, resolution, by string, at time.Time) error {
	return t.CloseException(ctx, id, reconcile.ExceptionResolved, resolution, by, at)
}

func (t *tx) CloseException(ctx context.Context, id string, status reconcile.ExceptionStatus, resolution, by string, at time.Time) error {
	e, ok := t.s.excs[id]
	if !ok {
		return fmt.Errorf("exception %s: %w", id, store.ErrNotFound)
	}
	if e.Status != reconcile.ExceptionOpen {
		return fmt.Errorf("exception %s is %s: %w", id, e.Status, store.ErrConflict)
	}
	if !status.Closed() {
		return fmt.Errorf("exception %s: %q is not a closed status: %w", id, status, store.ErrConflict)
	}
	if strings.TrimSpace(resolution) == "" || strings.TrimSpace(by) == "" {
		return fmt.Errorf("exception %s: resolution and resolver are required: %w", id, store.ErrConflict)
	}
	e = cloneException(e)
	e.Status, e.Resolution, e.ResolvedBy, e.ResolvedAt = status, resolution, by, &at
	setMap(t, t.s.excs, id, e)
	return nil
}

func (t *tx) ReopenException(ctx context.Context, id string) error {
	e, ok := t.s.excs[id]
	if !ok {
		return fmt.Errorf("exception %s: %w", id, store.ErrNotFound)
	}
	if e.Status == reconcile.ExceptionOpen {
		return fmt.Errorf("exception %s is open: %w", id, store.ErrConflict)
	}
	e = cloneException(e)
	e.Status, e.Resolution, e.ResolvedBy, e.ResolvedAt = reconcile.ExceptionOpen, "", "", nil
	setMap(t, t.s.excs, id, e)
	return nil
}

func (t *tx) AssignException(ctx context.Context, id, login string) error {
	e, ok := t.s.excs[id]
	if !ok {
		return fmt.Errorf("exception %s: %w", id, store.ErrNotFound)
	}
	e = cloneException(e)
	e.AssignedTo = login
	setMap(t, t.s.excs, id, e)
	return nil
}

func (t *tx) DeleteExceptionsForPayment(ctx context.Context, paymentID string) error {
	for _, id := range sortedKeys(t.s.excsByPayment[paymentID]) {
		if t.s.excs[id].Status == reconcile.ExceptionOpen {
			delMap(t, t.s.excs, id)
			removeFromSet(t, t.s.excsByPayment, paymentID, id)
		}
	}
	return nil
}

// ---- outbox

func (t *tx) Enqueue(ctx context.Context, m store.OutboxMessage) error {
	if _, ok := t.s.outbox[m.ID]; ok {
		return fmt.Errorf("outbox message %s: %w", m.ID, store.ErrAlreadyExists)
	}
	if m.State == "" {
		m.State = store.OutboxPending
	}
	m.Payload = append([]byte(nil), m.Payload...)
	setMap(t, t.s.outbox, m.ID, m)
	return nil
}

func (t *tx) Due(ctx context.Context, kind store.OutboxKind, now time.Time, limit int) ([]store.OutboxMessage, error) {
	var out []store.OutboxMessage
	for _, m := range t.s.outbox {
		if m.Kind == kind && m.State == store.OutboxPending && !m.NextAttempt.After(now) {
			out = append(out, m)
		}
	}
	sortOutbox(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func sortOutbox(ms []store.OutboxMessage) {
	sort.Slice(ms, func(i, j int) bool {
		if !ms[i].CreatedAt.Equal(ms[j].CreatedAt) {
			return ms[i].CreatedAt.Before(ms[j].CreatedAt)
		}
		return ms[i].ID < ms[j].ID
	})
}

func (t *tx) MarkDelivered(ctx context.Context, id string, at time.Time) error {
	m, ok := t.s.outbox[id]
	if !ok {
		return fmt.Errorf("outbox message %s: %w", id, store.ErrNotFound)
	}
	if m.State != store.OutboxPending {
		return fmt.Errorf("outbox message %s is %s: %w", id, m.State, store.ErrConflict)
	}
	m.State, m.DeliveredAt = store.OutboxDelivered, &at
	m.Attempts++
	setMap(t, t.s.outbox, id, m)
	return nil
}

func (t *tx) MarkFailed(ctx context.Context, id string, errText string, next time.Time, dead bool) error {
	m, ok := t.s.outbox[id]
	if !ok {
		return fmt.Errorf("outbox message %s: %w", id, store.ErrNotFound)
	}
	if m.State != store.OutboxPending {
		return fmt.Errorf("outbox message %s is %s: %w", id, m.State, store.ErrConflict)
	}
	m.Attempts++
	m.LastError, m.NextAttempt = errText, next
	if dead {
		m.State = store.OutboxDead
	}
	setMap(t, t.s.outbox, id, m)
	return nil
}

func (t *tx) RetryNow(ctx context.Context, kind store.OutboxKind, destination string, now time.Time) (int, error) {
	n := 0
	for id, m := range t.s.outbox {
		if m.Kind == kind && m.Destination == destination && m.State == store.OutboxPending && m.Attempts > 0 && m.NextAttempt.After(now) {
			m.NextAttempt = now
			setMap(t, t.s.outbox, id, m)
			n++
		}
	}
	return n, nil
}

func (t *tx) OutboxMessage(ctx context.Context, id string) (store.OutboxMessage, error) {
	m, ok := t.s.outbox[id]
	if !ok {
		return store.OutboxMessage{}, fmt.Errorf("outbox message %s: %w", id, store.ErrNotFound)
	}
	return m, nil
}

func (t *tx) ListOutbox(ctx context.Context, f store.OutboxFilter) ([]store.OutboxMessage, error) {
	var out []store.OutboxMessage
	for _, m := range t.s.outbox {
		if (f.Kind == "" || m.Kind == f.Kind) && (f.State == "" || m.State == f.State) && m.ID > f.After {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// ---- reports

func (t *tx) InsertReport(ctx context.Context, r store.Report) error {
	k := reportKey{r.BusinessDate, r.Agency, r.Version}
	if r.Version < 1 || r.ID == "" || len(r.SHA256) != 64 {
		return fmt.Errorf("report %q: id, version >= 1 and a SHA-256 are required: %w", r.ID, store.ErrConflict)
	}
	if _, ok := t.s.reports[k]; ok || t.s.reportID[r.ID] {
		return fmt.Errorf("report %s %s v%d: %w", r.BusinessDate, r.Agency, r.Version, store.ErrAlreadyExists)
	}
	r.Body = append([]byte(nil), r.Body...)
	setMap(t, t.s.reports, k, r)
	setMap(t, t.s.reportID, r.ID, true)
	return nil
}

func (t *tx) LatestReport(ctx context.Context, date payment.Date, agency string) (store.Report, error) {
	best := store.Report{}
	for k, r := range t.s.reports {
		if k.date == date && k.agency == agency && r.Version > best.Version {
			best = r
		}
	}
	if best.Version == 0 {
		return store.Report{}, fmt.Errorf("report %s %s: %w", date, agency, store.ErrNotFound)
	}
	return best, nil
}

func (t *tx) ReportVersion(ctx context.Context, date payment.Date, agency string, version int) (store.Report, error) {
	r, ok := t.s.reports[reportKey{date, agency, version}]
	if !ok {
		return store.Report{}, fmt.Errorf("report %s %s v%d: %w", date, agency, version, store.ErrNotFound)
	}
	return r, nil
}

// ---- statements

func (t *tx) InsertStatement(ctx context.Context, id string, source statements.Source, lines []statements.Line) error {
	if _, ok := t.s.stmts[id]; ok {
		return fmt.Errorf("statement %s: %w", id, store.ErrAlreadyExists)
	}
	for _, l := range lines {
		if l.Amount.Amount.IsNegative() || l.Fee.Amount.IsNegative() {
			return fmt.Errorf("statement %s line %d: negative amount: %w", id, l.Seq, store.ErrConflict)
		}
	}
	setMap(t, t.s.stmts, id, append([]statements.Line(nil), lines...))
	return nil
}

func (t *tx) StatementLines(ctx context.Context, from, to payment.Date) ([]statements.Line, error) {
	var out []statements.Line
	for _, ls := range t.s.stmts {
		for _, l := range ls {
			if !l.BookingDate.Before(from) && !to.Before(l.BookingDate) {
				out = append(out, l)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.BookingDate != b.BookingDate {
			return a.BookingDate.Before(b.BookingDate)
		}
		if a.StatementID != b.StatementID {
			return a.StatementID < b.StatementID
		}
		return a.Seq < b.Seq
	})
	return out, nil
}

// ---- audit

func (t *tx) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	var head store.AuditRecord
	if n := len(t.s.audit); n > 0 {
		head = t.s.audit[n-1]
	}
	n := len(t.s.audit)
	t.s.audit = append(t.s.audit, store.ChainNext(head, e))
	t.undo = append(t.undo, func() { t.s.audit = t.s.audit[:n] })
	return nil
}

func (t *tx) AuditTrail(ctx context.Context, entity string) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	for _, r := range t.s.audit {
		if r.Entity == entity {
			e := r.AuditEntry
			e.At = e.At.In(payment.Location())
			e.Detail = append([]byte(nil), e.Detail...)
			out = append(out, e)
		}
	}
	return out, nil
}

func (t *tx) AuditHeadAt(ctx context.Context, at time.Time) (store.AuditLink, error) {
	// Times never go backwards along the chain: the entries at or before
	// at are a prefix.
	i := sort.Search(len(t.s.audit), func(i int) bool { return t.s.audit[i].At.After(at) })
	if i == 0 {
		return store.AuditLink{}, nil
	}
	return t.s.audit[i-1].Link(), nil
}

func (t *tx) AuditRecords(ctx context.Context, from int64, limit int) ([]store.AuditRecord, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("audit records: limit %d", limit)
	}
	from = max(from, 1)
	if from > int64(len(t.s.audit)) {
		return nil, nil
	}
	page := t.s.audit[from-1 : min(int64(len(t.s.audit)), from-1+int64(limit))]
	out := make([]store.AuditRecord, len(page))
	for i, r := range page {
		r.Detail = append([]byte(nil), r.Detail...)
		r.Canonical = append([]byte(nil), r.Canonical...)
		out[i] = r
	}
	return out, nil
}

func cloneUser(u user.User) user.User {
	u.Agencies = append([]string(nil), u.Agencies...)
	return u
}

func (t *tx) CreateUser(ctx context.Context, u user.User) error {
	if err := u.Validate(); err != nil {
		return fmt.Errorf("user %s: %w: %w", u.Login, store.ErrConflict, err)
	}
	if _, ok := t.s.users[u.Login]; ok {
		return fmt.Errorf("user %s: %w", u.Login, store.ErrAlreadyExists)
	}
	setMap(t, t.s.users, u.Login, cloneUser(u))
	return nil
}

func (t *tx) User(ctx context.Context, login string) (user.User, error) {
	u, ok := t.s.users[login]
	if !ok {
		return user.User{}, fmt.Errorf("user %s: %w", login, store.ErrNotFound)
	}
	return cloneUser(u), nil
}

func (t *tx) ListUsers(ctx context.Context) ([]user.User, error) {
	out := make([]user.User, 0, len(t.s.users))
	for _, login := range slices.Sorted(maps.Keys(t.s.users)) {
		out = append(out, cloneUser(t.s.users[login]))
	}
	return out, nil
}

func (t *tx) UpdateUser(ctx context.Context, u user.User) error {
	if _, ok := t.s.users[u.Login]; !ok {
		return fmt.Errorf("user %s: %w", u.Login, store.ErrNotFound)
	}
	if err := u.Validate(); err != nil {
		return fmt.Errorf("user %s: %w: %w", u.Login, store.ErrConflict, err)
	}
	setMap(t, t.s.users, u.Login, cloneUser(u))
	return nil
}

func (t *tx) CreateSession(ctx context.Context, s user.Session) error {
	if len(s.TokenHash) != 32 {
		return fmt.Errorf("session: token hash of %d bytes: %w", len(s.TokenHash), store.ErrConflict)
	}
	if _, ok := t.s.users[s.Login]; !ok {
		return fmt.Errorf("session of %s: %w", s.Login, store.ErrNotFound)
	}
	k := string(s.TokenHash)
	if _, ok := t.s.sessions[k]; ok {
		return fmt.Errorf("session: %w", store.ErrAlreadyExists)
	}
	s.TokenHash = append([]byte(nil), s.TokenHash...)
	setMap(t, t.s.sessions, k, s)
	return nil
}

func (t *tx) Session(ctx context.Context, tokenHash []byte) (user.Session, error) {
	s, ok := t.s.sessions[string(tokenHash)]
	if !ok {
		return user.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	s.TokenHash = append([]byte(nil), s.TokenHash...)
	return s, nil
}

func (t *tx) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	s, ok := t.s.sessions[string(tokenHash)]
	if !ok {
		return fmt.Errorf("session: %w", store.ErrNotFound)
	}
	s.LastSeen = at
	setMap(t, t.s.sessions, string(tokenHash), s)
	return nil
}

func (t *tx) DeleteSession(ctx context.Context, tokenHash []byte) error {
	k := string(tokenHash)
	if old, ok := t.s.sessions[k]; ok {
		delete(t.s.sessions, k)
		t.undo = append(t.undo, func() { t.s.sessions[k] = old })
	}
	return nil
}

func (t *tx) DeleteSessions(ctx context.Context, login string) error {
	for k, s := range t.s.sessions {
		if s.Login == login {
			if err := t.DeleteSession(ctx, []byte(k)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- API keys

func (t *tx) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	if k.ID == "" || !store.ValidName(k.System) || len(k.SecretHash) != 32 || !slices.Contains(store.KeyRoles(), k.Role) || k.RevokedAt != nil {
		return fmt.Errorf("api key %q: id, system, a known role and a SHA-256, not revoked: %w", k.ID, store.ErrConflict)
	}
	if _, ok := t.s.keys[k.ID]; ok {
		return fmt.Errorf("api key %s: %w", k.ID, store.ErrAlreadyExists)
	}
	k.SecretHash = slices.Clone(k.SecretHash)
	setMap(t, t.s.keys, k.ID, k)
	return nil
}

func (t *tx) APIKey(ctx context.Context, id string) (store.APIKey, error) {
	k, ok := t.s.keys[id]
	if !ok {
		return store.APIKey{}, fmt.Errorf("api key %s: %w", id, store.ErrNotFound)
	}
	k.SecretHash = slices.Clone(k.SecretHash)
	return k, nil
}

func (t *tx) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	out := make([]store.APIKey, 0, len(t.s.keys))
	for _, k := range t.s.keys {
		k.SecretHash = slices.Clone(k.SecretHash)
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.System != b.System {
			return a.System < b.System
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	})
	return out, nil
}

func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	k, ok := t.s.keys[id]
	if !ok {
		return fmt.Errorf("api key %s: %w", id, store.ErrNotFound)
	}
	if !k.Active() {
		return fmt.Errorf("api key %s is revoked already: %w", id, store.ErrConflict)
	}
	if at.Before(k.CreatedAt) {
		return fmt.Errorf("api key %s: revoked before its creation: %w", id, store.ErrConflict)
	}
	k.RevokedAt = &at
	setMap(t, t.s.keys, id, k)
	return nil
}

func (t *tx) SystemHasKey(ctx context.Context, system string) (bool, error) {
	for _, k := range t.s.keys {
		if k.System == system && k.Role == store.RoleSystem && k.Active() {
			return true, nil
		}
	}
	return false, nil
}
