package outbox

import "github.com/feerecon/feerecon/store"

// TestRoute is a Kafka route outside the message table, for the tests of
// the mechanism itself.
type TestRoute struct {
	Header    Type
	Kind      store.OutboxKind
	Topic     string
	Metric    string
	Message   func(payload []byte) (key []byte, headers map[string]string, err error)
	Permanent func(error) bool
}

// NewKafkaRoute is NewKafka of r.
func NewKafkaRoute(st Store, prod Producer, r TestRoute, cfg KafkaConfig) (*Sender, error) {
	return newKafka(st, prod, r.Header, route{typ: r.Header, kafka: r.Kind, topic: r.Topic, metric: r.Metric, message: r.Message, permanent: r.Permanent}, cfg)
}
