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
	"github.com/feerecon/feerecon/store"
)

// ---- maker–checker requests (migration 0007: the checks that nobody
// decides their own request and that an exception has one pending
// request at most are the schema's too)

type requestRow struct {
	ID          string          `db:"id"`
	ExceptionID string          `db:"exception_id"`
	Action      string          `db:"action"`
	Body        []byte          `db:"body"`
	Amount      decimal.Decimal `db:"amount"`
	Currency    string          `db:"currency"`
	Reason      string          `db:"reason"`
	Maker       string          `db:"maker"`
	CreatedAt   time.Time       `db:"created_at"`
	State       string          `db:"state"`
	Checker     sql.NullString  `db:"checker"`
	DecidedAt   sql.NullTime    `db:"decided_at"`
	Decision    string          `db:"decision_reason"`
}

const requestCols = `id, exception_id, action, body, amount, currency, reason, maker, created_at, state, checker,
	decided_at, decision_reason`

func (r requestRow) request() store.ActionRequest {
	loc := payment.Location()
	out := store.ActionRequest{
		ID: r.ID, ExceptionID: r.ExceptionID, Action: reconcile.Action(r.Action), Body: r.Body,
		Amount: payment.Money{Amount: r.Amount, Currency: payment.Currency(r.Currency)},
		Reason: r.Reason, Maker: r.Maker, CreatedAt: r.CreatedAt.In(loc), State: store.RequestState(r.State),
		Checker: r.Checker.String, Decision: r.Decision,
	}
	if r.DecidedAt.Valid {
		at := r.DecidedAt.Time.In(loc)
		out.DecidedAt = &at
	}
	return out
}

func (t *tx) CreateRequest(ctx context.Context, r store.ActionRequest) error {
	switch {
	case r.ID == "" || r.ExceptionID == "" || r.Action == "":
		return fmt.Errorf("request without id, exception or action: %w", store.ErrConflict)
	case strings.TrimSpace(r.Reason) == "" || strings.TrimSpace(r.Maker) == "":
		return fmt.Errorf("request %s without a reason or a maker: %w", r.ID, store.ErrConflict)
	case r.State != store.RequestPending || r.Checker != "" || r.DecidedAt != nil:
		return fmt.Errorf("request %s: a new request is pending and undecided: %w", r.ID, store.ErrConflict)
	}
	body := r.Body
	if len(body) == 0 {
		body = []byte("{}")
	}
	// body as text: a []byte argument goes in binary (Open), and jsonb's
	// binary form is not its text.
	_, err := t.tx.ExecContext(ctx, `INSERT INTO action_requests (id, exception_id, action, body, amount, currency, reason,
		maker, created_at, state) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'pending')`,
		r.ID, r.ExceptionID, string(r.Action), string(body), r.Amount.Amount, string(r.Amount.Currency), r.Reason, r.Maker, r.CreatedAt)
	var pe *pq.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe) && pe.Code == "23505" && pe.Constraint == "action_requests_one_pending":
		return fmt.Errorf("exception %s has a pending request: %w", r.ExceptionID, store.ErrConflict)
	case errors.As(err, &pe) && pe.Code == "23503":
		return fmt.Errorf("request %s: maker %s: %w", r.ID, r.Maker, store.ErrNotFound)
	}
	return fmt.Errorf("request %s: %w", r.ID, mapErr(err))
}

func (t *tx) Request(ctx context.Context, id string) (store.ActionRequest, error) {
	var r requestRow
	if err := t.tx.GetContext(ctx, &r, `SELECT `+requestCols+` FROM action_requests WHERE id=$1`, id); err != nil {
		return store.ActionRequest{}, fmt.Errorf("request %s: %w", id, mapErr(err))
	}
	return r.request(), nil
}

func (t *tx) ListRequests(ctx context.Context, f store.RequestFilter) ([]store.ActionRequest, error) {
	var rows []requestRow
	if err := t.tx.SelectContext(ctx, &rows, `SELECT `+requestCols+` FROM action_requests
		WHERE ($1 = '' OR state = $1) AND ($2 = '' OR exception_id = $2) ORDER BY created_at, id`,
		string(f.State), f.ExceptionID); err != nil {
		return nil, fmt.Errorf("list requests: %w", mapErr(err))
	}
	out := make([]store.ActionRequest, len(rows))
	for i, r := range rows {
		out[i] = r.request()
	}
	return out, nil
}

func (t *tx) DecideRequest(ctx context.Context, id string, state store.RequestState, checker, reason string, at time.Time) error {
	switch {
	case state != store.RequestApproved && state != store.RequestRejected:
		return fmt.Errorf("request %s: %q is not a decision: %w", id, state, store.ErrConflict)
	case strings.TrimSpace(checker) == "":
		return fmt.Errorf("request %s: no checker: %w", id, store.ErrConflict)
	}
	// The schema refuses a checker who is the maker and a rejection
	// without a reason (check_violation: ErrConflict).
	res, err := t.tx.ExecContext(ctx, `UPDATE action_requests SET state=$2, checker=$3, decision_reason=$4, decided_at=$5
		WHERE id=$1 AND state='pending'`, id, string(state), checker, reason, at)
	var pe *pq.Error
	switch {
	case errors.As(err, &pe) && pe.Code == "23503":
		return fmt.Errorf("request %s: checker %s: %w", id, checker, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("decide request %s: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	r, err := t.Request(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("request %s is %s: %w", id, r.State, store.ErrConflict)
}
