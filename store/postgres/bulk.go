package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// store.Bulk with one statement per kind of row: unnest of one array per
// column (no limit on the rows, one round trip), ON CONFLICT as the
// one-row methods have it, and the affected rows counted against the rows
// sent so that what the one-row methods refuse is refused here too.

// The reads go key by key from the batch's keys (unnest, then a LATERAL
// or EXISTS probe with OFFSET 0, which the planner neither flattens nor
// hashes): the tables they read grow with every batch and are often
// without statistics yet, and an estimate from none made PostgreSQL scan
// them whole for each batch (75 ms a batch at 100,000 notices, growing).
var _ store.Bulk = (*tx)(nil)

func (t *tx) PaymentsByID(ctx context.Context, ids []string) ([]payment.Payment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []paymentRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT p.* FROM unnest($1::text[]) AS k (id)
		CROSS JOIN LATERAL (SELECT `+paymentCols+` FROM payments WHERE id = k.id OFFSET 0) AS p`, textArray(distinct(ids))); err != nil {
		return nil, fmt.Errorf("payments by id: %w", mapErr(err))
	}
	out := make([]payment.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

func (t *tx) NoticesByDossiers(ctx context.Context, keys []string) ([]store.DossierNotice, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var rows []struct {
		Key    string `db:"dossier_key"`
		System string `db:"system"`
		ID     string `db:"id"`
		Code   string `db:"payment_code"`
	}
	if err := t.tx.SelectContext(ctx, &rows, `SELECT n.* FROM unnest($1::text[]) AS k (key)
		CROSS JOIN LATERAL (SELECT dossier_key, system, id, payment_code FROM notices WHERE dossier_key = k.key OFFSET 0) AS n
		ORDER BY n.dossier_key, n.system, n.id`, textArray(distinct(keys))); err != nil {
		return nil, fmt.Errorf("notices by dossiers: %w", mapErr(err))
	}
	out := make([]store.DossierNotice, len(rows))
	for i, r := range rows {
		out[i] = store.DossierNotice{DossierKey: r.Key, Notice: store.NoticeKey{System: r.System, ID: r.ID}, Code: payment.PaymentCode(r.Code)}
	}
	return out, nil
}

func (t *tx) NoticesInUse(ctx context.Context, keys []store.NoticeKey) ([]store.NoticeKey, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	systems, ids := splitKeys(distinct(keys))
	var rows []struct {
		System string `db:"notice_system"`
		ID     string `db:"notice_id"`
	}
	if err := t.tx.SelectContext(ctx, &rows, `SELECT k.notice_system, k.notice_id FROM unnest($1::text[], $2::text[]) AS k (notice_system, notice_id)
		WHERE EXISTS (SELECT 1 FROM payment_refs r WHERE r.notice_system = k.notice_system AND r.notice_id = k.notice_id OFFSET 0)
			OR EXISTS (SELECT 1 FROM allocations a WHERE a.notice_system = k.notice_system AND a.notice_id = k.notice_id OFFSET 0)`,
		textArray(systems), textArray(ids)); err != nil {
		return nil, fmt.Errorf("notices in use: %w", mapErr(err))
	}
	out := make([]store.NoticeKey, len(rows))
	for i, r := range rows {
		out[i] = store.NoticeKey{System: r.System, ID: r.ID}
	}
	return out, nil
}

func (t *tx) OutboxExisting(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []string
	if err := t.tx.SelectContext(ctx, &out, `SELECT o.id FROM unnest($1::text[]) AS k (id)
		CROSS JOIN LATERAL (SELECT id FROM outbox WHERE id = k.id OFFSET 0) AS o`, textArray(distinct(ids))); err != nil {
		return nil, fmt.Errorf("outbox ids: %w", mapErr(err))
	}
	return out, nil
}

func (t *tx) OpenNoticesByAmounts(ctx context.Context, qs []store.AmountSince, limit int) ([][]payment.Notice, error) {
	out := make([][]payment.Notice, len(qs))
	if len(qs) == 0 {
		return out, nil
	}
	if limit <= 0 {
		limit = 1000
	}
	amounts, currencies, since := make([]string, len(qs)), make([]string, len(qs)), make([]string, len(qs))
	for i, q := range qs {
		amounts[i], currencies[i], since[i] = q.Amount.Amount.String(), string(q.Amount.Currency), q.Since.Format(time.RFC3339Nano)
	}
	var rows []struct {
		Q      int    `db:"q"`
		System string `db:"system"`
		ID     string `db:"id"`
	}
	if err := t.tx.SelectContext(ctx, &rows, `SELECT q.i - 1 AS q, n.system, n.id
		FROM unnest($1::text[]::numeric[], $2::text[], $3::text[]::timestamptz[]) WITH ORDINALITY AS q (amount, currency, since, i)
		CROSS JOIN LATERAL (SELECT system, id, issued_at FROM notices
			WHERE status IN ('issued','partially_paid') AND amount=q.amount AND currency=q.currency AND issued_at >= q.since
			ORDER BY issued_at DESC, system, id LIMIT $4) AS n
		ORDER BY q.i, n.issued_at DESC, n.system, n.id`,
		textArray(amounts), textArray(currencies), textArray(since), limit); err != nil {
		return nil, fmt.Errorf("open notices by amounts: %w", mapErr(err))
	}
	keys := make([]store.NoticeKey, len(rows))
	for i, r := range rows {
		keys[i] = store.NoticeKey{System: r.System, ID: r.ID}
	}
	ns, err := t.NoticesByKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	byKey := make(map[store.NoticeKey]payment.Notice, len(ns))
	for _, n := range ns {
		byKey[store.NoticeKey{System: n.System, ID: n.ID}] = n
	}
	for i, r := range rows {
		n, ok := byKey[keys[i]]
		if !ok {
			return nil, fmt.Errorf("open notices by amounts: notice %s/%s: %w", r.System, r.ID, store.ErrNotFound)
		}
		out[r.Q] = append(out[r.Q], n)
	}
	return out, nil
}

func (t *tx) WriteBatch(ctx context.Context, b store.Batch) error {
	if err := store.CheckBatch(b); err != nil {
		return err
	}
	for _, step := range []func(context.Context, store.Batch) error{
		t.bulkPayments, t.bulkLinks, t.bulkAwaits, t.bulkAllocations, t.bulkExceptions, t.bulkStatuses, t.bulkOutbox,
	} {
		if err := step(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// exec runs a bulk statement and, when want ≥ 0, checks that it touched
// want rows: fewer is short (ErrAlreadyExists for an insert, ErrNotFound
// for an update).
func (t *tx) exec(ctx context.Context, what string, want int, short error, q string, args ...any) error {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, mapErr(err))
	}
	if want < 0 {
		return nil
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if int(n) != want {
		return fmt.Errorf("%s: %d of %d rows written: %w", what, n, want, short)
	}
	return nil
}

func (t *tx) bulkPayments(ctx context.Context, b store.Batch) error {
	ps := b.Payments
	if len(ps) == 0 {
		return nil
	}
	cols := make([][]string, 13)
	for i := range cols {
		cols[i] = make([]string, len(ps))
	}
	for i, p := range ps {
		for c, v := range []string{p.ID, string(p.Gateway), p.TxnID, p.Amount.Amount.String(), string(p.Amount.Currency),
			p.PaidAt.Format(time.RFC3339Nano), p.PayerName, p.PayerAccount, p.Description, p.BankRef, p.RawRef,
			p.CreditedAccount.BIN, p.CreditedAccount.Account} {
			cols[c][i] = v
		}
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = textArray(c)
	}
	return t.exec(ctx, "insert payments", len(ps), store.ErrAlreadyExists, `INSERT INTO payments (`+paymentCols+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]::numeric[], $5::text[], $6::text[]::timestamptz[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
		ON CONFLICT DO NOTHING`, args...)
}

func (t *tx) bulkLinks(ctx context.Context, b store.Batch) error {
	if len(b.Links) == 0 {
		return nil
	}
	pays, systems, ids := make([]string, len(b.Links)), make([]string, len(b.Links)), make([]string, len(b.Links))
	for i, l := range b.Links {
		pays[i], systems[i], ids[i] = l.PaymentID, l.Notice.System, l.Notice.ID
	}
	return t.exec(ctx, "link payments", -1, nil, `INSERT INTO payment_refs (payment_id, notice_system, notice_id)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
		textArray(pays), textArray(systems), textArray(ids))
}

func (t *tx) bulkAwaits(ctx context.Context, b store.Batch) error {
	if len(b.Awaits) == 0 {
		return nil
	}
	pays, kinds, keys := make([]string, len(b.Awaits)), make([]string, len(b.Awaits)), make([]string, len(b.Awaits))
	for i, a := range b.Awaits {
		pays[i], kinds[i], keys[i] = a.PaymentID, string(a.Ref.Kind), a.Ref.Key
	}
	// AwaitNotices's ErrNotFound for a payment not stored is the foreign
	// key's ErrConflict here; the fast path awaits only what it inserts.
	return t.exec(ctx, "await notices", -1, nil, `INSERT INTO payment_awaits (payment_id, kind, key)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
		textArray(pays), textArray(kinds), textArray(keys))
}

func (t *tx) bulkAllocations(ctx context.Context, b store.Batch) error {
	as := b.Allocations
	if len(as) == 0 {
		return nil
	}
	cols := make([][]string, 11)
	for i := range cols {
		cols[i] = make([]string, len(as))
	}
	for i, a := range as {
		for c, v := range []string{a.PaymentID, a.NoticeSystem, a.NoticeID, string(a.Code), a.Amount.Amount.String(),
			string(a.Amount.Currency), string(a.Rule), a.Evidence, a.By, a.Approved, a.Reason} {
			cols[c][i] = v
		}
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = textArray(c)
	}
	return t.exec(ctx, "insert allocations", len(as), store.ErrAlreadyExists, `INSERT INTO allocations
		(payment_id, notice_system, notice_id, payment_code, amount, currency, rule, evidence, decided_by, approved_by, reason)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]::numeric[], $6::text[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::text[])
		ON CONFLICT DO NOTHING`, args...)
}

func (t *tx) bulkExceptions(ctx context.Context, b store.Batch) error {
	es := b.Exceptions
	if len(es) == 0 {
		return nil
	}
	cols := make([][]string, 12)
	for i := range cols {
		cols[i] = make([]string, len(es))
	}
	for i, e := range es {
		status := e.Status
		if status == "" {
			status = "open"
		}
		cur := string(e.Amount.Currency)
		if cur == "" {
			cur = string(payment.VND)
		}
		cands := e.Candidates
		if cands == nil {
			cands = []string{}
		}
		cj, err := json.Marshal(cands)
		if err != nil {
			return err
		}
		for c, v := range []string{e.ID, string(e.Kind), e.PaymentID, e.StatementRef, e.NoticeID, e.Amount.Amount.String(),
			cur, string(cj), e.Evidence, string(status), e.CreatedAt.Format(time.RFC3339Nano), e.NoticeSystem} {
			cols[c][i] = v
		}
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = textArray(c)
	}
	// The first row of an id wins, as with UpsertException called in
	// order (ON CONFLICT (id) DO NOTHING, the rows in the arrays' order).
	return t.exec(ctx, "insert exceptions", -1, nil, `INSERT INTO exceptions (id, kind, payment_id, statement_ref, notice_id,
		amount, currency, candidates, evidence, status, created_at, notice_system)
		SELECT id, kind, NULLIF(payment_id, ''), statement_ref, notice_id, amount, currency,
			ARRAY(SELECT jsonb_array_elements_text(candidates::jsonb)), evidence, status, created_at, notice_system
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]::numeric[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[]::timestamptz[], $12::text[]) WITH ORDINALITY
			AS e (id, kind, payment_id, statement_ref, notice_id, amount, currency, candidates, evidence, status, created_at, notice_system, i)
		ORDER BY i
		ON CONFLICT (id) DO NOTHING`, args...)
}

func (t *tx) bulkStatuses(ctx context.Context, b store.Batch) error {
	if len(b.Statuses) == 0 {
		return nil
	}
	// The last change of a notice is its status (SetNoticeStatus in order).
	last := map[store.NoticeKey]int{}
	for i, s := range b.Statuses {
		last[s.Notice] = i
	}
	var systems, ids, statuses []string
	for i, s := range b.Statuses {
		if last[s.Notice] == i {
			systems, ids, statuses = append(systems, s.Notice.System), append(ids, s.Notice.ID), append(statuses, string(s.Status))
		}
	}
	return t.exec(ctx, "set notice statuses", len(systems), store.ErrNotFound, `UPDATE notices n SET status = s.status, updated_at = now()
		FROM unnest($1::text[], $2::text[], $3::text[]) AS s (system, id, status)
		WHERE n.system = s.system AND n.id = s.id`, textArray(systems), textArray(ids), textArray(statuses))
}

func (t *tx) bulkOutbox(ctx context.Context, b store.Batch) error {
	ms := b.Outbox
	if len(ms) == 0 {
		return nil
	}
	ids, kinds, dests, states, nexts, created := make([]string, len(ms)), make([]string, len(ms)), make([]string, len(ms)),
		make([]string, len(ms)), make([]string, len(ms)), make([]string, len(ms))
	attempts := make([]int64, len(ms))
	raw := make([][]byte, len(ms))
	for i, m := range ms {
		state := m.State
		if state == "" {
			state = store.OutboxPending
		}
		ids[i], kinds[i], dests[i], states[i] = m.ID, string(m.Kind), m.Destination, string(state)
		nexts[i], created[i] = m.NextAttempt.Format(time.RFC3339Nano), m.CreatedAt.Format(time.RFC3339Nano)
		attempts[i], raw[i] = int64(m.Attempts), m.Payload
	}
	return t.exec(ctx, "enqueue", len(ms), store.ErrAlreadyExists, `INSERT INTO outbox (id, kind, destination, payload, state, attempts,
		next_attempt_at, created_at)
		SELECT id, kind, destination, payload, state, attempts, next_attempt_at, created_at
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::int[], $7::text[]::timestamptz[], $8::text[]::timestamptz[])
			AS m (id, kind, destination, payload, state, attempts, next_attempt_at, created_at)
		ON CONFLICT DO NOTHING`, textArray(ids), textArray(kinds), textArray(dests), byteaArray(raw), textArray(states),
		pq.Array(attempts), textArray(nexts), textArray(created))
}

// distinct returns xs without repeats, in their first order.
func distinct[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (t *tx) MarkDeliveredAll(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	ids = distinct(ids)
	res, err := t.tx.ExecContext(ctx, `UPDATE outbox SET state='delivered', delivered_at=$2, attempts=attempts+1
		WHERE id IN (SELECT unnest($1::text[])) AND state='pending'`, textArray(ids), at)
	if err != nil {
		return fmt.Errorf("outbox delivered: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); int(n) == len(ids) {
		return nil
	}
	// The one-row method's error for the first that was not pending.
	for _, id := range ids {
		if m, err := t.OutboxMessage(ctx, id); err != nil {
			return err
		} else if m.State != store.OutboxDelivered || !m.DeliveredAt.Equal(at) {
			return fmt.Errorf("outbox message %s is %s: %w", id, m.State, store.ErrConflict)
		}
	}
	return fmt.Errorf("outbox delivered: a message twice: %w", store.ErrConflict)
}

func splitKeys(keys []store.NoticeKey) (systems, ids []string) {
	systems, ids = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		systems[i], ids[i] = k.System, k.ID
	}
	return systems, ids
}
