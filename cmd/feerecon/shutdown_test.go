package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/testenv"
)

// A graceful shutdown of `feerecon serve` on the real Kafka and PostgreSQL
// (issue 12 §4): when its context is cancelled (SIGTERM) while a gateway
// callback is still arriving and a confirmation POST is held open by a
// slow procedure system, the callback is answered 200 (stored) and the
// POST completes, its outbox row marked delivered; serve returns well
// before --shutdown-timeout; a second start consumes the callback's event
// once and sends nothing twice: the sink sees each key once.
func TestServeGracefulShutdown(t *testing.T) {
	db := testenv.Postgres(t)
	broker := testenv.Kafka(t)
	if _, err := postgres.Migrate(db); err != nil {
		t.Fatal(err)
	}
	sim := gatewaysim.DemoSecrets()
	t.Setenv("FEERECON_VIETQR_SECRET", sim.VietQR)
	t.Setenv("FEERECON_TEST_SINK_SECRET", "sink-secret-for-this-test")
	const hold = 1500 * time.Millisecond // the slow sink's answer time
	var mu sync.Mutex
	keys := map[string]int{} // confirmations completed (2xx written), by key
	posting := make(chan string, 4)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		key := r.Header.Get(outbox.HeaderIdempotencyKey)
		posting <- key
		time.Sleep(hold)
		w.WriteHeader(http.StatusNoContent)
		mu.Lock()
		keys[key]++
		mu.Unlock()
	}))
	defer sink.Close()
	hooks := filepath.Join(t.TempDir(), "webhooks.json")
	if err := os.WriteFile(hooks, []byte(`{"dvc-nghean":{"url":"`+sink.URL+`","secret_env":"FEERECON_TEST_SINK_SECRET"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "apikey", "create", "--system", "dvc-nghean", "--db", db)
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:])
	prefix := ""
	for n := time.Now().UnixNano(); len(prefix) < 4; n /= 26 {
		prefix += string(rune('A' + n%26))
	}
	addr := freeAddr(t)
	const deadline = 10 * time.Second
	cfg := serveConfig{DB: db, Kafka: broker, HTTPAddr: addr, Group: testenv.Name("shutdown"), CodePrefix: prefix,
		BankBIN: "970415", Account: "113000006100", Webhooks: hooks, Secrets: secretsFromEnv(),
		MaxInFlightCallbacks: 16, ShutdownTimeout: deadline, KafkaSessionTimeout: kafkabus.DefaultSessionTimeout,
		BatchSize: 50, BatchWait: 5 * time.Millisecond}
	base := "http://" + addr
	start := func() (cancel func(), done <-chan error) {
		ctx, cancel := context.WithCancel(context.Background())
		ch := make(chan error, 1)
		go func() {
			ch <- serve(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
		}()
		waitReady(t, base, 15*time.Second)
		return cancel, ch
	}
	notice := func(id string, amount int64, seq int) api.NoticeView {
		body := fmt.Sprintf(`{"notice_id":%q,"dossier_code":"000.00.20.H40-261127-%04d","agency_code":"H40.01","payer_name":"Nguyễn Thị Mai",
		"amount":{"amount":"%d","currency":"VND"},"issued_at":"2026-11-27T08:00:00+07:00","treasury_account":"3511.0.1055555"}`, id, seq, amount)
		var v api.NoticeView
		if err := json.Unmarshal(httpCall(t, http.MethodPost, base+"/v1/notices", key, []byte(body), http.StatusCreated), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	callback := func(v api.NoticeView, amount int64, seq int) []byte {
		p := payment.Payment{Gateway: payment.GatewayVietQR, TxnID: fmt.Sprint(int64(seq)*1_000_000_000_000 + time.Now().UnixNano()%1_000_000_000_000),
			Amount: payment.VNDOf(amount), PaidAt: time.Date(2026, 11, 27, 9, 15, 0, 0, payment.Location()), Description: "NOP LE PHI " + string(v.Code)}
		p.ID = payment.PaymentID(p.Gateway, p.TxnID)
		raw, err := gatewaysim.Encode(p, sim)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "POST /gateways/vietqr/callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", len(raw.Body))
		names := make([]string, 0, len(raw.Headers))
		for k := range raw.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(&b, "%s: %s\r\n", k, raw.Headers[k])
		}
		b.WriteString("\r\n")
		return append([]byte(b.String()), raw.Body...)
	}
	paid := func(id string) api.NoticeView {
		for begin := time.Now(); ; {
			var v api.NoticeView
			if err := json.Unmarshal(httpCall(t, http.MethodGet, base+"/v1/notices/"+id, key, nil, http.StatusOK), &v); err != nil {
				t.Fatal(err)
			}
			if v.Status == payment.NoticePaid {
				return v
			}
			if time.Since(begin) > 30*time.Second {
				t.Fatalf("notice %s still %s after 30s", id, v.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	send := func(req []byte) (*bufio.Reader, net.Conn) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if _, err := conn.Write(req); err != nil {
			t.Fatal(err)
		}
		return bufio.NewReader(conn), conn
	}
	status := func(r *bufio.Reader) string {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return "no answer: " + err.Error()
		}
		resp.Body.Close()
		return resp.Status
	}

	cancel, done := start()
	a, b := testenv.Name("TB-SD-A"), testenv.Name("TB-SD-B")
	va, vb := notice(a, 250_000, 1), notice(b, 180_000, 2)
	if got := status(func() *bufio.Reader { r, _ := send(callback(va, 250_000, 1)); return r }()); got != "200 OK" {
		t.Fatalf("callback A: %s", got)
	}
	paid(a)
	confA := outbox.Confirmation.ID("dvc-nghean", a)
	select {
	case k := <-posting: // A's confirmation POST is under way at the slow sink
		if k != confA {
			t.Fatalf("first POST carries %q, want %q", k, confA)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no confirmation POST")
	}
	// B's callback is arriving: its headers and half its body are in.
	reqB := callback(vb, 180_000, 2)
	split := len(reqB) - 40
	rb, connB := send(reqB[:split])
	time.Sleep(100 * time.Millisecond)
	sigterm := time.Now()
	cancel()
	time.Sleep(300 * time.Millisecond)
	if _, err := connB.Write(reqB[split:]); err != nil {
		t.Fatalf("the rest of callback B: %v", err)
	}
	if got := status(rb); got != "200 OK" {
		t.Errorf("callback B, in flight at SIGTERM: %s, want 200 OK (stored)", got)
	}
	// No new callback is taken.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		// The listener may close a moment after the cancel; by the
		// time B is answered it must be.
		t.Errorf("a new connection was accepted after SIGTERM")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(deadline + 5*time.Second):
		t.Fatal("serve did not return")
	}
	took := time.Since(sigterm)
	t.Logf("serve returned %s after the cancel (deadline %s, sink hold %s)", took.Round(time.Millisecond), deadline, hold)
	if took >= deadline {
		t.Errorf("serve took %s to shut down, deadline %s", took, deadline)
	}
	mu.Lock()
	if keys[confA] != 1 {
		t.Errorf("the confirmation POST under way at SIGTERM completed %d times, want 1", keys[confA])
	}
	mu.Unlock()
	st, err := postgres.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	outboxState := func(id string) store.OutboxMessage {
		var m store.OutboxMessage
		if err := st.InTx(context.Background(), func(tx store.Tx) error {
			var err error
			m, err = tx.OutboxMessage(context.Background(), id)
			return err
		}); err != nil {
			t.Fatalf("outbox %s: %v", id, err)
		}
		return m
	}
	if m := outboxState(confA); m.State != store.OutboxDelivered || m.Attempts != 0 && m.Attempts != 1 {
		t.Errorf("%s after the shutdown: %s, %d attempts", confA, m.State, m.Attempts)
	}

	// A second start: B's stored event is consumed once, its confirmation
	// sent once, A's not again.
	cancel, done = start()
	vbPaid := paid(b)
	if len(vbPaid.Allocations) != 1 {
		t.Errorf("B's allocations %+v, want one", vbPaid.Allocations)
	}
	confB := outbox.Confirmation.ID("dvc-nghean", b)
	for begin := time.Now(); outboxState(confB).State != store.OutboxDelivered; time.Sleep(50 * time.Millisecond) {
		if time.Since(begin) > 30*time.Second {
			t.Fatal("B's confirmation not delivered")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("second serve returned %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if keys[confA] != 1 || keys[confB] != 1 || len(keys) != 2 {
		t.Errorf("the sink saw %v, want each confirmation once", keys)
	}
}
