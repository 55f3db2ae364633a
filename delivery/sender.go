package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feerecon/feerecon/store"
)

// OutboxTx is what the sender needs inside a transaction; store.Tx has it.
type OutboxTx interface {
	Due(ctx context.Context, kind store.OutboxKind, now time.Time, limit int) ([]store.OutboxMessage, error)
	MarkDelivered(ctx context.Context, id string, at time.Time) error
	MarkFailed(ctx context.Context, id string, errText string, next time.Time, dead bool) error
}

// Store runs fn in a transaction: committed if fn returns nil, rolled back
// otherwise. FromStore adapts a store.Store.
type Store interface {
	InTx(ctx context.Context, fn func(tx OutboxTx) error) error
}

// FromStore adapts a store.Store to Store.
func FromStore(s store.Store) Store { return storeAdapter{s} }

type storeAdapter struct{ s store.Store }

func (a storeAdapter) InTx(ctx context.Context, fn func(OutboxTx) error) error {
	return a.s.InTx(ctx, func(tx store.Tx) error { return fn(tx) })
}

// Endpoint is where a destination's messages go.
type Endpoint struct {
	URL    string
	Secret Secret
}

// ErrConfig is wrapped by configuration errors.
var ErrConfig = errors.New("delivery: invalid configuration")

// Config configures a Sender. Zero values take the defaults.
type Config struct {
	// Endpoints by store.OutboxMessage.Destination. A message whose
	// destination is missing fails its attempt (and is retried, so that a
	// configuration fix picks it up).
	Endpoints map[string]Endpoint
	// Kinds to send; default confirmation and report.
	Kinds []store.OutboxKind
	// MaxAttempts before a message is dead; default 10.
	MaxAttempts int
	// BaseBackoff and MaxBackoff: after the n-th failed attempt the next
	// one waits a uniformly random duration in [0, min(MaxBackoff,
	// BaseBackoff·2^(n-1))] (full jitter); default 10s and 1h.
	BaseBackoff, MaxBackoff time.Duration
	// Timeout of one HTTP attempt; default 10s.
	Timeout time.Duration
	// Batch bounds the messages per kind per Tick; default 100.
	Batch int
	// Interval between Ticks in Run; default 1s.
	Interval time.Duration
	// Clock and Rand (returning a value in [0, n)) are injected for tests;
	// default time.Now and math/rand/v2.Int64N.
	Clock func() time.Time
	Rand  func(n int64) int64
	// HTTPClient, if set, is the client resty wraps (its Timeout and
	// redirect policy are overridden).
	HTTPClient *http.Client
	// Registerer, if set, receives the metrics:
	//	feerecon_outbox_attempts_total{kind,outcome}  outcome: delivered, failed, dead
	//	feerecon_outbox_attempt_duration_seconds{kind}
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// Validate reports all problems at once.
func (c Config) Validate() error {
	var errs []error
	for name, e := range c.Endpoints {
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%w: endpoint %q: URL is not http(s)", ErrConfig, name))
		}
		if e.Secret == "" {
			errs = append(errs, fmt.Errorf("%w: endpoint %q: empty secret", ErrConfig, name))
		}
	}
	for _, k := range c.Kinds {
		switch k {
		case store.OutboxConfirmation, store.OutboxReport:
		default:
			errs = append(errs, fmt.Errorf("%w: unknown outbox kind %q", ErrConfig, k))
		}
	}
	if c.MaxAttempts < 0 || c.Batch < 0 {
		errs = append(errs, fmt.Errorf("%w: negative MaxAttempts or Batch", ErrConfig))
	}
	if c.BaseBackoff < 0 || c.MaxBackoff < 0 || c.Timeout < 0 || c.Interval < 0 {
		errs = append(errs, fmt.Errorf("%w: negative duration", ErrConfig))
	}
	if c.BaseBackoff > 0 && c.MaxBackoff > 0 && c.BaseBackoff > c.MaxBackoff {
		errs = append(errs, fmt.Errorf("%w: BaseBackoff above MaxBackoff", ErrConfig))
	}
	return errors.Join(errs...)
}

// Sender delivers due outbox messages.
type Sender struct {
	st       Store
	cfg      Config
	http     *resty.Client
	log      *slog.Logger
	attempts *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New builds a Sender over st.
func New(st Store, cfg Config) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("%w: nil store", ErrConfig)
	}
	if len(cfg.Kinds) == 0 {
		cfg.Kinds = []store.OutboxKind{store.OutboxConfirmation, store.OutboxReport}
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = 10 * time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.BaseBackoff > cfg.MaxBackoff {
		cfg.BaseBackoff = cfg.MaxBackoff
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Batch == 0 {
		cfg.Batch = 100
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Int64N
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var rc *resty.Client
	if cfg.HTTPClient != nil {
		rc = resty.NewWithClient(cfg.HTTPClient)
	} else {
		rc = resty.New()
	}
	rc.SetTimeout(cfg.Timeout).
		SetRedirectPolicy(resty.NoRedirectPolicy()).
		SetRetryCount(0).
		SetLogger(restyLogger{log}).
		SetDebug(false)
	s := &Sender{st: st, cfg: cfg, http: rc, log: log,
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feerecon_outbox_attempts_total",
			Help: "Outbox delivery attempts by kind and outcome (delivered, failed, dead).",
		}, []string{"kind", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feerecon_outbox_attempt_duration_seconds",
			Help:    "Duration of one outbox delivery attempt, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 8),
		}, []string{"kind"}),
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{s.attempts, s.latency} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("register outbox metrics: %w", err)
			}
		}
	}
	return s, nil
}

// Result counts what a Tick did.
type Result struct {
	Delivered, Failed, Dead int
}

// Run ticks every Interval until ctx ends; it returns nil then. A failing
// tick is logged and retried at the next one.
func (s *Sender) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "outbox tick failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick sends the messages due now, up to Batch per kind, each in its own
// transaction: take one due message (locked), POST it, record the outcome,
// commit. A crash between the POST and the commit repeats the POST later
// with the same Idempotency-Key. A message is tried at most once per Tick.
func (s *Sender) Tick(ctx context.Context) (Result, error) {
	var res Result
	for _, kind := range s.cfg.Kinds {
		tried := map[string]bool{}
		for range s.cfg.Batch {
			more, err := s.one(ctx, kind, tried, &res)
			if err != nil {
				return res, err
			}
			if !more {
				break
			}
		}
	}
	return res, nil
}

func (s *Sender) one(ctx context.Context, kind store.OutboxKind, tried map[string]bool, res *Result) (more bool, err error) {
	var outcome string
	err = s.st.InTx(ctx, func(tx OutboxTx) error {
		outcome = ""
		due, err := tx.Due(ctx, kind, s.cfg.Clock(), 1)
		if err != nil {
			return fmt.Errorf("outbox due %s: %w", kind, err)
		}
		if len(due) == 0 || tried[due[0].ID] {
			return nil
		}
		m := due[0]
		tried[m.ID] = true
		more = true
		start := time.Now()
		errText := s.send(ctx, m)
		s.latency.WithLabelValues(string(kind)).Observe(time.Since(start).Seconds())
		at := s.cfg.Clock()
		log := s.log.With(slog.String("outbox_id", m.ID), slog.String("kind", string(kind)),
			slog.String("destination", m.Destination), slog.Int("attempt", m.Attempts+1))
		if errText == "" {
			outcome = "delivered"
			log.InfoContext(ctx, "outbox message delivered")
			return tx.MarkDelivered(ctx, m.ID, at)
		}
		if ctx.Err() != nil {
			// Shutting down: the attempt did not fail on its own; leave
			// the message as it was.
			return ctx.Err()
		}
		dead := m.Attempts+1 >= s.cfg.MaxAttempts
		next := at.Add(Backoff(m.Attempts+1, s.cfg.BaseBackoff, s.cfg.MaxBackoff, s.cfg.Rand))
		outcome = "failed"
		if dead {
			outcome = "dead"
			log.ErrorContext(ctx, "outbox message dead after its last attempt", slog.String("error", errText))
		} else {
			log.WarnContext(ctx, "outbox attempt failed", slog.String("error", errText), slog.Time("next_attempt", next))
		}
		return tx.MarkFailed(ctx, m.ID, errText, next, dead)
	})
	if err != nil {
		return false, err
	}
	switch outcome {
	case "delivered":
		res.Delivered++
	case "failed":
		res.Failed++
	case "dead":
		res.Dead++
	}
	if outcome != "" {
		s.attempts.WithLabelValues(string(kind), outcome).Inc()
	}
	return more, nil
}

// send makes one attempt and returns "" on success, else the error text
// to record (never the secret, never the URL, which may carry a token).
func (s *Sender) send(ctx context.Context, m store.OutboxMessage) string {
	ep, ok := s.cfg.Endpoints[m.Destination]
	if !ok {
		return fmt.Sprintf("no endpoint configured for destination %q", m.Destination)
	}
	ts := strconv.FormatInt(s.cfg.Clock().Unix(), 10)
	resp, err := s.http.R().
		SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetHeader(HeaderIdempotencyKey, m.ID).
		SetHeader(HeaderKind, string(m.Kind)).
		SetHeader(HeaderTimestamp, ts).
		SetHeader(HeaderSignature, Sign(ep.Secret, ts, m.Payload)).
		SetBody(m.Payload).
		Post(ep.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "post: " + err.Error()
	}
	if resp.IsSuccess() {
		return ""
	}
	body := resp.Body()
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Sprintf("http %d: %s", resp.StatusCode(), body)
}

// restyLogger routes resty's own messages to slog at debug level.
type restyLogger struct{ log *slog.Logger }

func (l restyLogger) Errorf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (l restyLogger) Warnf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (l restyLogger) Debugf(format string, v ...any) {
	l.log.Debug("resty: " + fmt.Sprintf(format, v...))
}
