package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

func TestTopics(t *testing.T) {
	t.Parallel()
	if got := RawTopic(payment.GatewayVNPay); got != "payments.raw.vnpay" {
		t.Errorf("RawTopic(vnpay) = %q", got)
	}
	all := Topics(payment.Gateways())
	if len(all) != len(payment.Gateways())+5 {
		t.Errorf("Topics has %d topics: %v", len(all), all)
	}
	if got := Topics([]payment.Gateway{payment.GatewayMoMo}); len(got) != 6 || got[0] != "payments.raw.momo" || got[5] != TopicTreasuryReports {
		t.Errorf("Topics(momo) = %v", got)
	}
	seen := map[string]bool{}
	for _, tp := range all {
		if seen[tp] {
			t.Errorf("duplicate topic %s", tp)
		}
		seen[tp] = true
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		perm   bool
		kind   ErrorKind
		reason string
	}{
		{nil, false, "", ""},
		{errors.New("connection refused"), false, "", ""},
		{fmt.Errorf("handle: %w", gateways.Errorf(payment.GatewayVNPay, gateways.ErrSignature, "x")), true, KindPoison, "signature"},
		{gateways.Errorf(payment.GatewayMoMo, gateways.ErrMalformed, "x"), true, KindPoison, "malformed"},
		{gateways.Errorf(payment.GatewayMoMo, gateways.ErrAmount, "x"), true, KindPoison, "amount"},
		{gateways.Errorf(payment.GatewayMoMo, gateways.ErrTooLarge, "x"), true, KindPoison, "too_large"},
		// Not a payment is not poison: the handler decides what to do.
		{gateways.Errorf(payment.GatewayMoMo, gateways.ErrNotPayment, "x"), false, "", ""},
		{fmt.Errorf("wrap: %w", Permanent("bad_event", errors.New("x"))), true, KindPermanent, "bad_event"},
		{Permanent("", errors.New("x")), true, KindPermanent, "permanent"},
	}
	for _, c := range cases {
		perm, kind, reason := Classify(c.err)
		if perm != c.perm || kind != c.kind || reason != c.reason {
			t.Errorf("Classify(%v) = %v %q %q, want %v %q %q", c.err, perm, kind, reason, c.perm, c.kind, c.reason)
		}
	}
	inner := errors.New("inner")
	if !errors.Is(Permanent("r", inner), inner) {
		t.Error("Permanent does not unwrap")
	}
}

func TestConsumerConfigValidate(t *testing.T) {
	t.Parallel()
	err := ConsumerConfig{Topic: "a", DLQTopic: "a", MinBackoff: 2 * time.Second, MaxBackoff: time.Second, MaxRetries: -1}.Validate()
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("Validate = %v, want config.ErrInvalid", err)
	}
	// All problems at once: brokers, group, own DLQ, backoff order, retries.
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 5 {
		t.Errorf("Validate reported %d problems, want 5: %v", n, err)
	}
	if _, err := NewConsumer(ConsumerConfig{Brokers: []string{"x:1"}, GroupID: "g", Topic: "t"}, nil); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("nil handler: %v", err)
	}
	if _, err := NewProducer(ProducerConfig{}); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("producer without brokers: %v", err)
	}
}

func TestBackoffCapped(t *testing.T) {
	t.Parallel()
	c, err := NewConsumer(ConsumerConfig{Brokers: []string{"x:1"}, GroupID: "g", Topic: "t", MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second},
		func(_ context.Context, _ Message) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := c.backoff(i + 1); got != w*time.Millisecond {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
	if got := c.backoff(1000); got != time.Second {
		t.Errorf("backoff(1000) = %s", got)
	}
}

func TestHeadersRoundTripAndDLQRecord(t *testing.T) {
	t.Parallel()
	h := map[string]string{"b": "2", "a": "1", HeaderSourceTopic: "payments.raw.momo", HeaderSourceOffset: "7",
		HeaderSourcePartition: "2", HeaderReason: "signature", HeaderErrorKind: "poison", HeaderTime: "2026-11-27T03:04:05Z"}
	kh := toKafkaHeaders(h)
	if kh[0].Key != "a" || kh[1].Key != "b" {
		t.Errorf("headers not in key order: %v", kh)
	}
	r := recordOf(Message{Headers: fromKafkaHeaders(kh)})
	if r.SourceTopic != "payments.raw.momo" || r.SourcePartition != 2 || r.SourceOffset != 7 || r.Kind != KindPoison ||
		r.Reason != "signature" || r.At.IsZero() || len(r.OriginalHeaders) != 2 {
		t.Errorf("recordOf = %+v", r)
	}
	f := ReplayFilter{SourceTopic: "payments.raw.momo", Partition: 0, Offsets: []int64{3}}
	if f.accepts(r) {
		t.Error("filter by DLQ offset 3 accepted offset 0")
	}
	r.Message.Offset = 3
	if !f.accepts(r) {
		t.Error("filter by DLQ offset 3 rejected offset 3")
	}
}

func TestMetricsRegisterOnce(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	if _, err := NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Error("registering the metrics twice on one registry: want an error")
	}
}
