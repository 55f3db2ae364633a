package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/lib/pq"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// SearchNotices compares indexed columns (payment_code, dossier_key, id)
// or, by payer, the folded payer_key (migration 0008) with the term folded
// alike in Go. A folded term holds only A-Z, 0-9 and single spaces, so it
// needs no LIKE escaping; a contains-search reads the notices in key order
// and stops at the page's limit.
func (t *tx) SearchNotices(ctx context.Context, q store.NoticeQuery) ([]payment.Notice, error) {
	if err := store.CheckNoticeQuery(q); err != nil {
		return nil, err
	}
	var cond, term string
	switch q.Field {
	case store.NoticeByCode:
		cond, term = `payment_code = $1`, strings.ToUpper(strings.TrimSpace(q.Term))
	case store.NoticeByDossier:
		cond, term = `dossier_key = $1`, reconcile.DossierKey(q.Term)
	case store.NoticeByID:
		cond, term = `id = $1`, strings.TrimSpace(q.Term)
	case store.NoticeByPayer:
		cond, term = `payer_key LIKE '%' || $1 || '%'`, reconcile.FoldName(q.Term)
	}
	if term == "" {
		return nil, nil
	}
	ns, err := t.selectNotices(ctx, `SELECT `+noticeCols+` FROM notices WHERE `+cond+`
		AND (system, id) > ($2, $3) AND (NOT $4 OR agency_code = ANY($5))
		ORDER BY system, id LIMIT $6`,
		term, q.After.System, q.After.ID, q.Scoped, pq.StringArray(append([]string{}, q.Agencies...)), q.Limit)
	if err != nil {
		return nil, fmt.Errorf("search notices by %s: %w", q.Field, err)
	}
	return ns, nil
}

func (t *tx) AuditEntries(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	if err := store.CheckAuditFilter(f); err != nil {
		return nil, err
	}
	if err := t.flushAudit(ctx); err != nil {
		return nil, err
	}
	var rows []struct {
		store.AuditEntry
		Detail string `db:"detail"`
	}
	// The kind is compared as the key's prefix up to its first ':'.
	if err := t.tx.SelectContext(ctx, &rows, `SELECT seq, at, actor, action, entity, detail::text AS detail FROM audit_log
		WHERE ($1 = 0 OR seq < $1) AND ($2 = '' OR actor = $2) AND ($3 = '' OR action = $3)
		AND ($4 = '' OR entity = $4) AND ($5 = '' OR split_part(entity, ':', 1) = $5 AND strpos(entity, ':') > 0)
		ORDER BY seq DESC LIMIT $6`,
		f.Before, string(f.Actor), string(f.Action), f.Entity, f.EntityKind, f.Limit); err != nil {
		return nil, fmt.Errorf("audit entries: %w", mapErr(err))
	}
	out := make([]store.AuditEntry, len(rows))
	loc := payment.Location()
	for i, r := range rows {
		out[i] = r.AuditEntry
		out[i].Detail = []byte(r.Detail)
		out[i].At = out[i].At.In(loc)
	}
	return out, nil
}
