package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store/postgres"
)

// database is a migrated database of its own on the PostgreSQL server,
// dropped by drop.
type database struct {
	url   string
	store *postgres.Store
	drop  func()
}

// database creates database bench_<run>_<purpose>, migrates it and opens
// the store over it.
func (h *harness) database(ctx context.Context, purpose string) (*database, error) {
	admin, err := sql.Open("postgres", h.cfg.Postgres)
	if err != nil {
		return nil, fmt.Errorf("bench: postgres: %w", err)
	}
	name := "bench_" + h.run + "_" + purpose
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("bench: create database %s: %w", name, err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			h.log.Warn("drop database", "name", name, "err", err)
		}
		admin.Close()
	}
	u, err := url.Parse(h.cfg.Postgres)
	if err != nil {
		drop()
		return nil, fmt.Errorf("bench: postgres URL: %w", err)
	}
	u.Path = "/" + name
	db := &database{url: u.String()}
	if _, err := postgres.Migrate(db.url); err != nil {
		drop()
		return nil, fmt.Errorf("bench: %w", err)
	}
	if db.store, err = postgres.Open(ctx, db.url); err != nil {
		drop()
		return nil, fmt.Errorf("bench: %w", err)
	}
	db.drop = func() {
		_ = db.store.Close()
		drop()
	}
	return db, nil
}

// topics are a run's raw topics, one per gateway of Mix, named after
// kafkabus.RawTopic with the run's suffix so that a run on a shared broker
// reads its own messages only, and the dead-letter topic.
type topics struct {
	raw        map[payment.Gateway]string
	dlq        string
	partitions int
}

func (t topics) names() []string {
	out := make([]string, 0, len(Mix))
	for _, g := range Mix {
		out = append(out, t.raw[g])
	}
	return out
}

// topics creates the raw topics of purpose with partitions each, and its
// dead-letter topic.
func (h *harness) topics(ctx context.Context, purpose string, partitions int) (topics, error) {
	t := topics{raw: map[payment.Gateway]string{}, dlq: kafkabus.TopicDLQ + "." + h.run + "-" + purpose, partitions: partitions}
	for _, g := range Mix {
		t.raw[g] = kafkabus.RawTopic(g) + "." + h.run + "-" + purpose
	}
	if err := kafkabus.EnsureTopicsWith(ctx, h.cfg.Kafka, kafkabus.TopicOptions{Partitions: partitions}, t.names()...); err != nil {
		return topics{}, fmt.Errorf("bench: %w", err)
	}
	if err := kafkabus.EnsureTopicsWith(ctx, h.cfg.Kafka, kafkabus.TopicOptions{Partitions: 1}, t.dlq); err != nil {
		return topics{}, fmt.Errorf("bench: %w", err)
	}
	return t, nil
}

// ends returns the next offset to be written of every partition of ts.
func (h *harness) ends(ctx context.Context, ts topics) (map[string]map[int]int64, error) {
	out := map[string]map[int]int64{}
	for _, topic := range ts.names() {
		out[topic] = map[int]int64{}
		for p := range ts.partitions {
			c, err := kafka.DialLeader(ctx, "tcp", h.cfg.Kafka, topic, p)
			if err != nil {
				return nil, fmt.Errorf("bench: %s/%d: %w", topic, p, err)
			}
			last, err := c.ReadLastOffset()
			c.Close()
			if err != nil {
				return nil, fmt.Errorf("bench: %s/%d: last offset: %w", topic, p, err)
			}
			out[topic][p] = last
		}
	}
	return out, nil
}

// publish writes every event of w onto its gateway's topic of ts, keyed by
// its transaction id, in batches, and returns the rate.
func (h *harness) publish(ctx context.Context, w *Workload, ts topics) (float64, error) {
	wr := &kafka.Writer{Addr: kafka.TCP(h.cfg.Kafka), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchSize: 1000, BatchTimeout: 5 * time.Millisecond, AllowAutoTopicCreation: false}
	defer wr.Close()
	const chunk = 5000
	msgs := make([]kafka.Message, 0, chunk)
	start := time.Now()
	flush := func() error {
		if len(msgs) == 0 {
			return nil
		}
		err := wr.WriteMessages(ctx, msgs...)
		msgs = msgs[:0]
		if err != nil {
			return fmt.Errorf("bench: publish: %w", err)
		}
		return nil
	}
	for e, err := range w.Events() {
		if err != nil {
			return 0, err
		}
		msgs = append(msgs, kafkaMessage(ts.raw[e.Gateway], e))
		if len(msgs) == chunk {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return float64(w.Len()) / time.Since(start).Seconds(), nil
}

func kafkaMessage(topic string, e Event) kafka.Message {
	m := kafka.Message{Topic: topic, Key: e.Key, Value: e.Raw.Body}
	for k, v := range e.Raw.Headers {
		m.Headers = append(m.Headers, kafka.Header{Key: k, Value: []byte(v)})
	}
	return m
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("bench: random: %v", err))
	}
	return hex.EncodeToString(b)
}

// errStalled: a phase made no progress for stallTimeout.
var errStalled = errors.New("bench: no progress")

const stallTimeout = 2 * time.Minute
