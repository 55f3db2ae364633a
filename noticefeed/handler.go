package noticefeed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/kafkabus"
)

// Dead-letter reasons (kafkabus.Permanent labels) of this package.
const (
	// ReasonMalformed: the event could not be decoded (ErrMalformed).
	ReasonMalformed = "malformed_event"
	// ReasonRejected: the API answered 4xx (*RejectedError).
	ReasonRejected = "notice_rejected"
	// ReasonUnknownSystem: the event's system holds no active system key
	// (api.ErrUnknownSystem): nobody configured it, so it issues nothing.
	ReasonUnknownSystem = "unknown_system"
)

// Via names this channel in the audit log: an event's changes are
// recorded as "<system>/notices.events".
const Via = "notices.events"

// API is what the handler needs of the API (an *api.Server): a handler
// acting as one system, or api.ErrUnknownSystem.
type API interface {
	AsSystem(ctx context.Context, system, via string) (http.Handler, error)
}

// RejectedError is the API's 4xx (or 3xx) answer to an event: no retry can
// change it.
type RejectedError struct {
	Action   Action
	System   string
	NoticeID string
	Status   int
	// Body is the API's error JSON, {"error": ..., "details": [...]}.
	Body []byte
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s notice %s/%s rejected by the API: %d %s", e.Action, e.System, e.NoticeID, e.Status, compact(e.Body))
}

// compact is b on one line when it is JSON, else b trimmed.
func compact(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return bytes.TrimSpace(b)
	}
	return buf.Bytes()
}

// APIError is a 5xx answer: the event may apply later, so the consumer
// retries it.
type APIError struct {
	Action   Action
	System   string
	NoticeID string
	Status   int
	Body     []byte
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s notice %s/%s: API answered %d %s", e.Action, e.System, e.NoticeID, e.Status, compact(e.Body))
}

// Handler returns the kafkabus handler that replays each event against a
// (in production the *api.Server that also serves HTTP), acting as the
// event's system, and maps its answer: 2xx nil, 4xx
// kafkabus.Permanent(ReasonRejected, ...), 5xx a transient error, an
// undecodable event kafkabus.Permanent(ReasonMalformed, ...), a system
// without an active key kafkabus.Permanent(ReasonUnknownSystem, ...).
// logger may be nil.
func Handler(a API, logger *slog.Logger) kafkabus.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, m kafkabus.Message) error {
		e, err := Decode(m.Value)
		if err != nil {
			return kafkabus.Permanent(ReasonMalformed, fmt.Errorf("notice event %s: %w", m.Ref(), err))
		}
		log := logger.With(slog.String("ref", m.Ref()), slog.String("action", string(e.Action)),
			slog.String("system", e.System), slog.String("notice_id", e.NoticeID))
		if !bytes.Equal(m.Key, e.Key()) {
			// Still applied, but the producer's ordering may be off.
			log.WarnContext(ctx, "notice event key is not <system>/<notice_id>", slog.String("key", string(m.Key)))
		}
		res, err := Apply(ctx, a, e)
		if err != nil {
			return err
		}
		var v struct {
			PaymentCode string `json:"payment_code"`
			Status      string `json:"status"`
			Version     int    `json:"version"`
		}
		_ = json.Unmarshal(res.Body, &v) // for the log line only
		log.InfoContext(ctx, "notice event applied", slog.Int("http_status", res.Status),
			slog.String("payment_code", v.PaymentCode), slog.String("status", v.Status), slog.Int("version", v.Version))
		return nil
	}
}

// Result is the API's 2xx answer to an event.
type Result struct {
	Status int
	// Body is the notice view (api.NoticeView as JSON).
	Body []byte
}

// Apply replays one decoded event against a, as the event's system, and
// returns the API's 2xx answer, or an error:
// kafkabus.Permanent(ReasonUnknownSystem, …) when the system holds no
// active key, kafkabus.Permanent(ReasonRejected, *RejectedError) for a 4xx
// or 3xx, *APIError for a 5xx, the store's error (transient) when the
// system cannot be looked up.
func Apply(ctx context.Context, a API, e Event) (Result, error) {
	req, err := request(ctx, e)
	if err != nil {
		return Result{}, kafkabus.Permanent(ReasonMalformed, err)
	}
	h, err := a.AsSystem(ctx, e.System, Via)
	switch {
	case errors.Is(err, api.ErrUnknownSystem):
		return Result{}, kafkabus.Permanent(ReasonUnknownSystem, fmt.Errorf("%s notice %s/%s: %w", e.Action, e.System, e.NoticeID, err))
	case err != nil:
		return Result{}, fmt.Errorf("%s notice %s/%s: look up the system: %w", e.Action, e.System, e.NoticeID, err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	switch {
	case rec.Code >= 200 && rec.Code < 300:
		return Result{Status: rec.Code, Body: rec.Body.Bytes()}, nil
	case rec.Code >= 500:
		return Result{}, &APIError{Action: e.Action, System: e.System, NoticeID: e.NoticeID, Status: rec.Code, Body: rec.Body.Bytes()}
	default:
		// 4xx, and 3xx: the router redirects a path it would clean (a
		// notice id "." or ".."), which no retry changes either.
		return Result{}, kafkabus.Permanent(ReasonRejected, &RejectedError{Action: e.Action, System: e.System,
			NoticeID: e.NoticeID, Status: rec.Code, Body: rec.Body.Bytes()})
	}
}

// request builds the HTTP request an event stands for.
func request(ctx context.Context, e Event) (*http.Request, error) {
	var method, path string
	var body []byte
	noticePath := "/v1/notices/" + url.PathEscape(e.NoticeID)
	switch e.Action {
	case ActionCreate:
		method, path, body = http.MethodPost, "/v1/notices", e.Notice
	case ActionAmend:
		method, path, body = http.MethodPut, noticePath, e.Notice
	case ActionCancel:
		method, path = http.MethodPost, noticePath+"/cancel"
		if e.Reason != "" {
			b, err := json.Marshal(struct {
				Reason string `json:"reason"`
			}{e.Reason})
			if err != nil {
				return nil, fmt.Errorf("%w: reason: %w", ErrMalformed, err)
			}
			body = b
		}
	default:
		return nil, fmt.Errorf("%w: unknown action %q", ErrMalformed, e.Action)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: request: %w", ErrMalformed, err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	// The identity is AsSystem's; the header, which agrees, shows in the
	// request as it would in the HTTP call.
	req.Header.Set(api.SystemHeader, e.System)
	return req, nil
}
