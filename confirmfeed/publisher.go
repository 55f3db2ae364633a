package confirmfeed

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outboxfeed"
	"github.com/feerecon/feerecon/store"
)

// Headers of every published confirmation.
const (
	// HeaderIdempotencyKey is the outbox message id
	// (ingest.ConfirmationKafkaID), the same on every republish.
	HeaderIdempotencyKey = outboxfeed.HeaderIdempotencyKey
	// HeaderKind is "confirmation".
	HeaderKind = outboxfeed.HeaderKind
)

// Producer publishes one message and returns once the broker acknowledged
// it. *kafkabus.Producer is one (acks=all).
type Producer = outboxfeed.Producer

// OutboxTx is what the publisher needs inside a transaction; store.Tx has it.
type OutboxTx = outboxfeed.OutboxTx

// Store runs fn in a transaction: committed if fn returns nil, rolled back
// otherwise. FromStore adapts a store.Store.
type Store = outboxfeed.Store

// FromStore adapts a store.Store to Store.
func FromStore(s store.Store) Store { return outboxfeed.FromStore(s) }

// ErrConfig is wrapped by configuration errors.
var ErrConfig = outboxfeed.ErrConfig

// Config configures a Publisher (see outboxfeed.Config). Zero values take
// the defaults: Topic kafkabus.TopicConfirmed; MaxAttempts 0, so a broker
// outage only delays confirmations (a payload that is not a confirmation is
// dead at once: no retry can publish it); the metric is
//
//	feerecon_confirmfeed_attempts_total{outcome}  outcome: published, failed, dead
type Config = outboxfeed.Config

// Publisher publishes the outbox's Kafka confirmations (kind
// store.OutboxConfirmationKafka) to payments.confirmed.
type Publisher = outboxfeed.Publisher

// Result counts what a Tick did.
type Result = outboxfeed.Result

// Feed is what a Publisher of confirmations publishes: kind
// store.OutboxConfirmationKafka to kafkabus.TopicConfirmed, keyed by Key,
// with X-Feerecon-Kind "confirmation".
func Feed() outboxfeed.Feed {
	return outboxfeed.Feed{
		Kind:       store.OutboxConfirmationKafka,
		HeaderKind: store.OutboxConfirmation,
		Topic:      kafkabus.TopicConfirmed,
		Metric:     "feerecon_confirmfeed_attempts_total",
		Message: func(payload []byte) ([]byte, map[string]string, error) {
			key, err := Key(payload)
			return key, nil, err
		},
	}
}

// New builds a Publisher of confirmations over st publishing with prod.
func New(st Store, prod Producer, cfg Config) (*Publisher, error) {
	return outboxfeed.New(st, prod, Feed(), cfg)
}

// ErrNotConfirmation: an outbox payload is not an ingest.Confirmation with
// a system and a notice id.
var ErrNotConfirmation = errors.New("payload is not a confirmation")

// Key is the Kafka key of a confirmation payload: "<system>/<notice_id>",
// the key notices.events uses for the same notice.
func Key(payload []byte) ([]byte, error) {
	var c ingest.Confirmation
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConfirmation, err)
	}
	if c.System == "" || c.NoticeID == "" {
		return nil, fmt.Errorf("%w: no system or notice_id", ErrNotConfirmation)
	}
	return []byte(c.System + "/" + c.NoticeID), nil
}
