package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/feerecon/feerecon/store"
)

// ---- maker–checker requests

func (t *tx) CreateRequest(ctx context.Context, r store.ActionRequest) error {
	if _, ok := t.s.requests[r.ID]; ok {
		return fmt.Errorf("request %s: %w", r.ID, store.ErrAlreadyExists)
	}
	switch {
	case r.ID == "" || r.ExceptionID == "" || r.Action == "":
		return fmt.Errorf("request without id, exception or action: %w", store.ErrConflict)
	case strings.TrimSpace(r.Reason) == "" || strings.TrimSpace(r.Maker) == "":
		return fmt.Errorf("request %s without a reason or a maker: %w", r.ID, store.ErrConflict)
	case r.State != store.RequestPending || r.Checker != "" || r.DecidedAt != nil:
		return fmt.Errorf("request %s: a new request is pending and undecided: %w", r.ID, store.ErrConflict)
	case r.Amount.Amount.IsNegative():
		return fmt.Errorf("request %s: negative amount: %w", r.ID, store.ErrConflict)
	}
	if _, ok := t.s.users[r.Maker]; !ok {
		return fmt.Errorf("request %s: maker %s: %w", r.ID, r.Maker, store.ErrNotFound)
	}
	for _, o := range t.s.requests {
		if o.ExceptionID == r.ExceptionID && o.State == store.RequestPending {
			return fmt.Errorf("exception %s has pending request %s: %w", r.ExceptionID, o.ID, store.ErrConflict)
		}
	}
	setMap(t, t.s.requests, r.ID, cloneRequest(r))
	return nil
}

func cloneRequest(r store.ActionRequest) store.ActionRequest {
	r.Body = append([]byte(nil), r.Body...)
	if r.DecidedAt != nil {
		at := *r.DecidedAt
		r.DecidedAt = &at
	}
	return r
}

func (t *tx) Request(ctx context.Context, id string) (store.ActionRequest, error) {
	r, ok := t.s.requests[id]
	if !ok {
		return store.ActionRequest{}, fmt.Errorf("request %s: %w", id, store.ErrNotFound)
	}
	return cloneRequest(r), nil
}

func (t *tx) ListRequests(ctx context.Context, f store.RequestFilter) ([]store.ActionRequest, error) {
	var out []store.ActionRequest
	for _, r := range t.s.requests {
		if (f.State == "" || r.State == f.State) && (f.ExceptionID == "" || r.ExceptionID == f.ExceptionID) {
			out = append(out, cloneRequest(r))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *tx) DecideRequest(ctx context.Context, id string, state store.RequestState, checker, reason string, at time.Time) error {
	r, ok := t.s.requests[id]
	if !ok {
		return fmt.Errorf("request %s: %w", id, store.ErrNotFound)
	}
	switch {
	case r.State != store.RequestPending:
		return fmt.Errorf("request %s is %s: %w", id, r.State, store.ErrConflict)
	case state != store.RequestApproved && state != store.RequestRejected:
		return fmt.Errorf("request %s: %q is not a decision: %w", id, state, store.ErrConflict)
	case strings.TrimSpace(checker) == "":
		return fmt.Errorf("request %s: no checker: %w", id, store.ErrConflict)
	case checker == r.Maker:
		return fmt.Errorf("request %s: its maker %s cannot decide it: %w", id, checker, store.ErrConflict)
	case state == store.RequestRejected && strings.TrimSpace(reason) == "":
		return fmt.Errorf("request %s: a rejection needs a reason: %w", id, store.ErrConflict)
	}
	if _, ok := t.s.users[checker]; !ok {
		return fmt.Errorf("request %s: checker %s: %w", id, checker, store.ErrNotFound)
	}
	r = cloneRequest(r)
	r.State, r.Checker, r.Decision, r.DecidedAt = state, checker, reason, &at
	setMap(t, t.s.requests, id, r)
	return nil
}
