package dailyrun_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// A replay of the same stream — in another delivery order, with
// redeliveries, statements imported in another order, on another backend —
// ends in the same reports, byte for byte, but for the audit head each
// carries: the head of the replay's own audit chain at the cut-off, which
// depends on the order and time entries were written (different in every
// replay), not on what the reports say. Everything else, and the SHA-256
// of the report without its head, is the same.
func TestReplayGivesByteIdenticalReports(t *testing.T) {
	t.Parallel()
	events := loadEvents(t, "events.jsonl")
	run := func(t *testing.T, st store.Store, order []payment.Payment, files []string) map[string][]byte {
		t.Helper()
		err := st.InTx(context.Background(), func(tx store.Tx) error {
			for _, n := range loadNotices(t) {
				if err := tx.CreateNotice(context.Background(), n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		record(t, st, at(26, 23, 0), order)
		for _, f := range files {
			if _, err := importFile(st, readFile(t, f)); err != nil {
				t.Fatal(err)
			}
		}
		reps, err := newJob(t, st, &clock{t: at(27, 1, 0)}).Run(context.Background(), businessDate, "")
		if err != nil {
			t.Fatal(err)
		}
		var head store.AuditLink
		if err := st.InTx(context.Background(), func(tx store.Tx) error {
			var err error
			head, err = tx.AuditHeadAt(context.Background(), daily.DefaultDayRules().DayEnd(businessDate))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if head.Seq == 0 {
			t.Fatal("no audit entry before the cut-off")
		}
		out := map[string][]byte{}
		for _, r := range reps {
			s := stored(t, st, r.Agency, r.Version)
			out[r.ID] = withoutAuditHead(t, s, head)
		}
		return out
	}
	want := run(t, memoryStore(), events, []string{"statement.camt053.xml", "settlement.vnpay.csv"})
	if len(want) == 0 {
		t.Fatal("no report stored")
	}
	rng := rand.New(rand.NewSource(26))
	for i := 0; i < 4; i++ {
		order := append([]payment.Payment(nil), events...)
		order = append(order, events[rng.Intn(len(events))], events[rng.Intn(len(events))]) // redeliveries
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		st := memoryStore()
		if i == 0 {
			st = openPostgres(t)
		}
		got := run(t, st, order, []string{"settlement.vnpay.csv", "statement.camt053.xml"})
		if len(got) != len(want) {
			t.Fatalf("replay %d stored %d reports, want %d", i, len(got), len(want))
		}
		for id, body := range want {
			if !bytes.Equal(got[id], body) {
				t.Errorf("replay %d: report %s differs from the first run", i, id)
			}
		}
	}
}

// withoutAuditHead checks that stored report s carries head and verifies,
// and returns its canonical JSON without the head, with the SHA-256 of
// that, for comparing replays.
func withoutAuditHead(t *testing.T, s store.Report, head store.AuditLink) []byte {
	t.Helper()
	var r daily.Report
	if err := json.Unmarshal(s.Body, &r); err != nil {
		t.Fatal(err)
	}
	r.SHA256 = s.SHA256 // the stored body is the canonical JSON, without it
	if err := r.Verify(); err != nil {
		t.Fatalf("%s: %v", s.ID, err)
	}
	if again, err := r.CanonicalJSON(); err != nil || !bytes.Equal(again, s.Body) {
		t.Fatalf("%s: the stored body does not round-trip (%v)", s.ID, err)
	}
	if r.AuditHead == nil || r.AuditHead.Seq != head.Seq || r.AuditHead.Hash != head.Hash {
		t.Fatalf("%s carries audit head %v, want the chain's head at the cut-off %s", s.ID, r.AuditHead, head)
	}
	r.AuditHead = nil
	body, err := r.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	return append([]byte(hex.EncodeToString(sum[:])+"\n"), body...)
}
