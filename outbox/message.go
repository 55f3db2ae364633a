package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// Type is a topic of business: what a message says (a notice is paid, a
// report version is out), whichever channels it goes out on. Its value
// prefixes the message ids and is the X-Feerecon-Kind header on every
// channel.
type Type string

// Message types.
const (
	// Confirmation: a notice is paid. Payload: ingest.Confirmation JSON;
	// id Confirmation.ID(system, noticeID), or, for a notice paid again
	// after a reversal opened it, Confirmation.ID(system, noticeID,
	// payers) (ingest.ConfirmationAgainID).
	Confirmation Type = "confirmation"
	// Report: a daily report version. Payload: daily.Report JSON; id
	// Report.ID(reportID).
	Report Type = "report"
	// Reversed: a payment that paid (part of) a notice was taken back by
	// its gateway (a bank reversal), so the notice is open again. Payload:
	// ingest.ReversedMessage JSON; id Reversed.ID(system, noticeID,
	// reversalID): one per notice and reversal, ever. Its Kafka copy goes
	// to payments.confirmed with the confirmation's key
	// "<system>/<notice_id>": the same partition as the notice's
	// confirmation, so a consumer reads the reversal after it.
	Reversed Type = "payment.reversed"
)

// route is how a message type goes out: its outbox kind per channel, and
// how its payload becomes a Kafka message.
type route struct {
	typ Type
	// webhook is the kind of the signed webhook copy.
	webhook store.OutboxKind
	// kafka is the kind of the Kafka copy, published to topic (by default;
	// the copy's destination is "kafka:"+topic), counted in metric.
	kafka  store.OutboxKind
	topic  string
	metric string
	// message derives the Kafka key and extra headers from a payload; an
	// error means the payload is not of this type: dead at once.
	message func(payload []byte) (key []byte, headers map[string]string, err error)
	// permanent, if set, says a publish error is final: dead at once.
	permanent func(error) bool
}

// routes is the message table: a new message type is one constant above
// and one entry here (plus its outbox kinds in package store).
func routes() []route {
	return []route{
		{typ: Confirmation, webhook: store.OutboxConfirmation, kafka: store.OutboxConfirmationKafka, topic: kafkabus.TopicConfirmed,
			metric: "feerecon_confirmfeed_attempts_total", message: confirmationMessage},
		{typ: Report, webhook: store.OutboxReport, kafka: store.OutboxReportKafka, topic: kafkabus.TopicTreasuryReports,
			metric: "feerecon_reportfeed_attempts_total", message: reportMessage, permanent: TooLarge},
		{typ: Reversed, webhook: store.OutboxReversal, kafka: store.OutboxReversalKafka, topic: kafkabus.TopicConfirmed,
			metric: "feerecon_reversalfeed_attempts_total", message: reversedMessage},
	}
}

// Types lists the message types, in the table's order.
func Types() []Type {
	var ts []Type
	for _, r := range routes() {
		ts = append(ts, r.typ)
	}
	return ts
}

// webhookType is the type whose webhook copies are of kind k: what the
// X-Feerecon-Kind header names ("payment.reversed" for kind reversal);
// the kind itself for a kind of no type.
func webhookType(k store.OutboxKind) Type {
	for _, r := range routes() {
		if r.webhook == k {
			return r.typ
		}
	}
	return Type(k)
}

func (t Type) route() (route, bool) {
	for _, r := range routes() {
		if r.typ == t {
			return r, true
		}
	}
	return route{}, false
}

// ID is the outbox id of a message of type t, its webhook Idempotency-Key:
// the type, then parts, joined by "|"; e.g. "confirmation|dvc-hanoi|HS-1",
// "report|2026-11-26/ALL/v1".
func (t Type) ID(parts ...string) string { return string(t) + "|" + strings.Join(parts, "|") }

// KafkaID is the outbox id (and Kafka Idempotency-Key header) of the Kafka
// copy of the message with outbox id id.
func KafkaID(id string) string { return id + "|kafka" }

// KafkaDestination is the destination recorded on t's Kafka copies: the
// default topic's name (a Sender may publish to another topic).
func (t Type) KafkaDestination() string {
	r, _ := t.route()
	return "kafka:" + r.topic
}

// Enqueuer is what Enqueue needs inside the caller's transaction; store.Tx
// has it.
type Enqueuer interface {
	Enqueue(ctx context.Context, m store.OutboxMessage) error
}

// Enqueue writes, in the caller's transaction, one outbox message per
// channel for the message id of type t: the signed webhook to destination
// (id as is) and the Kafka copy (KafkaID(id), t.KafkaDestination()), each
// with payload, pending, due at now. Each channel has its own delivery
// state: one never delays, fails or kills the other.
//
// A channel whose message is stored already keeps it as it is and the
// others still get theirs; Enqueue then returns an error wrapping
// store.ErrAlreadyExists, which a caller that enqueues once ever (a
// confirmation) ignores.
func (t Type) Enqueue(ctx context.Context, tx Enqueuer, id, destination string, payload []byte, now time.Time) error {
	r, ok := t.route()
	if !ok {
		return config.Errorf("outbox: unknown message type %q", t)
	}
	var exists error
	for _, m := range []store.OutboxMessage{
		{ID: id, Kind: r.webhook, Destination: destination},
		{ID: KafkaID(id), Kind: r.kafka, Destination: t.KafkaDestination()},
	} {
		m.Payload, m.State, m.NextAttempt, m.CreatedAt = payload, store.OutboxPending, now, now
		err := tx.Enqueue(ctx, m)
		if errors.Is(err, store.ErrAlreadyExists) {
			exists = fmt.Errorf("outbox %s: %w", m.Kind, err)
			continue
		}
		if err != nil {
			return fmt.Errorf("outbox %s: %w", m.Kind, err)
		}
	}
	return exists
}

// HeaderSHA256 carries a report version's SHA-256 on treasury.reports.
const HeaderSHA256 = "X-Feerecon-Report-Sha256"

// Payloads a message type's Kafka copy cannot be published from.
var (
	// ErrNotConfirmation: a payload is not a confirmation with a system
	// and a notice id.
	ErrNotConfirmation = errors.New("payload is not a confirmation")
	// ErrNotReport: a payload is not a daily report.
	ErrNotReport = errors.New("payload is not a daily report")
)

// ConfirmationKey is the Kafka key of a confirmation payload:
// "<system>/<notice_id>", the key notices.events uses for the same notice.
func ConfirmationKey(payload []byte) ([]byte, error) {
	// The fields of ingest.Confirmation the key needs (outbox imports
	// nothing above it); TestIngestToKafka checks them on ingest's own
	// payload.
	var c struct {
		System   string `json:"system"`
		NoticeID string `json:"notice_id"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConfirmation, err)
	}
	if c.System == "" || c.NoticeID == "" {
		return nil, fmt.Errorf("%w: no system or notice_id", ErrNotConfirmation)
	}
	return []byte(c.System + "/" + c.NoticeID), nil
}

// reversedMessage keys a payment.reversed payload as its notice's
// confirmation: "<system>/<notice_id>".
func reversedMessage(payload []byte) ([]byte, map[string]string, error) {
	key, err := ConfirmationKey(payload)
	if err != nil {
		return nil, nil, fmt.Errorf("payment.reversed: %w", err)
	}
	return key, nil, nil
}

func confirmationMessage(payload []byte) ([]byte, map[string]string, error) {
	key, err := ConfirmationKey(payload)
	return key, nil, err
}

// ReportKey is the Kafka key of a report payload: "<date>/<agency>".
func ReportKey(payload []byte) ([]byte, error) {
	key, _, err := reportMessage(payload)
	return key, err
}

// reportMessage is the Kafka key of a report payload, "<date>/<agency>"
// (every version of a scope on one partition, in order), and its SHA-256
// header.
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

// messageLane is the Kafka key of a message of type t, the unit of order
// (a notice of a system, a report scope); a payload without one (about to
// die as unsendable) is a lane of its own.
func messageLane(t Type, m store.OutboxMessage) string {
	if r, ok := t.route(); ok {
		if key, _, err := r.message(m.Payload); err == nil {
			return string(key)
		}
	}
	return "id:" + m.ID
}
