package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
)

// From a payment to payments.confirmed: ingest enqueues the Kafka copy with
// the webhook's payload, the publisher publishes it once, and a redelivered
// payment adds nothing.
func TestIngestToKafka(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	n := conformance.Notice(t, "dvc", "TB-9", 151, 150_000)
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) }); err != nil {
		t.Fatal(err)
	}
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return base.Add(24 * time.Hour) }
	pr := ingest.New(st, eng, now, nil)
	p := conformance.Payment(payment.GatewayVietQR, "FT1", 150_000, base.Add(time.Hour))
	p.Description = "Nop le phi " + string(n.Code)
	out, err := pr.Record(ctx, p)
	if err != nil || len(out.Confirmed) != 1 {
		t.Fatalf("Record = %+v, %v", out, err)
	}
	prod := &fakeProducer{}
	pub, err := newConfirmations(st, prod, outbox.KafkaConfig{Loop: outbox.Loop{Clock: now}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := pub.Tick(ctx); err != nil || res.Delivered != 1 {
		t.Fatalf("Tick = %+v, %v", res, err)
	}
	web := outboxMsg(t, st, outbox.Confirmation.ID("dvc", "TB-9"))
	if len(prod.got) != 1 || prod.got[0].key != "dvc/TB-9" || prod.got[0].value != string(web.Payload) ||
		prod.got[0].headers[outbox.HeaderIdempotencyKey] != confirmationKafkaID("dvc", "TB-9") {
		t.Fatalf("published %+v, webhook payload %s", prod.got, web.Payload)
	}
	if web.State != store.OutboxPending {
		t.Errorf("webhook message: %+v", web)
	}
	if out, err := pr.Record(ctx, p); err != nil || !out.Redelivery {
		t.Fatalf("redelivery: %+v, %v", out, err)
	}
	if res, err := pub.Tick(ctx); err != nil || res != (outbox.Result{}) || len(prod.got) != 1 {
		t.Errorf("after a redelivery: %+v, %v, %d published", res, err, len(prod.got))
	}
}
