package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store"
)

// Endpoint is where a destination's messages go.
type Endpoint struct {
	URL    string
	Secret Secret
}

// WebhookConfig configures the signed webhook channel. Zero values take
// the defaults.
type WebhookConfig struct {
	// Endpoints by store.OutboxMessage.Destination. A message whose
	// destination is missing fails its attempt (and is retried, so that a
	// configuration fix picks it up).
	Endpoints map[string]Endpoint
	// Types whose webhook copies are sent; default all (Types()).
	Types []Type
	// Timeout of one HTTP attempt; default 10s.
	Timeout time.Duration
	// HTTPClient, if set, is the client resty wraps (its Timeout and
	// redirect policy are overridden).
	HTTPClient *http.Client
	// Registerer, if set, receives the metrics:
	//	feerecon_outbox_attempts_total{kind,outcome}  outcome: delivered, failed, dead
	//	feerecon_outbox_attempt_duration_seconds{kind}
	Registerer prometheus.Registerer
	// Loop: MaxAttempts default 10, BaseBackoff 10s, MaxBackoff 1h.
	Loop
}

// Validate reports all problems at once.
func (c WebhookConfig) Validate() error {
	p := config.In("outbox")
	for _, name := range slices.Sorted(maps.Keys(c.Endpoints)) {
		e := c.Endpoints[name]
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.Addf("endpoint %q: URL is not http(s)", name)
		}
		if e.Secret == "" {
			p.Addf("endpoint %q: empty secret", name)
		}
	}
	for _, t := range c.Types {
		if _, ok := t.route(); !ok {
			p.Addf("unknown message type %q", t)
		}
	}
	if c.Timeout < 0 {
		p.Addf("negative Timeout")
	}
	c.Loop.problems(p)
	return p.Err()
}

// webhook is the signed webhook channel.
type webhook struct {
	endpoints map[string]Endpoint
	clock     func() time.Time
	http      *resty.Client
	attempts  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
}

// NewWebhook builds the Sender of the webhook copies over st.
func NewWebhook(st Store, cfg WebhookConfig) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, config.Errorf("outbox: nil store")
	}
	if len(cfg.Types) == 0 {
		cfg.Types = Types()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	loop := cfg.Loop.withDefaults(Loop{MaxAttempts: 10, BaseBackoff: 10 * time.Second, MaxBackoff: time.Hour})
	var rc *resty.Client
	if cfg.HTTPClient != nil {
		rc = resty.NewWithClient(cfg.HTTPClient)
	} else {
		rc = resty.New()
	}
	rc.SetTimeout(cfg.Timeout).
		SetRedirectPolicy(resty.NoRedirectPolicy()).
		SetRetryCount(0).
		SetLogger(restyLogger{loop.Logger}).
		SetDebug(false)
	w := &webhook{endpoints: cfg.Endpoints, clock: loop.Clock, http: rc,
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
		for _, c := range []prometheus.Collector{w.attempts, w.latency} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("register outbox metrics: %w", err)
			}
		}
	}
	kinds := make([]store.OutboxKind, len(cfg.Types))
	for i, t := range cfg.Types {
		r, _ := t.route()
		kinds[i] = r.webhook
	}
	return newSender(st, w, kinds, loop), nil
}

func (w *webhook) count(kind store.OutboxKind, o Outcome, n float64) {
	w.attempts.WithLabelValues(string(kind), string(o)).Add(n)
}

// lane is the message's destination and its type's Kafka key (a notice, a
// report scope): one notice's confirmation and reversal reach the
// procedure system in the order they were stored.
func (w *webhook) lane(m store.OutboxMessage) string {
	return m.Destination + "\x00" + messageLane(webhookType(m.Kind), m)
}

func (w *webhook) send(ctx context.Context, m store.OutboxMessage) attempt {
	start := time.Now()
	defer func() { w.latency.WithLabelValues(string(m.Kind)).Observe(time.Since(start).Seconds()) }()
	return attempt{err: w.post(ctx, m)}
}

// post makes one attempt and returns "" on success, else the error text
// to record (never the secret, never the URL, which may carry a token).
func (w *webhook) post(ctx context.Context, m store.OutboxMessage) string {
	ep, ok := w.endpoints[m.Destination]
	if !ok {
		return fmt.Sprintf("no endpoint configured for destination %q", m.Destination)
	}
	ts := strconv.FormatInt(w.clock().Unix(), 10)
	resp, err := w.http.R().
		SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetHeader(HeaderIdempotencyKey, m.ID).
		SetHeader(HeaderKind, string(webhookType(m.Kind))).
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

func (l restyLogger) Errorf(format string, v ...any) { l.debug(format, v) }
func (l restyLogger) Warnf(format string, v ...any)  { l.debug(format, v) }
func (l restyLogger) Debugf(format string, v ...any) { l.debug(format, v) }

func (l restyLogger) debug(format string, v []any) {
	l.log.Debug("resty", slog.String("message", fmt.Sprintf(format, v...)))
}
