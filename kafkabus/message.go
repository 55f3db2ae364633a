package kafkabus

import (
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
)

// Message is a consumed message, independent of the Kafka client library.
type Message struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   map[string]string
	Time      time.Time
}

// Ref is the message's position, "<topic>/<partition>/<offset>": what
// payment.Payment.RawRef holds.
func (m Message) Ref() string { return fmt.Sprintf("%s/%d/%d", m.Topic, m.Partition, m.Offset) }

func messageOf(km kafka.Message) Message {
	return Message{
		Topic:     km.Topic,
		Partition: km.Partition,
		Offset:    km.Offset,
		Key:       km.Key,
		Value:     km.Value,
		Headers:   fromKafkaHeaders(km.Headers),
		Time:      km.Time,
	}
}

func slicesSortPartitions(ps []kafka.PartitionOffsets) {
	slices.SortFunc(ps, func(a, b kafka.PartitionOffsets) int { return a.Partition - b.Partition })
}
