package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/store"
)

// inserted maps an INSERT … ON CONFLICT DO NOTHING result: no row means the
// key existed. Unlike a unique violation, this leaves the transaction
// usable, so a caller can take ErrAlreadyExists as "nothing new" and go on.
func inserted(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrAlreadyExists
	}
	return nil
}

// ---- notices

type noticeRow struct {
	System          string          `db:"system"`
	ID              string          `db:"id"`
	Version         int             `db:"version"`
	Dossier         string          `db:"dossier_code"`
	Code            string          `db:"payment_code"`
	Agency          string          `db:"agency_code"`
	PayerName       string          `db:"payer_name"`
	Amount          decimal.Decimal `db:"amount"`
	Currency        string          `db:"currency"`
	IssuedAt        time.Time       `db:"issued_at"`
	DueAt           sql.NullTime    `db:"due_at"`
	TreasuryAccount string          `db:"treasury_account"`
	Status          string          `db:"status"`
}

type itemRow struct {
	System        string          `db:"system"`
	NoticeID      string          `db:"notice_id"`
	Seq           int             `db:"seq"`
	FeeType       string          `db:"fee_type"`
	Kind          string          `db:"kind"`
	Amount        decimal.Decimal `db:"amount"`
	Currency      string          `db:"currency"`
	BudgetChapter string          `db:"budget_chapter"`
	BudgetSubitem string          `db:"budget_subitem"`
}

const noticeCols = `system, id, version, dossier_code, payment_code, agency_code, payer_name, amount, currency,
	issued_at, due_at, treasury_account, status`

func (r noticeRow) notice(loc *time.Location) payment.Notice {
	n := payment.Notice{
		ID: r.ID, System: r.System, Dossier: payment.DossierCode(r.Dossier), Code: payment.PaymentCode(r.Code),
		Agency: r.Agency, PayerName: r.PayerName,
		Total:    payment.Money{Amount: r.Amount, Currency: payment.Currency(r.Currency)},
		IssuedAt: r.IssuedAt.In(loc), TreasuryAccount: r.TreasuryAccount,
		Status: payment.NoticeStatus(r.Status), Version: r.Version,
	}
	if r.DueAt.Valid {
		n.DueAt = r.DueAt.Time.In(loc)
	}
	return n
}

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

func (t *tx) NextCodeSerial(ctx context.Context) (uint64, error) {
	var v uint64
	if err := t.tx.GetContext(ctx, &v, `SELECT nextval('payment_code_serial')`); err != nil {
		return 0, fmt.Errorf("next code serial: %w", mapErr(err))
	}
	return v, nil
}

func (t *tx) CreateNotice(ctx context.Context, n payment.Notice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO notices (`+noticeCols+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT DO NOTHING`,
		n.System, n.ID, n.Version, string(n.Dossier), string(n.Code), n.Agency, n.PayerName,
		n.Total.Amount, string(n.Total.Currency), n.IssuedAt, nullTime(n.DueAt), n.TreasuryAccount, string(n.Status))
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("create notice %s/%s (code %s): %w", n.System, n.ID, n.Code, err)
	}
	return t.insertItems(ctx, n)
}

func (t *tx) insertItems(ctx context.Context, n payment.Notice) error {
	for i, it := range n.Items {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO notice_items
			(system, notice_id, seq, fee_type, kind, amount, currency, budget_chapter, budget_subitem)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			n.System, n.ID, i, it.FeeType, string(it.Kind), it.Amount.Amount, string(it.Amount.Currency), it.BudgetChapter, it.BudgetSubitem)
		if err != nil {
			return fmt.Errorf("notice %s/%s item %d: %w", n.System, n.ID, i, mapErr(err))
		}
	}
	return nil
}

func (t *tx) UpdateNotice(ctx context.Context, n payment.Notice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	old, err := t.lockNotice(ctx, n.System, n.ID)
	if err != nil {
		return err
	}
	if old.Code != n.Code {
		return fmt.Errorf("notice %s/%s: payment code cannot change: %w", n.System, n.ID, store.ErrConflict)
	}
	statusOnly := store.StatusOnly(old, n)
	if old.Version != n.Version-1 && !statusOnly {
		return fmt.Errorf("notice %s/%s version %d over stored %d: %w", n.System, n.ID, n.Version, old.Version, store.ErrConflict)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE notices SET version=$3, dossier_code=$4, agency_code=$5, payer_name=$6,
		amount=$7, currency=$8, issued_at=$9, due_at=$10, treasury_account=$11, status=$12, updated_at=now()
		WHERE system=$1 AND id=$2`,
		n.System, n.ID, n.Version, string(n.Dossier), n.Agency, n.PayerName, n.Total.Amount, string(n.Total.Currency),
		n.IssuedAt, nullTime(n.DueAt), n.TreasuryAccount, string(n.Status))
	if err != nil {
		return fmt.Errorf("update notice %s/%s: %w", n.System, n.ID, mapErr(err))
	}
	if statusOnly {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM notice_items WHERE system=$1 AND notice_id=$2`, n.System, n.ID); err != nil {
		return fmt.Errorf("update notice %s/%s items: %w", n.System, n.ID, mapErr(err))
	}
	return t.insertItems(ctx, n)
}

func (t *tx) SetNoticeStatus(ctx context.Context, system, id string, status payment.NoticeStatus) error {
	if !status.Valid() {
		return fmt.Errorf("notice %s/%s: status %q: %w", system, id, status, store.ErrConflict)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE notices SET status=$3, updated_at=now() WHERE system=$1 AND id=$2`, system, id, string(status))
	if err != nil {
		return fmt.Errorf("notice %s/%s status: %w", system, id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("notice %s/%s: %w", system, id, store.ErrNotFound)
	}
	return nil
}

func (t *tx) lockNotice(ctx context.Context, system, id string) (payment.Notice, error) {
	ns, err := t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE system=$1 AND id=$2 FOR UPDATE`, system, id)
	if err != nil {
		return payment.Notice{}, err
	}
	if len(ns) == 0 {
		return payment.Notice{}, fmt.Errorf("notice %s/%s: %w", system, id, store.ErrNotFound)
	}
	return ns[0], nil
}

// selectNotices runs a query over notices and loads their items.
func (t *tx) selectNotices(ctx context.Context, query string, args ...any) ([]payment.Notice, error) {
	var rows []noticeRow
	if err := t.tx.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("select notices: %w", mapErr(err))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	loc := payment.Location()
	out := make([]payment.Notice, len(rows))
	systems := make([]string, len(rows))
	ids := make([]string, len(rows))
	index := map[[2]string]int{}
	for i, r := range rows {
		out[i] = r.notice(loc)
		systems[i], ids[i] = r.System, r.ID
		index[[2]string{r.System, r.ID}] = i
	}
	var items []itemRow
	err := t.tx.SelectContext(ctx, &items, `SELECT i.* FROM unnest($1::text[], $2::text[]) AS k (system, id)
		CROSS JOIN LATERAL (SELECT * FROM notice_items WHERE system = k.system AND notice_id = k.id OFFSET 0) AS i
		ORDER BY i.system, i.notice_id, i.seq`, textArray(systems), textArray(ids))
	if err != nil {
		return nil, fmt.Errorf("select notice items: %w", mapErr(err))
	}
	for _, it := range items {
		i := index[[2]string{it.System, it.NoticeID}]
		out[i].Items = append(out[i].Items, payment.NoticeItem{
			FeeType: it.FeeType, Kind: payment.FeeKind(it.Kind),
			Amount:        payment.Money{Amount: it.Amount, Currency: payment.Currency(it.Currency)},
			BudgetChapter: it.BudgetChapter, BudgetSubitem: it.BudgetSubitem,
		})
	}
	return out, nil
}

func (t *tx) Notice(ctx context.Context, system, id string) (payment.Notice, error) {
	ns, err := t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE system=$1 AND id=$2`, system, id)
	if err != nil {
		return payment.Notice{}, err
	}
	if len(ns) == 0 {
		return payment.Notice{}, fmt.Errorf("notice %s/%s: %w", system, id, store.ErrNotFound)
	}
	return ns[0], nil
}

func (t *tx) NoticeByCode(ctx context.Context, code payment.PaymentCode) (payment.Notice, error) {
	ns, err := t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE payment_code=$1`, string(code))
	if err != nil {
		return payment.Notice{}, err
	}
	if len(ns) == 0 {
		return payment.Notice{}, fmt.Errorf("payment code %s: %w", code, store.ErrNotFound)
	}
	return ns[0], nil
}

func (t *tx) NoticesByKeys(ctx context.Context, keys []store.NoticeKey) ([]payment.Notice, error) {
	systems, ids := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		systems[i], ids[i] = k.System, k.ID
	}
	return t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices
		WHERE (system, id) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY system, id`, textArray(systems), textArray(ids))
}

func (t *tx) NoticesByDossier(ctx context.Context, key string) ([]payment.Notice, error) {
	return t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE dossier_key=$1 ORDER BY system, id`, key)
}

func (t *tx) LockNotices(ctx context.Context, codes []payment.PaymentCode) ([]payment.Notice, error) {
	cs := make([]string, len(codes))
	for i, c := range codes {
		cs[i] = string(c)
	}
	// A fixed lock order (by code) keeps two allocators from deadlocking.
	// Driven by the codes (a semi-join the planner probes the index
	// with, statistics or none), locked in code order.
	return t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE payment_code IN (SELECT unnest($1::text[]))
		ORDER BY payment_code FOR UPDATE`, pq.Array(cs))
}

func (t *tx) OpenNoticesByAmount(ctx context.Context, amount payment.Money, since time.Time, limit int) ([]payment.Notice, error) {
	if limit <= 0 {
		limit = 1000
	}
	return t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices
		WHERE status IN ('issued','partially_paid') AND amount=$1 AND currency=$2 AND issued_at >= $3
		ORDER BY issued_at DESC, system, id LIMIT $4`, amount.Amount, string(amount.Currency), since, limit)
}

func (t *tx) ListNotices(ctx context.Context, from, to time.Time) ([]payment.Notice, error) {
	return t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE issued_at >= $1 AND issued_at < $2
		ORDER BY system, id`, from, to)
}

func (t *tx) NoticesByID(ctx context.Context, id string) ([]payment.Notice, error) {
	return t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE id = $1 ORDER BY system`, id)
}

// ---- payments

type paymentRow struct {
	ID           string          `db:"id"`
	Gateway      string          `db:"gateway"`
	TxnID        string          `db:"txn_id"`
	Amount       decimal.Decimal `db:"amount"`
	Currency     string          `db:"currency"`
	PaidAt       time.Time       `db:"paid_at"`
	PayerName    string          `db:"payer_name"`
	PayerAccount string          `db:"payer_account"`
	Description  string          `db:"description"`
	BankRef      string          `db:"bank_ref"`
	RawRef       string          `db:"raw_ref"`
	CreditedBIN  string          `db:"credited_bin"`
	CreditedAcct string          `db:"credited_account"`
}

const paymentCols = `id, gateway, txn_id, amount, currency, paid_at, payer_name, payer_account, description, bank_ref, raw_ref,
	credited_bin, credited_account`

func (r paymentRow) payment() payment.Payment {
	return payment.Payment{
		ID: r.ID, Gateway: payment.Gateway(r.Gateway), TxnID: r.TxnID,
		Amount: payment.Money{Amount: r.Amount, Currency: payment.Currency(r.Currency)},
		PaidAt: r.PaidAt.In(payment.Location()), PayerName: r.PayerName, PayerAccount: r.PayerAccount,
		Description: r.Description, BankRef: r.BankRef, RawRef: r.RawRef,
		CreditedAccount: payment.CreditedAccount{BIN: r.CreditedBIN, Account: r.CreditedAcct},
	}
}

func (t *tx) InsertPayment(ctx context.Context, p payment.Payment) error {
	if err := p.Validate(); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO payments (`+paymentCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
		ON CONFLICT DO NOTHING`,
		p.ID, string(p.Gateway), p.TxnID, p.Amount.Amount, string(p.Amount.Currency), p.PaidAt,
		p.PayerName, p.PayerAccount, p.Description, p.BankRef, p.RawRef,
		p.CreditedAccount.BIN, p.CreditedAccount.Account)
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("insert payment %s: %w", p.ID, err)
	}
	return nil
}

func (t *tx) Payment(ctx context.Context, id string) (payment.Payment, error) {
	var r paymentRow
	if err := t.tx.GetContext(ctx, &r, `SELECT `+paymentCols+` FROM payments WHERE id=$1`, id); err != nil {
		return payment.Payment{}, fmt.Errorf("payment %s: %w", id, mapErr(err))
	}
	return r.payment(), nil
}

func (t *tx) ListPayments(ctx context.Context, from, to time.Time) ([]payment.Payment, error) {
	var rows []paymentRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT `+paymentCols+` FROM payments
		WHERE paid_at >= $1 AND paid_at < $2 ORDER BY paid_at, id`, from, to); err != nil {
		return nil, fmt.Errorf("list payments: %w", mapErr(err))
	}
	out := make([]payment.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

func (t *tx) LinkPayment(ctx context.Context, paymentID string, notices []store.NoticeKey) error {
	for _, k := range notices {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO payment_refs (payment_id, notice_system, notice_id)
			VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, paymentID, k.System, k.ID); err != nil {
			return fmt.Errorf("link payment %s to %s/%s: %w", paymentID, k.System, k.ID, mapErr(err))
		}
	}
	return nil
}

func (t *tx) PaymentsByNotice(ctx context.Context, system, noticeID string) ([]payment.Payment, error) {
	var rows []paymentRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT p.id, p.gateway, p.txn_id, p.amount, p.currency, p.paid_at,
		p.payer_name, p.payer_account, p.description, p.bank_ref, p.raw_ref, p.credited_bin, p.credited_account
		FROM payments p JOIN payment_refs r ON r.payment_id = p.id
		WHERE r.notice_system=$1 AND r.notice_id=$2 ORDER BY p.paid_at, p.id`, system, noticeID); err != nil {
		return nil, fmt.Errorf("payments of %s/%s: %w", system, noticeID, mapErr(err))
	}
	out := make([]payment.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

func (t *tx) LinkedNotices(ctx context.Context, paymentID string) ([]store.NoticeKey, error) {
	var out []store.NoticeKey
	if err := t.tx.SelectContext(ctx, &out, `SELECT notice_system AS system, notice_id AS id FROM payment_refs
		WHERE payment_id=$1 ORDER BY notice_system, notice_id`, paymentID); err != nil {
		return nil, fmt.Errorf("notices of payment %s: %w", paymentID, mapErr(err))
	}
	return out, nil
}

// ---- allocations

type allocRow struct {
	PaymentID    string          `db:"payment_id"`
	NoticeSystem string          `db:"notice_system"`
	NoticeID     string          `db:"notice_id"`
	Code         string          `db:"payment_code"`
	Amount       decimal.Decimal `db:"amount"`
	Currency     string          `db:"currency"`
	Rule         string          `db:"rule"`
	Evidence     string          `db:"evidence"`
	By           string          `db:"decided_by"`
	Approved     string          `db:"approved_by"`
	Reason       string          `db:"reason"`
}

func (r allocRow) allocation() reconcile.Allocation {
	return reconcile.Allocation{
		PaymentID: r.PaymentID, NoticeSystem: r.NoticeSystem, NoticeID: r.NoticeID, Code: payment.PaymentCode(r.Code),
		Amount: payment.Money{Amount: r.Amount, Currency: payment.Currency(r.Currency)},
		Rule:   reconcile.Rule(r.Rule), Evidence: r.Evidence, By: r.By, Approved: r.Approved, Reason: r.Reason,
	}
}

func (t *tx) InsertAllocation(ctx context.Context, a reconcile.Allocation) error {
	// A constraint trigger refuses over-allocation at the end of this
	// statement: the insert that would overdraw the payment fails.
	if err := store.CheckManual(a); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO allocations
		(payment_id, notice_system, notice_id, payment_code, amount, currency, rule, evidence, decided_by, approved_by, reason)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT DO NOTHING`,
		a.PaymentID, a.NoticeSystem, a.NoticeID, string(a.Code), a.Amount.Amount, string(a.Amount.Currency), string(a.Rule), a.Evidence,
		a.By, a.Approved, a.Reason)
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("allocate %s -> %s/%s: %w", a.PaymentID, a.NoticeSystem, a.NoticeID, err)
	}
	return nil
}

func (t *tx) DeleteAllocations(ctx context.Context, system, noticeID string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM allocations WHERE notice_system=$1 AND notice_id=$2 AND rule <> 'manual'`,
		system, noticeID); err != nil {
		return fmt.Errorf("delete allocations of %s/%s: %w", system, noticeID, mapErr(err))
	}
	return nil
}

func (t *tx) DeletePaymentAllocations(ctx context.Context, paymentID string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM allocations WHERE payment_id=$1`, paymentID); err != nil {
		return fmt.Errorf("delete allocations of payment %s: %w", paymentID, mapErr(err))
	}
	return nil
}

func (t *tx) selectAllocs(ctx context.Context, query string, args ...any) ([]reconcile.Allocation, error) {
	var rows []allocRow
	if err := t.tx.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("select allocations: %w", mapErr(err))
	}
	out := make([]reconcile.Allocation, len(rows))
	for i, r := range rows {
		out[i] = r.allocation()
	}
	return out, nil
}

const allocCols = `payment_id, notice_system, notice_id, payment_code, amount, currency, rule, evidence,
	decided_by, approved_by, reason`

func (t *tx) AllocationsByNotice(ctx context.Context, system, noticeID string) ([]reconcile.Allocation, error) {
	return t.selectAllocs(ctx, `SELECT `+allocCols+` FROM allocations WHERE notice_system=$1 AND notice_id=$2
		ORDER BY payment_id, notice_system, notice_id`, system, noticeID)
}

func (t *tx) AllocationsByPayment(ctx context.Context, paymentID string) ([]reconcile.Allocation, error) {
	return t.selectAllocs(ctx, `SELECT `+allocCols+` FROM allocations WHERE payment_id=$1
		ORDER BY payment_id, notice_system, notice_id`, paymentID)
}

func (t *tx) AllocationsPaidIn(ctx context.Context, from, to time.Time) ([]reconcile.Allocation, error) {
	return t.selectAllocs(ctx, `SELECT a.payment_id, a.notice_system, a.notice_id, a.payment_code, a.amount, a.currency, a.rule,
		a.evidence, a.decided_by, a.approved_by, a.reason
		FROM payments p JOIN allocations a ON a.payment_id = p.id
		WHERE p.paid_at >= $1 AND p.paid_at < $2 ORDER BY p.paid_at, p.id, a.notice_system, a.notice_id`, from, to)
}

func (t *tx) NoticesPaid(ctx context.Context, keys []store.NoticeKey, before time.Time) ([]store.NoticePaid, error) {
	systems, ids := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		systems[i], ids[i] = k.System, k.ID
	}
	var rows []struct {
		System string          `db:"notice_system"`
		ID     string          `db:"notice_id"`
		Paid   decimal.Decimal `db:"paid"`
	}
	// IN, not a join, so that a key given twice is summed once.
	if err := t.tx.SelectContext(ctx, &rows, `SELECT a.notice_system, a.notice_id, sum(a.amount) AS paid
		FROM allocations a JOIN payments p ON p.id = a.payment_id
		WHERE (a.notice_system, a.notice_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND p.paid_at < $3
		GROUP BY a.notice_system, a.notice_id ORDER BY a.notice_system, a.notice_id`,
		pq.Array(systems), pq.Array(ids), before); err != nil {
		return nil, fmt.Errorf("paid of %d notices: %w", len(keys), mapErr(err))
	}
	out := make([]store.NoticePaid, len(rows))
	for i, r := range rows {
		out[i] = store.NoticePaid{NoticeKey: store.NoticeKey{System: r.System, ID: r.ID}, Paid: r.Paid}
	}
	return out, nil
}

// ---- exceptions

type exceptionRow struct {
	ID           string          `db:"id"`
	Kind         string          `db:"kind"`
	PaymentID    sql.NullString  `db:"payment_id"`
	StatementRef string          `db:"statement_ref"`
	NoticeSystem string          `db:"notice_system"`
	NoticeID     string          `db:"notice_id"`
	Amount       decimal.Decimal `db:"amount"`
	Currency     string          `db:"currency"`
	Candidates   pq.StringArray  `db:"candidates"`
	Evidence     string          `db:"evidence"`
	Status       string          `db:"status"`
	CreatedAt    time.Time       `db:"created_at"`
	Resolution   string          `db:"resolution"`
	ResolvedBy   string          `db:"resolved_by"`
	ResolvedAt   sql.NullTime    `db:"resolved_at"`
	AssignedTo   string          `db:"assigned_to"`
}

const exceptionCols = `id, kind, payment_id, statement_ref, notice_system, notice_id, amount, currency, candidates, evidence, status,
	created_at, resolution, resolved_by, resolved_at, assigned_to`

func (r exceptionRow) exception() reconcile.Exception {
	loc := payment.Location()
	e := reconcile.Exception{
		ID: r.ID, Kind: reconcile.ExceptionKind(r.Kind), PaymentID: r.PaymentID.String, StatementRef: r.StatementRef,
		NoticeSystem: r.NoticeSystem, NoticeID: r.NoticeID, Amount: payment.Money{Amount: r.Amount, Currency: payment.Currency(r.Currency)},
		Candidates: append([]string{}, r.Candidates...), Evidence: r.Evidence, Status: reconcile.ExceptionStatus(r.Status),
		CreatedAt: r.CreatedAt.In(loc), Resolution: r.Resolution, ResolvedBy: r.ResolvedBy, AssignedTo: r.AssignedTo,
	}
	if r.ResolvedAt.Valid {
		at := r.ResolvedAt.Time.In(loc)
		e.ResolvedAt = &at
	}
	return e
}

func (t *tx) UpsertException(ctx context.Context, e reconcile.Exception) error {
	if e.Status == "" {
		e.Status = reconcile.ExceptionOpen
	}
	cur := string(e.Amount.Currency)
	if cur == "" {
		cur = string(payment.VND)
	}
	cands := e.Candidates
	if cands == nil {
		cands = []string{}
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO exceptions (id, kind, payment_id, statement_ref, notice_id, amount, currency,
		candidates, evidence, status, created_at, notice_system) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (id) DO NOTHING`,
		e.ID, string(e.Kind), sql.NullString{String: e.PaymentID, Valid: e.PaymentID != ""}, e.StatementRef, e.NoticeID,
		e.Amount.Amount, cur, pq.Array(cands), e.Evidence, string(e.Status), e.CreatedAt, e.NoticeSystem)
	if err != nil {
		return fmt.Errorf("exception %s: %w", e.ID, mapErr(err))
	}
	return nil
}

func (t *tx) Exception(ctx context.Context, id string) (reconcile.Exception, error) {
	var r exceptionRow
	if err := t.tx.GetContext(ctx, &r, `SELECT `+exceptionCols+` FROM exceptions WHERE id=$1`, id); err != nil {
		return reconcile.Exception{}, fmt.Errorf("exception %s: %w", id, mapErr(err))
	}
	return r.exception(), nil
}

func (t *tx) ExceptionsByID(ctx context.Context, ids []string) ([]reconcile.Exception, error) {
	var rows []exceptionRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT `+exceptionCols+` FROM exceptions WHERE id = ANY($1::text[]) ORDER BY id`,
		pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("exceptions by id: %w", mapErr(err))
	}
	out := make([]reconcile.Exception, len(rows))
	for i, r := range rows {
		out[i] = r.exception()
	}
	return out, nil
}

func (t *tx) ListExceptions(ctx context.Context, f store.ExceptionFilter) ([]reconcile.Exception, error) {
	var rows []exceptionRow
	err := t.tx.SelectContext(ctx, &rows, `SELECT `+exceptionCols+` FROM exceptions
		WHERE ($1 = '' OR status = $1) AND ($2 = '' OR kind = $2) AND ($3 = '' OR payment_id = $3) AND id > $4
		AND ($8 = '' OR assigned_to = $8)
		AND (NOT $6 OR EXISTS (
			SELECT 1 FROM (SELECT notice_system, notice_id FROM allocations a WHERE a.payment_id = exceptions.payment_id
			               UNION ALL
			               SELECT notice_system, notice_id FROM payment_refs r WHERE r.payment_id = exceptions.payment_id) k
			JOIN notices n ON n.system = k.notice_system AND n.id = k.notice_id
			WHERE n.agency_code = ANY($7))
		     OR $9 AND NOT EXISTS (
			SELECT 1 FROM allocations a WHERE a.payment_id = exceptions.payment_id
			UNION ALL
			SELECT 1 FROM payment_refs r WHERE r.payment_id = exceptions.payment_id))
		ORDER BY id LIMIT NULLIF($5, 0)`, string(f.Status), string(f.Kind), f.PaymentID, f.After, f.Limit,
		f.Scoped, pq.StringArray(append([]string{}, f.Agencies...)), f.AssignedTo, f.Unassigned)
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", mapErr(err))
	}
	out := make([]reconcile.Exception, len(rows))
	for i, r := range rows {
		out[i] = r.exception()
	}
	return out, nil
}

func (t *tx) ExceptionsPaidIn(ctx context.Context, from, to time.Time) ([]reconcile.Exception, error) {
	var rows []exceptionRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT e.id, e.kind, e.payment_id, e.statement_ref, e.notice_system, e.notice_id,
		e.amount, e.currency, e.candidates, e.evidence, e.status, e.created_at, e.resolution, e.resolved_by, e.resolved_at, e.assigned_to
		FROM payments p JOIN exceptions e ON e.payment_id = p.id
		WHERE p.paid_at >= $1 AND p.paid_at < $2 ORDER BY p.paid_at, p.id, e.id`, from, to); err != nil {
		return nil, fmt.Errorf("exceptions paid in [%s, %s): %w", from, to, mapErr(err))
	}
	out := make([]reconcile.Exception, len(rows))
	for i, r := range rows {
		out[i] = r.exception()
	}
	return out, nil
}

func (t *tx) ResolveException(ctx context.Context, id, resolution, by string, at time.Time) error {
	return t.CloseException(ctx, id, reconcile.ExceptionResolved, resolution, by, at)
}

func (t *tx) CloseException(ctx context.Context, id string, status reconcile.ExceptionStatus, resolution, by string, at time.Time) error {
	if strings.TrimSpace(resolution) == "" || strings.TrimSpace(by) == "" {
		return fmt.Errorf("exception %s: resolution and resolver are required: %w", id, store.ErrConflict)
	}
	if !status.Closed() {
		return fmt.Errorf("exception %s: %q is not a closed status: %w", id, status, store.ErrConflict)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE exceptions SET status=$5, resolution=$2, resolved_by=$3, resolved_at=$4
		WHERE id=$1 AND status='open'`, id, resolution, by, at, string(status))
	if err != nil {
		return fmt.Errorf("close exception %s: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := t.Exception(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("exception %s is not open: %w", id, store.ErrConflict)
}

func (t *tx) ReopenException(ctx context.Context, id string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE exceptions SET status='open', resolution='', resolved_by='', resolved_at=NULL
		WHERE id=$1 AND status <> 'open'`, id)
	if err != nil {
		return fmt.Errorf("reopen exception %s: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := t.Exception(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("exception %s is open: %w", id, store.ErrConflict)
}

func (t *tx) AssignException(ctx context.Context, id, login string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE exceptions SET assigned_to=$2 WHERE id=$1`, id, login)
	if err != nil {
		return fmt.Errorf("assign exception %s: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("exception %s: %w", id, store.ErrNotFound)
	}
	return nil
}

func (t *tx) DeleteExceptionsForPayment(ctx context.Context, paymentID string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM exceptions WHERE payment_id=$1 AND status='open'`, paymentID); err != nil {
		return fmt.Errorf("delete exceptions of %s: %w", paymentID, mapErr(err))
	}
	return nil
}

// ---- outbox

const outboxCols = `id, kind, destination, payload, state, attempts, next_attempt_at, last_error, created_at, delivered_at`

func fixOutbox(m *store.OutboxMessage) {
	loc := payment.Location()
	m.NextAttempt, m.CreatedAt = m.NextAttempt.In(loc), m.CreatedAt.In(loc)
	if m.DeliveredAt != nil {
		at := m.DeliveredAt.In(loc)
		m.DeliveredAt = &at
	}
}

func (t *tx) Enqueue(ctx context.Context, m store.OutboxMessage) error {
	if m.State == "" {
		m.State = store.OutboxPending
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO outbox (id, kind, destination, payload, state, attempts, next_attempt_at, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING`,
		m.ID, string(m.Kind), m.Destination, m.Payload, string(m.State), m.Attempts, m.NextAttempt, m.CreatedAt)
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("enqueue %s: %w", m.ID, err)
	}
	return nil
}

func (t *tx) selectOutbox(ctx context.Context, query string, args ...any) ([]store.OutboxMessage, error) {
	var out []store.OutboxMessage
	if err := t.tx.SelectContext(ctx, &out, query, args...); err != nil {
		return nil, fmt.Errorf("select outbox: %w", mapErr(err))
	}
	for i := range out {
		fixOutbox(&out[i])
	}
	return out, nil
}

func (t *tx) Due(ctx context.Context, kind store.OutboxKind, now time.Time, limit int) ([]store.OutboxMessage, error) {
	if limit <= 0 {
		limit = 100
	}
	return t.selectOutbox(ctx, `SELECT `+outboxCols+` FROM outbox
		WHERE kind=$1 AND state='pending' AND next_attempt_at <= $2
		ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`, string(kind), now, limit)
}

func (t *tx) MarkDelivered(ctx context.Context, id string, at time.Time) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE outbox SET state='delivered', delivered_at=$2, attempts=attempts+1
		WHERE id=$1 AND state='pending'`, id, at)
	return t.outboxChanged(ctx, id, res, err)
}

func (t *tx) MarkFailed(ctx context.Context, id string, errText string, next time.Time, dead bool) error {
	state := store.OutboxPending
	if dead {
		state = store.OutboxDead
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE outbox SET attempts=attempts+1, last_error=$2, next_attempt_at=$3, state=$4
		WHERE id=$1 AND state='pending'`, id, errText, next, string(state))
	return t.outboxChanged(ctx, id, res, err)
}

func (t *tx) RetryNow(ctx context.Context, kind store.OutboxKind, destination string, now time.Time) (int, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at=$3
		WHERE kind=$1 AND destination=$2 AND state='pending' AND attempts > 0 AND next_attempt_at > $3`, string(kind), destination, now)
	if err != nil {
		return 0, fmt.Errorf("outbox retry now %s %s: %w", kind, destination, mapErr(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *tx) outboxChanged(ctx context.Context, id string, res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("outbox %s: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	m, err := t.OutboxMessage(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("outbox message %s is %s: %w", id, m.State, store.ErrConflict)
}

func (t *tx) OutboxMessage(ctx context.Context, id string) (store.OutboxMessage, error) {
	ms, err := t.selectOutbox(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id=$1`, id)
	if err != nil {
		return store.OutboxMessage{}, err
	}
	if len(ms) == 0 {
		return store.OutboxMessage{}, fmt.Errorf("outbox message %s: %w", id, store.ErrNotFound)
	}
	return ms[0], nil
}

func (t *tx) ListOutbox(ctx context.Context, f store.OutboxFilter) ([]store.OutboxMessage, error) {
	return t.selectOutbox(ctx, `SELECT `+outboxCols+` FROM outbox WHERE ($1 = '' OR kind=$1) AND ($2 = '' OR state=$2) AND id > $3
		ORDER BY id LIMIT NULLIF($4, 0)`, string(f.Kind), string(f.State), f.After, f.Limit)
}

// ---- reports

type reportRow struct {
	store.Report
	Date time.Time `db:"business_date"`
}

func (t *tx) InsertReport(ctx context.Context, r store.Report) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO reports (id, business_date, agency, version, sha256, body, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING`, r.ID, r.BusinessDate.String(), r.Agency, r.Version, r.SHA256, r.Body, r.CreatedAt)
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("insert report %s %s v%d: %w", r.BusinessDate, r.Agency, r.Version, err)
	}
	return nil
}

func (t *tx) getReport(ctx context.Context, query string, args ...any) (store.Report, error) {
	var r reportRow
	if err := t.tx.GetContext(ctx, &r, query, args...); err != nil {
		return store.Report{}, mapErr(err)
	}
	r.Report.BusinessDate = payment.Date{Year: r.Date.Year(), Month: r.Date.Month(), Day: r.Date.Day()}
	r.Report.CreatedAt = r.Report.CreatedAt.In(payment.Location())
	return r.Report, nil
}

const reportCols = `id, business_date, agency, version, sha256, body, created_at`

func (t *tx) LatestReport(ctx context.Context, date payment.Date, agency string) (store.Report, error) {
	r, err := t.getReport(ctx, `SELECT `+reportCols+` FROM reports WHERE business_date=$1 AND agency=$2
		ORDER BY version DESC LIMIT 1`, date.String(), agency)
	if err != nil {
		return store.Report{}, fmt.Errorf("report %s %s: %w", date, agency, err)
	}
	return r, nil
}

func (t *tx) ReportVersion(ctx context.Context, date payment.Date, agency string, version int) (store.Report, error) {
	r, err := t.getReport(ctx, `SELECT `+reportCols+` FROM reports WHERE business_date=$1 AND agency=$2 AND version=$3`,
		date.String(), agency, version)
	if err != nil {
		return store.Report{}, fmt.Errorf("report %s %s v%d: %w", date, agency, version, err)
	}
	return r, nil
}

// ---- statements

type lineRow struct {
	StatementID string            `db:"statement_id"`
	Seq         int               `db:"seq"`
	Source      statements.Source `db:"source"`
	Account     string            `db:"account"`
	Ref         string            `db:"ref"`
	EndToEndID  string            `db:"end_to_end_id"`
	Credit      bool              `db:"credit"`
	Amount      decimal.Decimal   `db:"amount"`
	Currency    string            `db:"currency"`
	Fee         decimal.Decimal   `db:"fee"`
	FeeCurrency string            `db:"fee_currency"`
	BookingDate time.Time         `db:"booking_date"`
	ValueDate   sql.NullTime      `db:"value_date"`
	Text        string            `db:"text"`
}

func dateOfSQL(t time.Time) payment.Date {
	return payment.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

func sqlDate(d payment.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func (t *tx) InsertStatement(ctx context.Context, id string, source statements.Source, lines []statements.Line) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO statements (id, source) VALUES ($1,$2) ON CONFLICT DO NOTHING`, id, source)
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("statement %s: %w", id, err)
	}
	for _, l := range lines {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO statement_lines (statement_id, seq, source, account, ref, end_to_end_id,
			credit, amount, currency, fee, fee_currency, booking_date, value_date, text)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
			id, l.Seq, l.Source, l.Account, l.Ref, l.EndToEndID, l.Credit, l.Amount.Amount, string(l.Amount.Currency),
			l.Fee.Amount, string(l.Fee.Currency), l.BookingDate.String(), sqlDate(l.ValueDate), l.Text)
		if err != nil {
			return fmt.Errorf("statement %s line %d: %w", id, l.Seq, mapErr(err))
		}
	}
	return nil
}

func (t *tx) StatementLines(ctx context.Context, from, to payment.Date) ([]statements.Line, error) {
	var rows []lineRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT statement_id, seq, source, account, ref, end_to_end_id, credit, amount,
		currency, fee, fee_currency, booking_date, value_date, text FROM statement_lines
		WHERE booking_date BETWEEN $1 AND $2 ORDER BY booking_date, statement_id, seq`, from.String(), to.String()); err != nil {
		return nil, fmt.Errorf("statement lines: %w", mapErr(err))
	}
	out := make([]statements.Line, len(rows))
	for i, r := range rows {
		l := statements.Line{
			StatementID: r.StatementID, Seq: r.Seq, Source: r.Source, Account: r.Account, Ref: r.Ref, EndToEndID: r.EndToEndID,
			Credit: r.Credit, Amount: payment.Money{Amount: r.Amount, Currency: payment.Currency(r.Currency)},
			Fee:         payment.Money{Amount: r.Fee, Currency: payment.Currency(r.FeeCurrency)},
			BookingDate: dateOfSQL(r.BookingDate), Text: r.Text,
		}
		if r.ValueDate.Valid {
			l.ValueDate = dateOfSQL(r.ValueDate.Time)
		}
		out[i] = l
	}
	return out, nil
}

// ---- audit

// auditLockClass and auditLockObject key the chain's advisory lock
// (pg_advisory_xact_lock(int4, int4), apart from golang-migrate's bigint
// keys): "FREC", 1.
const (
	auditLockClass  = 0x46524543
	auditLockObject = 1
)

// AppendAudit queues e; the transaction's entries are chained and written
// when it commits (or before a read of the audit log in it), so that the
// chain's lock is held only from then to the commit, not for the whole
// transaction.
func (t *tx) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.Detail = append([]byte(nil), e.Detail...)
	t.audit = append(t.audit, e)
	return nil
}

// flushAudit writes the queued entries at the chain's head: it takes the
// chain's lock (released when the transaction ends), reads the head —
// a statement of its own, so under READ COMMITTED it sees every chain
// entry committed before the lock was granted — and inserts each entry as
// the next link.
func (t *tx) flushAudit(ctx context.Context) error {
	if len(t.audit) == 0 {
		return nil
	}
	if !t.auditLocked {
		if _, err := t.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, auditLockClass, auditLockObject); err != nil {
			return fmt.Errorf("audit lock: %w", mapErr(err))
		}
		t.auditLocked = true
	}
	var head store.AuditRecord
	err := t.tx.QueryRowxContext(ctx, `SELECT seq, at, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).
		Scan(&head.Seq, &head.At, &head.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit head: %w", mapErr(err))
	}
	// The lock is held from here to the commit: one INSERT, one array
	// per column (binary, the hashes as bytes), keeps that short.
	n := len(t.audit)
	seqs := make([]int64, n)
	cols := make([][]string, 5)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	canon, prev, hash := make([][]byte, n), make([][]byte, n), make([][]byte, n)
	for i, e := range t.audit {
		r := store.ChainNext(head, e)
		seqs[i], canon[i], prev[i], hash[i] = r.Seq, r.Canonical, r.PrevHash, r.Hash
		for c, v := range []string{r.At.Format(time.RFC3339Nano), string(r.Actor), string(r.Action), r.Entity, string(r.Detail)} {
			cols[c][i] = v
		}
		head = r
	}
	args := []any{pq.Array(seqs)}
	for _, c := range cols {
		args = append(args, textArray(c))
	}
	args = append(args, byteaArray(canon), byteaArray(prev), byteaArray(hash))
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, entity, detail, canonical, prev_hash, hash)
		SELECT seq, at, actor, action, entity, detail::json, canonical, prev_hash, hash
		FROM unnest($1::bigint[], $2::text[]::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::bytea[], $9::bytea[])
			AS e (seq, at, actor, action, entity, detail, canonical, prev_hash, hash)`, args...); err != nil {
		return fmt.Errorf("audit %s %s: %w", t.audit[0].Action, t.audit[0].Entity, mapErr(err))
	}
	t.audit = nil
	return nil
}

func (t *tx) AuditTrail(ctx context.Context, entity string) ([]store.AuditEntry, error) {
	if err := t.flushAudit(ctx); err != nil {
		return nil, err
	}
	var rows []struct {
		store.AuditEntry
		Detail string `db:"detail"`
	}
	if err := t.tx.SelectContext(ctx, &rows, `SELECT seq, at, actor, action, entity, detail::text AS detail FROM audit_log
		WHERE entity=$1 ORDER BY seq`, entity); err != nil {
		return nil, fmt.Errorf("audit trail %s: %w", entity, mapErr(err))
	}
	out := make([]store.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.AuditEntry
		out[i].Detail = []byte(r.Detail)
		out[i].At = out[i].At.In(payment.Location())
	}
	return out, nil
}

func (t *tx) AuditHeadAt(ctx context.Context, at time.Time) (store.AuditLink, error) {
	if err := t.flushAudit(ctx); err != nil {
		return store.AuditLink{}, err
	}
	var r store.AuditRecord
	err := t.tx.QueryRowxContext(ctx, `SELECT seq, hash FROM audit_log WHERE at <= $1 ORDER BY at DESC, seq DESC LIMIT 1`,
		// PostgreSQL would round a nanosecond time to the microsecond;
		// the entries are at microseconds, so truncating keeps "at or
		// before".
		store.AuditTime(at)).
		Scan(&r.Seq, &r.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return store.AuditLink{}, nil
	}
	if err != nil {
		return store.AuditLink{}, fmt.Errorf("audit head at %s: %w", at.Format(time.RFC3339), mapErr(err))
	}
	return r.Link(), nil
}

func (t *tx) AuditRecords(ctx context.Context, from int64, limit int) ([]store.AuditRecord, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("audit records: limit %d", limit)
	}
	if err := t.flushAudit(ctx); err != nil {
		return nil, err
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT seq, at, actor, action, entity, detail::text, canonical, prev_hash, hash
		FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`, from, limit)
	if err != nil {
		return nil, fmt.Errorf("audit records from %d: %w", from, mapErr(err))
	}
	defer rows.Close()
	out := make([]store.AuditRecord, 0, limit)
	for rows.Next() {
		var (
			r      store.AuditRecord
			detail string
		)
		if err := rows.Scan(&r.Seq, &r.At, &r.Actor, &r.Action, &r.Entity, &detail, &r.Canonical, &r.PrevHash, &r.Hash); err != nil {
			return nil, fmt.Errorf("audit records from %d: %w", from, err)
		}
		r.Detail = []byte(detail)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit records from %d: %w", from, mapErr(err))
	}
	return out, nil
}

// ---- API keys

// apiKeyCols are column names; secret_hash holds a SHA-256, no secret.
const apiKeyCols = `id, system, role, secret_hash, created_at, revoked_at` //nolint:gosec // G101 reads "secret" in a column name

func (t *tx) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	if k.RevokedAt != nil {
		return fmt.Errorf("api key %s: created revoked: %w", k.ID, store.ErrConflict)
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyCols+`) VALUES ($1,$2,$3,$4,$5,NULL) ON CONFLICT DO NOTHING`,
		k.ID, k.System, string(k.Role), k.SecretHash, k.CreatedAt)
	if err := inserted(res, err); err != nil {
		return fmt.Errorf("insert api key %s: %w", k.ID, err)
	}
	return nil
}

func (t *tx) selectAPIKeys(ctx context.Context, query string, args ...any) ([]store.APIKey, error) {
	var out []store.APIKey
	if err := t.tx.SelectContext(ctx, &out, query, args...); err != nil {
		return nil, fmt.Errorf("api keys: %w", mapErr(err))
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.In(payment.Location())
		if r := out[i].RevokedAt; r != nil {
			rt := r.In(payment.Location())
			out[i].RevokedAt = &rt
		}
	}
	return out, nil
}

func (t *tx) APIKey(ctx context.Context, id string) (store.APIKey, error) {
	ks, err := t.selectAPIKeys(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE id=$1`, id)
	if err != nil {
		return store.APIKey{}, err
	}
	if len(ks) == 0 {
		return store.APIKey{}, fmt.Errorf("api key %s: %w", id, store.ErrNotFound)
	}
	return ks[0], nil
}

func (t *tx) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	return t.selectAPIKeys(ctx, `SELECT `+apiKeyCols+` FROM api_keys ORDER BY system, created_at, id`)
}

func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at=$2 WHERE id=$1 AND revoked_at IS NULL AND created_at <= $2`, id, at)
	if err != nil {
		return fmt.Errorf("revoke api key %s: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := t.APIKey(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("api key %s is revoked already (or revoked before its creation): %w", id, store.ErrConflict)
}

func (t *tx) SystemHasKey(ctx context.Context, system string) (bool, error) {
	var ok bool
	if err := t.tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM api_keys WHERE system=$1 AND role='system' AND revoked_at IS NULL)`, system); err != nil {
		return false, fmt.Errorf("system %s has a key: %w", system, mapErr(err))
	}
	return ok, nil
}
