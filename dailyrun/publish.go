package dailyrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/outboxfeed"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// Headers of every published report.
const (
	// HeaderIdempotencyKey is the outbox id (ReportKafkaID), the same on
	// every republish: a consumer deduplicates on it.
	HeaderIdempotencyKey = outboxfeed.HeaderIdempotencyKey
	// HeaderKind is "report".
	HeaderKind = outboxfeed.HeaderKind
	// HeaderSHA256 is the report version's SHA-256.
	HeaderSHA256 = "X-Feerecon-Report-Sha256"
)

// Producer publishes one message and returns once the broker acknowledged
// it. *kafkabus.Producer is one (acks=all).
type Producer = outboxfeed.Producer

// PublisherConfig configures a Publisher. Zero values take the defaults.
type PublisherConfig struct {
	// Topic; default kafkabus.TopicTreasuryReports.
	Topic string
	// BaseBackoff and MaxBackoff bound the wait after a failed publish
	// (full jitter, doubling); default 1s and 5m. A broker outage only
	// delays reports: a message is never given up (a payload that is not
	// a report, or a report larger than the broker accepts, is dead at
	// once).
	BaseBackoff, MaxBackoff time.Duration
	// Batch bounds the messages per Tick; default 100.
	Batch int
	// Interval between Ticks in Run; default 1s.
	Interval time.Duration
	// Clock and Rand ([0, n)) for tests; default time.Now, rand.Int64N.
	Clock  func() time.Time
	Rand   func(n int64) int64
	Logger *slog.Logger
}

// Publisher publishes the outbox's report_kafka messages to
// treasury.reports, keyed "<date>/<agency>", one transaction per message:
// a crash between the publish and the commit republishes the same message
// with the same Idempotency-Key. It is an outboxfeed.Publisher of
// ReportFeed.
type Publisher = outboxfeed.Publisher

// PublishResult counts what a Tick did.
type PublishResult = outboxfeed.Result

// ReportFeed is what a Publisher publishes: kind store.OutboxReportKafka to
// kafkabus.TopicTreasuryReports, keyed "<date>/<agency>" (every version of
// a scope on one partition, in order), with X-Feerecon-Kind "report" and
// the version's SHA-256 in HeaderSHA256. A report too large for the broker
// is dead at once: the report is stored and reaches the treasury by
// webhook, and an operator sees the dead Kafka copy.
func ReportFeed() outboxfeed.Feed {
	return outboxfeed.Feed{
		Kind:       store.OutboxReportKafka,
		HeaderKind: store.OutboxReport,
		Topic:      kafkabus.TopicTreasuryReports,
		Metric:     "feerecon_reportfeed_attempts_total",
		Message:    reportMessage,
		Permanent:  outboxfeed.TooLarge,
	}
}

// NewPublisher builds a Publisher.
func NewPublisher(st store.Store, prod Producer, cfg PublisherConfig) (*Publisher, error) {
	var errs []error
	if st == nil || prod == nil {
		errs = append(errs, fmt.Errorf("%w: nil store or producer", ErrConfig))
	}
	if cfg.BaseBackoff < 0 || cfg.MaxBackoff < 0 || cfg.Interval < 0 || cfg.Batch < 0 {
		errs = append(errs, fmt.Errorf("%w: negative duration or batch", ErrConfig))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	base := cfg.BaseBackoff
	if cfg.MaxBackoff > 0 {
		base = min(base, cfg.MaxBackoff) // a base above the cap is the cap here, not an error
	}
	return outboxfeed.New(outboxfeed.FromStore(st), prod, ReportFeed(), outboxfeed.Config{
		Topic: cfg.Topic, BaseBackoff: base, MaxBackoff: cfg.MaxBackoff, Batch: cfg.Batch, Interval: cfg.Interval,
		Clock: cfg.Clock, Rand: cfg.Rand, Logger: cfg.Logger,
	})
}

// ErrNotReport: an outbox payload is not a daily report.
var ErrNotReport = errors.New("payload is not a daily report")

// reportMessage is the Kafka key of a report payload, "<date>/<agency>",
// and its SHA-256 header.
func reportMessage(payload []byte) ([]byte, map[string]string, error) {
	var r struct {
		BusinessDate payment.Date `json:"business_date"`
		Agency       string       `json:"agency"`
		SHA256       string       `json:"sha256"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrNotReport, err)
	}
	if r.BusinessDate.IsZero() || r.Agency == "" || r.SHA256 == "" {
		return nil, nil, fmt.Errorf("%w: no business_date, agency or sha256", ErrNotReport)
	}
	return []byte(r.BusinessDate.String() + "/" + r.Agency), map[string]string{HeaderSHA256: r.SHA256}, nil
}
