package ingest_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
	"github.com/feerecon/feerecon/testenv"
)

// workload returns n notices and n payments, each paying one notice in
// full by its code.
func workload(tb testing.TB, n int) ([]payment.Notice, []payment.Payment) {
	ns := make([]payment.Notice, n)
	ps := make([]payment.Payment, n)
	for i := range ns {
		t := &testing.T{}
		ns[i] = conformance.Notice(t, "dvc", fmt.Sprintf("B%07d", i), uint64(1_000_000+i), 150_000)
		ps[i] = pay(payment.GatewayVietQR, fmt.Sprint(1_000_000_000+i), 150_000, i%600, "MBVCB.3278614134."+string(ns[i].Code)+" nop le phi")
	}
	return ns, ps
}

// prepared stores b.N notices in st and returns a processor over st and a
// payment of each notice.
func prepared(b *testing.B, st store.Store) (*ingest.Processor, []payment.Payment) {
	b.Helper()
	ns, ps := workload(b, b.N)
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		for _, n := range ns {
			if err := tx.CreateNotice(context.Background(), n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	e, err := newEngine()
	if err != nil {
		b.Fatal(err)
	}
	return ingest.New(st, e, clock, nil), ps
}

func benchRecord(b *testing.B, st store.Store) {
	pr, ps := prepared(b, st)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		out, err := pr.Record(context.Background(), ps[i])
		if err != nil || len(out.Allocations) != 1 {
			b.Fatalf("record %s: %+v %v", ps[i].ID, out, err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "payments/s")
}

// BenchmarkRecordMemory: matching and recording on the in-memory store.
func BenchmarkRecordMemory(b *testing.B) { benchRecord(b, memory.New()) }

// BenchmarkRecordPostgres: the same on the real PostgreSQL, one
// transaction per payment (insert, lock, decide, allocate, confirm).
func BenchmarkRecordPostgres(b *testing.B) { benchRecord(b, pgStoreB(b)) }

// BenchmarkRecordPostgresParallel: the same from 8 goroutines, each
// payment paying a notice of its own, so that nothing but the audit
// chain's lock (one per transaction that audits) makes them wait for each
// other.
func BenchmarkRecordPostgresParallel(b *testing.B) {
	pr, ps := prepared(b, pgStoreB(b))
	var next atomic.Int64
	b.SetParallelism(8 / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if out, err := pr.Record(context.Background(), ps[i]); err != nil || len(out.Allocations) != 1 {
				b.Errorf("record %s: %+v %v", ps[i].ID, out, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "payments/s")
}

func pgStoreB(b *testing.B) *postgres.Store {
	b.Helper()
	return pgtest.Store(b)
}

// BenchmarkPGInsert is the baseline: one bare INSERT of a payment row per
// transaction, through the same driver.
func BenchmarkPGInsert(b *testing.B) {
	s := pgStoreB(b)
	_, ps := workload(b, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		p := ps[i]
		if _, err := s.DB().Exec(`INSERT INTO payments (id, gateway, txn_id, amount, currency, paid_at, description) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
			p.ID, string(p.Gateway), p.TxnID, p.Amount.Amount, "VND", p.PaidAt, p.Description); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

func fill(b *testing.B, broker, topic string, n int) []payment.Payment {
	_, ps := workload(b, n)
	if err := kafkabus.EnsureTopics(context.Background(), broker, topic); err != nil {
		b.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: topic, RequiredAcks: kafka.RequireAll, BatchSize: 500, BatchTimeout: 10 * time.Millisecond}
	defer w.Close()
	msgs := make([]kafka.Message, 0, n)
	for _, p := range ps {
		raw, err := gatewaysim.Encode(p, gatewaysim.DemoSecrets())
		if err != nil {
			b.Fatal(err)
		}
		m := kafka.Message{Key: []byte(p.TxnID), Value: raw.Body}
		for k, v := range raw.Headers {
			m.Headers = append(m.Headers, kafka.Header{Key: k, Value: []byte(v)})
		}
		msgs = append(msgs, m)
	}
	for i := 0; i < len(msgs); i += 500 {
		if err := w.WriteMessages(context.Background(), msgs[i:min(i+500, len(msgs))]...); err != nil {
			b.Fatal(err)
		}
	}
	return ps
}

// BenchmarkKafkaRead is the baseline: kafka-go in a consumer group, fetch
// and commit each message (what the consumer does), nothing else.
func BenchmarkKafkaRead(b *testing.B) {
	broker := testenv.Kafka(b)
	topic := testenv.Name("bench-read")
	fill(b, broker, topic, b.N)
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, GroupID: testenv.Name("g"), Topic: topic,
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		m, err := r.FetchMessage(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if err := r.CommitMessages(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkPipeline: the consumer of `feerecon serve` on the real servers —
// fetch, verify the signature and decode (vietqr adapter), record and
// match on PostgreSQL, commit the offset.
// pipelineBench prepares a pipeline benchmark: b.N notices on PostgreSQL, a
// topic holding a signed vietqr message paying each, and the processor.
func pipelineBench(b *testing.B, name string) (broker, topic string, pr *ingest.Processor, dec gateways.Decoder) {
	b.Helper()
	broker = testenv.Kafka(b)
	topic = testenv.Name(name)
	s := pgStoreB(b)
	ns, _ := workload(b, b.N)
	if err := s.InTx(context.Background(), func(tx store.Tx) error {
		for _, n := range ns {
			if err := tx.CreateNotice(context.Background(), n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	fill(b, broker, topic, b.N)
	decs, err := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	if err != nil {
		b.Fatal(err)
	}
	e, err := newEngine()
	if err != nil {
		b.Fatal(err)
	}
	return broker, topic, ingest.New(s, e, clock, nil), decs[payment.GatewayVietQR]
}

func BenchmarkPipeline(b *testing.B) {
	broker, topic, pr, dec := pipelineBench(b, "bench-pipe")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var handled atomic.Int64
	c, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: testenv.Name("g"), Topic: topic},
		func(ctx context.Context, m kafkabus.Message) error {
			st, err := pr.HandleRaw(ctx, dec, gateways.Raw{Body: m.Value, Headers: m.Headers}, m.Ref())
			if err == nil && st.Recorded != 1 {
				err = fmt.Errorf("message %s recorded %d payments", m.Ref(), st.Recorded)
			}
			if err != nil {
				b.Error(err)
			}
			if handled.Add(1) == int64(b.N) {
				cancel()
			}
			return err
		})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	start := time.Now()
	if err := c.Run(ctx); err != nil && ctx.Err() == nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "payments/s")
}

// BenchmarkPipelineBatch is BenchmarkPipeline with the consumer `feerecon
// serve` runs now: batches of up to 500 messages, each recorded in one
// PostgreSQL transaction with its offsets (HandleBatch).
func BenchmarkPipelineBatch(b *testing.B) {
	broker, topic, pr, dec := pipelineBench(b, "bench-batch")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	group := testenv.Name("g")
	var handled atomic.Int64
	c, err := kafkabus.NewBatchConsumer(kafkabus.ConsumerConfig{Brokers: []string{broker}, GroupID: group, Topic: topic, BatchSize: 500},
		func(ctx context.Context, ms []kafkabus.Message, _ func(context.Context, []kafkabus.Refused) error) error {
			raws := make([]ingest.RawMessage, len(ms))
			for i, m := range ms {
				raws[i] = ingest.RawMessage{Raw: gateways.Raw{Body: m.Value, Headers: m.Headers}, Ref: m.Ref(), Partition: m.Partition, Offset: m.Offset}
			}
			st, err := pr.HandleBatch(ctx, dec, ingest.Position{Group: group, Topic: topic}, raws, nil)
			if err == nil && st.Recorded != len(ms) {
				err = fmt.Errorf("batch of %d recorded %d payments", len(ms), st.Recorded)
			}
			if err != nil {
				b.Error(err)
			}
			if handled.Add(int64(len(ms))) == int64(b.N) {
				cancel()
			}
			return err
		})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	start := time.Now()
	if err := c.Run(ctx); err != nil && ctx.Err() == nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "payments/s")
}
