package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
)

var (
	ctx  = context.Background()
	base = time.Date(2026, 11, 20, 9, 0, 0, 0, payment.Location())
)

func engine(t *testing.T) *reconcile.Engine {
	t.Helper()
	e, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func clock() time.Time { return base.Add(24 * time.Hour) }

func pgStore(t *testing.T) store.Store {
	t.Helper()
	return pgtest.Store(t)
}

func seed(t *testing.T, s store.Store, notices ...payment.Notice) {
	t.Helper()
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, n := range notices {
			if err := tx.CreateNotice(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func pay(gw payment.Gateway, txn string, dong int64, minute int, desc string) payment.Payment {
	p := conformance.Payment(gw, txn, dong, base.Add(time.Duration(minute)*time.Minute))
	p.Description = desc
	return p
}

// state is everything the processor decides, printed canonically.
func state(t *testing.T, s store.Store, notices []payment.Notice, payments []payment.Payment) string {
	t.Helper()
	var b strings.Builder
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, n := range notices {
			got, err := tx.Notice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "notice %s %s\n", got.ID, got.Status)
			as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			for _, a := range as {
				fmt.Fprintf(&b, "  alloc %s %s %s\n", a.PaymentID, a.Amount, a.Rule)
			}
		}
		ids := make([]string, 0, len(payments))
		for _, p := range payments {
			ids = append(ids, p.ID)
		}
		sort.Strings(ids)
		for _, id := range ids {
			es, err := tx.ListExceptions(ctx, store.ExceptionFilter{PaymentID: id})
			if err != nil {
				return err
			}
			for _, e := range es {
				fmt.Fprintf(&b, "exception %s %s %s\n", e.ID, e.Amount, e.Status)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func scenario(t *testing.T) ([]payment.Notice, []payment.Payment) {
	n1 := conformance.Notice(t, "dvc", "N1", 1, 100_000)
	n2 := conformance.Notice(t, "dvc", "N2", 2, 50_000)
	n3 := conformance.Notice(t, "dvc", "N3", 3, 70_000)
	n4 := conformance.Notice(t, "dvc", "N4", 4, 30_000)
	n4.Status = payment.NoticeCancelled
	ps := []payment.Payment{
		pay(payment.GatewayVietQR, "A", 60_000, 1, "MBVCB.3278614134.NP "+n1.Code.Digits()+" le phi"),
		pay(payment.GatewayMoMo, "B", 40_000, 2, "Thanh toan "+string(n1.Code)),
		pay(payment.GatewayVNPay, "C", 50_000, 3, "NP-"+n1.Code.Digits()),                 // n1 already paid: duplicate
		pay(payment.GatewayZaloPay, "D", 120_000, 4, string(n2.Code)+" "+string(n3.Code)), // exact sum of n2 + n3
		pay(payment.GatewayVietQR, "E", 30_000, 5, "le phi "+string(n4.Code)),             // cancelled notice
		pay(payment.GatewayMoMo, "F", 70_000, 6, "chuyen tien"),                           // unmatched
	}
	return []payment.Notice{n1, n2, n3, n4}, ps
}

func runOrder(t *testing.T, s store.Store, notices []payment.Notice, ps []payment.Payment) string {
	t.Helper()
	seed(t, s, notices...)
	pr := ingest.New(s, engine(t), clock, nil)
	for _, p := range ps {
		if _, err := pr.Record(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return state(t, s, notices, ps)
}

func TestRecordDecidesAndConfirmsOnce(t *testing.T) {
	t.Parallel()
	notices, ps := scenario(t)
	s := memory.New()
	got := runOrder(t, s, notices, ps)
	for _, want := range []string{
		"notice N1 paid", "alloc momo:B 40000 VND", "alloc vietqr:A 60000 VND",
		"notice N2 paid", "notice N3 paid", "alloc zalopay:D 50000 VND", "alloc zalopay:D 70000 VND",
		"notice N4 cancelled", "exception duplicate|vnpay:C", "exception cancelled_notice|vietqr:E", "exception unmatched|momo:F",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("state lacks %q:\n%s", want, got)
		}
	}
	// A redelivery of every payment changes nothing and confirms nothing again.
	pr := ingest.New(s, engine(t), clock, nil)
	for _, p := range ps {
		out, err := pr.Record(ctx, p)
		if err != nil || !out.Redelivery {
			t.Fatalf("redelivery of %s: %+v, %v", p.ID, out, err)
		}
	}
	if again := state(t, s, notices, ps); again != got {
		t.Errorf("redelivery changed the state:\n%s\nwas\n%s", again, got)
	}
	var conf, kconf []store.OutboxMessage
	_ = s.InTx(ctx, func(tx store.Tx) error {
		var err error
		if conf, err = tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxConfirmation}); err != nil {
			return err
		}
		kconf, err = tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxConfirmationKafka})
		return err
	})
	if len(conf) != 3 {
		t.Fatalf("confirmations: %d, want 3 (N1, N2, N3)", len(conf))
	}
	// Each confirmation has its copy for Kafka, same payload, own id.
	if len(kconf) != len(conf) {
		t.Fatalf("Kafka confirmations: %d, want %d", len(kconf), len(conf))
	}
	for i, c := range conf {
		if !strings.Contains(string(c.Payload), `"status":"paid"`) {
			t.Errorf("confirmation %s: %s", c.ID, c.Payload)
		}
		k := kconf[i]
		if k.ID != c.ID+"|kafka" || k.Destination != "kafka:payments.confirmed" || string(k.Payload) != string(c.Payload) {
			t.Errorf("Kafka copy %s (%s) of %s: %s", k.ID, k.Destination, c.ID, k.Payload)
		}
		// N1 was completed by payment B at 09:02: the confirmation says so.
		var body ingest.Confirmation
		if err := json.Unmarshal(c.Payload, &body); err != nil {
			t.Fatal(err)
		}
		if body.NoticeID == "N1" && !body.PaidAt.Equal(base.Add(2*time.Minute)) {
			t.Errorf("N1 confirmed paid at %v, want %v", body.PaidAt, base.Add(2*time.Minute))
		}
	}
}

// Any interleaving in which each notice's payments arrive in canonical
// order (paid at, id) gives the canonical state. (A notice confirmed
// before an earlier-dated payment arrives keeps its confirmed payer:
// order_test.go.)
func TestAnyDeliveryOrderSameState(t *testing.T) {
	t.Parallel()
	notices, ps := scenario(t)
	want := runOrder(t, memory.New(), notices, ps)
	rng := rand.New(rand.NewSource(7))
	for tried := 0; tried < 20; {
		shuffled := append([]payment.Payment(nil), ps...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if !n1InOrder(shuffled) {
			continue
		}
		tried++
		if got := runOrder(t, memory.New(), notices, shuffled); got != want {
			t.Fatalf("order %v gives\n%s\nwant\n%s", ids(shuffled), got, want)
		}
	}
	// And the same on the real PostgreSQL.
	if got := runOrder(t, pgStore(t), notices, ps); got != want {
		t.Fatalf("PostgreSQL gives\n%s\nwant\n%s", got, want)
	}
}

// n1InOrder: the scenario's payments naming N1 (A, B, C) come in
// canonical order; every other notice has one payment.
func n1InOrder(ps []payment.Payment) bool {
	var seen []string
	for _, p := range ps {
		switch p.TxnID {
		case "A", "B", "C":
			seen = append(seen, p.TxnID)
		}
	}
	return strings.Join(seen, "") == "ABC"
}

func ids(ps []payment.Payment) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// Two processors (as two consumer instances would) record payments for the
// same notices at once on the real PostgreSQL: the notice locks keep them
// from double-allocating.
func TestConcurrentProcessorsNoDoubleAllocation(t *testing.T) {
	s := pgStore(t)
	var notices []payment.Notice
	for i := 0; i < 10; i++ {
		notices = append(notices, conformance.Notice(t, "dvc", fmt.Sprintf("N%02d", i), uint64(100+i), 100_000))
	}
	seed(t, s, notices...)
	// Three full payments per notice, spread over two instances.
	var ps []payment.Payment
	for i, n := range notices {
		for k := 0; k < 3; k++ {
			ps = append(ps, pay(payment.GatewayVietQR, fmt.Sprintf("T%02d-%d", i, k), 100_000, i*3+k, "NP"+n.Code.Digits()))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ps))
	for inst := 0; inst < 2; inst++ {
		pr := ingest.New(s, engine(t), clock, nil)
		wg.Add(1)
		go func(inst int) {
			defer wg.Done()
			for j, p := range ps {
				if j%2 != inst && j%3 != 0 { // overlap: every third payment is sent to both
					continue
				}
				for attempt := 0; ; attempt++ {
					_, err := pr.Record(ctx, p)
					if err == nil {
						break
					}
					if attempt == 5 { // a deadlock victim retries, as the consumer does
						errs <- err
						break
					}
				}
			}
		}(inst)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_ = s.InTx(ctx, func(tx store.Tx) error {
		for _, n := range notices {
			as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			if len(as) != 1 || !as[0].Amount.Equal(n.Total) {
				t.Errorf("notice %s allocations %+v", n.ID, as)
			}
			got, _ := tx.Notice(ctx, n.System, n.ID)
			if got.Status != payment.NoticePaid {
				t.Errorf("notice %s is %s", n.ID, got.Status)
			}
		}
		dups, err := tx.ListExceptions(ctx, store.ExceptionFilter{Kind: reconcile.ExceptionDuplicate})
		if err != nil {
			return err
		}
		if len(dups) != 20 {
			t.Errorf("duplicate exceptions: %d, want 20", len(dups))
		}
		conf, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxConfirmation})
		if len(conf) != 10 {
			t.Errorf("confirmations %d, want 10", len(conf))
		}
		return err
	})
}

func newEngine() (*reconcile.Engine, error) { return reconcile.NewEngine(reconcile.Config{}) }

func TestMetricsCountOutcomes(t *testing.T) {
	t.Parallel()
	notices, ps := scenario(t)
	s := memory.New()
	seed(t, s, notices...)
	reg := prometheus.NewRegistry()
	m, err := ingest.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	pr := ingest.New(s, engine(t), clock, nil).WithMetrics(m)
	for _, p := range append(ps, ps[0]) { // the first one redelivered
		if _, err := pr.Record(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// The scenario: A, E (vietqr), B, F (momo), C (vnpay), D (zalopay);
	// C pays a paid notice, E a cancelled one, F names none; B completes
	// N1, D pays N2 and N3 exactly.
	want := `
# HELP feerecon_notices_confirmed_total Notices that became paid and were confirmed (enqueued) to their procedure system.
# TYPE feerecon_notices_confirmed_total counter
feerecon_notices_confirmed_total 3
# HELP feerecon_payment_exceptions_total Exceptions raised for a newly recorded payment, by kind.
# TYPE feerecon_payment_exceptions_total counter
feerecon_payment_exceptions_total{kind="cancelled_notice"} 1
feerecon_payment_exceptions_total{kind="duplicate"} 1
feerecon_payment_exceptions_total{kind="unmatched"} 1
# HELP feerecon_payments_total Payment events recorded, by gateway and outcome (recorded, redelivered).
# TYPE feerecon_payments_total counter
feerecon_payments_total{gateway="momo",outcome="recorded"} 2
feerecon_payments_total{gateway="vietqr",outcome="recorded"} 2
feerecon_payments_total{gateway="vietqr",outcome="redelivered"} 1
feerecon_payments_total{gateway="vnpay",outcome="recorded"} 1
feerecon_payments_total{gateway="zalopay",outcome="recorded"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if _, err := ingest.NewMetrics(reg); err == nil {
		t.Error("registering twice on one registry succeeded")
	}
}

// An exception's created_at is when the processor first raised it (its
// clock), never the payment's date; a re-decision that raises it again
// (same id) keeps that time. Its notice is named with its system.
func TestExceptionRaisedWhenFirstRecorded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		s    func(t *testing.T) store.Store
	}{
		{"memory", func(*testing.T) store.Store { return memory.New() }},
		{"postgres", pgStore},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.s(t)
			n1 := conformance.Notice(t, "dvc", "N1", 1, 100_000)
			seed(t, s, n1)
			now := base.Add(48 * time.Hour)
			pr := ingest.New(s, engine(t), func() time.Time { return now }, nil)
			day := func(d int) time.Time { return base.Add(time.Duration(48+24*d) * time.Hour) }
			steps := []struct {
				at time.Time
				p  payment.Payment
			}{
				{day(0), pay(payment.GatewayVietQR, "A", 100_000, 5, string(n1.Code))},
				{day(1), pay(payment.GatewayMoMo, "B", 100_000, 6, string(n1.Code))},    // duplicate, raised day 1
				{day(2), pay(payment.GatewayVNPay, "C", 100_000, 7, string(n1.Code))},   // re-decides B's: kept
				{day(3), pay(payment.GatewayZaloPay, "Z", 100_000, 1, string(n1.Code))}, // paid first, but N1 is confirmed: a duplicate
				{day(4), pay(payment.GatewayMoMo, "F", 70_000, 8, "chuyen tien")},       // unmatched: no notice
			}
			for _, st := range steps {
				now = st.at
				if _, err := pr.Record(ctx, st.p); err != nil {
					t.Fatal(err)
				}
			}
			want := []struct {
				id, system, notice string
				at                 time.Time
			}{
				{"duplicate|momo:B", "dvc", "N1", day(1)},
				{"duplicate|vnpay:C", "dvc", "N1", day(2)},
				{"duplicate|zalopay:Z", "dvc", "N1", day(3)},
				{"unmatched|momo:F", "", "", day(4)},
			}
			_ = s.InTx(ctx, func(tx store.Tx) error {
				all, err := tx.ListExceptions(ctx, store.ExceptionFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != len(want) {
					t.Fatalf("exceptions %+v, want %d", all, len(want))
				}
				for _, w := range want {
					e, err := tx.Exception(ctx, w.id)
					if err != nil {
						t.Fatal(err)
					}
					if !e.CreatedAt.Equal(w.at) || e.NoticeSystem != w.system || e.NoticeID != w.notice {
						t.Errorf("%s: created %v, notice %q/%q; want created %v, notice %q/%q",
							w.id, e.CreatedAt, e.NoticeSystem, e.NoticeID, w.at, w.system, w.notice)
					}
				}
				return nil
			})
		})
	}
}
