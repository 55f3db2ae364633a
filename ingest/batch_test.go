package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
)

// tableDecoder stands in for a gateway's adapter (each is tested on its
// own format): a message's body names an entry of its table, the payments
// and reversals it carries; "poison" is a message no decoder accepts.
type tableDecoder map[string]tableEntry

type tableEntry struct {
	ps []payment.Payment
	rs []payment.Reversal
}

func (d tableDecoder) Gateway() payment.Gateway          { return payment.GatewayCamt054 }
func (d tableDecoder) Verify(gateways.Raw) error         { return nil }
func (d tableDecoder) Reply(error) (int, string, []byte) { return 200, "text/plain", nil }

func (d tableDecoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	e, ok := d[string(raw.Body)]
	if !ok {
		return nil, &gateways.Error{Gateway: payment.GatewayCamt054, Err: fmt.Errorf("%w: no entry %q", gateways.ErrMalformed, raw.Body)}
	}
	if len(e.ps) == 0 {
		return nil, fmt.Errorf("%w: reversals only", gateways.ErrNotPayment)
	}
	return e.ps, nil
}

func (d tableDecoder) DecodeReversals(raw gateways.Raw) ([]payment.Reversal, error) {
	e, ok := d[string(raw.Body)]
	if !ok {
		return nil, &gateways.Error{Gateway: payment.GatewayCamt054, Err: fmt.Errorf("%w: no entry %q", gateways.ErrMalformed, raw.Body)}
	}
	return e.rs, nil
}

// bothBackends are the stores a batch test runs on.
func bothBackends() []struct {
	name     string
	newStore func(t *testing.T) store.Store
} {
	return []struct {
		name     string
		newStore func(t *testing.T) store.Store
	}{
		{"memory", func(*testing.T) store.Store { return memory.New() }},
		{"postgres", pgStore},
	}
}

// batchStream is a day of one raw topic as messages, in order: the order
// stream's payments and reversals (orderStream), 150 generated payments
// over 60 more notices (by code, by code digits, by dossier, partial,
// overpaying, duplicate, unmatched, two codes at once), messages carrying
// two payments, redeliveries, a conflicting duplicate and a malformed
// message.
func batchStream(t *testing.T) ([]payment.Notice, tableDecoder, []ingest.RawMessage, []payment.Payment) {
	t.Helper()
	notices, evs := orderStream(t)
	rng := rand.New(rand.NewSource(13))
	for i := range 60 {
		notices = append(notices, conformance.Notice(t, "dvc", fmt.Sprintf("G%02d", i), uint64(100+i), int64(10_000*(1+rng.Intn(20)))))
	}
	dec := tableDecoder{}
	var bodies []string
	var all []payment.Payment
	add := func(e tableEntry) {
		body := fmt.Sprintf("msg-%03d", len(dec))
		dec[body] = e
		bodies = append(bodies, body)
		all = append(all, e.ps...)
	}
	for _, e := range evs {
		switch {
		case e.p != nil:
			add(tableEntry{ps: []payment.Payment{*e.p}})
		case e.r != nil:
			add(tableEntry{rs: []payment.Reversal{*e.r}})
		}
	}
	gen := notices[len(notices)-60:]
	for i := range 150 {
		n := gen[rng.Intn(len(gen))]
		due := n.Total.Amount.IntPart()
		amount, desc := due, "le phi "+string(n.Code)
		switch rng.Intn(8) {
		case 0:
			desc = "NP" + n.Code.Digits()
		case 1:
			desc = "nop ho so " + string(n.Dossier)
		case 2:
			amount = due / 2
		case 3:
			amount = due + 5_000
		case 4:
			desc = "chuyen khoan"
		case 5:
			m := gen[rng.Intn(len(gen))]
			desc = string(n.Code) + " " + string(m.Code)
			amount = due + m.Total.Amount.IntPart()
		}
		p := pay(payment.GatewayCamt054, fmt.Sprintf("T%03d", i), amount, 100+i, desc)
		if i%10 == 9 {
			// One bank message with this credit and the next one's.
			q := pay(payment.GatewayCamt054, fmt.Sprintf("T%03db", i), due, 100+i, "NOP PHI "+string(n.Code))
			add(tableEntry{ps: []payment.Payment{p, q}})
		} else {
			add(tableEntry{ps: []payment.Payment{p}})
		}
		if i%17 == 0 {
			bodies = append(bodies, bodies[len(bodies)-1]) // a redelivery
		}
	}
	// A second message for T001 saying other money, a message whose second
	// payment does (both refused whole), and one no decoder reads.
	var other []payment.Payment
	for _, e := range dec {
		if len(e.ps) > 0 && e.ps[0].TxnID == "T001" {
			other = e.ps
		}
	}
	if len(other) == 0 {
		t.Fatal("stream: no payment T001 to conflict with")
	}
	bad := other[0]
	bad.Amount = payment.VNDOf(bad.Amount.Amount.IntPart() + 1)
	add(tableEntry{ps: []payment.Payment{bad}})
	fresh := pay(payment.GatewayCamt054, "FRESH", 10_000, 500, "chuyen tien")
	add(tableEntry{ps: []payment.Payment{fresh, bad}})
	all = all[:len(all)-3] // none of the refused messages' payments is stored
	bodies = append(bodies, "poison")
	ms := make([]ingest.RawMessage, len(bodies))
	for i, b := range bodies {
		ms[i] = ingest.RawMessage{Raw: gateways.Raw{Body: []byte(b)}, Ref: fmt.Sprintf("payments.raw.camt054/0/%d", i), Offset: int64(i)}
	}
	return notices, dec, ms, all
}

// batches feeds ms to HandleBatch size messages at a time and returns the
// indexes it reported poisoned and the notices its stats say were told.
func batches(t *testing.T, pr *ingest.Processor, dec gateways.Decoder, ms []ingest.RawMessage, size int) ([]int, int) {
	t.Helper()
	pos := ingest.Position{Group: "feerecon", Topic: "payments.raw.camt054"}
	var poisoned []int
	var bulk, alone, told int
	for from := 0; from < len(ms); from += size {
		to := min(from+size, len(ms))
		var before []int
		st, err := pr.HandleBatch(ctx, dec, pos, ms[from:to], func(_ context.Context, ps []ingest.Poisoned) error {
			for _, p := range ps {
				if !gateways.Poison(p.Err) {
					t.Errorf("message %d refused with %v, not a poison error", from+p.Index, p.Err)
				}
				before = append(before, from+p.Index)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("batch %d…%d: %v", from, to, err)
		}
		bulk += st.InBulk
		alone += st.Alone
		told += st.Told
		var after []int
		for _, p := range st.Poisoned {
			after = append(after, from+p.Index)
		}
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Errorf("batch %d…%d: beforeCommit got %v, the stats say %v", from, to, before, after)
		}
		poisoned = append(poisoned, after...)
	}
	if size > 1 && (bulk == 0 || alone == 0) {
		t.Errorf("batches of %d: %d messages recorded in bulk, %d on their own; the stream should need both", size, bulk, alone)
	}
	t.Logf("batches of %d: %d messages recorded in bulk, %d on their own", size, bulk, alone)
	return poisoned, told
}

// webhookMessages counts the confirmations and payment.reversed messages
// to procedure systems in the outbox.
func webhookMessages(t *testing.T, s store.Store) int {
	t.Helper()
	n := 0
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, k := range []store.OutboxKind{store.OutboxConfirmation, store.OutboxReversal} {
			ms, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: k, Limit: 10_000})
			if err != nil {
				return err
			}
			n += len(ms)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The same stream recorded in batches of 1, 7 and 1,000 messages, and
// message by message through HandleRaw, ends in the same state (notice
// statuses, allocations, exceptions, what the confirmations name) as
// Record and Reverse called for each payment and reversal in its own
// transaction, on both backends; the same three messages are refused
// whole in every case (a conflicting duplicate, a message whose second
// payment is one, a message no decoder reads).
func TestBatchSizesGiveTheSameState(t *testing.T) {
	t.Parallel()
	for _, backend := range bothBackends() {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			notices, dec, ms, all := batchStream(t)
			run := func(size int) (string, []int) {
				s := backend.newStore(t)
				seed(t, s, notices...)
				pr := ingest.New(s, engine(t), clock, nil)
				var poisoned []int
				switch size {
				case 0: // the oracle: Record and Reverse, one transaction each, the refused messages left out
					for i, m := range ms[:len(ms)-3] {
						e := dec[string(m.Raw.Body)]
						for _, p := range e.ps {
							p.RawRef = m.Ref
							if _, err := pr.Record(ctx, p); err != nil {
								t.Fatalf("message %d: %v", i, err)
							}
						}
						for _, r := range e.rs {
							r.RawRef = m.Ref
							if _, err := pr.Reverse(ctx, r); err != nil {
								t.Fatalf("message %d: %v", i, err)
							}
						}
					}
					poisoned = []int{len(ms) - 3, len(ms) - 2, len(ms) - 1}
				case -1: // HandleRaw, message by message
					for i, m := range ms {
						if _, err := pr.HandleRaw(ctx, dec, m.Raw, m.Ref); gateways.Poison(err) {
							poisoned = append(poisoned, i)
						} else if err != nil {
							t.Fatalf("message %d: %v", i, err)
						}
					}
				default:
					var told int
					poisoned, told = batches(t, pr, dec, ms, size)
					if sent := webhookMessages(t, s); told != sent {
						t.Errorf("batches of %d: the stats told %d notices, the outbox has %d messages for them", size, told, sent)
					}
				}
				return fullState(t, s, notices, all) + storedPayments(t, s) + storedRows(t, s, all), poisoned
			}
			want, wantPoisoned := run(0)
			if !strings.Contains(want, "alloc ") || !strings.Contains(want, "exception ") || !strings.Contains(want, "confirmation ") {
				t.Fatalf("the stream decides too little to compare:\n%s", want)
			}
			for _, size := range []int{-1, 1, 7, 1000} {
				got, poisoned := run(size)
				if got != want {
					t.Errorf("batches of %d (-1: HandleRaw): state differs from Record and Reverse one by one:\n%s", size, lineDiff(want, got))
				}
				if fmt.Sprint(poisoned) != fmt.Sprint(wantPoisoned) {
					t.Errorf("batches of %d (-1: HandleRaw) refused %v, want %v", size, poisoned, wantPoisoned)
				}
			}
		})
	}
}

// lineDiff lists the lines only one side has.
func lineDiff(want, got string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// A batch seen again (a redelivery after a rebalance or a crash between
// the database commit and the broker's offset commit) is skipped by its
// stored offsets: nothing changes, and a batch overlapping it records only
// its new messages.
func TestBatchRedeliveredIsNotRecordedAgain(t *testing.T) {
	t.Parallel()
	for _, backend := range bothBackends() {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			notices, dec, ms, all := batchStream(t)
			s := backend.newStore(t)
			seed(t, s, notices...)
			pr := ingest.New(s, engine(t), clock, nil)
			pos := ingest.Position{Group: "feerecon", Topic: "payments.raw.camt054"}
			first, err := pr.HandleBatch(ctx, dec, pos, ms[:40], nil)
			if err != nil || first.HandledBefore != 0 || first.Recorded == 0 {
				t.Fatalf("first batch: %+v, %v", first, err)
			}
			before := fullState(t, s, notices, all)
			outbox := outboxCount(t, s)
			again, err := pr.HandleBatch(ctx, dec, pos, ms[:40], nil)
			if err != nil || again.HandledBefore != 40 || again.Recorded+again.Redelivered+again.Reversals != 0 {
				t.Fatalf("the same batch again: %+v, %v; want all 40 skipped", again, err)
			}
			if got := fullState(t, s, notices, all); got != before || outboxCount(t, s) != outbox {
				t.Errorf("a skipped batch changed the state:\n%s", lineDiff(before, got))
			}
			over, err := pr.HandleBatch(ctx, dec, pos, ms[30:50], nil)
			if err != nil || over.HandledBefore != 10 {
				t.Fatalf("overlapping batch: %+v, %v; want 10 skipped", over, err)
			}
			// Another group (another service reading the topic) has its own offsets.
			other, err := pr.HandleBatch(ctx, dec, ingest.Position{Group: "other", Topic: pos.Topic}, ms[:10], nil)
			if err != nil || other.HandledBefore != 0 {
				t.Fatalf("another group: %+v, %v", other, err)
			}
		})
	}
}

// When the dead letters cannot be stored (beforeCommit fails), nothing of
// the batch is: no payment, no offset; the retried batch records it all.
func TestBatchDeadLetterFailureStoresNothing(t *testing.T) {
	t.Parallel()
	notices, dec, ms, all := batchStream(t)
	s := memory.New()
	seed(t, s, notices...)
	pr := ingest.New(s, engine(t), clock, nil)
	pos := ingest.Position{Group: "feerecon", Topic: "payments.raw.camt054"}
	down := errors.New("dlq down")
	empty := fullState(t, s, notices, all)
	if _, err := pr.HandleBatch(ctx, dec, pos, ms, func(context.Context, []ingest.Poisoned) error { return down }); !errors.Is(err, down) {
		t.Fatalf("HandleBatch = %v, want the dead-letter failure", err)
	}
	if got := fullState(t, s, notices, all); got != empty {
		t.Fatalf("a failed batch stored something:\n%s", lineDiff(empty, got))
	}
	st, err := pr.HandleBatch(ctx, dec, pos, ms, nil)
	if err != nil || st.HandledBefore != 0 || len(st.Poisoned) != 3 {
		t.Fatalf("retried batch: %+v, %v", st, err)
	}
}

// storedPayments lists every payment stored, with its amount and raw
// reference.
func storedPayments(t *testing.T, s store.Store) string {
	t.Helper()
	var b strings.Builder
	err := s.InTx(ctx, func(tx store.Tx) error {
		ps, err := tx.ListPayments(ctx, base.Add(-24*time.Hour), base.Add(30*24*time.Hour))
		for _, p := range ps {
			fmt.Fprintf(&b, "payment %s %s %s\n", p.ID, p.Amount, p.RawRef)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Two instances' batches naming the same notices in opposite orders both
// commit: a batch takes its notices' locks at once, in the store's order,
// not payment by payment (which deadlocks: PostgreSQL would abort one).
func TestConcurrentBatchesDoNotDeadlock(t *testing.T) {
	t.Parallel()
	s := pgStore(t)
	var notices []payment.Notice
	for i := range 40 {
		notices = append(notices, conformance.Notice(t, "dvc", fmt.Sprintf("L%02d", i), uint64(300+i), 50_000))
	}
	seed(t, s, notices...)
	pr := ingest.New(s, engine(t), clock, nil)
	batch := func(prefix string, order []int) (tableDecoder, []ingest.RawMessage) {
		dec := tableDecoder{}
		var ms []ingest.RawMessage
		for off, i := range order {
			body := fmt.Sprintf("%s-%02d", prefix, i)
			dec[body] = tableEntry{ps: []payment.Payment{pay(payment.GatewayCamt054, body, 50_000, i, "le phi "+string(notices[i].Code))}}
			ms = append(ms, ingest.RawMessage{Raw: gateways.Raw{Body: []byte(body)}, Offset: int64(off),
				Ref: fmt.Sprintf("payments.raw.camt054/0/%d", off)})
		}
		return dec, ms
	}
	up, down := make([]int, len(notices)), make([]int, len(notices))
	for i := range notices {
		up[i], down[i] = i, len(notices)-1-i
	}
	decA, msA := batch("A", up)
	decB, msB := batch("B", down)
	errs := make(chan error, 2)
	for _, b := range []struct {
		dec tableDecoder
		ms  []ingest.RawMessage
		pos ingest.Position
	}{
		{decA, msA, ingest.Position{Group: "feerecon", Topic: "payments.raw.camt054"}},
		{decB, msB, ingest.Position{Group: "feerecon", Topic: "payments.raw.momo"}},
	} {
		go func() {
			_, err := pr.HandleBatch(ctx, b.dec, b.pos, b.ms, nil)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a concurrent batch failed: %v", err)
		}
	}
	// Every notice paid once; the other payment of each is its duplicate.
	inTx := func(fn func(tx store.Tx) error) {
		if err := s.InTx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	inTx(func(tx store.Tx) error {
		for _, n := range notices {
			as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			if len(as) != 1 {
				t.Errorf("notice %s has %d allocations, want 1", n.ID, len(as))
			}
		}
		return nil
	})
}

// storedRows is every row a decision writes, in full: the exceptions (kind,
// candidates, evidence, when raised), the allocations (code, evidence),
// the links and awaited references of each payment, the outbox (ids,
// payloads) and the audit chain (each entry and the head's hash, which
// covers the order of all of them).
func storedRows(t *testing.T, s store.Store, ps []payment.Payment) string {
	t.Helper()
	var b strings.Builder
	e := engine(t)
	err := s.InTx(ctx, func(tx store.Tx) error {
		ids := make([]string, 0, len(ps))
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			es, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: id})
			if err != nil {
				return err
			}
			for _, x := range es {
				fmt.Fprintf(&b, "exception %s %s %s %v %q %s %s/%s\n", x.ID, x.Kind, x.Amount, x.Candidates, x.Evidence,
					x.CreatedAt.Format(time.RFC3339Nano), x.NoticeSystem, x.NoticeID)
			}
			as, err := tx.AllocationsByPayment(ctx, id)
			if err != nil {
				return err
			}
			for _, a := range as {
				fmt.Fprintf(&b, "alloc %s %s/%s %s %s %s %q\n", id, a.NoticeSystem, a.NoticeID, a.Code, a.Amount, a.Rule, a.Evidence)
			}
			links, err := tx.LinkedNotices(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "links %s %v\n", id, links)
		}
		awaited := map[string]bool{}
		for _, p := range ps {
			for _, ref := range e.References(p.Description) {
				code, key := ref.Code, ""
				if ref.Kind == reconcile.RefDossier {
					code, key = "", ref.Key
				}
				name := string(code) + "|" + key
				if awaited[name] {
					continue
				}
				awaited[name] = true
				waiting, err := tx.PaymentsAwaiting(ctx, code, key)
				if err != nil {
					return err
				}
				var wids []string
				for _, w := range waiting {
					wids = append(wids, w.ID)
				}
				fmt.Fprintf(&b, "await %s %v\n", name, wids)
			}
		}
		ms, err := tx.ListOutbox(ctx, store.OutboxFilter{Limit: 10_000})
		if err != nil {
			return err
		}
		slices.SortFunc(ms, func(a, b store.OutboxMessage) int { return strings.Compare(a.ID, b.ID) })
		for _, m := range ms {
			fmt.Fprintf(&b, "outbox %s %s %s %s %s\n", m.ID, m.Kind, m.Destination, m.State, m.Payload)
		}
		rs, err := tx.AuditRecords(ctx, 0, 100_000)
		if err != nil {
			return err
		}
		for _, r := range rs {
			fmt.Fprintf(&b, "audit %d %s %s %s %s\n", r.Seq, r.Actor, r.Action, r.Entity, r.Detail)
		}
		if len(rs) > 0 {
			fmt.Fprintf(&b, "audit head %x\n", rs[len(rs)-1].Hash)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
