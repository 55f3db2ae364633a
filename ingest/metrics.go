package ingest

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count what recording decided, for operators: payments by gateway
// and outcome, exceptions raised by kind, notices confirmed paid.
type Metrics struct {
	payments   *prometheus.CounterVec
	exceptions *prometheus.CounterVec
	confirmed  prometheus.Counter
}

// NewMetrics registers the metrics on reg (not the global registry).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feerecon_payments_total",
			Help: "Payment events recorded, by gateway and outcome (recorded, redelivered).",
		}, []string{"gateway", "outcome"}),
		exceptions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feerecon_payment_exceptions_total",
			Help: "Exceptions raised for a newly recorded payment, by kind.",
		}, []string{"kind"}),
		confirmed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feerecon_notices_confirmed_total",
			Help: "Notices that became paid and were confirmed (enqueued) to their procedure system.",
		}),
	}
	for _, c := range []prometheus.Collector{m.payments, m.exceptions, m.confirmed} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("ingest metrics registered twice on one registry: %w", err)
			}
			return nil, fmt.Errorf("register ingest metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) observe(gateway string, out Outcome) {
	if m == nil {
		return
	}
	if out.Redelivery {
		m.payments.WithLabelValues(gateway, "redelivered").Inc()
		return
	}
	m.payments.WithLabelValues(gateway, "recorded").Inc()
	for _, e := range out.Exceptions {
		m.exceptions.WithLabelValues(string(e.Kind)).Inc()
	}
	m.confirmed.Add(float64(len(out.Confirmed)))
}

// WithMetrics makes the processor count into m.
func (pr *Processor) WithMetrics(m *Metrics) *Processor {
	pr.metrics = m
	return pr
}
