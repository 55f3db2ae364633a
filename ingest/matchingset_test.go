package ingest_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/batch"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

// The labelled matching set (testdata/matching) through the online path:
// ingest.Processor on a store, notices created as the API creates them
// (NoticeChanged in the creating transaction), then the banks' reversals.
//
// What the online path legitimately does differently from the batch
// (reconcile/batch TestMatchingSet), and how the test gives it the same
// input: the batch selects the business day's payments and lists the
// unreadable lines as invalid_input; a gateway adapter never hands such a
// line to Record, and a payment of another day is recorded all the same
// (the daily report files it under its own day). So both paths are given
// exactly the payments batch.ReadInputs selects, and the figures compare
// over them: the same payments allocated to the same notices, the same
// exception kinds, the same suggestions.

const matchingDir = "../testdata/matching"

type setLabel struct {
	id, category, exception, suggestion string
	notices                             []string
}

type reversalLabel struct {
	id, category, payment, exception string
	after                            map[string]payment.NoticeStatus
	paidBy                           string
}

func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(matchingDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

func setLabels(t *testing.T) map[string]setLabel {
	out := map[string]setLabel{}
	for _, r := range readCSV(t, "labels.csv") {
		l := setLabel{id: r[0], category: r[1], exception: r[3], suggestion: r[4], notices: strings.Fields(r[2])}
		sort.Strings(l.notices)
		out[l.id] = l
	}
	return out
}

func reversalLabels(t *testing.T) []reversalLabel {
	var out []reversalLabel
	for _, r := range readCSV(t, "reversal_labels.csv") {
		l := reversalLabel{id: r[0], category: r[1], payment: r[2], exception: r[3], after: map[string]payment.NoticeStatus{}, paidBy: r[5]}
		for _, f := range strings.Fields(r[4]) {
			id, st, _ := strings.Cut(f, "=")
			l.after[id] = payment.NoticeStatus(st)
		}
		out = append(out, l)
	}
	return out
}

func readReversals(t *testing.T) []payment.Reversal {
	t.Helper()
	f, err := os.Open(filepath.Join(matchingDir, "reversals.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []payment.Reversal
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r payment.Reversal
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// matchingSet is the set as the batch reads it, the engine configured as
// TestMatchingSet configures it, and the batch's own decision.
type matchingSet struct {
	notices  []payment.Notice
	payments []payment.Payment
	engine   *reconcile.Engine
	batch    *batch.Result
}

func loadMatchingSet(t *testing.T) matchingSet {
	t.Helper()
	date, err := payment.ParseDate("2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	accts, err := collection.ReadFile(filepath.Join(matchingDir, "collection_accounts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	o := batch.Options{NoticesPath: filepath.Join(matchingDir, "notices.csv"), PaymentsPath: filepath.Join(matchingDir, "payments.jsonl"),
		Date: date, Engine: reconcile.Config{CollectionAccounts: accts}}
	notices, ps, err := batch.ReadInputs(o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := batch.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	e, err := reconcile.NewEngine(o.Engine)
	if err != nil {
		t.Fatal(err)
	}
	return matchingSet{notices: notices, payments: ps, engine: e, batch: res}
}

// outcome is what a path decided, per payment: the notices allocated to
// (sorted) and the kinds of its open exceptions (sorted), and the
// candidates its exceptions offer.
type outcome struct {
	alloc      map[string][]string
	kinds      map[string][]string
	candidates map[string][]string
}

func batchOutcome(res *batch.Result) outcome {
	o := outcome{alloc: map[string][]string{}, kinds: map[string][]string{}, candidates: map[string][]string{}}
	for _, a := range res.Allocations {
		o.alloc[a.PaymentID] = append(o.alloc[a.PaymentID], a.NoticeID)
	}
	for _, e := range res.Exceptions {
		if e.Kind == reconcile.ExceptionInvalidInput {
			continue
		}
		o.kinds[e.PaymentID] = append(o.kinds[e.PaymentID], string(e.Kind))
		o.candidates[e.PaymentID] = append(o.candidates[e.PaymentID], e.Candidates...)
	}
	o.sort()
	return o
}

func (o outcome) sort() {
	for _, m := range []map[string][]string{o.alloc, o.kinds, o.candidates} {
		for _, v := range m {
			sort.Strings(v)
		}
	}
}

// storeOutcome reads the same from a store, over ps.
func storeOutcome(t *testing.T, s store.Store, ps []payment.Payment) outcome {
	t.Helper()
	o := outcome{alloc: map[string][]string{}, kinds: map[string][]string{}, candidates: map[string][]string{}}
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, p := range ps {
			as, err := tx.AllocationsByPayment(ctx, p.ID)
			if err != nil {
				return err
			}
			for _, a := range as {
				o.alloc[p.ID] = append(o.alloc[p.ID], a.NoticeID)
			}
			es, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: p.ID, Status: reconcile.ExceptionOpen})
			if err != nil {
				return err
			}
			for _, e := range es {
				o.kinds[p.ID] = append(o.kinds[p.ID], string(e.Kind))
				o.candidates[p.ID] = append(o.candidates[p.ID], e.Candidates...)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o.sort()
	return o
}

// figures are TestMatchingSet's: allocatable payments allocated exactly
// as labelled, wrong allocations, exception kinds as labelled (over the
// payments the set has labels for), suggestions that offer the labelled
// notice.
type figures struct {
	allocatable, correct, wrong, kindOK, kindTotal, suggested, suggestTotal int
}

func (f figures) String() string {
	return fmt.Sprintf("allocatable %d correct %d wrong %d; kinds %d/%d; suggestions %d/%d",
		f.allocatable, f.correct, f.wrong, f.kindOK, f.kindTotal, f.suggested, f.suggestTotal)
}

func score(t *testing.T, o outcome, labels map[string]setLabel, ps []payment.Payment) figures {
	t.Helper()
	var f figures
	for _, p := range ps {
		l, ok := labels[p.ID]
		if !ok {
			t.Fatalf("payment %s has no label", p.ID)
		}
		got := o.alloc[p.ID]
		for _, n := range got {
			if !slices.Contains(l.notices, n) {
				f.wrong++
				t.Errorf("WRONG allocation: %s (%s) allocated to %s, expected %v", l.id, l.category, n, l.notices)
			}
		}
		if len(l.notices) > 0 {
			f.allocatable++
			if slices.Equal(got, l.notices) {
				f.correct++
			}
		}
		f.kindTotal++
		want := []string{}
		if l.exception != "" {
			want = []string{l.exception}
		}
		if slices.Equal(o.kinds[p.ID], want) || len(o.kinds[p.ID]) == 0 && len(want) == 0 {
			f.kindOK++
		}
		if l.suggestion != "" {
			f.suggestTotal++
			if slices.Contains(o.candidates[p.ID], l.suggestion) {
				f.suggested++
			}
		}
	}
	return f
}

// setEvents: every notice, then the payments; or (paymentsFirst) every
// payment before every notice. The payments come in booking order (paid
// at, then id), as a gateway's feed delivers them: of two full payments
// of one notice the earlier one pays it in every path, and the batch
// decides so too (ingest's order test: delivery order may otherwise
// change which one is the duplicate).
func setEvents(set matchingSet, paymentsFirst bool) []event {
	var ns, ps []event
	for i := range set.notices {
		ns = append(ns, event{n: &set.notices[i]})
	}
	for i := range set.payments {
		ps = append(ps, event{p: &set.payments[i]})
	}
	slices.SortStableFunc(ps, func(a, b event) int {
		return cmp.Or(a.p.PaidAt.Compare(b.p.PaidAt), cmp.Compare(a.p.ID, b.p.ID))
	})
	if paymentsFirst {
		return append(ps, ns...)
	}
	return append(ns, ps...)
}

// setState is the full final state over the set: each notice's status and
// allocations, each payment's open exceptions, the unknown_reversal
// exceptions, the confirmations' named payments, the reversed messages.
func setState(t *testing.T, s store.Store, set matchingSet, rs []payment.Reversal) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(fullState(t, s, set.notices, set.payments))
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, r := range rs {
			got, err := tx.Reversal(ctx, r.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "reversal %s of %q\n", r.ID, got.PaymentID)
		}
		es, err := tx.ListExceptions(ctx, store.ExceptionFilter{Kind: reconcile.ExceptionUnknownReversal})
		if err != nil {
			return err
		}
		for _, e := range es {
			fmt.Fprintf(&b, "exception %s %s %s %v\n", e.ID, e.Amount, e.Status, e.Candidates)
		}
		ms, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxReversal})
		if err != nil {
			return err
		}
		in := map[string]bool{}
		for _, n := range set.notices {
			in[n.ID] = true
		}
		var ids []string
		for _, m := range ms {
			var r ingest.ReversedMessage
			if err := json.Unmarshal(m.Payload, &r); err != nil {
				return err
			}
			if in[r.NoticeID] {
				ids = append(ids, m.ID)
			}
		}
		sort.Strings(ids)
		fmt.Fprintf(&b, "reversed messages %v\n", ids)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// knownGap is the category of the payments whose description names a
// notice's payment code and another notice's dossier. Delivered after the
// code's notice and before the dossier's, such a payment is decided by its
// code (a dossier key holds no payment: ingest/order.go says why), its
// notice confirmed and its allocation fixed; notices first, the batch and
// ingest make it an ambiguous exception. When the dossier's notice comes,
// that ambiguous exception is raised beside the confirmed allocation
// (ingest flagConflict), checked here. With payments first these are
// checked to differ still (when they stop differing, remove them from
// here) and left out of the other comparisons. (A payment naming two
// payment codes waits for both notices: multi_exact and multi_inexact
// are decided as the batch decides them in every order.)
var knownGap = []string{"code_dossier_conflict"}

// gap returns the payments of the known gap and the notices they name
// (by code or dossier).
func (set matchingSet) gap(labels map[string]setLabel) (map[string]bool, map[string]bool) {
	ps, ns := map[string]bool{}, map[string]bool{}
	for _, p := range set.payments {
		if !slices.Contains(knownGap, labels[p.ID].category) {
			continue
		}
		ps[p.ID] = true
		for _, ref := range set.engine.References(p.Description) {
			for _, n := range set.notices {
				if ref.Kind == reconcile.RefCode && n.Code == ref.Code ||
					ref.Kind == reconcile.RefDossier && reconcile.DossierKey(string(n.Dossier)) == ref.Key {
					ns[n.ID] = true
				}
			}
		}
	}
	return ps, ns
}

// runMatchingSet delivers the set in one order on a fresh store, checks
// the figures against the batch's, applies the reversals and checks them
// against their labels; it returns the final state over the notices and
// payments outside the known gap.
func runMatchingSet(t *testing.T, s store.Store, set matchingSet, paymentsFirst bool) string {
	t.Helper()
	labels := setLabels(t)
	pr := ingest.New(s, set.engine, clock, nil)
	deliver(t, s, pr, setEvents(set, paymentsFirst), nil)

	batchO := batchOutcome(set.batch)
	online := storeOutcome(t, s, set.payments)
	compared := set.payments
	if paymentsFirst {
		compared = nil
		for _, p := range set.payments {
			if !slices.Contains(knownGap, labels[p.ID].category) {
				compared = append(compared, p)
				continue
			}
			if slices.Equal(online.alloc[p.ID], batchO.alloc[p.ID]) && slices.Equal(online.kinds[p.ID], batchO.kinds[p.ID]) {
				t.Errorf("%s (%s) is decided as the batch decides it now: remove its category from knownGap", p.ID, labels[p.ID].category)
			}
			// The conflict is raised all the same, for an accountant: the
			// batch's exception beside the confirmed allocation.
			if !slices.Equal(online.kinds[p.ID], batchO.kinds[p.ID]) {
				t.Errorf("%s (%s): exceptions %v with payments first, the batch %v", p.ID, labels[p.ID].category, online.kinds[p.ID], batchO.kinds[p.ID])
			}
		}
	}
	want := score(t, batchO, labels, compared)
	got := score(t, online, labels, compared)
	t.Logf("batch:  %v", want)
	t.Logf("online: %v", got)
	// Suggestions differ, legitimately: the batch looks at every open
	// notice of the day; ingest, deciding one payment as it arrives, at
	// the 20 open notices of its amount it fetches (about 50 of each fee
	// are open in this set), and at none issued after the payment (with
	// payments first: 0). Everything else is the batch's.
	got.suggested, want.suggested = 0, 0
	if got != want || got.wrong != 0 {
		t.Errorf("online figures %v, want the batch's %v", got, want)
	}
	for _, p := range compared {
		id := p.ID
		if !slices.Equal(online.alloc[id], batchO.alloc[id]) || !slices.Equal(online.kinds[id], batchO.kinds[id]) {
			t.Errorf("%s (%s): online allocated %v with exceptions %v, the batch %v with %v",
				id, labels[id].category, online.alloc[id], online.kinds[id], batchO.alloc[id], batchO.kinds[id])
		}
	}

	// The reversals, in booking order.
	rs := readReversals(t)
	rls := reversalLabels(t)
	if len(rs) != len(rls) {
		t.Fatalf("%d reversals, %d labels", len(rs), len(rls))
	}
	for _, r := range rs {
		if _, err := pr.Reverse(ctx, r); err != nil {
			t.Fatalf("reverse %s: %v", r.ID, err)
		}
	}
	after := storeOutcome(t, s, set.payments)
	statuses := map[string]payment.NoticeStatus{}
	if err := s.InTx(ctx, func(tx store.Tx) error {
		for _, n := range set.notices {
			got, err := tx.Notice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			statuses[n.ID] = got.Status
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reversed := map[string]bool{}
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, l := range rls {
			got, err := tx.Reversal(ctx, l.id)
			if err != nil {
				return err
			}
			if got.PaymentID != l.payment {
				t.Errorf("reversal %s (%s) took back %q, want %q", l.id, l.category, got.PaymentID, l.payment)
			}
			exc, err := tx.Exception(ctx, reconcile.ExceptionID(reconcile.ExceptionUnknownReversal, l.id))
			switch {
			case l.exception == "unknown_reversal" && (err != nil || exc.Status != reconcile.ExceptionOpen):
				t.Errorf("reversal %s (%s): no open unknown_reversal exception (%v)", l.id, l.category, err)
			case l.exception == "" && err == nil:
				t.Errorf("reversal %s (%s): unknown_reversal exception %+v, want none", l.id, l.category, exc)
			}
			if l.payment == "" {
				continue
			}
			reversed[l.payment] = true
			if len(after.alloc[l.payment]) != 0 || len(after.kinds[l.payment]) != 0 {
				t.Errorf("reversed %s (%s) still allocated %v with exceptions %v", l.payment, l.category, after.alloc[l.payment], after.kinds[l.payment])
			}
			for n, st := range l.after {
				if statuses[n] != st {
					t.Errorf("reversal %s (%s): notice %s is %s, want %s", l.id, l.category, n, statuses[n], st)
				}
			}
			if l.paidBy != "" {
				n := slices.Collect(func(yield func(string) bool) {
					for id := range l.after {
						yield(id)
					}
				})
				if !slices.Equal(after.alloc[l.paidBy], n) || len(after.kinds[l.paidBy]) != 0 {
					t.Errorf("reversal %s (%s): %s allocated %v with exceptions %v, want it to pay %v instead",
						l.id, l.category, l.paidBy, after.alloc[l.paidBy], after.kinds[l.paidBy], n)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every other payment is as it was.
	paidBy := map[string]bool{}
	for _, l := range rls {
		if l.paidBy != "" {
			paidBy[l.paidBy] = true
		}
	}
	for _, p := range set.payments {
		if reversed[p.ID] || paidBy[p.ID] {
			continue
		}
		if !slices.Equal(after.alloc[p.ID], online.alloc[p.ID]) || !slices.Equal(after.kinds[p.ID], online.kinds[p.ID]) {
			t.Errorf("%s, not reversed, went from %v %v to %v %v", p.ID, online.alloc[p.ID], online.kinds[p.ID], after.alloc[p.ID], after.kinds[p.ID])
		}
	}
	gapPayments, gapNotices := set.gap(labels)
	var ns []payment.Notice
	var ps []payment.Payment
	for _, n := range set.notices {
		if !gapNotices[n.ID] {
			ns = append(ns, n)
		}
	}
	for _, p := range set.payments {
		if !gapPayments[p.ID] {
			ps = append(ps, p)
		}
	}
	return setState(t, s, matchingSet{notices: ns, payments: ps}, rs)
}

// TestMatchingSetOnline: the labelled set through ingest on the memory
// store, notices first and every payment before its notice: the batch's
// figures in both orders, the same final state after the reversals.
func TestMatchingSetOnline(t *testing.T) {
	t.Parallel()
	set := loadMatchingSet(t)
	first := runMatchingSet(t, memory.New(), set, false)
	before := runMatchingSet(t, memory.New(), set, true)
	if first != before {
		t.Errorf("payments before their notices end in another state than notices first:\n%s", firstDiff(first, before))
	}
}

// TestMatchingSetOnlinePostgres: the same on PostgreSQL, payments before
// their notices, ending in the memory store's state.
func TestMatchingSetOnlinePostgres(t *testing.T) {
	set := loadMatchingSet(t)
	pg := runMatchingSet(t, pgStore(t), set, true)
	mem := runMatchingSet(t, memory.New(), set, false)
	if pg != mem {
		t.Errorf("PostgreSQL, payments first, ends in another state than memory, notices first:\n%s", firstDiff(pg, mem))
	}
}

// firstDiff shows the first lines where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("one is longer: %d and %d lines", len(al), len(bl))
}
