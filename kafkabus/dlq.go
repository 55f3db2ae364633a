package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/payment"
)

// Headers of a dead-lettered message, besides the original headers, which it
// keeps. Its key and value are the original ones.
const (
	// HeaderSourceTopic: the topic the message came from, or for a callback
	// rejected at ingress, the raw topic it was meant for. ReplayDLQ
	// publishes to it.
	HeaderSourceTopic = "x-dlq-source-topic"
	// HeaderSourcePartition and HeaderSourceOffset: where it was; -1 when
	// it never was in Kafka (rejected at ingress).
	HeaderSourcePartition = "x-dlq-source-partition"
	HeaderSourceOffset    = "x-dlq-source-offset"
	// HeaderError: the error text.
	HeaderError = "x-dlq-error"
	// HeaderErrorKind: an ErrorKind.
	HeaderErrorKind = "x-dlq-error-kind"
	// HeaderReason: the short reason label (see Classify).
	HeaderReason = "x-dlq-reason"
	// HeaderTime: when it was dead-lettered, RFC 3339 with nanoseconds, UTC.
	HeaderTime = "x-dlq-time"
	// HeaderOrigin: "consumer" or "ingress".
	HeaderOrigin = "x-dlq-origin"
	// HeaderReplayOf is set on a replayed message: "<dlq topic>/<partition>/<offset>".
	HeaderReplayOf = "x-replay-of"
	// HeaderEvidence, "true", marks bounded evidence of a refused callback
	// (see Evidence): the value is only a prefix of the message, and the
	// record is never replayed. The other Evidence fields follow.
	HeaderEvidence         = "x-dlq-evidence"
	HeaderEvidenceGateway  = "x-dlq-evidence-gateway"
	HeaderEvidenceSize     = "x-dlq-evidence-size"
	HeaderEvidenceSHA256   = "x-dlq-evidence-sha256"
	HeaderEvidenceRemote   = "x-dlq-evidence-remote"
	evidenceHeaderTrueText = "true"

	dlqHeaderPrefix = "x-dlq-"
)

// DeadLetter is a message to dead-letter.
type DeadLetter struct {
	SourceTopic     string
	SourcePartition int   // -1 if it never was in Kafka
	SourceOffset    int64 // -1 if it never was in Kafka
	Key, Value      []byte
	Headers         map[string]string // the original headers; kept
	Kind            ErrorKind
	Reason          string
	Err             error
	At              time.Time
	Origin          string // "consumer" or "ingress"
	// Evidence, when set, makes this dead letter bounded evidence of a
	// message refused before it was stored (a callback whose signature
	// does not verify) instead of the message: DeadLetter writes no key,
	// no original header, at most EvidencePrefixBytes of Value and at most
	// EvidenceErrorBytes of the error text, so that whoever sends refused
	// messages cannot fill the broker. ReplayDLQ never replays it.
	Evidence *Evidence
}

// Evidence describes a message of which only a prefix was kept.
type Evidence struct {
	Gateway string
	// Size is the length of the whole message in bytes.
	Size int
	// SHA256 is the lowercase hex SHA-256 of the whole message: an
	// operator can ask the sender for the message that matches it.
	SHA256 string
	// Remote is the address the message came from (host:port).
	Remote string
}

// Bounds of an evidence record (DeadLetter.Evidence).
const (
	EvidencePrefixBytes = 256
	EvidenceErrorBytes  = 256
	evidenceFieldBytes  = 128
)

// clip cuts s to at most n bytes, on a UTF-8 boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// DeadLetter publishes d to dlqTopic (TopicDLQ if empty) with the headers
// above and returns after the broker acknowledged it.
func (p *Producer) DeadLetter(ctx context.Context, dlqTopic string, d DeadLetter) error {
	if dlqTopic == "" {
		dlqTopic = TopicDLQ
	}
	h := make(map[string]string, len(d.Headers)+8)
	for k, v := range d.Headers {
		if !strings.HasPrefix(k, dlqHeaderPrefix) {
			h[k] = v
		}
	}
	errText := "unknown error"
	if d.Err != nil {
		errText = d.Err.Error()
	}
	if e := d.Evidence; e != nil {
		clear(h)
		d.Key = nil
		if len(d.Value) > EvidencePrefixBytes {
			d.Value = d.Value[:EvidencePrefixBytes]
		}
		// Account numbers in the refused bytes are masked like in logs.
		d.Value = []byte(payment.MaskAccountsIn(string(d.Value)))
		errText = clip(errText, EvidenceErrorBytes)
		h[HeaderEvidence] = evidenceHeaderTrueText
		h[HeaderEvidenceGateway] = clip(e.Gateway, evidenceFieldBytes)
		h[HeaderEvidenceSize] = strconv.Itoa(e.Size)
		h[HeaderEvidenceSHA256] = clip(e.SHA256, evidenceFieldBytes)
		h[HeaderEvidenceRemote] = clip(e.Remote, evidenceFieldBytes)
	}
	h[HeaderSourceTopic] = d.SourceTopic
	h[HeaderSourcePartition] = strconv.Itoa(d.SourcePartition)
	h[HeaderSourceOffset] = strconv.FormatInt(d.SourceOffset, 10)
	h[HeaderError] = errText
	h[HeaderErrorKind] = string(d.Kind)
	h[HeaderReason] = d.Reason
	h[HeaderTime] = d.At.UTC().Format(time.RFC3339Nano)
	h[HeaderOrigin] = d.Origin
	return p.Publish(ctx, dlqTopic, d.Key, d.Value, h)
}

// DLQRecord is one dead-lettered message as ListDLQ reads it.
type DLQRecord struct {
	// Message is the dead letter itself (topic = the DLQ, its own offset),
	// with all its headers.
	Message         Message
	SourceTopic     string
	SourcePartition int
	SourceOffset    int64
	Kind            ErrorKind
	Reason          string
	Error           string
	At              time.Time
	Origin          string
	// OriginalHeaders are the headers without the x-dlq-* ones.
	OriginalHeaders map[string]string
	// Evidence is set for bounded evidence of a refused message: Message
	// holds only a prefix of it.
	Evidence *Evidence `json:",omitempty"`
}

func recordOf(m Message) DLQRecord {
	r := DLQRecord{Message: m, OriginalHeaders: map[string]string{}}
	h := m.Headers
	r.SourceTopic = h[HeaderSourceTopic]
	r.SourcePartition, _ = strconv.Atoi(h[HeaderSourcePartition])
	r.SourceOffset, _ = strconv.ParseInt(h[HeaderSourceOffset], 10, 64)
	r.Kind = ErrorKind(h[HeaderErrorKind])
	r.Reason = h[HeaderReason]
	r.Error = h[HeaderError]
	r.At, _ = time.Parse(time.RFC3339Nano, h[HeaderTime])
	r.Origin = h[HeaderOrigin]
	if h[HeaderEvidence] == evidenceHeaderTrueText {
		size, _ := strconv.Atoi(h[HeaderEvidenceSize])
		r.Evidence = &Evidence{Gateway: h[HeaderEvidenceGateway], Size: size,
			SHA256: h[HeaderEvidenceSHA256], Remote: h[HeaderEvidenceRemote]}
	}
	for k, v := range h {
		if !strings.HasPrefix(k, dlqHeaderPrefix) {
			r.OriginalHeaders[k] = v
		}
	}
	return r
}

// DLQOption changes the DLQ operator functions.
type DLQOption func(*dlqOptions)

type dlqOptions struct{ topic string }

// WithDLQTopic reads a dead-letter topic other than TopicDLQ.
func WithDLQTopic(topic string) DLQOption { return func(o *dlqOptions) { o.topic = topic } }

func dlqOpts(opts []DLQOption) dlqOptions {
	o := dlqOptions{topic: TopicDLQ}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ListDLQ reads up to limit dead letters (all if limit <= 0) present when it
// is called, partition by partition, oldest first. It commits nothing and
// joins no consumer group, so it changes nothing.
func ListDLQ(ctx context.Context, broker string, limit int, opts ...DLQOption) ([]DLQRecord, error) {
	o := dlqOpts(opts)
	var out []DLQRecord
	err := scanTopic(ctx, broker, o.topic, func(m Message) bool {
		out = append(out, recordOf(m))
		return limit <= 0 || len(out) < limit
	})
	return out, err
}

// ReplayFilter selects the dead letters ReplayDLQ re-publishes. Zero fields
// match everything.
type ReplayFilter struct {
	SourceTopic string
	Reason      string
	Kind        ErrorKind
	// Partition and Offsets select dead letters by their own position in
	// the DLQ (as ListDLQ reports them); Offsets empty matches all.
	Partition int
	Offsets   []int64
	// Match, if set, must also accept the record.
	Match func(DLQRecord) bool
}

func (f ReplayFilter) accepts(r DLQRecord) bool {
	if f.SourceTopic != "" && r.SourceTopic != f.SourceTopic {
		return false
	}
	if f.Reason != "" && r.Reason != f.Reason {
		return false
	}
	if f.Kind != "" && r.Kind != f.Kind {
		return false
	}
	if len(f.Offsets) > 0 {
		if r.Message.Partition != f.Partition {
			return false
		}
		found := false
		for _, off := range f.Offsets {
			found = found || off == r.Message.Offset
		}
		if !found {
			return false
		}
	}
	return f.Match == nil || f.Match(r)
}

// ErrNoSourceTopic: a dead letter without a source topic header cannot be
// replayed.
var ErrNoSourceTopic = errors.New("dead letter has no source topic")

// ReplayDLQ re-publishes the dead letters that filter selects to their
// source topic, with their original key, value and headers plus
// HeaderReplayOf, after a fix. It returns how many it replayed. Evidence
// records (DLQRecord.Evidence) are skipped: they hold no message. The DLQ is
// left as it is; replaying twice publishes twice, which consumers absorb
// because redeliveries are idempotent (the key is the original one).
func ReplayDLQ(ctx context.Context, broker string, filter ReplayFilter, opts ...DLQOption) (int, error) {
	o := dlqOpts(opts)
	recs, err := ListDLQ(ctx, broker, 0, opts...)
	if err != nil {
		return 0, err
	}
	p, err := NewProducer(ProducerConfig{Brokers: []string{broker}})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	n := 0
	for _, r := range recs {
		if r.Evidence != nil || !filter.accepts(r) {
			continue
		}
		if r.SourceTopic == "" {
			return n, fmt.Errorf("replay %s/%d/%d: %w", o.topic, r.Message.Partition, r.Message.Offset, ErrNoSourceTopic)
		}
		h := maps.Clone(r.OriginalHeaders)
		h[HeaderReplayOf] = fmt.Sprintf("%s/%d/%d", o.topic, r.Message.Partition, r.Message.Offset)
		if err := p.Publish(ctx, r.SourceTopic, r.Message.Key, r.Message.Value, h); err != nil {
			return n, fmt.Errorf("replay: %w", err)
		}
		n++
	}
	return n, nil
}

// scanTopic calls fn for every message present in topic when it is called,
// partition by partition in offset order, until fn returns false.
func scanTopic(ctx context.Context, broker, topic string, fn func(Message) bool) error {
	c := &kafka.Client{Addr: kafka.TCP(broker), Timeout: 30 * time.Second}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return fmt.Errorf("scan %s: metadata: %w", topic, err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		if len(md.Topics) == 1 {
			return fmt.Errorf("scan %s: %w", topic, md.Topics[0].Error)
		}
		return fmt.Errorf("scan %s: topic not in metadata", topic)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range md.Topics[0].Partitions {
		reqs = append(reqs, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	offs, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return fmt.Errorf("scan %s: list offsets: %w", topic, err)
	}
	parts := offs.Topics[topic]
	slicesSortPartitions(parts)
	for _, po := range parts {
		if po.Error != nil {
			return fmt.Errorf("scan %s/%d: %w", topic, po.Partition, po.Error)
		}
		if po.FirstOffset >= po.LastOffset {
			continue
		}
		more, err := scanPartition(ctx, broker, topic, po.Partition, po.FirstOffset, po.LastOffset, fn)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
}

func scanPartition(ctx context.Context, broker, topic string, partition int, first, last int64, fn func(Message) bool) (bool, error) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   []string{broker},
		Topic:     topic,
		Partition: partition,
		MinBytes:  1,
		MaxBytes:  10 << 20,
		MaxWait:   500 * time.Millisecond,
	})
	defer r.Close()
	if err := r.SetOffset(first); err != nil {
		return false, fmt.Errorf("scan %s/%d: %w", topic, partition, err)
	}
	for {
		km, err := r.FetchMessage(ctx)
		if err != nil {
			return false, fmt.Errorf("scan %s/%d: %w", topic, partition, err)
		}
		if !fn(messageOf(km)) {
			return false, nil
		}
		if km.Offset >= last-1 {
			return true, nil
		}
	}
}
