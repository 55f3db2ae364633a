package chaos

import (
	"strings"
	"testing"

	"github.com/feerecon/feerecon/kafkabus"
)

// perfect is a run that did everything the stream asks: every valid
// payment stored, every paid notice confirmed once, every poison message
// dead-lettered or refused.
func perfect(s *Stream) *PhaseResult {
	r := &PhaseResult{Acked: map[string]bool{}, Refused: map[string]Refusal{},
		Sink:    SinkCounts{Keys: map[string]int{}, Deliveries: map[string]int{}},
		Outcome: &Outcome{Rows: map[string][]string{"notices": {`{"id":"x"}`}}, Payments: map[string]bool{}, Status: map[string]string{}},
		Report:  map[string][]byte{"r.csv": []byte("a,b\n"), "r.json": []byte(`{"as_of":"2026-12-01T00:00:00Z","x":1}`)}}
	for _, p := range s.Valid() {
		r.Acked[p.ID], r.Outcome.Payments[p.ID] = true, true
	}
	for _, n := range s.Notices {
		r.Outcome.Status[n.ID] = "issued"
		if n.Paid {
			r.Outcome.Status[n.ID] = "paid"
			r.Sink.Keys[n.ID], r.Sink.Deliveries[n.ID] = 1, 1
		}
	}
	for _, e := range s.Events {
		switch e.Kind {
		case Tampered:
			r.Refused[e.PoisonID] = Refusal{Status: 401, Body: "bad signature"}
		case Malformed:
			r.DLQ = append(r.DLQ, kafkabus.DLQRecord{Reason: "malformed", OriginalHeaders: map[string]string{HeaderPoison: e.PoisonID}})
		case Create, Amend, Pay:
		}
	}
	return r
}

func TestCheckCountsAndViolations(t *testing.T) {
	s, err := Generate(3, 400)
	if err != nil {
		t.Fatal(err)
	}
	clean, chaos := perfect(s), perfect(s)
	sum := Check(s, chaos, clean, BatchView{}, "")
	if len(sum.Violations) != 0 || !sum.ReportIdentical || sum.Lost != 0 || sum.Stored != len(s.Valid()) || sum.DLQ != s.Count(Malformed) {
		t.Fatalf("a perfect run: %s %v", sum.Line(), sum.Violations)
	}
	if !strings.HasPrefix(sum.Line(), "chaos: kills=0 pg_restarts=0 kafka_restarts=0 events=") || !strings.HasSuffix(sum.Line(), " duplicate_confirmations=0 report_identical=true") {
		t.Errorf("last line %q", sum.Line())
	}

	// A lost payment, a second key, a confirmation of an unpaid notice, a
	// malformed message missing from the DLQ, another row, a report whose
	// CSV changed: each is found.
	lost := s.Valid()[0].ID
	delete(chaos.Outcome.Payments, lost)
	var paid, unpaid string
	for _, n := range s.Notices {
		if n.Paid && paid == "" {
			paid = n.ID
		}
		if !n.Paid && unpaid == "" {
			unpaid = n.ID
		}
	}
	chaos.Sink.Keys[paid] = 2
	chaos.Sink.Keys[unpaid] = 1
	chaos.DLQ = chaos.DLQ[1:]
	chaos.Outcome.Rows["notices"] = []string{`{"id":"y"}`}
	chaos.Report["r.csv"] = []byte("a,c\n")
	// The time a report was made is no difference.
	chaos.Report["r.json"] = []byte(`{"as_of":"2026-12-02T00:00:00Z","x":1}`)
	sum = Check(s, chaos, clean, BatchView{}, "")
	if sum.Lost != 1 || sum.DuplicateConfirmations != 1 || sum.ReportIdentical || sum.DLQ != s.Count(Malformed)-1 {
		t.Errorf("counts: %s", sum.Line())
	}
	all := strings.Join(sum.Violations, "\n")
	for _, want := range []string{"acknowledged event " + lost + " not stored", "notice " + paid + " confirmed under 2 idempotency keys",
		"notice " + unpaid + " is issued but was confirmed", "not in payments.dlq", "table notices differs", "r.csv differs"} {
		if !strings.Contains(all, want) {
			t.Errorf("no violation %q among:\n%s", want, all)
		}
	}
	if strings.Contains(all, "r.json") {
		t.Errorf("as_of counted as a difference:\n%s", all)
	}
}
