package ingress

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
)

// ErrNotStored wraps every failure to store a callback in Kafka. Decoders
// answer it with a reply that makes the gateway retry.
var ErrNotStored = errors.New("callback not stored")

// Publisher stores messages in Kafka; *kafkabus.Producer is one. Both calls
// return only after the broker acknowledged the write.
type Publisher interface {
	Publish(ctx context.Context, topic string, key, value []byte, headers map[string]string) error
	DeadLetter(ctx context.Context, dlqTopic string, d kafkabus.DeadLetter) error
}

// Outcome of one callback, the label of feerecon_ingress_callbacks_total.
type Outcome string

// Outcomes.
const (
	// OutcomeAccepted: verified and published to the raw topic.
	OutcomeAccepted Outcome = "accepted"
	// OutcomeNotPayment: authentic, records no money in; published too.
	OutcomeNotPayment Outcome = "not_payment"
	// OutcomeRejected: authentic but poison (malformed, invalid amount);
	// answered with an error, kept in full in the DLQ.
	OutcomeRejected Outcome = "rejected"
	// OutcomeRefused: the signature does not verify or the message is too
	// large; refused before anything was stored, only bounded evidence kept.
	OutcomeRefused Outcome = "refused"
	// OutcomeRateLimited: over its source address's rate (429).
	OutcomeRateLimited Outcome = "rate_limited"
	// OutcomeNotStored: Kafka did not take it; the gateway will retry.
	OutcomeNotStored Outcome = "not_stored"
	// OutcomeUnknownGateway: no decoder for the path's name (404).
	OutcomeUnknownGateway Outcome = "unknown_gateway"
	// OutcomeOverloaded: MaxInFlight callbacks were already in flight (503
	// with Retry-After, nothing read).
	OutcomeOverloaded Outcome = "overloaded"
)

// Config configures the handler. Zero values take the defaults.
type Config struct {
	// Decoders by gateway: the gateways served. Required.
	Decoders gateways.Set
	// Publisher stores messages. Required.
	Publisher Publisher
	// Topic names a gateway's raw topic; default kafkabus.RawTopic.
	Topic func(payment.Gateway) string
	// DLQTopic receives rejected callbacks; default kafkabus.TopicDLQ.
	DLQTopic string
	// PublishTimeout bounds the wait for the broker; default
	// DefaultPublishTimeout. A broker that has not acknowledged by then
	// counts as down: the callback is answered 503 (see NotStoredRetryAfter)
	// and the gateway calls again. Keep it under the gateway's own timeout
	// (MoMo waits 15s).
	PublishTimeout time.Duration
	// NotStoredRetryAfter is the Retry-After of a callback Kafka did not
	// store (503), rounded up to whole seconds; default
	// DefaultNotStoredRetryAfter.
	NotStoredRetryAfter time.Duration
	// KeepHeader selects the request headers passed to the decoder and
	// stored with the message (canonical names); default: every "X-*"
	// header. Only a header's first value is kept.
	KeepHeader func(name string) bool
	// RateLimit is the sustained rate of callbacks allowed per source
	// address (see SourceKey), in callbacks per second; default
	// DefaultRateLimit; rate.Inf turns limiting off.
	RateLimit rate.Limit
	// RateBurst is how many callbacks a source may send at once; default
	// DefaultRateBurst.
	RateBurst int
	// RateSources bounds how many source addresses are tracked at once
	// (least recently seen forgotten first); default DefaultRateSources.
	RateSources int
	// MaxInFlight bounds the callbacks in flight at once: from the moment
	// one is admitted (past its rate limit, before its body is read) to its
	// answer, which comes after the broker's acknowledgement. One more is
	// answered 503 with Retry-After (DefaultRetryAfter), unread. This bounds
	// the memory held by callbacks to about MaxInFlight ×
	// gateways.MaxMessageBytes (see RELIABILITY.md); default
	// DefaultMaxInFlight.
	MaxInFlight int
	// Registerer, if set, receives feerecon_ingress_callbacks_total.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	Clock      func() time.Time
}

// Validate reports all problems at once.
func (c Config) Validate() error {
	p := config.In("ingress")
	if len(c.Decoders) == 0 {
		p.Addf("no decoders")
	}
	for g, d := range c.Decoders {
		if d == nil || d.Gateway() != g {
			p.Addf("decoder for %q is nil or serves another gateway", g)
		}
	}
	if c.Publisher == nil {
		p.Addf("no publisher")
	}
	if c.PublishTimeout < 0 || c.NotStoredRetryAfter < 0 {
		p.Addf("negative PublishTimeout or NotStoredRetryAfter")
	}
	if c.RateLimit < 0 || c.RateBurst < 0 || c.RateSources < 0 {
		p.Addf("negative RateLimit, RateBurst or RateSources")
	}
	if c.MaxInFlight < 0 {
		p.Addf("negative MaxInFlight")
	}
	return p.Err()
}

// Rate-limit defaults: a source may send 100 callbacks at once and 50 a
// second sustained, and up to 10 000 sources are tracked (about 2 MB). A
// gateway's own servers stay well under this; a gateway that calls back
// faster from one address needs a larger RateLimit.
const (
	DefaultRateLimit   rate.Limit = 50
	DefaultRateBurst   int        = 100
	DefaultRateSources int        = 10_000
)

// DefaultMaxInFlight is the default bound of callbacks in flight: at the
// edge's measured capacity with the real Kafka (RELIABILITY.md), a queue
// this long waits well under a second for its publishes, and its bodies
// hold at most 128 MiB.
const DefaultMaxInFlight = 128

// DefaultRetryAfter is the Retry-After of a callback answered 503 because
// MaxInFlight were in flight: the queue drains in well under a second.
const DefaultRetryAfter = time.Second

// While Kafka is down a callback is answered 503 within
// DefaultPublishTimeout (a healthy broker acknowledges in milliseconds),
// with Retry-After: 5, about the time a broker takes to restart. Gateways
// keep their own retry schedules; the header is a hint to those that read
// it.
const (
	DefaultPublishTimeout      = 800 * time.Millisecond
	DefaultNotStoredRetryAfter = 5 * time.Second
)

// maxHeaders bounds how many request headers are kept.
const maxHeaders = 32

// Handler serves POST and GET /gateways/{name}/callback.
type Handler struct {
	cfg      Config
	mux      *http.ServeMux
	log      *slog.Logger
	outcomes *prometheus.CounterVec
	inFlight prometheus.Gauge
	limits   *limiter
	// slots holds a token per callback in flight; its capacity is
	// MaxInFlight.
	slots chan struct{}
}

// New builds the handler. Mount it at the root or under "/gateways/".
func New(cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Topic == nil {
		cfg.Topic = kafkabus.RawTopic
	}
	if cfg.DLQTopic == "" {
		cfg.DLQTopic = kafkabus.TopicDLQ
	}
	if cfg.PublishTimeout == 0 {
		cfg.PublishTimeout = DefaultPublishTimeout
	}
	if cfg.NotStoredRetryAfter == 0 {
		cfg.NotStoredRetryAfter = DefaultNotStoredRetryAfter
	}
	if cfg.KeepHeader == nil {
		cfg.KeepHeader = func(name string) bool { return strings.HasPrefix(name, "X-") }
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateBurst == 0 {
		cfg.RateBurst = DefaultRateBurst
	}
	if cfg.RateSources == 0 {
		cfg.RateSources = DefaultRateSources
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	limits, err := newLimiter(cfg.RateLimit, cfg.RateBurst, cfg.RateSources)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), log: log, limits: limits, slots: make(chan struct{}, cfg.MaxInFlight)}
	h.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feerecon_ingress_callbacks_total",
		Help: "Gateway callbacks by gateway and outcome (accepted, not_payment, rejected, refused, rate_limited, not_stored, unknown_gateway, overloaded).",
	}, []string{"gateway", "outcome"})
	h.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "feerecon_ingress_in_flight",
		Help: "Gateway callbacks in flight (admitted, not yet answered); at most MaxInFlight.",
	})
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{h.outcomes, h.inFlight} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("register ingress metrics: %w", err)
			}
		}
	}
	h.mux.HandleFunc("POST /gateways/{name}/callback", h.callback)
	h.mux.HandleFunc("GET /gateways/{name}/callback", h.callback)
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	g := payment.Gateway(r.PathValue("name"))
	dec, err := h.cfg.Decoders.Get(g)
	if err != nil {
		h.count("unknown", OutcomeUnknownGateway)
		http.Error(w, "unknown gateway", http.StatusNotFound)
		return
	}
	if wait, ok := h.limits.allow(SourceKey(r.RemoteAddr), h.cfg.Clock()); !ok {
		h.count(string(g), OutcomeRateLimited)
		retryLater(w, http.StatusTooManyRequests, wait, "too many callbacks from this address")
		return
	}
	select {
	case h.slots <- struct{}{}:
	default:
		// Full: answered at once, the body unread, so that an overload
		// costs neither memory nor a wait on the broker.
		h.count(string(g), OutcomeOverloaded)
		retryLater(w, http.StatusServiceUnavailable, DefaultRetryAfter, "too many callbacks in flight, retry later")
		return
	}
	h.inFlight.Inc()
	defer func() {
		h.inFlight.Dec()
		<-h.slots
	}()
	log := h.log.With(slog.String("gateway", string(g)), slog.String("method", r.Method))
	raw, verifyErr := h.read(w, r, g)
	if verifyErr == nil {
		verifyErr = dec.Verify(raw)
	}
	if verifyErr != nil {
		h.refuse(w, r, log, dec, g, raw, verifyErr)
		return
	}
	payments, decodeErr := dec.Decode(raw)
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.PublishTimeout)
	defer cancel()
	topic := h.cfg.Topic(g)

	if decodeErr == nil || errors.Is(decodeErr, gateways.ErrNotPayment) {
		var key []byte
		if len(payments) > 0 {
			key = []byte(payments[0].TxnID)
		}
		if err := h.cfg.Publisher.Publish(ctx, topic, key, raw.Body, raw.Headers); err != nil {
			h.notStored(ctx, w, log, dec, g, err)
			return
		}
		outcome := OutcomeAccepted
		if decodeErr != nil {
			outcome = OutcomeNotPayment
		}
		h.count(string(g), outcome)
		attrs := []any{slog.String("outcome", string(outcome)), slog.Int("payments", len(payments))}
		if len(payments) > 0 {
			p := payments[0]
			attrs = append(attrs, slog.String("txn_id", p.TxnID), slog.String("amount", p.Amount.String()))
			if p.PayerAccount != "" {
				attrs = append(attrs, slog.String("payer_account", payment.MaskAccount(p.PayerAccount)))
			}
			if !p.CreditedAccount.IsZero() {
				attrs = append(attrs, slog.String("credited_account", p.CreditedAccount.Masked()))
			}
		}
		log.InfoContext(ctx, "callback stored", attrs...)
		reply(w, dec, decodeErr)
		return
	}

	// Authentic poison, or an error that breaks the contract: answer with
	// the gateway's error reply, but keep the message in full (at most
	// gateways.MaxMessageBytes, and only from who holds the key).
	_, kind, reason := kafkabus.Classify(decodeErr)
	if kind == "" {
		kind, reason = kafkabus.KindPermanent, "undecodable"
	}
	d := kafkabus.DeadLetter{
		SourceTopic: topic, SourcePartition: -1, SourceOffset: -1,
		Value: raw.Body, Headers: raw.Headers,
		Kind: kind, Reason: reason, Err: decodeErr, At: h.cfg.Clock(), Origin: "ingress",
	}
	if err := h.cfg.Publisher.DeadLetter(ctx, h.cfg.DLQTopic, d); err != nil {
		h.notStored(ctx, w, log, dec, g, err)
		return
	}
	h.count(string(g), OutcomeRejected)
	log.WarnContext(ctx, "callback rejected and dead-lettered",
		slog.String("reason", reason), slog.String("error", decodeErr.Error()))
	reply(w, dec, decodeErr)
}

// refuse answers a callback that does not verify (or is too large) with the
// adapter's reply for err, having stored nothing of it but bounded evidence
// in the DLQ (kafkabus.Evidence), and logged it. The refusal does not wait
// on Kafka's verdict: a failure to keep the evidence is logged only, since
// nothing of value is lost.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, log *slog.Logger, dec gateways.Decoder, g payment.Gateway, raw gateways.Raw, err error) {
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.PublishTimeout)
	defer cancel()
	reason := kafkabus.PoisonReason(err)
	ev := kafkabus.Evidence{Gateway: string(g), Size: len(raw.Body), Remote: r.RemoteAddr}
	if errors.Is(err, gateways.ErrTooLarge) {
		// Not read whole: the declared length (-1 if none), no hash.
		ev.Size = int(r.ContentLength)
		if r.Method == http.MethodGet {
			ev.Size = len(r.URL.RawQuery)
		}
	} else {
		sum := sha256.Sum256(raw.Body)
		ev.SHA256 = hex.EncodeToString(sum[:])
	}
	d := kafkabus.DeadLetter{
		SourceTopic: h.cfg.Topic(g), SourcePartition: -1, SourceOffset: -1,
		Value: raw.Body, Kind: kafkabus.KindPoison, Reason: reason, Err: err,
		At: h.cfg.Clock(), Origin: "ingress", Evidence: &ev,
	}
	attrs := []any{slog.String("reason", reason), slog.Int("size", ev.Size), slog.String("sha256", ev.SHA256),
		slog.String("remote", ev.Remote)}
	if perr := h.cfg.Publisher.DeadLetter(ctx, h.cfg.DLQTopic, d); perr != nil {
		log.ErrorContext(ctx, "refused callback: evidence not stored", append(attrs, slog.String("error", perr.Error()))...)
	}
	h.count(string(g), OutcomeRefused)
	log.WarnContext(ctx, "callback refused: only evidence kept", attrs...)
	reply(w, dec, err)
}

// read returns the raw message. A body over gateways.MaxMessageBytes is an
// ErrTooLarge error with Body holding at most its first
// kafkabus.EvidencePrefixBytes (the headers are kept).
func (h *Handler) read(w http.ResponseWriter, r *http.Request, g payment.Gateway) (gateways.Raw, error) {
	raw := gateways.Raw{Headers: map[string]string{}}
	for name, vs := range r.Header {
		if len(raw.Headers) == maxHeaders {
			break
		}
		if len(vs) > 0 && h.cfg.KeepHeader(name) {
			raw.Headers[name] = vs[0]
		}
	}
	if r.Method == http.MethodGet {
		if len(r.URL.RawQuery) > gateways.MaxMessageBytes {
			raw.Body = []byte(r.URL.RawQuery[:kafkabus.EvidencePrefixBytes])
			return raw, gateways.Errorf(g, gateways.ErrTooLarge, "query of %d bytes", len(r.URL.RawQuery))
		}
		raw.Body = []byte(r.URL.RawQuery)
		return raw, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, gateways.MaxMessageBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			raw.Body = body[:min(len(body), kafkabus.EvidencePrefixBytes)]
			return raw, gateways.Errorf(g, gateways.ErrTooLarge, "body over %d bytes", gateways.MaxMessageBytes)
		}
		return raw, gateways.Errorf(g, gateways.ErrMalformed, "read body: %v", err)
	}
	raw.Body = body
	return raw, nil
}

// notStored answers a callback Kafka did not store: 503 Service
// Unavailable with Retry-After, whatever status the adapter's reply has
// (VNPay's "99" comes with a 200, which a gateway could take for an
// acknowledgement), and the adapter's body, which its protocol reads.
func (h *Handler) notStored(ctx context.Context, w http.ResponseWriter, log *slog.Logger, dec gateways.Decoder, g payment.Gateway, err error) {
	h.count(string(g), OutcomeNotStored)
	log.ErrorContext(ctx, "callback not stored: answering 503 with a retry", slog.String("error", err.Error()))
	_, ct, body := dec.Reply(fmt.Errorf("%w: %w", ErrNotStored, err))
	w.Header().Set("Retry-After", retryAfterSeconds(h.cfg.NotStoredRetryAfter))
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(body) //nolint:gosec // G705: the adapter's own reply, not request data echoed
}

func (h *Handler) count(gateway string, o Outcome) {
	h.outcomes.WithLabelValues(gateway, string(o)).Inc()
}

func reply(w http.ResponseWriter, dec gateways.Decoder, err error) {
	status, ct, body := dec.Reply(err)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body) //nolint:gosec // G705: the body is the adapter's own reply to the gateway, not request data echoed
}
