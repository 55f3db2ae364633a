package kafkabus

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the consumer metrics. Build them once per registry with
// NewMetrics and share them between consumers; every series is labelled by
// topic.
//
//	feerecon_kafka_consumed_total{topic,outcome}   messages finished: outcome "handled" or "dead_lettered"
//	feerecon_kafka_dead_lettered_total{topic,kind,reason}
//	feerecon_kafka_handler_retries_total{topic}    transient handler failures retried
//	feerecon_kafka_handler_duration_seconds{topic} handler latency, every call
type Metrics struct {
	consumed     *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	retries      *prometheus.CounterVec
	latency      *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them with reg (never the
// global registry unless the caller passes it).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feerecon_kafka_consumed_total",
			Help: "Messages consumed and committed, by topic and outcome (handled, dead_lettered).",
		}, []string{"topic", "outcome"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feerecon_kafka_dead_lettered_total",
			Help: "Messages sent to the dead-letter topic, by source topic, error kind and reason.",
		}, []string{"topic", "kind", "reason"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feerecon_kafka_handler_retries_total",
			Help: "Transient handler failures that were retried, by topic.",
		}, []string{"topic"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feerecon_kafka_handler_duration_seconds",
			Help:    "Handler latency per call, by topic.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"topic"}),
	}
	for _, c := range []prometheus.Collector{m.consumed, m.deadLettered, m.retries, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register kafka metrics: %w", err)
		}
	}
	return m, nil
}
