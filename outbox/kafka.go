package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/store"
)

// Producer publishes one message and returns once the broker acknowledged
// it. *kafkabus.Producer is one (acks=all).
type Producer interface {
	Publish(ctx context.Context, topic string, key, value []byte, headers map[string]string) error
}

var _ Producer = (*kafkabus.Producer)(nil)

// KafkaConfig configures the Kafka channel of one message type. Zero
// values take the defaults.
type KafkaConfig struct {
	// Topic to publish to; default the type's (kafkabus.TopicConfirmed,
	// kafkabus.TopicTreasuryReports).
	Topic string
	// Registerer, if set, receives the type's metric
	//	feerecon_confirmfeed_attempts_total{outcome}
	//	feerecon_reportfeed_attempts_total{outcome}
	// outcome: published, failed, dead.
	Registerer prometheus.Registerer
	// Loop: MaxAttempts default 0, never: a broker outage only delays
	// messages; BaseBackoff 1s, MaxBackoff 5m.
	Loop
}

// kafkaTopic is the Kafka channel of one message type.
type kafkaTopic struct {
	prod      Producer
	topic     string
	header    Type
	message   func(payload []byte) ([]byte, map[string]string, error)
	permanent func(error) bool
	attempts  *prometheus.CounterVec
}

// NewKafka builds the Sender of t's Kafka copies over st, publishing with
// prod.
func NewKafka(st Store, prod Producer, t Type, cfg KafkaConfig) (*Sender, error) {
	r, ok := t.route()
	if !ok {
		return nil, config.Errorf("outbox: unknown message type %q", t)
	}
	return newKafka(st, prod, t, r, cfg)
}

func newKafka(st Store, prod Producer, t Type, r route, cfg KafkaConfig) (*Sender, error) {
	p := config.In("outbox")
	cfg.Loop.problems(p)
	if st == nil || prod == nil {
		p.Addf("nil store or producer")
	}
	if r.kafka == "" || r.topic == "" || r.metric == "" || r.message == nil {
		p.Addf("type %q without Kafka kind, topic, metric or key function", t)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if cfg.Topic == "" {
		cfg.Topic = r.topic
	}
	loop := cfg.Loop.withDefaults(Loop{BaseBackoff: time.Second, MaxBackoff: 5 * time.Minute})
	loop.Logger = loop.Logger.With(slog.String("topic", cfg.Topic))
	k := &kafkaTopic{prod: prod, topic: cfg.Topic, header: t, message: r.message, permanent: r.permanent,
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: r.metric,
			Help: fmt.Sprintf("Attempts to publish %ss to Kafka, by outcome (published, failed, dead).", t),
		}, []string{"outcome"}),
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(k.attempts); err != nil {
			return nil, fmt.Errorf("register %s: %w", r.metric, err)
		}
	}
	return newSender(st, k, []store.OutboxKind{r.kafka}, loop), nil
}

// count labels a delivery "published", the label the Kafka metrics have
// always had.
func (k *kafkaTopic) count(_ store.OutboxKind, o Outcome, n float64) {
	label := string(o)
	if o == OutcomeDelivered {
		label = "published"
	}
	k.attempts.WithLabelValues(label).Add(n)
}

// lane is the message's Kafka key: messages of one key are published in
// the order they were stored.
func (k *kafkaTopic) lane(m store.OutboxMessage) string {
	if key, _, err := k.message(m.Payload); err == nil {
		return string(key)
	}
	return "id:" + m.ID
}

// send publishes the payload as stored, keyed and with the extra headers
// of the type's message function, plus Idempotency-Key (the outbox id) and
// X-Feerecon-Kind (the type), which extra headers cannot override.
func (k *kafkaTopic) send(ctx context.Context, m store.OutboxMessage) attempt {
	key, extra, err := k.message(m.Payload)
	if err != nil {
		return attempt{err: err.Error(), unsendable: true}
	}
	headers := make(map[string]string, len(extra)+2)
	maps.Copy(headers, extra)
	headers[HeaderIdempotencyKey] = m.ID
	headers[HeaderKind] = string(k.header)
	if err := k.prod.Publish(ctx, k.topic, key, m.Payload, headers); err != nil {
		return attempt{err: err.Error(), permanent: k.permanent != nil && k.permanent(err)}
	}
	return attempt{attrs: []slog.Attr{slog.String("key", string(key))}}
}

// TooLarge reports whether the broker (or the client) refused a message for
// its size: no retry can publish it.
func TooLarge(err error) bool {
	var mtl kafka.MessageTooLargeError
	return errors.As(err, &mtl) || errors.Is(err, kafka.MessageSizeTooLarge)
}
