package ingress_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/ingress"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
)

// volume is what a topic holds: messages and the bytes of their keys,
// values and headers.
type volume struct {
	messages int
	bytes    int64
}

// topicBytes reads back every message of partition 0 of topic.
func topicBytes(t *testing.T, broker, topic string) volume {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// A topic just created may not have its leader yet: ask again.
	var last int64
	for {
		conn, err := kafka.DialLeader(ctx, "tcp", broker, topic, 0)
		if err == nil {
			last, err = conn.ReadLastOffset()
			conn.Close()
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("last offset of %s: %v", topic, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var v volume
	if last == 0 {
		return v
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: 0,
		MaxBytes: 8 << 20, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	for int64(v.messages) < last {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("read %s: %v", topic, err)
		}
		v.messages++
		v.bytes += int64(len(m.Key) + len(m.Value))
		for _, h := range m.Headers {
			v.bytes += int64(len(h.Key) + len(h.Value))
		}
	}
	return v
}

// logDirBytes is the size of the broker's log segments of topic's
// partition 0, when the broker's data directory is on this machine
// (FEERECON_SERVICES_DIR of scripts/services.sh); ok false otherwise.
func logDirBytes(topic string) (n int64, ok bool) {
	dir := os.Getenv("FEERECON_SERVICES_DIR")
	if dir == "" {
		return 0, false
	}
	segs, err := filepath.Glob(filepath.Join(dir, "kafka", "data", topic+"-0", "*.log"))
	if err != nil || len(segs) == 0 {
		return 0, false
	}
	for _, s := range segs {
		fi, err := os.Stat(s)
		if err != nil {
			return 0, false
		}
		n += fi.Size()
	}
	return n, true
}

// unsignedMoMo is a MoMo IPN of exactly size bytes with every field but the
// signature: what anyone can send.
func unsignedMoMo(i, size int) []byte {
	head := fmt.Sprintf(`{"partnerCode":"MOMO","orderId":"attack-%d","requestId":"r%d","amount":1000000,"orderInfo":"`, i, i)
	tail := `","orderType":"momo_wallet","transId":4088878653,"resultCode":0,"message":"Successful.",` +
		`"payType":"qr","responseTime":1721720663942,"extraData":""}`
	return []byte(head + strings.Repeat("A", size-len(head)-len(tail)) + tail)
}

// Acceptance 4 of issue 9: 100 unsigned 1 MB callbacks to MoMo's callback
// are all refused with 401, nothing reaches the raw topic, and what Kafka
// holds grows by less than 1 MB.
func TestUnsignedFloodStoresOnlyEvidence(t *testing.T) {
	t.Parallel()
	// The rate limit is tested on its own (TestRateLimitPerSource): here
	// it must not answer in the signature check's place.
	e := newEnv(t, nil, 10*time.Second, func(c *ingress.Config) { c.RateBurst = 1000 })
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	rawTopic := e.raw[payment.GatewayMoMo]
	before := topicBytes(t, e.broker, rawTopic).bytes + topicBytes(t, e.broker, e.dlq).bytes
	const n, size = 100, 1 << 20
	start := time.Now()
	var sent int64
	for i := range n {
		body := unsignedMoMo(i, size)
		sent += int64(len(body))
		resp, err := srv.Client().Post(srv.URL+"/gateways/momo/callback", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Fatalf("callback %d: %d, want 401 or 403", i, resp.StatusCode)
		}
	}
	took := time.Since(start)
	raw := topicBytes(t, e.broker, rawTopic)
	dlq := topicBytes(t, e.broker, e.dlq)
	grown := raw.bytes + dlq.bytes - before
	t.Logf("%d unsigned callbacks of %d bytes (%d bytes sent) in %s: raw topic %d messages, DLQ %d evidence records; Kafka grew by %d bytes (%.1f KiB)",
		n, size, sent, took.Round(time.Millisecond), raw.messages, dlq.messages, grown, float64(grown)/1024)
	if raw.messages != 0 {
		t.Errorf("%d messages on %s", raw.messages, rawTopic)
	}
	if dlq.messages != n {
		t.Errorf("%d evidence records, want %d", dlq.messages, n)
	}
	if grown >= 1<<20 {
		t.Errorf("Kafka grew by %d bytes, want under 1 MiB", grown)
	}
	recs, err := kafkabus.ListDLQ(context.Background(), e.broker, 0, kafkabus.WithDLQTopic(e.dlq))
	if err != nil || len(recs) != n {
		t.Fatalf("ListDLQ: %d, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.Evidence == nil || r.Evidence.Size != size || r.Reason != "signature" || len(r.Message.Value) > kafkabus.EvidencePrefixBytes {
			t.Fatalf("not bounded evidence: %+v %+v", r, r.Evidence)
		}
	}
	// The broker's own figure, where its data directory is here.
	rawLog, ok1 := logDirBytes(rawTopic)
	dlqLog, ok2 := logDirBytes(e.dlq)
	if ok1 && ok2 {
		t.Logf("broker log segments: raw topic %d bytes, DLQ %d bytes", rawLog, dlqLog)
		if rawLog+dlqLog >= 1<<20 {
			t.Errorf("broker log segments hold %d bytes, want under 1 MiB", rawLog+dlqLog)
		}
	}
}
