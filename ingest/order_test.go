package ingest_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
)

// event is one delivery of a mixed stream: a notice's creation, a
// payment or a reversal.
type event struct {
	n *payment.Notice
	p *payment.Payment
	r *payment.Reversal
}

func (e event) String() string {
	switch {
	case e.n != nil:
		return "notice:" + e.n.ID
	case e.r != nil:
		return "reversal:" + e.r.TxnID
	}
	return e.p.TxnID
}

// orderStream: 5 notices, 10 payments and 2 bank reversals.
//   - N1 (100 000, by code): A (minute 2) and B (minute 1, earlier-dated)
//     each pay it whole: one is the duplicate.
//   - N2 (50 000, by code): C (minute 3, 20 000) and D (minute 4, 30 000).
//   - N3 (70 000): E (minute 5) names only its dossier.
//   - F names nothing: unmatched in every order.
//   - N4 (60 000, by code): bank credits G (minute 7) and H (minute 8)
//     each pay it whole; the bank reverses G (RG, minute 30). H pays N4
//     in every order: as the first payer, or taking over from G.
//   - N5 (40 000, by code): bank credit K (minute 9) pays it; the bank
//     reverses K (RK, minute 31): N5 is issued again in every order, and
//     L (minute 40) pays it again: confirmed after K's reversal.
//   - N6 (30 000) and N7 (20 000): M (minute 10, 50 000) names both codes
//     and pays both in every order, even when one notice comes before M
//     and the other after it (M waits for the second).
func orderStream(t *testing.T) ([]payment.Notice, []event) {
	n1 := conformance.Notice(t, "dvc", "N1", 11, 100_000)
	n2 := conformance.Notice(t, "dvc", "N2", 12, 50_000)
	n3 := conformance.Notice(t, "dvc", "N3", 13, 70_000)
	n4 := conformance.Notice(t, "dvc", "N4", 14, 60_000)
	n5 := conformance.Notice(t, "dvc", "N5", 15, 40_000)
	n6 := conformance.Notice(t, "dvc", "N6", 16, 30_000)
	n7 := conformance.Notice(t, "dvc", "N7", 17, 20_000)
	ps := []payment.Payment{
		pay(payment.GatewayMoMo, "B", 100_000, 1, "NP"+n1.Code.Digits()),
		pay(payment.GatewayVietQR, "A", 100_000, 2, "le phi "+string(n1.Code)),
		pay(payment.GatewayVNPay, "C", 20_000, 3, "Thanh toan "+string(n2.Code)),
		pay(payment.GatewayZaloPay, "D", 30_000, 4, string(n2.Code)+" phan con lai"),
		pay(payment.GatewayVietQR, "E", 70_000, 5, "nop le phi ho so "+string(n3.Dossier)),
		pay(payment.GatewayMoMo, "F", 45_000, 6, "chuyen tien"),
		pay(payment.GatewayCamt054, "G", 60_000, 7, "NOP PHI "+string(n4.Code)),
		pay(payment.GatewayCamt054, "H", 60_000, 8, "nop phi "+string(n4.Code)+" ho so"),
		pay(payment.GatewayCamt054, "K", 40_000, 9, "le phi "+string(n5.Code)),
		pay(payment.GatewayMoMo, "M", 50_000, 10, "NOP "+string(n6.Code)+" VA "+string(n7.Code)),
		pay(payment.GatewayVietQR, "L", 40_000, 40, "le phi "+string(n5.Code)),
	}
	rs := []payment.Reversal{
		conformance.Reversal(payment.GatewayCamt054, "RG", 60_000, base.Add(30*time.Minute), "G"),
		conformance.Reversal(payment.GatewayCamt054, "RK", 40_000, base.Add(31*time.Minute), "K"),
	}
	notices := []payment.Notice{n1, n2, n3, n4, n5, n6, n7}
	// canonical: notices first, payments and reversals by their time
	var evs []event
	for i := range notices {
		evs = append(evs, event{n: &notices[i]})
	}
	for i := range ps[:len(ps)-1] {
		evs = append(evs, event{p: &ps[i]})
	}
	for i := range rs {
		evs = append(evs, event{r: &rs[i]})
	}
	return notices, append(evs, event{p: &ps[len(ps)-1]})
}

// procedureView is what a notice's procedure system knows from the
// messages it was sent, read in the order they were enqueued: the
// payments (and amounts) the latest confirmation or payment.reversed
// message names as paying the notice, and its status then.
type procedureView map[string]string

// take applies the outbox messages enqueued since the last call.
func (v procedureView) take(t *testing.T, s store.Store, seen map[string]bool) {
	t.Helper()
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, k := range []store.OutboxKind{store.OutboxConfirmation, store.OutboxReversal} {
			ms, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: k})
			if err != nil {
				return err
			}
			for _, m := range ms {
				if seen[m.ID] {
					continue
				}
				seen[m.ID] = true
				var c struct {
					NoticeID    string                 `json:"notice_id"`
					Status      payment.NoticeStatus   `json:"status"`
					Allocations []reconcile.Allocation `json:"allocations"`
				}
				if err := json.Unmarshal(m.Payload, &c); err != nil {
					return err
				}
				if c.Allocations == nil {
					t.Errorf("%s: no allocations field: %s", m.ID, m.Payload)
				}
				if was := v[c.NoticeID]; k == store.OutboxConfirmation && was != "" && payment.NoticeStatus(strings.Fields(was)[0]).Settled() {
					t.Errorf("%s: confirmed again while the procedure system knows it %s", m.ID, was)
				}
				v[c.NoticeID] = string(c.Status) + " " + allocString(c.Allocations)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// String is the view of notices, a line each: "told N <status> <payers>".
func (v procedureView) String(notices []payment.Notice) string {
	var b strings.Builder
	for _, n := range notices {
		if told, ok := v[n.ID]; ok {
			fmt.Fprintf(&b, "told %s %s\n", n.ID, told)
		}
	}
	return b.String()
}

// deliver applies the events in order: a notice is created as the API
// does it, with Processor.NoticeChanged in the same transaction. After
// each event the messages it enqueued are applied to view (nil: none
// kept): one event tells a notice at most one thing.
func deliver(t *testing.T, s store.Store, pr *ingest.Processor, evs []event, view procedureView) {
	t.Helper()
	seen := map[string]bool{}
	if view != nil {
		view.take(t, s, seen)
	}
	for _, e := range evs {
		switch {
		case e.p != nil:
			if _, err := pr.Record(ctx, *e.p); err != nil {
				t.Fatalf("%s: %v", e, err)
			}
		case e.r != nil:
			if _, err := pr.Reverse(ctx, *e.r); err != nil {
				t.Fatalf("%s: %v", e, err)
			}
		default:
			createNotice(t, s, pr, e)
		}
		if view != nil {
			view.take(t, s, seen)
		}
	}
}

// createNotice creates e's notice as the API does.
func createNotice(t *testing.T, s store.Store, pr *ingest.Processor, e event) {
	t.Helper()
	err := s.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Notice(ctx, e.n.System, e.n.ID); err == nil {
			return nil // a replayed creation: the API answers it as a replay
		}
		if err := tx.CreateNotice(ctx, *e.n); err != nil {
			return err
		}
		_, err := pr.NoticeChanged(ctx, tx, *e.n, false)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", e, err)
	}
}

// confirmed returns, per notice id, the payments (and amounts) its
// confirmations name (sorted, joined by "; ").
func confirmed(t *testing.T, s store.Store) map[string]string {
	t.Helper()
	named := map[string][]string{}
	err := s.InTx(ctx, func(tx store.Tx) error {
		ms, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxConfirmation})
		if err != nil {
			return err
		}
		for _, m := range ms {
			var c ingest.Confirmation
			if err := json.Unmarshal(m.Payload, &c); err != nil {
				return err
			}
			named[c.NoticeID] = append(named[c.NoticeID], allocString(c.Allocations))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(named))
	for id, ns := range named {
		slices.Sort(ns)
		out[id] = strings.Join(ns, "; ")
	}
	return out
}

// allocString is allocations as "payment=amount" in payment order.
func allocString(as []reconcile.Allocation) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.PaymentID + "=" + a.Amount.Amount.String()
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// ledger returns, per notice id, the payments (and amounts) its stored
// allocations name, and its status.
func ledger(t *testing.T, s store.Store, notices []payment.Notice) (map[string]string, map[string]payment.NoticeStatus) {
	t.Helper()
	allocs, status := map[string]string{}, map[string]payment.NoticeStatus{}
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, n := range notices {
			got, err := tx.Notice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			status[n.ID] = got.Status
			as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			allocs[n.ID] = allocString(as)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return allocs, status
}

// payments returns the stream's payments.
func payments(evs []event) []payment.Payment {
	var ps []payment.Payment
	for _, e := range evs {
		if e.p != nil {
			ps = append(ps, *e.p)
		}
	}
	return ps
}

// fullState is state (notice statuses, allocations, exceptions by id,
// amount and status) and the confirmations' named payments.
func fullState(t *testing.T, s store.Store, notices []payment.Notice, ps []payment.Payment) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(state(t, s, notices, ps))
	c := confirmed(t, s)
	for _, n := range notices {
		if named, ok := c[n.ID]; ok {
			fmt.Fprintf(&b, "confirmation %s names %s\n", n.ID, named)
		}
	}
	return b.String()
}

// groups are the stream's events that decide one notice between them
// (payments and reversals), each in canonical order (made at, then id):
// the only notices with more than one.
var groups = [][]string{{"B", "A"}, {"C", "D"}, {"G", "H", "reversal:RG"}, {"K", "reversal:RK", "L"}}

// inCanonicalOrder reports whether, for each notice, the events that
// decide it arrive in canonical order (groups).
func inCanonicalOrder(evs []event) bool {
	pos := map[string]int{}
	for i, e := range evs {
		pos[e.String()] = i
	}
	for _, g := range groups {
		for i := 1; i < len(g); i++ {
			if pos[g[i-1]] > pos[g[i]] {
				return false
			}
		}
	}
	return true
}

// canonicalised returns o with each group's events put back in canonical
// order on the places the group holds in o: notices stay where they are,
// so a payment may still come before its notice.
func canonicalised(o []event) []event {
	out := append([]event(nil), o...)
	byName := map[string]event{}
	for _, e := range o {
		byName[e.String()] = e
	}
	for _, g := range groups {
		in := map[string]bool{}
		for _, name := range g {
			in[name] = true
		}
		next := 0
		for i, e := range out {
			if in[e.String()] {
				out[i] = byName[g[next]]
				next++
			}
		}
	}
	return out
}

// orders returns the canonical order (notices first, payments by paid
// at) and a seeded sample of n shuffles of the stream, every third of
// them canonicalised.
func orders(evs []event, n int, seed int64) [][]event {
	out := [][]event{append([]event(nil), evs...)}
	rng := rand.New(rand.NewSource(seed))
	for len(out) <= n {
		o := append([]event(nil), evs...)
		rng.Shuffle(len(o), func(a, b int) { o[a], o[b] = o[b], o[a] })
		if len(out)%3 == 0 {
			o = canonicalised(o)
		}
		out = append(out, o)
	}
	return out
}

// checkOrders runs each order on a fresh store and checks the properties
// of issue 11 §3, stated precisely:
//
//  1. Agreement: what each notice's procedure system was told — the
//     latest confirmation or payment.reversed message, in the order they
//     were enqueued — names exactly the payments and amounts the ledger
//     allocates to the notice, with its status; a notice never told is
//     not paid. A notice is confirmed again only after a payment.reversed
//     told it is open. Each payment naming a paid notice that is
//     allocated nothing is its duplicate exception.
//  2. Payment before notice: an order in which each notice's payments
//     and reversals come in canonical order, wherever the notices'
//     creations fall (a payment before its notice included), ends in
//     exactly the canonical state: allocations, exceptions by id, amount
//     and status, notice statuses and what each procedure system was
//     last told. (Not always by the same messages: a reversal that comes
//     before its notice leaves nothing to confirm and take back.)
//  3. Replay: delivering the same stream again to the same store changes
//     nothing and sends nothing again; the same order on a fresh store
//     gives the same state.
//  4. Reversals: in every order N4 ends paid by H alone and N5 by L
//     alone; G and K are allocated nothing and have no open exception.
//     N6 and N7 end paid by M, which named both.
//
// Delivery order may otherwise change which of two full payments of N1 is
// the duplicate (the first one confirmed keeps it), never property 1.
func checkOrders(t *testing.T, newStore func(t *testing.T) store.Store, os [][]event, notices []payment.Notice) {
	t.Helper()
	ps := payments(os[0])
	canonical, canonicalTold := "", ""
	canonicalRuns := 0
	for i, o := range os {
		s := newStore(t)
		pr := ingest.New(s, engine(t), clock, nil)
		view := procedureView{}
		deliver(t, s, pr, o, view)
		got := fullState(t, s, notices, ps)
		told := state(t, s, notices, ps) + view.String(notices)
		if i == 0 {
			canonical, canonicalTold = got, told
		}
		allocs, status := ledger(t, s, notices)
		for _, n := range notices {
			told, ok := view[n.ID]
			switch {
			case ok && told != string(status[n.ID])+" "+allocs[n.ID]:
				t.Errorf("order %v: %s is %s with allocations %q but its procedure system was last told %q",
					o, n.ID, status[n.ID], allocs[n.ID], told)
			case !ok && status[n.ID].Settled():
				t.Errorf("order %v: %s is %s with allocations %q and was never told", o, n.ID, status[n.ID], allocs[n.ID])
			}
		}
		if allocs["N4"] != "camt054:H=60000" || allocs["N5"] != "vietqr:L=40000" || allocs["N6"] != "momo:M=30000" || allocs["N7"] != "momo:M=20000" {
			t.Errorf("order %v: N4 paid by %q, N5 by %q, N6 by %q, N7 by %q; want H, L and M for both", o, allocs["N4"], allocs["N5"], allocs["N6"], allocs["N7"])
		}
		for _, line := range strings.Split(got, "\n") {
			if (strings.Contains(line, "camt054:G ") || strings.Contains(line, "camt054:K ")) && !strings.HasSuffix(line, " resolved") {
				t.Errorf("order %v: a reversed payment still counts: %q", o, line)
			}
		}
		if n1 := allocs["N1"]; n1 != "" {
			loser := map[string]string{"vietqr:A=100000": "momo:B", "momo:B=100000": "vietqr:A"}[n1]
			if loser == "" || !strings.Contains(got, "exception duplicate|"+loser+" ") {
				t.Errorf("order %v: N1 paid by %s, no duplicate exception for the other:\n%s", o, n1, got)
			}
		}
		if inCanonicalOrder(o) {
			canonicalRuns++
			if told != canonicalTold {
				t.Errorf("order %v (each notice's payments and reversals in canonical order) gives\n%s\nwant the canonical\n%s", o, told, canonicalTold)
			}
		}
		// Replay on the same store: nothing changes.
		outbox := outboxCount(t, s)
		deliver(t, s, pr, o, nil)
		if again := fullState(t, s, notices, ps); again != got || outboxCount(t, s) != outbox {
			t.Errorf("order %v: a replay changed the state\n%s\nfrom\n%s", o, again, got)
		}
		if i < 3 { // the same order on a fresh store
			s2 := newStore(t)
			deliver(t, s2, ingest.New(s2, engine(t), clock, nil), o, nil)
			if fresh := fullState(t, s2, notices, ps); fresh != got {
				t.Errorf("order %v: a fresh store gives\n%s\nwant\n%s", o, fresh, got)
			}
		}
	}
	t.Logf("%d of %d orders canonical", canonicalRuns, len(os))
	if canonicalRuns < 2 && len(os) > 10 {
		t.Errorf("only %d orders had each notice's payments in canonical order: the sample tests too little", canonicalRuns)
	}
	for _, want := range []string{"notice N1 paid", "notice N2 paid", "notice N3 paid", "alloc vietqr:E 70000",
		"exception unmatched|momo:F", "confirmation N1 names momo:B=100000", "exception duplicate|vietqr:A",
		"notice N4 paid\n  alloc camt054:H 60000", "notice N5 paid\n  alloc vietqr:L 40000",
		"confirmation N4 names camt054:G=60000\n", "confirmation N5 names camt054:K=40000; vietqr:L=40000\n"} {
		if !strings.Contains(canonical, want) {
			t.Errorf("canonical state lacks %q:\n%s", want, canonical)
		}
	}
}

func outboxCount(t *testing.T, s store.Store) int {
	t.Helper()
	var n int
	_ = s.InTx(ctx, func(tx store.Tx) error {
		ms, err := tx.ListOutbox(ctx, store.OutboxFilter{})
		n = len(ms)
		return err
	})
	return n
}

func TestMixedStreamsAnyOrder(t *testing.T) {
	t.Parallel()
	notices, evs := orderStream(t)
	checkOrders(t, func(*testing.T) store.Store { return memory.New() }, orders(evs, 300, 11), notices)
}

// The same properties on the real PostgreSQL, on a smaller sample, which
// always holds the payments-before-their-notices order.
func TestMixedStreamsAnyOrderPostgres(t *testing.T) {
	notices, evs := orderStream(t)
	os := orders(evs, 6, 12)
	late := append([]event(nil), evs...) // every payment and reversal before every notice, in canonical order
	slices.SortStableFunc(late, func(a, b event) int {
		if (a.n != nil) != (b.n != nil) {
			if a.n == nil {
				return -1
			}
			return 1
		}
		return 0
	})
	os = append(os, late)
	checkOrders(t, pgStore, os, notices)
}

// amend stores n's next version as the API's amendment does, with
// Processor.NoticeChanged in the same transaction.
func amend(t *testing.T, s store.Store, pr *ingest.Processor, n payment.Notice) payment.Notice {
	t.Helper()
	err := s.InTx(ctx, func(tx store.Tx) error {
		old, err := tx.Notice(ctx, n.System, n.ID)
		if err != nil {
			return err
		}
		n.Code, n.Version, n.Status = old.Code, old.Version+1, old.Status
		if err := tx.UpdateNotice(ctx, n); err != nil {
			return err
		}
		_, err = pr.NoticeChanged(ctx, tx, n, true)
		return err
	})
	if err != nil {
		t.Fatalf("amend %s: %v", n.ID, err)
	}
	return n
}

// An amendment is decided as if the notice had always read so: the
// issuing system corrects a notice's dossier code (a typo) after two
// citizens paid naming dossiers. The one who named the corrected dossier
// pays it now; the one who named the old code is no longer allocated by
// it and is unmatched, as when the notice had come with the right code
// first. (Once the notice is confirmed, a later correction moves no
// money: a confirmed notice's allocations are fixed.)
func TestAmendedDossierIsDecidedAgain(t *testing.T) {
	for name, newStore := range reversalStores(t) {
		t.Run(name, func(t *testing.T) {
			right := conformance.Notice(t, "dvc", "N1", 21, 100_000)
			wrong := right
			wrong.Dossier = "000.00.20.H40-261120-9921"
			ps := []payment.Payment{
				pay(payment.GatewayVietQR, "P", 60_000, 1, "nop phi ho so "+string(wrong.Dossier)),
				pay(payment.GatewayMoMo, "Q", 100_000, 2, "ho so "+string(right.Dossier)),
			}
			notices := []payment.Notice{right}

			first := newStore(t) // the notice with the right dossier from the start
			pr := ingest.New(first, engine(t), clock, nil)
			createNotice(t, first, pr, event{n: &right})
			for _, p := range ps {
				if _, err := pr.Record(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			want := state(t, first, notices, ps)
			if !strings.Contains(want, "notice N1 paid\n  alloc momo:Q 100000") || !strings.Contains(want, "exception unmatched|vietqr:P") {
				t.Fatalf("with the right dossier first:\n%s", want)
			}

			s := newStore(t) // the typo first, corrected after both payments
			pr = ingest.New(s, engine(t), clock, nil)
			createNotice(t, s, pr, event{n: &wrong})
			for _, p := range ps {
				if _, err := pr.Record(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			before := state(t, s, notices, ps)
			if !strings.Contains(before, "notice N1 partially_paid\n  alloc vietqr:P 60000") {
				t.Fatalf("before the correction:\n%s", before)
			}
			amend(t, s, pr, right)
			if got := state(t, s, notices, ps); got != openOnly(want) {
				t.Errorf("after the correction:\n%s\nwant (as if right first):\n%s", got, openOnly(want))
			}
			if c := confirmed(t, s); c["N1"] != "momo:Q=100000" {
				t.Errorf("confirmations %v, want N1 by Q", c)
			}
		})
	}
}

// openOnly is a state without its resolved exceptions.
func openOnly(st string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(st, "\n") {
		if !strings.HasSuffix(strings.TrimSpace(line), " resolved") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// A transfer naming one notice's payment code and another's dossier:
// notices first, an ambiguous exception and nothing allocated. Delivered
// after the code's notice and before the dossier's, it pays the first and
// its confirmation fixes that; when the dossier's notice comes, the same
// ambiguous exception is raised beside it, for an accountant, once.
func TestCodeAndLaterDossierIsFlagged(t *testing.T) {
	for name, newStore := range reversalStores(t) {
		t.Run(name, func(t *testing.T) {
			n1 := conformance.Notice(t, "dvc", "N1", 31, 100_000)
			n2 := conformance.Notice(t, "dvc", "N2", 32, 100_000)
			p := pay(payment.GatewayVietQR, "P", 100_000, 1, string(n1.Code)+" ho so "+string(n2.Dossier))
			notices := []payment.Notice{n1, n2}
			amb := reconcile.ExceptionID(reconcile.ExceptionAmbiguous, p.ID)

			first := newStore(t)
			pr := ingest.New(first, engine(t), clock, nil)
			deliver(t, first, pr, []event{{n: &n1}, {n: &n2}, {p: &p}}, nil)
			if got := state(t, first, notices, []payment.Payment{p}); !strings.Contains(got, "exception "+amb+" 100000 VND open") || strings.Contains(got, "alloc") {
				t.Fatalf("notices first:\n%s", got)
			}

			s := newStore(t)
			pr = ingest.New(s, engine(t), clock, nil)
			deliver(t, s, pr, []event{{n: &n1}, {p: &p}, {n: &n2}}, nil)
			got := state(t, s, notices, []payment.Payment{p})
			if !strings.Contains(got, "notice N1 paid\n  alloc vietqr:P 100000") || !strings.Contains(got, "exception "+amb+" 100000 VND open") {
				t.Errorf("the dossier's notice after the confirmation:\n%s", got)
			}
			if c := confirmed(t, s); c["N1"] != "vietqr:P=100000" || c["N2"] != "" {
				t.Errorf("confirmations %v", c)
			}
			deliver(t, s, pr, []event{{n: &n1}, {p: &p}, {n: &n2}}, nil) // a replay: nothing new
			if again := state(t, s, notices, []payment.Payment{p}); again != got {
				t.Errorf("replay changed\n%s\nto\n%s", got, again)
			}
		})
	}
}
