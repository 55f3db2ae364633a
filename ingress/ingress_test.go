package ingress_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/momo"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/gateways/vnpay"
	"github.com/feerecon/feerecon/ingress"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/testenv"
)

const (
	vietqrDir    = "../testdata/gateways/vietqr"
	vietqrSecret = "feerecon-test-vietqr-secret-0001" // signs testdata/gateways/vietqr
	vnpaySecret  = "test_secret"                      // the DOMAIN.md vector's secret
	// vnpayIPN is the DOMAIN.md VNPay vector as an IPN query string.
	vnpayIPN = "vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM&" +
		"vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806&" +
		"vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574&vnp_TransactionStatus=00&" +
		"vnp_TxnRef=1716257871703&vnp_SecureHash=649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361dbf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895"
)

func decoders(t *testing.T) gateways.Set {
	t.Helper()
	q, err := vietqr.New(vietqr.Config{Secret: vietqrSecret})
	if err != nil {
		t.Fatal(err)
	}
	v, err := vnpay.New(vnpay.Config{HashSecret: vnpaySecret})
	if err != nil {
		t.Fatal(err)
	}
	m, err := momo.New(momo.Config{AccessKey: "test-access-key", SecretKey: "test-momo-secret"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := gateways.NewSet(q, v, m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func vietqrFile(t *testing.T, name string) (body []byte, sig string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vietqrDir, name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.ReadFile(filepath.Join(vietqrDir, name+".sig"))
	if err != nil {
		t.Fatal(err)
	}
	return b, strings.TrimSpace(string(s))
}

type env struct {
	h      *ingress.Handler
	broker string
	raw    map[payment.Gateway]string // unique raw topics
	dlq    string
	logs   *bytes.Buffer
}

// newEnv builds a handler publishing to brokers (the real one unless
// overridden) with unique one-partition topics.
func newEnv(t *testing.T, brokers []string, publishTimeout time.Duration, opts ...func(*ingress.Config)) env {
	t.Helper()
	e := env{raw: map[payment.Gateway]string{}, dlq: testenv.Name("in-dlq"), logs: &bytes.Buffer{}}
	for _, g := range []payment.Gateway{payment.GatewayVietQR, payment.GatewayVNPay, payment.GatewayMoMo} {
		e.raw[g] = testenv.Name("in-raw-" + string(g))
	}
	if brokers == nil {
		e.broker = testenv.Kafka(t)
		brokers = []string{e.broker}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := kafkabus.EnsureTopicsWith(ctx, e.broker, kafkabus.TopicOptions{Partitions: 1},
			e.raw[payment.GatewayVietQR], e.raw[payment.GatewayVNPay], e.raw[payment.GatewayMoMo], e.dlq); err != nil {
			t.Fatal(err)
		}
	}
	p, err := kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: brokers, MaxAttempts: 2, WriteTimeout: time.Second, ReadTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	cfg := ingress.Config{
		Decoders: decoders(t), Publisher: p, DLQTopic: e.dlq,
		Topic:          func(g payment.Gateway) string { return e.raw[g] },
		PublishTimeout: publishTimeout,
		Logger:         slog.New(slog.NewTextHandler(e.logs, nil)),
		Registerer:     prometheus.NewRegistry(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	e.h, err = ingress.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e env) do(method, target string, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// readOne reads the message at offset 0 of a one-partition topic.
func readOne(t *testing.T, broker, topic string) kafka.Message {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: 0, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := r.FetchMessage(ctx)
	if err != nil {
		t.Fatalf("read %s: %v", topic, err)
	}
	return m
}

func headers(m kafka.Message) map[string]string {
	h := map[string]string{}
	for _, x := range m.Headers {
		h[x.Key] = string(x.Value)
	}
	return h
}

func TestCallbackStoredInKafka(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, 10*time.Second)
	body, sig := vietqrFile(t, "valid.json")
	w := e.do(http.MethodPost, "/gateways/vietqr/callback", body, map[string]string{
		vietqr.HeaderSignature: sig, "Content-Type": "application/json", "Authorization": "Bearer not-kept"})
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"success":true}` {
		t.Fatalf("reply %d %s", w.Code, w.Body)
	}
	m := readOne(t, e.broker, e.raw[payment.GatewayVietQR])
	h := headers(m)
	if string(m.Key) != "92704" || !bytes.Equal(m.Value, body) || h[vietqr.HeaderSignature] != sig {
		t.Errorf("stored key %q headers %v, value equal %v", m.Key, h, bytes.Equal(m.Value, body))
	}
	if _, ok := h["Authorization"]; ok {
		t.Error("a non X- header was stored")
	}
	// The stored message decodes again, byte for byte.
	if ps, err := decoders(t)[payment.GatewayVietQR].Decode(gateways.Raw{Body: m.Value, Headers: h}); err != nil || len(ps) != 1 {
		t.Errorf("stored message does not decode: %v", err)
	}
	if strings.Contains(e.logs.String(), "0071000123456") {
		t.Errorf("account number in the logs: %s", e.logs)
	}

	// VNPay IPN by GET: the raw query is the message.
	w = e.do(http.MethodGet, "/gateways/vnpay/callback?"+vnpayIPN, nil, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"RspCode":"00"`) {
		t.Fatalf("vnpay reply %d %s", w.Code, w.Body)
	}
	m = readOne(t, e.broker, e.raw[payment.GatewayVNPay])
	if string(m.Key) != "14422574" || string(m.Value) != vnpayIPN {
		t.Errorf("vnpay stored key %q value %q", m.Key, m.Value)
	}
}

// A callback that does not verify is refused at the edge (issue 9): 401,
// nothing on the raw topic, and in the DLQ only bounded evidence. An
// authentic poison message is still kept in full.
func TestUnverifiedRefusedWithEvidenceOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, 10*time.Second)
	body, sig := vietqrFile(t, "tampered_amount.json")
	w := e.do(http.MethodPost, "/gateways/vietqr/callback", body, map[string]string{vietqr.HeaderSignature: sig})
	if w.Code != 401 || strings.TrimSpace(w.Body.String()) != `{"success":false}` {
		t.Fatalf("reply %d %s, want the adapter's 401", w.Code, w.Body)
	}
	recs, err := kafkabus.ListDLQ(context.Background(), e.broker, 0, kafkabus.WithDLQTopic(e.dlq))
	if err != nil || len(recs) != 1 {
		t.Fatalf("DLQ: %d records, %v", len(recs), err)
	}
	sum := sha256.Sum256(body)
	want := kafkabus.Evidence{Gateway: "vietqr", Size: len(body), SHA256: hex.EncodeToString(sum[:]), Remote: "192.0.2.1:1234"}
	r := recs[0]
	if r.Evidence == nil || *r.Evidence != want {
		t.Fatalf("evidence %+v, want %+v", r.Evidence, want)
	}
	if r.Reason != "signature" || r.Kind != kafkabus.KindPoison || r.Origin != "ingress" ||
		r.SourceTopic != e.raw[payment.GatewayVietQR] || r.SourceOffset != -1 || len(r.OriginalHeaders) != 0 ||
		string(r.Message.Value) != payment.MaskAccountsIn(string(body[:min(len(body), kafkabus.EvidencePrefixBytes)])) ||
		bytes.Contains(r.Message.Value, []byte("0071000123456")) {
		t.Errorf("dead letter %+v", r)
	}
	if !strings.Contains(e.logs.String(), "callback refused") || !strings.Contains(e.logs.String(), want.SHA256) {
		t.Errorf("no refusal logged with the hash: %s", e.logs)
	}
	// VNPay answers a bad checksum with its own code, refused in HTTP.
	w = e.do(http.MethodGet, "/gateways/vnpay/callback?"+strings.Replace(vnpayIPN, "vnp_Amount=1000000", "vnp_Amount=2000000", 1), nil, nil)
	if w.Code != 401 || !strings.Contains(w.Body.String(), `"RspCode":"97"`) {
		t.Errorf("vnpay bad checksum reply %d %s", w.Code, w.Body)
	}
	// Too large: 413 and evidence of the declared size, its first bytes.
	big := bytes.Repeat([]byte("a"), gateways.MaxMessageBytes+1)
	w = e.do(http.MethodPost, "/gateways/vietqr/callback", big, map[string]string{vietqr.HeaderSignature: sig})
	if w.Code != 413 {
		t.Errorf("too large: %d", w.Code)
	}
	// Authentic but an invalid amount: 400, kept in full.
	frac, fracSig := vietqrFile(t, "fractional.json")
	w = e.do(http.MethodPost, "/gateways/vietqr/callback", frac, map[string]string{vietqr.HeaderSignature: fracSig})
	if w.Code != 400 {
		t.Errorf("authentic poison: %d", w.Code)
	}
	recs, err = kafkabus.ListDLQ(context.Background(), e.broker, 0, kafkabus.WithDLQTopic(e.dlq))
	if err != nil || len(recs) != 4 {
		t.Fatalf("DLQ: %d records, %v", len(recs), err)
	}
	if r := recs[2]; r.Reason != "too_large" || r.Evidence == nil || r.Evidence.Size != len(big) || r.Evidence.SHA256 != "" ||
		len(r.Message.Value) != kafkabus.EvidencePrefixBytes {
		t.Errorf("too large evidence %+v %+v", r, r.Evidence)
	}
	if r := recs[3]; r.Reason != "amount" || r.Evidence != nil || !bytes.Equal(r.Message.Value, frac) ||
		r.OriginalHeaders[vietqr.HeaderSignature] != fracSig {
		t.Errorf("authentic poison dead letter %+v", r)
	}
	for g, topic := range e.raw {
		if n := topicBytes(t, e.broker, topic); n.messages != 0 {
			t.Errorf("%s: %d messages on the raw topic after refusals", g, n.messages)
		}
	}
}

func TestNotPaymentStoredAndAcknowledged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, 10*time.Second)
	body, sig := vietqrFile(t, "transfer_out.json")
	w := e.do(http.MethodPost, "/gateways/vietqr/callback", body, map[string]string{vietqr.HeaderSignature: sig})
	if w.Code != 200 {
		t.Fatalf("reply %d %s", w.Code, w.Body)
	}
	m := readOne(t, e.broker, e.raw[payment.GatewayVietQR])
	if !bytes.Equal(m.Value, body) || len(m.Key) != 0 {
		t.Errorf("stored key %q", m.Key)
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentBroker accepts connections and never answers: a broker that hangs.
func silentBroker(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// With Kafka unreachable the endpoint never answers success: 503 with
// Retry-After within the bounded publish wait (DefaultPublishTimeout), the
// adapter's body (VNPay's RspCode 99), so the gateways retry. The shared
// broker is not touched.
func TestKafkaDownAnswersRetry(t *testing.T) {
	t.Parallel()
	body, sig := vietqrFile(t, "valid.json")
	bad, badSig := vietqrFile(t, "tampered_amount.json")
	frac, fracSig := vietqrFile(t, "fractional.json")
	for name, broker := range map[string]string{"closed port": closedPort(t), "silent broker": silentBroker(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, []string{broker}, 0) // the default publish wait
			retry := func(what string, w *httptest.ResponseRecorder, took time.Duration) {
				t.Helper()
				if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" {
					t.Errorf("%s: %d Retry-After %q %s, want 503 with Retry-After 5", what, w.Code, w.Header().Get("Retry-After"), w.Body)
				}
				// Bounded by the publish wait, not by the writer's own
				// timeouts and retries (1 s each here).
				if took > ingress.DefaultPublishTimeout+time.Second {
					t.Errorf("%s: answered after %s", what, took)
				}
			}
			start := time.Now()
			w := e.do(http.MethodPost, "/gateways/vietqr/callback", body, map[string]string{vietqr.HeaderSignature: sig})
			retry("vietqr", w, time.Since(start))
			start = time.Now()
			w = e.do(http.MethodGet, "/gateways/vnpay/callback?"+vnpayIPN, nil, nil)
			retry("vnpay", w, time.Since(start))
			if !strings.Contains(w.Body.String(), `"RspCode":"99"`) {
				t.Errorf("vnpay reply %s, want RspCode 99", w.Body)
			}
			// An authentic poison message that cannot be kept is not
			// answered as rejected either: the gateway must come back.
			start = time.Now()
			w = e.do(http.MethodPost, "/gateways/vietqr/callback", frac, map[string]string{vietqr.HeaderSignature: fracSig})
			retry("authentic poison", w, time.Since(start))
			// A callback that does not verify is refused all the same:
			// nothing of it was to be kept.
			w = e.do(http.MethodPost, "/gateways/vietqr/callback", bad, map[string]string{vietqr.HeaderSignature: badSig})
			if w.Code != 401 {
				t.Errorf("unverified with Kafka down: %d, want 401", w.Code)
			}
			if !strings.Contains(e.logs.String(), "callback not stored") {
				t.Errorf("no error logged: %s", e.logs)
			}
		})
	}
}

type fakePublisher struct {
	published, deadLettered int
	last                    kafkabus.DeadLetter
	err                     error
}

func (f *fakePublisher) Publish(context.Context, string, []byte, []byte, map[string]string) error {
	f.published++
	return f.err
}

func (f *fakePublisher) DeadLetter(_ context.Context, _ string, d kafkabus.DeadLetter) error {
	f.deadLettered++
	f.last = d
	return f.err
}

func TestRouting(t *testing.T) {
	t.Parallel()
	f := &fakePublisher{}
	h, err := ingress.New(ingress.Config{Decoders: decoders(t), Publisher: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/gateways/nosuch/callback", 404},
		{http.MethodPut, "/gateways/vietqr/callback", 405},
		{http.MethodPost, "/gateways/vietqr/other", 404},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, strings.NewReader("{}")))
		if w.Code != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, w.Code, c.want)
		}
	}
	if f.published+f.deadLettered != 0 {
		t.Error("a routing failure published something")
	}
	if _, err := ingress.New(ingress.Config{}); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("empty config: %v", err)
	}
}

// orderPublisher checks that nothing was answered while it stores.
type orderPublisher struct {
	w       *httptest.ResponseRecorder
	early   bool
	calls   int
	failErr error
}

func (o *orderPublisher) Publish(context.Context, string, []byte, []byte, map[string]string) error {
	o.calls++
	o.early = o.early || o.w.Body.Len() > 0 || o.w.Code != 200 || len(o.w.Header()) > 0
	return o.failErr
}

func (o *orderPublisher) DeadLetter(ctx context.Context, topic string, _ kafkabus.DeadLetter) error {
	return o.Publish(ctx, topic, nil, nil, nil)
}

// The answer is written only after the publisher returned.
func TestReplyAfterPublish(t *testing.T) {
	t.Parallel()
	body, sig := vietqrFile(t, "valid.json")
	bad, badSig := vietqrFile(t, "tampered_amount.json")
	for _, c := range []struct {
		body []byte
		sig  string
	}{{body, sig}, {bad, badSig}} {
		w := httptest.NewRecorder()
		p := &orderPublisher{w: w}
		h, err := ingress.New(ingress.Config{Decoders: decoders(t), Publisher: p})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/gateways/vietqr/callback", bytes.NewReader(c.body))
		r.Header.Set(vietqr.HeaderSignature, c.sig)
		h.ServeHTTP(w, r)
		if p.calls != 1 || p.early || w.Body.Len() == 0 {
			t.Errorf("calls %d, answered before storing: %v, body %q", p.calls, p.early, w.Body)
		}
	}
}
