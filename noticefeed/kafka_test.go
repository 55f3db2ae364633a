package noticefeed_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/noticefeed"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
	"github.com/feerecon/feerecon/testenv"
)

// Acceptance (issue 4 item 1) on the real broker and PostgreSQL: create,
// the same create again (no second notice, same code), amend, cancel; an
// invalid notice lands in the DLQ with its reason while the next good event
// on the same key (same partition) is applied.
func TestKafkaNoticeEvents(t *testing.T) {
	broker := testenv.Kafka(t)
	st := pgtest.Store(t)
	topic, dlq := testenv.Name("notices-events"), testenv.Name("notices-dlq")
	if err := kafkabus.EnsureTopics(context.Background(), broker, topic, dlq); err != nil {
		t.Fatal(err)
	}
	prod, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prod.Close() })
	var _ noticefeed.Producer = prod

	const sys = "dvc-hanoi"
	events := []noticefeed.Event{
		{Action: noticefeed.ActionCreate, System: sys, NoticeID: "HS-1", Notice: noticeJSON("HS-1", "150000", "Nguyen Van A")},
		{Action: noticefeed.ActionCreate, System: sys, NoticeID: "HS-1", Notice: noticeJSON("HS-1", "150000", "Nguyen Van A")},
		{Action: noticefeed.ActionAmend, System: sys, NoticeID: "HS-1", Notice: noticeJSON("HS-1", "180000", "Nguyen Van A")},
		// Invalid (fractional đồng), then the corrected notice on the same key.
		{Action: noticefeed.ActionCreate, System: sys, NoticeID: "HS-2", Notice: noticeJSON("HS-2", "99000.5", "Tran Thi B")},
		{Action: noticefeed.ActionCreate, System: sys, NoticeID: "HS-2", Notice: noticeJSON("HS-2", "99000", "Tran Thi B")},
		{Action: noticefeed.ActionCancel, System: sys, NoticeID: "HS-2", Reason: "dossier withdrawn"},
		// A system nobody gave a key: dead-lettered, nothing stored.
		{Action: noticefeed.ActionCreate, System: "dvc-nowhere", NoticeID: "HS-3", Notice: noticeJSON("HS-3", "150000", "Le Van C")},
	}
	for _, e := range events {
		if err := noticefeed.Publish(context.Background(), prod, topic, e); err != nil {
			t.Fatal(err)
		}
	}

	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{
		Brokers: []string{broker}, GroupID: testenv.Name("noticefeed"), Topic: topic, DLQTopic: dlq,
		Producer: prod, MaxRetries: 20,
	}, noticefeed.Handler(newAPI(t, st, sys), nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()

	notice := func(id string) (payment.Notice, error) {
		var n payment.Notice
		err := st.InTx(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.Notice(ctx, sys, id)
			return err
		})
		return n, err
	}
	for {
		n1, err1 := notice("HS-1")
		n2, err2 := notice("HS-2")
		recs, _ := kafkabus.ListDLQ(ctx, broker, 0, kafkabus.WithDLQTopic(dlq))
		if err1 == nil && err2 == nil && n1.Version == 2 && n2.Status == payment.NoticeCancelled && len(recs) >= 2 {
			break
		}
		if err1 != nil && !errors.Is(err1, store.ErrNotFound) {
			t.Fatal(err1)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("events not applied in time: HS-1 %+v %v, HS-2 %+v %v, %d dead letters", n1, err1, n2, err2, len(recs))
		case err := <-done:
			t.Fatalf("consumer stopped: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("consumer: %v", err)
	}

	n1, trail1 := stored(t, st, sys, "HS-1")
	if n1.Code == "" || n1.Version != 2 || n1.Total.Amount.String() != "180000" || n1.Status != payment.NoticeIssued {
		t.Errorf("HS-1 = %+v", n1)
	}
	// The replayed create added nothing: one create, one amend, and the
	// amend kept the code the create assigned.
	if got := strings.Join(actions(trail1), ","); got != "notice.create,notice.amend" {
		t.Errorf("HS-1 audit = %s", got)
	}
	n2, trail2 := stored(t, st, sys, "HS-2")
	if n2.Status != payment.NoticeCancelled || n2.Total.Amount.String() != "99000" || n2.Code == n1.Code {
		t.Errorf("HS-2 = %+v", n2)
	}
	if got := strings.Join(actions(trail2), ","); got != "notice.create,notice.cancel" {
		t.Errorf("HS-2 audit = %s", got)
	}
	var count int
	if err := st.InTx(ctx, func(tx store.Tx) error {
		ns, err := tx.ListNotices(ctx, time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
		count = len(ns)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if count != 2 {
		t.Errorf("%d notices stored, want 2", count)
	}

	recs, err := kafkabus.ListDLQ(context.Background(), broker, 0, kafkabus.WithDLQTopic(dlq))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d dead letters, want 2: %+v", len(recs), recs)
	}
	byReason := map[string]kafkabus.DLQRecord{}
	for _, r := range recs {
		byReason[r.Reason] = r
	}
	if u, ok := byReason[noticefeed.ReasonUnknownSystem]; !ok || string(u.Message.Key) != "dvc-nowhere/HS-3" || u.Kind != kafkabus.KindPermanent {
		t.Errorf("no unknown_system dead letter for dvc-nowhere/HS-3: %+v", recs)
	}
	r := byReason[noticefeed.ReasonRejected]
	if r.SourceTopic != topic || r.Reason != noticefeed.ReasonRejected || r.Kind != kafkabus.KindPermanent ||
		string(r.Message.Key) != sys+"/HS-2" || !strings.Contains(string(r.Message.Value), "99000.5") ||
		!strings.Contains(r.Error, "422") || !strings.Contains(r.Error, `"error":"invalid amount"`) {
		t.Errorf("dead letter = reason %q kind %q key %q error %q", r.Reason, r.Kind, r.Message.Key, r.Error)
	}
	t.Logf("dead letter %s/%d/%d reason %s: %s", r.SourceTopic, r.SourcePartition, r.SourceOffset, r.Reason, r.Error)
}
