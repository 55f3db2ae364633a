package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/testenv"
)

// pipeline wires what `feerecon serve` wires for one raw topic: a consumer
// group on the real broker, the real adapter, the processor on the real
// PostgreSQL.
type pipeline struct {
	t        *testing.T
	broker   string
	group    string
	st       store.Store
	pr       *ingest.Processor
	decs     gateways.Set
	producer *kafkabus.Producer
	topics   map[payment.Gateway]string
	dlq      string
}

func newPipeline(t *testing.T) *pipeline {
	broker := testenv.Kafka(t)
	st := pgStore(t)
	decs, err := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline{t: t, broker: broker, group: testenv.Name("ingest"), st: st, decs: decs,
		pr: ingest.New(st, engine(t), clock, nil), topics: map[payment.Gateway]string{}, dlq: testenv.Name("dlq")}
	all := []string{p.dlq}
	for _, g := range payment.Gateways() {
		p.topics[g] = testenv.Name("raw-" + string(g))
		all = append(all, p.topics[g])
	}
	if err := kafkabus.EnsureTopics(context.Background(), broker, all...); err != nil {
		t.Fatal(err)
	}
	p.producer, err = kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.producer.Close() })
	return p
}

func (p *pipeline) publish(ps []payment.Payment, tamper map[string]bool) {
	p.t.Helper()
	for _, x := range ps {
		raw, err := gatewaysim.Encode(x, gatewaysim.DemoSecrets())
		if err != nil {
			p.t.Fatal(err)
		}
		if tamper[x.ID] {
			raw.Body = append([]byte(nil), raw.Body...)
			raw.Body[len(raw.Body)/2] ^= 0x01
		}
		if err := p.producer.Publish(context.Background(), p.topics[x.Gateway], []byte(x.TxnID), raw.Body, raw.Headers); err != nil {
			p.t.Fatal(err)
		}
	}
}

// run consumes every topic until done() holds (polled), then stops the
// consumers. observe sees each message handled without error.
func (p *pipeline) run(done func() bool, after func(kafkabus.Message) error, observe func(kafkabus.Message, ingest.RawStats)) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	errs := make(chan error, len(p.topics))
	for g, topic := range p.topics {
		dec := p.decs[g]
		c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{
			Brokers: []string{p.broker}, GroupID: p.group, Topic: topic, DLQTopic: p.dlq,
			Producer: p.producer, AfterHandle: after, MaxRetries: 20,
		}, func(ctx context.Context, m kafkabus.Message) error {
			st, err := p.pr.HandleRaw(ctx, dec, gateways.Raw{Body: m.Value, Headers: m.Headers}, m.Ref())
			if err == nil && observe != nil {
				observe(m, st)
			}
			return err
		})
		if err != nil {
			p.t.Fatal(err)
		}
		go func() { defer c.Close(); errs <- c.Run(runCtx) }()
	}
	for !done() {
		select {
		case <-ctx.Done():
			stop()
			p.t.Fatalf("condition not reached in time")
		case <-time.After(100 * time.Millisecond):
		}
	}
	stop()
	for range p.topics {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errCrash) {
			p.t.Errorf("consumer: %v", err)
		}
	}
}

var errCrash = errors.New("crash between the database commit and the offset commit")

func (p *pipeline) payments() map[string]payment.Payment {
	out := map[string]payment.Payment{}
	_ = p.st.InTx(context.Background(), func(tx store.Tx) error {
		ps, err := tx.ListPayments(context.Background(), base.Add(-48*time.Hour), base.Add(48*time.Hour))
		for _, x := range ps {
			out[x.ID] = x
		}
		return err
	})
	return out
}

func events(t *testing.T) ([]payment.Notice, []payment.Payment) {
	var ns []payment.Notice
	var ps []payment.Payment
	for i, g := range payment.Gateways() {
		for k := 0; k < 3; k++ {
			n := noticeFor(t, i*3+k)
			ns = append(ns, n)
			ps = append(ps, pay(g, fmt.Sprintf("%d%04d", 7700+i, k), 150_000, i*3+k, "Nộp lệ phí hồ sơ "+string(n.Code)))
		}
	}
	return ns, ps
}

func noticeFor(t *testing.T, i int) payment.Notice {
	return conformance.Notice(t, "dvc", fmt.Sprintf("K%02d", i), uint64(500+i), 150_000)
}

// Acceptance (issue 3): raw events of all five formats through the real
// broker and PostgreSQL are stored exactly once; publishing them again adds
// nothing; a bad message in the middle is dead-lettered while the good ones
// after it are stored; a crash between the database commit and the offset
// commit loses nothing and duplicates nothing.
func TestKafkaIngestAllGateways(t *testing.T) {
	p := newPipeline(t)
	notices, ps := events(t)
	seed(t, p.st, notices...)
	// A tampered copy of one event sits in the middle of the vietqr topic.
	bad := ps[0]
	bad.TxnID, bad.ID = "99999", payment.PaymentID(bad.Gateway, "99999")
	p.publish(ps[:1], nil)
	p.publish([]payment.Payment{bad}, map[string]bool{bad.ID: true})
	p.publish(ps[1:], nil)
	dlqHas := func(n int) func() bool {
		return func() bool {
			recs, err := kafkabus.ListDLQ(context.Background(), p.broker, 10, kafkabus.WithDLQTopic(p.dlq))
			return err == nil && len(recs) >= n
		}
	}
	p.run(func() bool { return len(p.payments()) >= len(ps) && dlqHas(1)() }, nil, nil)
	got := p.payments()
	if len(got) != len(ps) {
		t.Fatalf("stored %d payments, want %d", len(got), len(ps))
	}
	for _, x := range ps {
		s, ok := got[x.ID]
		if !ok || !s.Amount.Equal(x.Amount) || s.RawRef == "" {
			t.Errorf("payment %s: stored %+v", x.ID, s)
		}
	}
	if _, ok := got[bad.ID]; ok {
		t.Errorf("tampered message stored as a payment")
	}
	recs, err := kafkabus.ListDLQ(context.Background(), p.broker, 10, kafkabus.WithDLQTopic(p.dlq))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].SourceTopic != p.topics[payment.GatewayVietQR] || recs[0].Reason != "signature" {
		t.Fatalf("dead letters: %+v", recs)
	}
	t.Logf("dead letter: source %s/%d/%d reason %s: %s", recs[0].SourceTopic, recs[0].SourcePartition, recs[0].SourceOffset, recs[0].Reason, recs[0].Error)

	// The same events again: no new payment, no new allocation.
	p.publish(ps, nil)
	var redelivered atomic.Int64
	p.run(func() bool { return redelivered.Load() >= int64(len(ps)) }, nil, func(_ kafkabus.Message, st ingest.RawStats) {
		redelivered.Add(int64(st.Redelivered))
	})
	if again := p.payments(); len(again) != len(ps) {
		t.Fatalf("after republishing: %d payments, want %d", len(again), len(ps))
	}

	// Crash after the database commit, before the offset commit, then
	// restart: the message is redelivered and recorded as nothing new.
	more := []payment.Payment{pay(payment.GatewayMoMo, "880001", 150_000, 50, "Nộp lệ phí hồ sơ "+string(notices[0].Code))}
	p.publish(more, nil)
	var crashed atomic.Bool
	p.run(crashed.Load, func(m kafkabus.Message) error {
		if string(m.Key) == more[0].TxnID && crashed.CompareAndSwap(false, true) {
			return errCrash
		}
		return nil
	}, nil)
	if got := p.payments(); len(got) != len(ps)+1 {
		t.Fatalf("the crashed consumer had committed to the database: %d payments, want %d", len(got), len(ps)+1)
	}
	// The restarted consumer gets the uncommitted message again.
	var again atomic.Bool
	p.run(again.Load, nil, func(m kafkabus.Message, st ingest.RawStats) {
		if string(m.Key) == more[0].TxnID && st.Redelivered == 1 {
			again.Store(true)
		}
	})
	final := p.payments()
	if len(final) != len(ps)+1 {
		recs, _ := kafkabus.ListDLQ(context.Background(), p.broker, 10, kafkabus.WithDLQTopic(p.dlq))
		for _, r := range recs {
			t.Logf("dead letter %s: %s", r.SourceTopic, r.Error)
		}
		t.Fatalf("after crash and restart: %d payments, want %d", len(final), len(ps)+1)
	}
	_ = p.st.InTx(context.Background(), func(tx store.Tx) error {
		as, err := tx.AllocationsByNotice(context.Background(), notices[0].System, notices[0].ID)
		if len(as) != 1 {
			t.Errorf("notice %s allocations after the duplicate: %+v", notices[0].ID, as)
		}
		return err
	})
}

// Acceptance (issue 4): two consumer instances in one group on the real
// broker and PostgreSQL, payments for the same notices spread over the
// topic's partitions: no notice is allocated twice.
func TestKafkaTwoInstancesNoDoubleAllocation(t *testing.T) {
	broker := testenv.Kafka(t)
	st := pgStore(t)
	topic, group := testenv.Name("raw-vietqr"), testenv.Name("ingest")
	if err := kafkabus.EnsureTopicsWith(context.Background(), broker, kafkabus.TopicOptions{Partitions: 3}, topic, topic+"-dlq"); err != nil {
		t.Fatal(err)
	}
	var notices []payment.Notice
	var ps []payment.Payment
	for i := 0; i < 8; i++ {
		n := conformance.Notice(t, "dvc", fmt.Sprintf("C%02d", i), uint64(700+i), 120_000)
		notices = append(notices, n)
		for k := 0; k < 3; k++ { // three full payments for each notice
			ps = append(ps, pay(payment.GatewayVietQR, fmt.Sprintf("%d%02d%d", 66, i, k), 120_000, i*3+k, "nop phi "+string(n.Code)))
		}
	}
	seed(t, st, notices...)
	producer, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	for _, x := range ps {
		raw, err := gatewaysim.Encode(x, gatewaysim.DemoSecrets())
		if err != nil {
			t.Fatal(err)
		}
		if err := producer.Publish(context.Background(), topic, []byte(x.TxnID), raw.Body, raw.Headers); err != nil {
			t.Fatal(err)
		}
	}
	decs, err := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	var perInstance [2]atomic.Int64
	errs := make(chan error, 2)
	for inst := 0; inst < 2; inst++ {
		pr := ingest.New(st, engine(t), clock, nil) // each instance its own processor and connection use
		c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic,
			DLQTopic: topic + "-dlq", Producer: producer, MaxRetries: 20},
			func(ctx context.Context, m kafkabus.Message) error {
				_, err := pr.HandleRaw(ctx, decs[payment.GatewayVietQR], gateways.Raw{Body: m.Value, Headers: m.Headers}, m.Ref())
				if err == nil {
					perInstance[inst].Add(1)
				}
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		go func() { defer c.Close(); errs <- c.Run(runCtx) }()
	}
	count := func() int {
		n := 0
		_ = st.InTx(context.Background(), func(tx store.Tx) error {
			got, err := tx.ListPayments(context.Background(), base.Add(-time.Hour), base.Add(time.Hour))
			n = len(got)
			return err
		})
		return n
	}
	for count() < len(ps) {
		select {
		case <-ctx.Done():
			t.Fatalf("stored %d of %d payments in time", count(), len(ps))
		case <-time.After(100 * time.Millisecond):
		}
	}
	stop()
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("consumer: %v", err)
		}
	}
	t.Logf("instance 0 handled %d messages, instance 1 handled %d", perInstance[0].Load(), perInstance[1].Load())
	_ = st.InTx(context.Background(), func(tx store.Tx) error {
		for _, n := range notices {
			as, err := tx.AllocationsByNotice(context.Background(), n.System, n.ID)
			if err != nil {
				return err
			}
			if len(as) != 1 || !as[0].Amount.Equal(n.Total) {
				t.Errorf("notice %s: allocations %+v", n.ID, as)
			}
		}
		dups, err := tx.ListExceptions(context.Background(), store.ExceptionFilter{Kind: "duplicate"})
		if len(dups) != 2*len(notices) {
			t.Errorf("duplicate exceptions: %d, want %d", len(dups), 2*len(notices))
		}
		return err
	})
}
