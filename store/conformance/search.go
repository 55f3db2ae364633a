package conformance

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// searchNames are payer names each backend must fold as
// reconcile.FoldName does: precomposed and decomposed (NFD) Vietnamese,
// đ, upper and lower case, punctuation and runs of spaces, a letter that
// has no decomposition (Ø), a full-width one (compatibility only: kept
// apart), a name in another script.
var searchNames = []string{
	"Nguyễn Văn An",
	"Nguye\u0302\u0303n Va\u0306n Anh", // NFD, as some keyboards type it
	"ĐẶNG THỊ ÁNH TUYẾT",
	"  trương-ngọc   ưng (mẹ) ",
	"Peña Müller Øst",
	"ＡＢ Lê Hồng",
	"山田 Tanaka",
}

func testNoticeSearch(t *testing.T, s store.Store) {
	var all []payment.Notice
	for i, name := range searchNames {
		n := Notice(t, "dvc", fmt.Sprintf("S-%d", i), uint64(100+i), 100_000)
		n.PayerName = name
		if i%2 == 1 {
			n.Agency = "H29.75"
		}
		all = append(all, n)
	}
	// The same notice id in a second system; a dossier written with O
	// for 0 is the same dossier.
	twin := Notice(t, "dvc-b", "S-0", 200, 50_000)
	twin.PayerName = "Phạm Đức"
	twin.Dossier = "000.00.20.H40-261120-0777"
	all = append(all, twin)
	inTx(t, s, func(tx store.Tx) error {
		for _, n := range all {
			must(t, tx.CreateNotice(ctx, n))
		}
		return nil
	})
	search := func(q store.NoticeQuery) string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = store.MaxSearchLimit
		}
		var keys []string
		inTx(t, s, func(tx store.Tx) error {
			ns, err := tx.SearchNotices(ctx, q)
			for _, n := range ns {
				keys = append(keys, n.System+"/"+n.ID)
			}
			return err
		})
		return strings.Join(keys, ",")
	}
	// Each name is found by its own fold, by the name as typed, and by
	// its fold's last word lower-cased.
	for i, name := range searchNames {
		key := fmt.Sprintf("dvc/S-%d", i)
		folded := reconcile.FoldName(name)
		words := strings.Fields(folded)
		for _, term := range []string{folded, name, strings.ToLower(words[len(words)-1])} {
			if got := search(store.NoticeQuery{Field: store.NoticeByPayer, Term: term}); !strings.Contains(","+got+",", ","+key+",") {
				t.Errorf("payer %q (folded %q): term %q finds %q, not %s", name, folded, term, got, key)
			}
		}
	}
	for _, tc := range []struct {
		name string
		q    store.NoticeQuery
		want string
	}{
		{"payer: diacritics, case and punctuation ignored; contains", store.NoticeQuery{Field: store.NoticeByPayer, Term: "nguyen-VAN an"}, "dvc/S-0,dvc/S-1"},
		{"payer: đ is d", store.NoticeQuery{Field: store.NoticeByPayer, Term: "dang thi"}, "dvc/S-2"},
		{"payer: Đ typed", store.NoticeQuery{Field: store.NoticeByPayer, Term: "Đức"}, "dvc-b/S-0"},
		{"payer: Ø has no base letter", store.NoticeQuery{Field: store.NoticeByPayer, Term: "muller st"}, "dvc/S-4"},
		{"payer: full-width letters are not A", store.NoticeQuery{Field: store.NoticeByPayer, Term: "ab le"}, ""},
		{"payer: words in order only", store.NoticeQuery{Field: store.NoticeByPayer, Term: "an van"}, ""},
		{"payer: a term that folds to nothing finds nothing", store.NoticeQuery{Field: store.NoticeByPayer, Term: " -- ()"}, ""},
		{"payer: scoped", store.NoticeQuery{Field: store.NoticeByPayer, Term: "van", Scoped: true, Agencies: []string{"H29.75"}}, "dvc/S-1"},
		{"payer: scoped to nothing", store.NoticeQuery{Field: store.NoticeByPayer, Term: "van", Scoped: true}, ""},
		{"id: every system, in (system, id) order", store.NoticeQuery{Field: store.NoticeByID, Term: " S-0 "}, "dvc/S-0,dvc-b/S-0"},
		{"id: exactly", store.NoticeQuery{Field: store.NoticeByID, Term: "s-0"}, ""},
		{"id: scoped", store.NoticeQuery{Field: store.NoticeByID, Term: "S-1", Scoped: true, Agencies: []string{"H40.01"}}, ""},
		{"code: upper-cased", store.NoticeQuery{Field: store.NoticeByCode, Term: " " + strings.ToLower(string(all[3].Code))}, "dvc/S-3"},
		{"code: none", store.NoticeQuery{Field: store.NoticeByCode, Term: "NP999999999999"}, ""},
		{"dossier: by its comparison key", store.NoticeQuery{Field: store.NoticeByDossier, Term: "ooo.oo.2o.h4o 261120 o777"}, "dvc-b/S-0"},
		{"dossier: scoped", store.NoticeQuery{Field: store.NoticeByDossier, Term: string(all[1].Dossier), Scoped: true, Agencies: []string{"H40.01"}}, ""},
		{"dossier: empty", store.NoticeQuery{Field: store.NoticeByDossier, Term: "--"}, ""},
		{"paged: after", store.NoticeQuery{Field: store.NoticeByPayer, Term: "n", After: store.NoticeKey{System: "dvc", ID: "S-1"}, Limit: 2}, "dvc/S-2,dvc/S-3"},
		{"paged: after the last", store.NoticeQuery{Field: store.NoticeByID, Term: "S-0", After: store.NoticeKey{System: "dvc-b", ID: "S-0"}}, ""},
		{"paged: limit", store.NoticeQuery{Field: store.NoticeByPayer, Term: "n", Limit: 1}, "dvc/S-0"},
	} {
		if got := search(tc.q); got != tc.want {
			t.Errorf("%s: %+v finds %q, want %q", tc.name, tc.q, got, tc.want)
		}
	}
	// What a search returns is the whole notice, items included.
	inTx(t, s, func(tx store.Tx) error {
		ns, err := tx.SearchNotices(ctx, store.NoticeQuery{Field: store.NoticeByCode, Term: string(all[2].Code), Limit: 1})
		must(t, err)
		if len(ns) != 1 || !ns[0].Equal(all[2]) {
			t.Errorf("searched notice %+v, stored %+v", ns, all[2])
		}
		return nil
	})
	for _, q := range []store.NoticeQuery{
		{Field: "name", Term: "an", Limit: 10},
		{Field: store.NoticeByPayer, Term: "an"},
		{Field: store.NoticeByPayer, Term: "an", Limit: store.MaxSearchLimit + 1},
	} {
		err := s.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.SearchNotices(ctx, q)
			return err
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("%+v: %v, want ErrConflict", q, err)
		}
	}
}

func testAuditEntriesFiltered(t *testing.T, s store.Store) {
	entries := []store.AuditEntry{
		{Actor: store.ActorEngine, Action: store.AuditPaymentDecide, Entity: store.PaymentEntity("vietqr:1")},      // 1
		{Actor: "user:kt.h40", Action: store.AuditLogin, Entity: store.UserEntity("kt.h40")},                       // 2
		{Actor: store.ActorEngine, Action: store.AuditNoticeStatus, Entity: store.NoticeEntity("dvc", "A")},        // 3
		{Actor: "dvc/key1", Action: store.AuditNoticeCreate, Entity: store.NoticeEntity("dvc", "B")},               // 4
		{Actor: store.ActorEngine, Action: store.AuditNoticeStatus, Entity: store.NoticeEntity("dvc", "B")},        // 5
		{Actor: store.ActorOutbox, Action: store.AuditOutboxDelivered, Entity: store.OutboxEntity("confirmation")}, // 6
		{Actor: store.ActorCLI, Action: store.AuditUserAdd, Entity: "noticeboard"},                                 // 7: no kind
	}
	inTx(t, s, func(tx store.Tx) error {
		for i, e := range entries {
			e.At = base.Add(time.Duration(i) * time.Second)
			e.Detail = fmt.Appendf(nil, `{"n":%d}`, i+1)
			must(t, tx.AppendAudit(ctx, e))
		}
		return nil
	})
	seqs := func(f store.AuditFilter) string {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 100
		}
		var out []string
		inTx(t, s, func(tx store.Tx) error {
			es, err := tx.AuditEntries(ctx, f)
			for _, e := range es {
				out = append(out, fmt.Sprint(e.Seq))
				if want := fmt.Sprintf(`{"n":%d}`, e.Seq); string(e.Detail) != want || e.At.Location() != payment.Location() {
					t.Errorf("entry %d: detail %s at %v", e.Seq, e.Detail, e.At)
				}
			}
			return err
		})
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		f    store.AuditFilter
		want string
	}{
		{store.AuditFilter{}, "7,6,5,4,3,2,1"},
		{store.AuditFilter{Limit: 2}, "7,6"},
		{store.AuditFilter{Before: 6, Limit: 2}, "5,4"},
		{store.AuditFilter{Before: 1}, ""},
		{store.AuditFilter{Before: 100}, "7,6,5,4,3,2,1"},
		{store.AuditFilter{Actor: store.ActorEngine}, "5,3,1"},
		{store.AuditFilter{Actor: store.ActorEngine, Before: 5}, "3,1"},
		{store.AuditFilter{Action: store.AuditNoticeStatus}, "5,3"},
		{store.AuditFilter{Entity: store.NoticeEntity("dvc", "B")}, "5,4"},
		{store.AuditFilter{Entity: "notice:dvc/"}, ""},
		{store.AuditFilter{EntityKind: "notice"}, "5,4,3"},
		{store.AuditFilter{EntityKind: "noticeboard"}, ""},
		{store.AuditFilter{EntityKind: "user", Actor: "user:kt.h40", Action: store.AuditLogin}, "2"},
		{store.AuditFilter{EntityKind: "notice", Actor: "dvc/key1", Action: store.AuditNoticeStatus}, ""},
	} {
		if got := seqs(tc.f); got != tc.want {
			t.Errorf("%+v: seqs %q, want %q", tc.f, got, tc.want)
		}
	}
	// An entry appended in the transaction is listed in it.
	inTx(t, s, func(tx store.Tx) error {
		must(t, tx.AppendAudit(ctx, store.AuditEntry{At: base, Actor: store.ActorCLI, Action: store.AuditUserRole, Entity: store.UserEntity("x")}))
		es, err := tx.AuditEntries(ctx, store.AuditFilter{Action: store.AuditUserRole, Limit: 1})
		if err == nil && (len(es) != 1 || es[0].Seq != 8) {
			t.Errorf("same transaction: %+v", es)
		}
		return err
	})
	for _, f := range []store.AuditFilter{{}, {Limit: store.MaxSearchLimit + 1}, {Limit: 1, Before: -1}} {
		err := s.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.AuditEntries(ctx, f)
			return err
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("%+v: %v, want ErrConflict", f, err)
		}
	}
}
