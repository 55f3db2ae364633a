package outbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

// The ids, kinds and destinations stored are those of before the outbox
// was one package: stored state and Idempotency-Keys do not change.
func TestEnqueueOncePerChannel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ            outbox.Type
		id, dest       string
		webhook, kafka store.OutboxKind
		kafkaDest      string
	}{
		{outbox.Confirmation, outbox.Confirmation.ID("dvc-hanoi", "HS-1"), "dvc-hanoi", store.OutboxConfirmation, store.OutboxConfirmationKafka, "kafka:payments.confirmed"},
		{outbox.Report, outbox.Report.ID("2026-11-26/ALL/v1"), "treasury", store.OutboxReport, store.OutboxReportKafka, "kafka:treasury.reports"},
		{outbox.Reversed, outbox.Reversed.ID("dvc-hanoi", "HS-1", "camt054:FT1"), "dvc-hanoi", store.OutboxReversal, store.OutboxReversalKafka, "kafka:payments.confirmed"},
	} {
		want := map[outbox.Type]string{outbox.Confirmation: "confirmation|dvc-hanoi|HS-1", outbox.Report: "report|2026-11-26/ALL/v1",
			outbox.Reversed: "payment.reversed|dvc-hanoi|HS-1|camt054:FT1"}[tc.typ]
		if tc.id != want || outbox.KafkaID(tc.id) != want+"|kafka" {
			t.Errorf("%s ids %q, %q", tc.typ, tc.id, outbox.KafkaID(tc.id))
		}
		st := memory.New()
		enq := func() error {
			return st.InTx(context.Background(), func(tx store.Tx) error {
				return tc.typ.Enqueue(context.Background(), tx, tc.id, tc.dest, []byte(`{}`), base)
			})
		}
		if err := enq(); err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct {
			id, dest string
			kind     store.OutboxKind
		}{{tc.id, tc.dest, tc.webhook}, {want + "|kafka", tc.kafkaDest, tc.kafka}} {
			got := outboxMsg(t, st, m.id)
			if got.Kind != m.kind || got.Destination != m.dest || got.State != store.OutboxPending || !got.NextAttempt.Equal(base) || string(got.Payload) != `{}` {
				t.Errorf("%s: %+v", m.id, got)
			}
		}
		// Once ever: a second enqueue says so and changes nothing.
		if err := enq(); !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("%s enqueued twice: %v", tc.typ, err)
		}
	}
	if err := outbox.Type("fax").Enqueue(context.Background(), nil, "x", "d", nil, base); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("unknown type: %v", err)
	}
	if got := outbox.Types(); len(got) != 3 || got[0] != outbox.Confirmation || got[1] != outbox.Report || got[2] != outbox.Reversed {
		t.Errorf("Types() = %v", got)
	}
}

// ReportKey is the key a report version is published with: its scope.
func TestReportKey(t *testing.T) {
	t.Parallel()
	k, err := outbox.ReportKey([]byte(`{"business_date":"2026-11-26","agency":"H40.01","sha256":"ab"}`))
	if err != nil || string(k) != "2026-11-26/H40.01" {
		t.Errorf("ReportKey = %q, %v", k, err)
	}
	for _, bad := range []string{`not json`, `{"business_date":"2026-11-26","sha256":"ab"}`} {
		if _, err := outbox.ReportKey([]byte(bad)); !errors.Is(err, outbox.ErrNotReport) {
			t.Errorf("ReportKey(%s): %v", bad, err)
		}
	}
}
