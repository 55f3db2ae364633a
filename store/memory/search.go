package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// SearchNotices scans the notices: the memory store is for demos and
// tests, where a scan costs nothing worth an index.
func (t *tx) SearchNotices(ctx context.Context, q store.NoticeQuery) ([]payment.Notice, error) {
	if err := store.CheckNoticeQuery(q); err != nil {
		return nil, err
	}
	var match func(n payment.Notice) bool
	switch q.Field {
	case store.NoticeByCode:
		code := payment.PaymentCode(strings.ToUpper(strings.TrimSpace(q.Term)))
		match = func(n payment.Notice) bool { return n.Code == code }
	case store.NoticeByDossier:
		key := reconcile.DossierKey(q.Term)
		match = func(n payment.Notice) bool { return key != "" && reconcile.DossierKey(string(n.Dossier)) == key }
	case store.NoticeByID:
		id := strings.TrimSpace(q.Term)
		match = func(n payment.Notice) bool { return n.ID == id }
	case store.NoticeByPayer:
		term := reconcile.FoldName(q.Term)
		match = func(n payment.Notice) bool {
			return term != "" && strings.Contains(reconcile.FoldName(n.PayerName), term)
		}
	}
	var out []payment.Notice
	for k, n := range t.s.notices {
		if (k.system > q.After.System || (k.system == q.After.System && k.id > q.After.ID)) &&
			(!q.Scoped || slices.Contains(q.Agencies, n.Agency)) && match(n) {
			out = append(out, n)
		}
	}
	sortNotices(out)
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	for i, n := range out {
		out[i] = cloneNotice(n)
	}
	return out, nil
}

func (t *tx) AuditEntries(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	if err := store.CheckAuditFilter(f); err != nil {
		return nil, err
	}
	// Seqs are 1, 2, 3 …: seq s is at index s-1.
	top := len(t.s.audit)
	if f.Before > 0 {
		top = min(top, int(f.Before-1))
	}
	var out []store.AuditEntry
	for i := top - 1; i >= 0 && len(out) < f.Limit; i-- {
		r := t.s.audit[i]
		if (f.Actor == "" || r.Actor == f.Actor) && (f.Action == "" || r.Action == f.Action) &&
			(f.Entity == "" || r.Entity == f.Entity) && (f.EntityKind == "" || store.EntityKindOf(r.Entity) == f.EntityKind) {
			e := r.AuditEntry
			e.At = e.At.In(payment.Location())
			e.Detail = append([]byte(nil), e.Detail...)
			out = append(out, e)
		}
	}
	return out, nil
}
