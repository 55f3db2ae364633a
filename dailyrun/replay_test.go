package dailyrun_test

import (
	"bytes"
	"context"
	"math/rand"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// A replay of the same stream — in another delivery order, with
// redeliveries, statements imported in another order, on another backend —
// ends in the same reports, byte for byte, with the same SHA-256.
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
		out := map[string][]byte{}
		for _, r := range reps {
			s := stored(t, st, r.Agency, r.Version)
			out[r.ID] = append([]byte(s.SHA256+"\n"), s.Body...)
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
