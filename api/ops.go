package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

func oneOf[T ~string](param, v string, allowed []T) (T, error) {
	if v == "" {
		return "", nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if string(a) == v {
			return a, nil
		}
		names[i] = string(a)
	}
	return "", apiErr(http.StatusBadRequest, fmt.Sprintf("unknown %s %q", param, v), "allowed: "+strings.Join(names, ", "))
}

// ExceptionList is the answer of GET /v1/exceptions.
type ExceptionList struct {
	Exceptions []reconcile.Exception `json:"exceptions"`
	// Next, when set, is the after= value of the next page.
	Next string `json:"next,omitempty"`
}

// Paging of GET /v1/exceptions and GET /v1/outbox: ?limit= (default
// DefaultPage, at most MaxPage) and ?after=<id of the last item seen>.
const (
	DefaultPage = 500
	MaxPage     = 5000
)

// pageLimit parses ?limit=.
func pageLimit(v string) (int, error) {
	if v == "" {
		return DefaultPage, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPage {
		return 0, apiErr(http.StatusBadRequest, "bad query", fmt.Sprintf("limit %q: want 1 to %d", v, MaxPage))
	}
	return n, nil
}

// pageAfter checks ?after=, an id: at most maxIDLen bytes of valid UTF-8
// without control characters (PostgreSQL cannot even compare a NUL).
func pageAfter(v string) (string, error) {
	if len(v) > maxIDLen || !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
		return "", apiErr(http.StatusBadRequest, "bad query", fmt.Sprintf("after: want an id of at most %d bytes of UTF-8 without control characters", maxIDLen))
	}
	return v, nil
}

// listExceptions: GET /v1/exceptions?status=&kind=.
func (s *Server) listExceptions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	status, err := oneOf("status", q.Get("status"), reconcile.ExceptionStatuses())
	if err != nil {
		return err
	}
	kind, err := oneOf("kind", q.Get("kind"), reconcile.ExceptionKinds())
	if err != nil {
		return err
	}
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	after, err := pageAfter(q.Get("after"))
	if err != nil {
		return err
	}
	c, err := caller(r)
	if err != nil {
		return err
	}
	f := store.ExceptionFilter{Status: status, Kind: kind, After: after, Limit: limit}
	if c.User != nil && len(c.User.Agencies) > 0 {
		// A person sees the exceptions of their agencies' notices, and
		// the money that names no notice (no agency's yet, any agency's
		// to claim), as the console does (package casework's scope).
		f.Scoped, f.Agencies, f.Unassigned = true, c.User.Agencies, true
	}
	out := ExceptionList{Exceptions: []reconcile.Exception{}}
	if err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		l, err := tx.ListExceptions(r.Context(), f)
		if err != nil {
			return err
		}
		out.Exceptions = append(out.Exceptions, l...)
		if len(l) == limit {
			out.Next = l[len(l)-1].ID
		}
		return nil
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ResolveRequest is the body of POST /v1/exceptions/{id}/resolve.
type ResolveRequest struct {
	Resolution string `json:"resolution"`
	// By is optional: who resolves is the caller's key. When given, it
	// must be the key's operator name (403 otherwise).
	By string `json:"by,omitempty"`
}

// resolveException: POST /v1/exceptions/{id}/resolve.
func (s *Server) resolveException(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := caller(r)
	if err != nil {
		return err
	}
	var q ResolveRequest
	if err := s.decode(w, r, &q, false); err != nil {
		return err
	}
	if q.By != "" && q.By != c.Name {
		return apiErr(http.StatusForbidden, "by differs from the key's operator; the key says who resolves")
	}
	if strings.TrimSpace(q.Resolution) == "" || len(q.Resolution) > 2000 {
		return apiErr(http.StatusUnprocessableEntity, "invalid resolution", "resolution must be 1-2000 bytes")
	}
	by := c.Identity()
	ctx := r.Context()
	var e reconcile.Exception
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		old, err := tx.Exception(ctx, id)
		if err != nil {
			return notFound(err, "exception")
		}
		if old.Status != reconcile.ExceptionOpen {
			return apiErr(http.StatusConflict, fmt.Sprintf("exception is %s", old.Status))
		}
		if err := tx.ResolveException(ctx, id, q.Resolution, by, s.now()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, r, store.AuditExceptionResolve, store.ExceptionEntity(id), map[string]any{
			"kind": old.Kind, "resolution": q.Resolution, "by": by,
		}); err != nil {
			return err
		}
		e, err = tx.Exception(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// OutboxView is one outbox message as operators see it: the payload
// inline when it is JSON, base64 otherwise.
type OutboxView struct {
	ID            string            `json:"id"`
	Kind          store.OutboxKind  `json:"kind"`
	Destination   string            `json:"destination"`
	State         store.OutboxState `json:"state"`
	Attempts      int               `json:"attempts"`
	NextAttempt   time.Time         `json:"next_attempt_at"`
	LastError     string            `json:"last_error,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	DeliveredAt   *time.Time        `json:"delivered_at,omitempty"`
	Payload       json.RawMessage   `json:"payload,omitempty"`
	PayloadBase64 []byte            `json:"payload_base64,omitempty"`
}

// OutboxList is the answer of GET /v1/outbox.
type OutboxList struct {
	Messages []OutboxView `json:"messages"`
	// Next, when set, is the after= value of the next page.
	Next string `json:"next,omitempty"`
}

// listOutbox: GET /v1/outbox?kind=&state=&limit=&after=, ordered by id.
// Operators only (the rules table): payloads carry payers' names and
// amounts.
func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	kind, err := oneOf("kind", q.Get("kind"), store.OutboxKinds())
	if err != nil {
		return err
	}
	state, err := oneOf("state", q.Get("state"), []store.OutboxState{store.OutboxPending, store.OutboxDelivered, store.OutboxDead})
	if err != nil {
		return err
	}
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	after, err := pageAfter(q.Get("after"))
	if err != nil {
		return err
	}
	out := OutboxList{Messages: []OutboxView{}}
	if err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		l, err := tx.ListOutbox(r.Context(), store.OutboxFilter{Kind: kind, State: state, After: after, Limit: limit})
		if err != nil {
			return err
		}
		if len(l) == limit {
			out.Next = l[len(l)-1].ID
		}
		for _, m := range l {
			v := OutboxView{
				ID: m.ID, Kind: m.Kind, Destination: m.Destination, State: m.State, Attempts: m.Attempts,
				NextAttempt: m.NextAttempt, LastError: m.LastError, CreatedAt: m.CreatedAt, DeliveredAt: m.DeliveredAt,
			}
			if json.Valid(m.Payload) {
				v.Payload = json.RawMessage(m.Payload)
			} else {
				v.PayloadBase64 = m.Payload
			}
			out.Messages = append(out.Messages, v)
		}
		return nil
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
