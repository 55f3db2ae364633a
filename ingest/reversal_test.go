package ingest_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/camt054"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
)

func reversalStores(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"memory":   func(*testing.T) store.Store { return memory.New() },
		"postgres": pgStore,
	}
}

func outboxOf(t *testing.T, s store.Store, kind store.OutboxKind) []store.OutboxMessage {
	t.Helper()
	var ms []store.OutboxMessage
	if err := s.InTx(ctx, func(tx store.Tx) error {
		var err error
		ms, err = tx.ListOutbox(ctx, store.OutboxFilter{Kind: kind})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ms
}

func auditTrail(t *testing.T, s store.Store, entity string) []store.AuditEntry {
	t.Helper()
	var es []store.AuditEntry
	if err := s.InTx(ctx, func(tx store.Tx) error {
		var err error
		es, err = tx.AuditTrail(ctx, entity)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return es
}

// A bank reversal after the confirmation: the notice is issued again, its
// allocation gone, one payment.reversed message per channel with its own
// idempotency key; the same reversal again is nothing new.
func TestReversalAfterConfirmation(t *testing.T) {
	for name, newStore := range reversalStores(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			n := conformance.Notice(t, "dvc", "N1", 1, 100_000)
			seed(t, s, n)
			pr := ingest.New(s, engine(t), clock, slog.New(slog.DiscardHandler))
			p := pay(payment.GatewayCamt054, "FT24330123456789", 100_000, 1, "Nop le phi "+string(n.Code))
			p.BankRef = p.TxnID
			out, err := pr.Record(ctx, p)
			if err != nil || len(out.Confirmed) != 1 {
				t.Fatalf("Record = %+v, %v; want the notice confirmed", out, err)
			}
			r := conformance.Reversal(payment.GatewayCamt054, "FT24331000000077", 100_000, base.Add(26*time.Hour), p.TxnID)
			got, err := pr.Reverse(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if got.Redelivery || got.PaymentID != p.ID || len(got.Reopened) != 1 || got.Reopened[0] != (store.NoticeKey{System: "dvc", ID: "N1"}) {
				t.Fatalf("Reverse = %+v", got)
			}
			if st := state(t, s, []payment.Notice{n}, []payment.Payment{p}); st != "notice N1 issued\n" {
				t.Errorf("state after the reversal:\n%s", st)
			}
			id := outbox.Reversed.ID("dvc", "N1", r.ID)
			for kind, wantID := range map[store.OutboxKind]string{store.OutboxReversal: id, store.OutboxReversalKafka: outbox.KafkaID(id)} {
				ms := outboxOf(t, s, kind)
				if len(ms) != 1 || ms[0].ID != wantID {
					t.Fatalf("%s messages %+v, want one %s", kind, ms, wantID)
				}
				var body ingest.ReversedMessage
				if err := json.Unmarshal(ms[0].Payload, &body); err != nil {
					t.Fatal(err)
				}
				if body.ID != id || body.PaymentID != p.ID || body.ReversalID != r.ID || body.Status != payment.NoticeIssued ||
					!body.Reversed.Equal(payment.VNDOf(100_000)) || !body.Paid.IsZero() || !body.AmountDue.Equal(n.Total) ||
					body.PaymentCode != n.Code {
					t.Errorf("%s payload %s", kind, ms[0].Payload)
				}
			}
			if ms := outboxOf(t, s, store.OutboxReversal); ms[0].Destination != "dvc" {
				t.Errorf("webhook destination %q, want the notice's system", ms[0].Destination)
			}
			trail := auditTrail(t, s, store.PaymentEntity(p.ID))
			if last := trail[len(trail)-1]; last.Action != store.AuditPaymentReverse || !strings.Contains(string(last.Detail), r.ID) {
				t.Errorf("last audit entry of the payment: %+v", last)
			}
			// Redelivered: nothing new, not even an audit entry.
			again, err := pr.Reverse(ctx, r)
			if err != nil || !again.Redelivery {
				t.Fatalf("redelivery = %+v, %v", again, err)
			}
			if n := len(outboxOf(t, s, store.OutboxReversal)) + len(outboxOf(t, s, store.OutboxReversalKafka)); n != 2 {
				t.Errorf("%d reversal messages after the redelivery, want 2", n)
			}
			if n := len(auditTrail(t, s, store.PaymentEntity(p.ID))); n != len(trail) {
				t.Errorf("redelivery audited: %d entries, was %d", n, len(trail))
			}
			// The original redelivered after its reversal stays reversed.
			if out, err := pr.Record(ctx, p); err != nil || !out.Redelivery {
				t.Errorf("original redelivered: %+v, %v", out, err)
			}
			if st := state(t, s, []payment.Notice{n}, []payment.Payment{p}); st != "notice N1 issued\n" {
				t.Errorf("state after the original's redelivery:\n%s", st)
			}
		})
	}
}

// A notice opened again by a reversal and then paid again by another
// payment is confirmed again, with a key of its own naming the new payer;
// the payment redelivered sends nothing more. The first confirmation and
// the payment.reversed (naming no payer now) stay as they were.
func TestConfirmedAgainAfterAReversal(t *testing.T) {
	for name, newStore := range reversalStores(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			n := conformance.Notice(t, "dvc", "N1", 1, 100_000)
			seed(t, s, n)
			pr := ingest.New(s, engine(t), clock, nil)
			first := pay(payment.GatewayCamt054, "FT1", 100_000, 1, "Nop le phi "+string(n.Code))
			if _, err := pr.Record(ctx, first); err != nil {
				t.Fatal(err)
			}
			r := conformance.Reversal(payment.GatewayCamt054, "FTR1", 100_000, base.Add(time.Hour), "FT1")
			if _, err := pr.Reverse(ctx, r); err != nil {
				t.Fatal(err)
			}
			ms := outboxOf(t, s, store.OutboxReversal)
			if len(ms) != 1 || !strings.Contains(string(ms[0].Payload), `"status":"issued"`) || !strings.Contains(string(ms[0].Payload), `"allocations":[]`) {
				t.Fatalf("reversal messages %+v", ms)
			}
			again := pay(payment.GatewayVietQR, "Q2", 100_000, 90, "le phi "+string(n.Code))
			out, err := pr.Record(ctx, again)
			if err != nil || len(out.Confirmed) != 1 {
				t.Fatalf("Record = %+v, %v; want the notice confirmed again", out, err)
			}
			wantIDs := []string{outbox.Confirmation.ID("dvc", "N1"), ingest.ConfirmationAgainID("dvc", "N1", []reconcile.Allocation{{PaymentID: again.ID}})}
			if wantIDs[1] != "confirmation|dvc|N1|vietqr:Q2" {
				t.Errorf("again id %q", wantIDs[1])
			}
			for _, k := range []store.OutboxKind{store.OutboxConfirmation, store.OutboxConfirmationKafka} {
				ms := outboxOf(t, s, k)
				if len(ms) != 2 {
					t.Fatalf("%s: %d messages, want 2", k, len(ms))
				}
				got := map[string]ingest.Confirmation{}
				for _, m := range ms {
					var c ingest.Confirmation
					if err := json.Unmarshal(m.Payload, &c); err != nil {
						t.Fatal(err)
					}
					got[m.ID] = c
				}
				for i, id := range wantIDs {
					if k == store.OutboxConfirmationKafka {
						id = outbox.KafkaID(id)
					}
					c, ok := got[id]
					payer := []string{first.ID, again.ID}[i]
					if !ok || len(c.Allocations) != 1 || c.Allocations[0].PaymentID != payer || c.Status != payment.NoticePaid {
						t.Errorf("%s: message %s = %+v (present %v), want %s paying", k, id, c, ok, payer)
					}
				}
			}
			if out, err := pr.Record(ctx, again); err != nil || !out.Redelivery {
				t.Errorf("redelivery = %+v, %v", out, err)
			}
			if n := len(outboxOf(t, s, store.OutboxConfirmation)); n != 2 {
				t.Errorf("%d confirmations after the redelivery, want 2", n)
			}
		})
	}
}

// Many payers: the key names them by their SHA-256, within bounds.
func TestConfirmationAgainIDBounded(t *testing.T) {
	var as []reconcile.Allocation
	for i := range 40 {
		as = append(as, reconcile.Allocation{PaymentID: fmt.Sprintf("camt054:FT2433%010d", i)})
	}
	id := ingest.ConfirmationAgainID("dvc", "N1", as)
	if !strings.HasPrefix(id, "confirmation|dvc|N1|sha256:") || len(id) > 100 {
		t.Errorf("id %q", id)
	}
	rev := append([]reconcile.Allocation(nil), as...)
	slices.Reverse(rev)
	if ingest.ConfirmationAgainID("dvc", "N1", rev) != id {
		t.Error("the key depends on the allocations' order")
	}
	if ingest.ConfirmationAgainID("dvc", "N1", as[:39]) == id {
		t.Error("another set of payers has the same key")
	}
}

// The notice paid twice: reversing the payment that paid it leaves the
// duplicate paying it (still paid, no second confirmation), and the
// procedure system is told which payment went.
func TestReversalOfThePayerLeavesTheDuplicate(t *testing.T) {
	s := memory.New()
	n := conformance.Notice(t, "dvc", "N1", 1, 100_000)
	seed(t, s, n)
	pr := ingest.New(s, engine(t), clock, nil)
	first := pay(payment.GatewayCamt054, "FT1", 100_000, 1, string(n.Code))
	second := pay(payment.GatewayVietQR, "Q2", 100_000, 2, string(n.Code))
	for _, p := range []payment.Payment{first, second} {
		if _, err := pr.Record(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	before := state(t, s, []payment.Notice{n}, []payment.Payment{first, second})
	if !strings.Contains(before, "alloc camt054:FT1") || !strings.Contains(before, "duplicate") {
		t.Fatalf("before: %s", before)
	}
	if _, err := pr.Reverse(ctx, conformance.Reversal(payment.GatewayCamt054, "FTR1", 100_000, base.Add(time.Hour), "FT1")); err != nil {
		t.Fatal(err)
	}
	after := state(t, s, []payment.Notice{n}, []payment.Payment{first, second})
	if want := "notice N1 paid\n  alloc vietqr:Q2 100000 VND payment_code\n"; after != want {
		t.Errorf("after:\n%s\nwant:\n%s", after, want)
	}
	if n := len(outboxOf(t, s, store.OutboxConfirmation)); n != 1 {
		t.Errorf("%d confirmations, want the first only", n)
	}
	ms := outboxOf(t, s, store.OutboxReversal)
	if len(ms) != 1 || !strings.Contains(string(ms[0].Payload), `"status":"paid"`) {
		t.Fatalf("reversal messages: %+v", ms)
	}
	// It names the payment that pays the notice now.
	var body ingest.ReversedMessage
	if err := json.Unmarshal(ms[0].Payload, &body); err != nil {
		t.Fatal(err)
	}
	if body.PaymentID != first.ID || len(body.Allocations) != 1 || body.Allocations[0].PaymentID != second.ID {
		t.Errorf("reversal message names %s reversed and payers %+v; want %s reversed, %s paying", body.PaymentID, body.Allocations, first.ID, second.ID)
	}
}

// A reversal naming no payment feerecon holds, or one of another amount,
// is kept with an unknown_reversal exception: never dropped, nothing
// undone, nothing sent.
func TestReversalOfAnUnknownPayment(t *testing.T) {
	for name, newStore := range reversalStores(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			pr := ingest.New(s, engine(t), clock, nil)
			p := pay(payment.GatewayCamt054, "FT1", 100_000, 1, "no notice")
			if _, err := pr.Record(ctx, p); err != nil {
				t.Fatal(err)
			}
			for _, r := range []payment.Reversal{
				conformance.Reversal(payment.GatewayCamt054, "FTR9", 100_000, base.Add(time.Hour), "FT-NOT-HERE"),
				conformance.Reversal(payment.GatewayCamt054, "FTR8", 60_000, base.Add(time.Hour), "FT1"), // partial
				conformance.Reversal(payment.GatewayMoMo, "M1", 100_000, base.Add(time.Hour), "FT1"),     // a wallet's, not a bank's
			} {
				out, err := pr.Reverse(ctx, r)
				if err != nil || out.PaymentID != "" || out.Exception != reconcile.ExceptionID(reconcile.ExceptionUnknownReversal, r.ID) {
					t.Fatalf("Reverse(%s) = %+v, %v", r.ID, out, err)
				}
				if err := s.InTx(ctx, func(tx store.Tx) error {
					e, err := tx.Exception(ctx, out.Exception)
					if err != nil {
						return err
					}
					if e.Kind != reconcile.ExceptionUnknownReversal || e.Status != reconcile.ExceptionOpen || e.StatementRef != r.ID ||
						!e.Amount.Equal(r.Amount) || !e.CreatedAt.Equal(clock()) {
						t.Errorf("exception %+v", e)
					}
					stored, err := tx.Reversal(ctx, r.ID)
					if err != nil || stored.PaymentID != "" {
						t.Errorf("stored reversal %+v, %v", stored, err)
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if again, err := pr.Reverse(ctx, r); err != nil || !again.Redelivery {
					t.Errorf("redelivered unknown reversal: %+v, %v", again, err)
				}
			}
			if ms := outboxOf(t, s, store.OutboxReversal); len(ms) != 0 {
				t.Errorf("messages for unknown reversals: %+v", ms)
			}
		})
	}
}

// The camt.054 adapter's reversals reach Reverse through HandleRaw, also
// from a message that carries no credit.
func TestHandleRawRecordsReversals(t *testing.T) {
	s := memory.New()
	pr := ingest.New(s, engine(t), clock, nil)
	dec, err := camt054.New(camt054.Config{Secret: "feerecon-test-camt054-secret-001"})
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) gateways.Raw {
		dir := "../testdata/gateways/camt054"
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := os.ReadFile(filepath.Join(dir, name+".sig"))
		if err != nil {
			t.Fatal(err)
		}
		return gateways.Raw{Body: body, Headers: map[string]string{camt054.HeaderSignature: strings.TrimSpace(string(sig))}}
	}
	if st, err := pr.HandleRaw(ctx, dec, read("vnd_credits_v08.xml"), "payments.raw.camt054/0/1"); err != nil || st.Recorded != 2 {
		t.Fatalf("credits: %+v, %v", st, err)
	}
	st, err := pr.HandleRaw(ctx, dec, read("reversal_of_credit.xml"), "payments.raw.camt054/0/2")
	if err != nil || st.Reversals != 3 || st.NotPayment != 1 {
		t.Fatalf("reversals: %+v, %v", st, err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.ReversalOf(ctx, "camt054:FT24330123456789")
		if err != nil {
			return err
		}
		if r.ID != "camt054:FT24331000000077" || r.RawRef != "payments.raw.camt054/0/2" {
			t.Errorf("reversal %+v", r)
		}
		// A return (BkTxCd RRTN, no RvslInd) naming the second credit.
		if r, err := tx.ReversalOf(ctx, "camt054:FT24330987654321"); err != nil || r.ID != "camt054:FT24331000000079" {
			t.Errorf("return %+v, %v", r, err)
		}
		// The second names an EndToEndId no payment carries: kept, unknown.
		u, err := tx.Reversal(ctx, "camt054:VCB-NTF-20241126-0007/2")
		if err != nil || u.PaymentID != "" {
			t.Errorf("unknown reversal %+v, %v", u, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A payment reversed while it waited for its notice stays out of it when
// the notice is issued later: the notice is issued, nothing allocated,
// nothing confirmed.
func TestReversedPaymentWaitsForNoNotice(t *testing.T) {
	for name, newStore := range reversalStores(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			pr := ingest.New(s, engine(t), clock, nil)
			n := conformance.Notice(t, "dvc", "N7", 7, 100_000)
			p := pay(payment.GatewayCamt054, "FT7", 100_000, 1, "nop phi "+string(n.Code))
			if _, err := pr.Record(ctx, p); err != nil {
				t.Fatal(err)
			}
			if _, err := pr.Reverse(ctx, conformance.Reversal(payment.GatewayCamt054, "FTR7", 100_000, base.Add(time.Hour), "FT7")); err != nil {
				t.Fatal(err)
			}
			if err := s.InTx(ctx, func(tx store.Tx) error {
				if err := tx.CreateNotice(ctx, n); err != nil {
					return err
				}
				_, err := pr.NoticeChanged(ctx, tx, n, false)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if st := state(t, s, []payment.Notice{n}, []payment.Payment{p}); st != "notice N7 issued\n" {
				t.Errorf("state:\n%s", st)
			}
			if ms := outboxOf(t, s, store.OutboxConfirmation); len(ms) != 0 {
				t.Errorf("confirmed a reversed payment: %+v", ms)
			}
		})
	}
}

// The reversal delivered before its payment: the payment, when it comes,
// is recorded as reversed and never decided; the notice ends as when the
// payment came first (issued, nothing allocated), with no confirmation
// and no payment.reversed message (nothing was confirmed); the unknown
// reversal's exception is resolved by the engine.
func TestReversalBeforeItsPayment(t *testing.T) {
	for name, newStore := range reversalStores(t) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			n := conformance.Notice(t, "dvc", "N1", 1, 100_000)
			seed(t, s, n)
			pr := ingest.New(s, engine(t), clock, nil)
			r := conformance.Reversal(payment.GatewayCamt054, "FTR1", 100_000, base.Add(time.Hour), "FT1")
			if out, err := pr.Reverse(ctx, r); err != nil || out.PaymentID != "" {
				t.Fatalf("Reverse = %+v, %v", out, err)
			}
			p := pay(payment.GatewayCamt054, "FT1", 100_000, 1, string(n.Code))
			out, err := pr.Record(ctx, p)
			if err != nil || out.ReversedBy != r.ID || len(out.Allocations)+len(out.Confirmed) != 0 {
				t.Fatalf("Record = %+v, %v", out, err)
			}
			if st := state(t, s, []payment.Notice{n}, []payment.Payment{p}); st != "notice N1 issued\n" {
				t.Errorf("state:\n%s", st)
			}
			for _, k := range []store.OutboxKind{store.OutboxConfirmation, store.OutboxReversal} {
				if ms := outboxOf(t, s, k); len(ms) != 0 {
					t.Errorf("%s messages %+v", k, ms)
				}
			}
			if err := s.InTx(ctx, func(tx store.Tx) error {
				got, err := tx.ReversalOf(ctx, p.ID)
				if err != nil || got.ID != r.ID {
					t.Errorf("ReversalOf = %+v, %v", got, err)
				}
				e, err := tx.Exception(ctx, reconcile.ExceptionID(reconcile.ExceptionUnknownReversal, r.ID))
				if err != nil || e.Status != reconcile.ExceptionResolved || e.ResolvedBy != string(store.ActorEngine) {
					t.Errorf("the unknown reversal's exception %+v, %v", e, err)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// Both redelivered: nothing new.
			if again, err := pr.Reverse(ctx, r); err != nil || !again.Redelivery {
				t.Errorf("reversal redelivered: %+v, %v", again, err)
			}
			if again, err := pr.Record(ctx, p); err != nil || !again.Redelivery {
				t.Errorf("payment redelivered: %+v, %v", again, err)
			}
		})
	}
}
