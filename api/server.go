package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/vietqr"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// SystemHeader is the header that named the calling system before API
// keys did. It is no longer trusted: the key says who calls. Sent, it must
// name the key's holder (403 otherwise); it may be left out.
const SystemHeader = "X-Feerecon-System"

// Server is the HTTP API. It is an http.Handler.
type Server struct {
	cfg Config
	st  store.Store
	log *slog.Logger
	now func() time.Time
	qr  vietqr.Builder
	mux *http.ServeMux
	// patterns are those registered on mux, for the rules table's test.
	patterns []string
	// throttle slows logins down; csrf refuses cross-origin state changes.
	throttle *user.Throttle
	csrf     *http.CrossOriginProtection
	// onNotice: see OnNotice (notices.go).
	onNotice NoticeHook
}

// New validates cfg (after WithDefaults) and returns the API over st.
// logger and now are required: the caller decides where logs go and what
// time it is (tests pass a fixed clock).
func New(cfg Config, st store.Store, logger *slog.Logger, now func() time.Time) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil || logger == nil || now == nil {
		return nil, config.Errorf("api: store, logger and clock are required")
	}
	s := &Server{cfg: cfg, st: st, log: logger, now: now, qr: vietqr.Builder{MaxPurposeLen: cfg.MaxPurposeLen},
		throttle: user.NewThrottle(cfg.ThrottleEvery, cfg.ThrottleBurst), csrf: http.NewCrossOriginProtection()}
	s.mux = http.NewServeMux()
	s.route("POST /v1/notices", s.createNotice)
	s.route("GET /v1/notices/{id}", s.getNotice)
	s.route("PUT /v1/notices/{id}", s.amendNotice)
	s.route("POST /v1/notices/{id}/cancel", s.cancelNotice)
	s.route("GET /v1/notices/{id}/qr", s.noticeQR)
	s.route("GET /v1/notices/{id}/qr.png", s.noticeQRPNG)
	s.route("GET /v1/exceptions", s.listExceptions)
	s.route("POST /v1/exceptions/{id}/resolve", s.resolveException)
	s.route("GET /v1/outbox", s.listOutbox)
	s.route("POST /v1/session", s.createSession)
	s.route("GET /v1/session", s.getSession)
	s.route("DELETE /v1/session", s.deleteSession)
	s.route("GET /v1/agencies/{agency}/notices", s.agencyNotices)
	s.route("GET /v1/reports/{date}/{agency}", s.agencyReport)
	s.route("GET "+OpenAPIPath, s.serveOpenAPI)
	s.route("/", func(http.ResponseWriter, *http.Request) error {
		return &Error{Status: http.StatusNotFound, Message: "no such endpoint"}
	})
	return s, nil
}

// Error is an API error: its status and the JSON body {error, details}.
// Handlers return it to answer with a client error; anything else is a 500
// whose cause is logged, not shown.
type Error struct {
	Status  int      `json:"-"`
	Message string   `json:"error"`
	Details []string `json:"details"`
}

func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return fmt.Sprintf("%d %s", e.Status, e.Message)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Message, strings.Join(e.Details, "; "))
}

func apiErr(status int, msg string, details ...string) *Error {
	return &Error{Status: status, Message: msg, Details: details}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// route registers h under pattern with error mapping, panic recovery and an
// access log line.
func (s *Server) route(pattern string, h func(http.ResponseWriter, *http.Request) error) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.log.ErrorContext(r.Context(), "api panic", slog.String("pattern", pattern), slog.Any("panic", p))
				if sw.status == 0 {
					writeJSON(sw, http.StatusInternalServerError, apiErr(http.StatusInternalServerError, "internal error"))
				}
			}
			var who string
			if c, ok := CallerFrom(r.Context()); ok {
				who = c.Identity()
			}
			s.log.InfoContext(r.Context(), "api request",
				slog.String("method", r.Method), slog.String("pattern", pattern),
				slog.String("caller", who),
				slog.Int("status", sw.status), slog.Duration("took", s.now().Sub(start)))
		}()
		if err := checkQueryUTF8(r); err != nil {
			s.writeError(sw, r, err)
			return
		}
		if err := h(sw, r); err != nil {
			s.writeError(sw, r, err)
		}
	})
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &mbe):
		ae = apiErr(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body above %d bytes", mbe.Limit))
	case errors.Is(err, store.ErrNotFound):
		ae = apiErr(http.StatusNotFound, "not found")
	case errors.Is(err, store.ErrConflict):
		ae = apiErr(http.StatusConflict, "conflicting concurrent change; read and retry")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ae = apiErr(http.StatusServiceUnavailable, "request cancelled or timed out")
	default:
		s.log.ErrorContext(r.Context(), "api internal error", slog.String("path", r.URL.Path), slog.Any("err", err))
		ae = apiErr(http.StatusInternalServerError, "internal error")
	}
	// A copy: ae may be a shared value (errLogin), written by many
	// requests at once.
	out := *ae
	if out.Details == nil {
		out.Details = []string{}
	}
	writeJSON(w, out.Status, &out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the status is sent; a broken connection is the client's
}

// decode reads exactly one JSON object into v: bounded, unknown fields
// rejected. With optional set, an empty body leaves v untouched.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return apiErr(http.StatusUnsupportedMediaType, "send application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	if field, bad := InvalidUTF8(body); bad {
		return invalidUTF8(field)
	}
	if field, bad := exactKeys(body, v); bad {
		return apiErr(http.StatusBadRequest, "malformed JSON", fmt.Sprintf("json: unknown field %q (names are exact, case included)", field))
	}
	if field, bad := looseTime(body, v); bad {
		return apiErr(http.StatusBadRequest, "malformed JSON", fmt.Sprintf("%s: not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss[.fraction] and Z or ±hh:mm)", field))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if optional && errors.Is(err, io.EOF) {
			return nil
		}
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return apiErr(http.StatusBadRequest, "request body must be a single JSON object")
	}
	if field, ok := nulText(v); ok {
		return nulError(field)
	}
	return nil
}

// invalidUTF8 is the 400 for text that is not valid UTF-8, naming where.
func invalidUTF8(field string) error {
	return apiErr(http.StatusBadRequest, "invalid UTF-8", field+": not valid UTF-8 (text is never replaced)")
}

// decodeError sorts a JSON decoding failure: bad amounts are unprocessable
// content (422), broken JSON and wrong types are bad requests (400).
func decodeError(err error) error {
	var mbe *http.MaxBytesError
	var amt *payment.AmountError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return apiErr(http.StatusBadRequest, "empty request body")
	case errors.As(err, &amt):
		return apiErr(http.StatusUnprocessableEntity, "invalid amount", err.Error())
	}
	return apiErr(http.StatusBadRequest, "malformed JSON", err.Error())
}

// system returns the calling system: the name on the caller's key.
func system(r *http.Request) (string, error) {
	c, err := caller(r)
	if err != nil {
		return "", err
	}
	if c.Role != store.RoleSystem {
		return "", apiErr(http.StatusForbidden, "only a system key acts on notices")
	}
	return c.Name, nil
}

// actor is the audit actor: the caller's identity.
func actor(r *http.Request) store.AuditActor {
	if c, ok := CallerFrom(r.Context()); ok {
		return store.AuditActor(c.Identity())
	}
	return store.ActorAPI
}

// checkQueryUTF8 refuses a query whose parameter names or values are not
// valid UTF-8, naming the parameter.
func checkQueryUTF8(r *http.Request) error {
	for k, vs := range r.URL.Query() {
		if !utf8.ValidString(k) {
			return invalidUTF8("a query parameter name")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return invalidUTF8("query parameter " + k)
			}
		}
	}
	return nil
}

// maxIDLen bounds notice and exception ids.
const maxIDLen = 200

func isControl(c rune) bool { return c < 0x20 || c == 0x7F }

// pathID returns a path value checked for length and control characters.
func pathID(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if !utf8.ValidString(v) {
		return "", invalidUTF8(name + " in path")
	}
	if v == "" || len(v) > maxIDLen || strings.ContainsFunc(v, isControl) {
		return "", apiErr(http.StatusBadRequest, "bad "+name+" in path")
	}
	return v, nil
}

func (s *Server) audit(ctx context.Context, tx store.Tx, r *http.Request, action store.AuditAction, entity string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return tx.AppendAudit(ctx, store.AuditEntry{At: s.now(), Actor: actor(r), Action: action, Entity: entity, Detail: b})
}
