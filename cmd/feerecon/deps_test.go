package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

// waitReady waits until base's /readyz answers 200.
func waitReady(t *testing.T, base string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body := readyz(base)
		if code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after %s: /readyz %d %+v", within, code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readyz returns /readyz's status and body (0 when nothing answers).
func readyz(base string) (int, readyBody) {
	var b readyBody
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return 0, b
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(&b)
	return resp.StatusCode, b
}

// status is the answer's status to a GET of base+path (0: no answer).
func status(base, path string) int {
	resp, err := http.Get(base + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// depsServe starts serve on db and broker with the simulator's VietQR
// secret and returns its base URL; serve must end without error when the
// test does.
func depsServe(t *testing.T, db, broker string) (base, group string, done <-chan error) {
	t.Helper()
	sim := gatewaysim.DemoSecrets()
	t.Setenv("FEERECON_VIETQR_SECRET", sim.VietQR)
	addr := freeAddr(t)
	group = testenv.Name("deps")
	cfg := serveConfig{DB: db, Kafka: broker, HTTPAddr: addr, Group: group, CodePrefix: "DEPS",
		BankBIN: "970415", Account: "113000006100", Secrets: secretsFromEnv(), KafkaSessionTimeout: kafkabus.DefaultSessionTimeout,
		MaxInFlightCallbacks: 16, ShutdownTimeout: 10 * time.Second, BatchSize: 50, BatchWait: 5 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	// Errors only: an outage makes every consumer and sender warn.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	go func() { ch <- serve(ctx, cfg, log) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ch:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop 30 s after its context ended")
		}
	})
	return "http://" + addr, group, ch
}

// callback is a signed VietQR callback of a payment of its own.
func callback(t *testing.T) (payment.Payment, gateways.Raw) {
	t.Helper()
	p := payment.Payment{Gateway: payment.GatewayVietQR, TxnID: fmt.Sprint(3_000_000 + time.Now().UnixNano()%1_000_000_000_000),
		Amount: payment.VNDOf(120_000), PaidAt: time.Date(2026, 11, 27, 9, 15, 0, 0, payment.Location()), Description: "NOP LE PHI"}
	p.ID = payment.PaymentID(p.Gateway, p.TxnID)
	raw, err := gatewaysim.Encode(p, gatewaysim.DemoSecrets())
	if err != nil {
		t.Fatal(err)
	}
	return p, raw
}

// post sends raw to serve's VietQR endpoint and returns the status and
// Retry-After.
func post(t *testing.T, base string, raw gateways.Raw) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/gateways/vietqr/callback", bytes.NewReader(raw.Body))
	for k, v := range raw.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// stored counts the payments with id in db (-1: the database does not
// answer).
func stored(db *sql.DB, id string) int {
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM payments WHERE id = $1`, id).Scan(&n); err != nil {
		return -1
	}
	return n
}

// waitStored waits until the payment is stored and returns when.
func waitStored(t *testing.T, db *sql.DB, id string, within time.Duration) time.Time {
	t.Helper()
	for deadline := time.Now().Add(within); ; {
		if n := stored(db, id); n == 1 {
			return time.Now()
		} else if n > 1 {
			t.Fatalf("payment %s stored %d times", id, n)
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment %s not stored %s after", id, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// committed is the group's committed offset of the partition of topic
// that key's messages go to, and that partition.
func committed(t *testing.T, broker, group, topic, key string) (partition int, offset int64) {
	t.Helper()
	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(parts))
	for i, p := range parts {
		ids[i] = p.ID
	}
	slices.Sort(ids)
	partition = (&kafka.Hash{}).Balance(kafka.Message{Key: []byte(key)}, ids...)
	c := &kafka.Client{Addr: kafka.TCP(broker), Timeout: 5 * time.Second}
	res, err := c.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {partition}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Topics[topic] {
		if p.Partition == partition {
			return partition, p.CommittedOffset
		}
	}
	return partition, -1
}

// serve started while PostgreSQL is down waits for it (live, not ready,
// /readyz naming pg); once running, an event consumed while PostgreSQL is
// down is retried, not committed, and stored once after it returns. The
// servers are the test's own PostgreSQL (stopped and started) and the
// shared broker.
func TestServeRidesOutPostgreSQL(t *testing.T) {
	own := testenv.OwnServices(t, "pg")
	broker := testenv.Kafka(t)
	if _, err := postgres.Migrate(own.PG); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", own.PG)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	own.Stop(t, "pg")
	base, group, done := depsServe(t, own.PG, broker)
	for start := time.Now(); status(base, "/healthz") != http.StatusOK; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("no /healthz 10 s after the start with PostgreSQL down")
		}
	}
	time.Sleep(time.Second) // serve retries the database meanwhile
	if code, b := readyz(base); code != http.StatusServiceUnavailable || !b.Starting || !slices.Equal(b.Missing, []string{depPG}) {
		t.Errorf("/readyz with PostgreSQL down at start: %d %+v, want 503 starting, missing [pg]", code, b)
	}
	if got := status(base, "/v1/notices/x"); got != http.StatusServiceUnavailable {
		t.Errorf("the API before serve is wired: %d, want 503", got)
	}
	select {
	case err := <-done:
		t.Fatalf("serve ended with PostgreSQL down at start: %v", err)
	default:
	}
	own.Start(t, "pg")
	back := time.Now()
	waitReady(t, base, 15*time.Second)
	t.Logf("measured: PostgreSQL back at start -> /readyz 200 in %s", time.Since(back).Round(time.Millisecond))

	// Caught up with the shared raw topic's history: one callback of
	// this run stored.
	first, firstRaw := callback(t)
	// The raw topic may be new on this broker: the first publish may find
	// no leader yet and be answered 503, which the gateway retries, as
	// this does.
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		code, _ := post(t, base, firstRaw)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable || time.Since(start) > 15*time.Second {
			t.Fatalf("callback answered %d", code)
		}
	}
	waitStored(t, db, first.ID, 60*time.Second)

	own.Stop(t, "pg")
	p, raw := callback(t)
	// Kafka stores it: the callback is acknowledged without the database.
	if code, _ := post(t, base, raw); code != http.StatusOK {
		t.Fatalf("callback with PostgreSQL down answered %d, want 200 (Kafka has it)", code)
	}
	time.Sleep(2 * time.Second) // consumed, failing, retried meanwhile
	topic := kafkabus.RawTopic(payment.GatewayVietQR)
	partition, before := committed(t, broker, group, topic, p.TxnID)
	offset := offsetOf(t, broker, topic, partition, before, p.TxnID)
	if before > offset {
		t.Fatalf("offset %d committed past the message at %d while PostgreSQL is down", before, offset)
	}
	if code, b := readyz(base); code != http.StatusServiceUnavailable || b.Starting || !slices.Equal(b.Missing, []string{depPG}) {
		t.Errorf("/readyz with PostgreSQL down: %d %+v, want 503 missing [pg]", code, b)
	}
	select {
	case err := <-done:
		t.Fatalf("serve ended with PostgreSQL down: %v", err)
	default:
	}
	own.Start(t, "pg")
	back = time.Now()
	at := waitStored(t, db, p.ID, 30*time.Second)
	t.Logf("measured: PostgreSQL back -> the event consumed while it was down stored in %s", at.Sub(back).Round(time.Millisecond))
	waitReady(t, base, 5*time.Second)
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if _, after := committed(t, broker, group, topic, p.TxnID); after > offset {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("offset %d of partition %d not committed 10 s after its payment was stored", offset, partition)
		}
	}
	if n := stored(db, p.ID); n != 1 {
		t.Errorf("payment stored %d times, want once", n)
	}
}

// offsetOf finds the offset of the message with key in topic's partition,
// reading from offset from.
func offsetOf(t *testing.T, broker, topic string, partition int, from int64, key string) int64 {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: partition, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(max(from, 0)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("message %s not found in %s/%d from %d: %v", key, topic, partition, from, err)
		}
		if string(m.Key) == key {
			return m.Offset
		}
	}
}

// serve started while Kafka is down waits for it (/readyz naming kafka);
// once running, a callback while the broker is down is answered 503 with
// Retry-After within about a second, never 2xx, and after the broker's
// return the callbacks are acknowledged and consumed again within
// seconds. The servers are the test's own broker (stopped and started)
// and the shared PostgreSQL.
func TestServeRidesOutKafka(t *testing.T) {
	own := testenv.OwnServices(t, "kafka")
	dsn := testenv.Postgres(t)
	if _, err := postgres.Migrate(dsn); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	own.Stop(t, "kafka")
	base, _, done := depsServe(t, dsn, own.Kafka)
	for start := time.Now(); status(base, "/healthz") != http.StatusOK; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("no /healthz 10 s after the start with Kafka down")
		}
	}
	time.Sleep(time.Second)
	if code, b := readyz(base); code != http.StatusServiceUnavailable || !b.Starting || !slices.Equal(b.Missing, []string{depKafka}) {
		t.Errorf("/readyz with Kafka down at start: %d %+v, want 503 starting, missing [kafka]", code, b)
	}
	_, early := callback(t)
	if code, after := post(t, base, early); code != http.StatusServiceUnavailable || after == "" {
		t.Errorf("a callback before serve is wired: %d Retry-After %q, want 503 with Retry-After", code, after)
	}
	own.Start(t, "kafka")
	back := time.Now()
	waitReady(t, base, 30*time.Second)
	t.Logf("measured: Kafka back at start -> /readyz 200 in %s", time.Since(back).Round(time.Millisecond))
	p, raw := callback(t)
	// The topics are new on this broker: the first publish may wait for
	// their leaders past the publish timeout, and is answered 503, which
	// the gateway retries, as this does.
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		code, _ := post(t, base, raw)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable || time.Since(start) > 15*time.Second {
			t.Fatalf("callback answered %d", code)
		}
	}
	waitStored(t, db, p.ID, 30*time.Second)

	own.Stop(t, "kafka")
	select {
	case err := <-done:
		t.Fatalf("serve ended with Kafka down: %v", err)
	default:
	}
	p, raw = callback(t)
	var slowest time.Duration
	for range 3 {
		start := time.Now()
		code, after := post(t, base, raw)
		took := time.Since(start)
		slowest = max(slowest, took)
		if code != http.StatusServiceUnavailable || after != "5" {
			t.Errorf("callback with Kafka down: %d Retry-After %q, want 503 with Retry-After 5", code, after)
		}
		if took > 2*time.Second {
			t.Errorf("callback with Kafka down answered after %s", took)
		}
	}
	t.Logf("measured: callback with Kafka down -> 503 in at most %s", slowest.Round(time.Millisecond))
	if code, b := readyz(base); code != http.StatusServiceUnavailable || !slices.Equal(b.Missing, []string{depKafka}) {
		t.Errorf("/readyz with Kafka down: %d %+v, want 503 missing [kafka]", code, b)
	}
	time.Sleep(3 * time.Second) // a longer outage: the consumers' restarts back off
	own.Start(t, "kafka")
	back = time.Now()
	for {
		code, _ := post(t, base, raw)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable {
			t.Fatalf("callback after the broker's return: %d", code)
		}
		if time.Since(back) > 30*time.Second {
			t.Fatal("callbacks still refused 30 s after the broker's return")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("measured: Kafka back -> first callback 200 in %s", time.Since(back).Round(time.Millisecond))
	at := waitStored(t, db, p.ID, 30*time.Second)
	t.Logf("measured: Kafka back -> that callback's payment stored in %s", at.Sub(back).Round(time.Millisecond))
	waitReady(t, base, 5*time.Second)
}
