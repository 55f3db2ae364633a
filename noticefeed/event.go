package noticefeed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/feerecon/feerecon/api"
)

// Action is what an event asks for.
type Action string

// Actions, each standing for one API call.
const (
	// ActionCreate issues a notice: POST /v1/notices.
	ActionCreate Action = "create"
	// ActionAmend amends a notice: PUT /v1/notices/{id}.
	ActionAmend Action = "amend"
	// ActionCancel withdraws a notice: POST /v1/notices/{id}/cancel.
	ActionCancel Action = "cancel"
)

// MaxEventBytes bounds one event; a larger one is malformed. (The API bounds
// the notice body itself, by default to 64 KiB.)
const MaxEventBytes = 256 << 10

// ErrMalformed is wrapped by every decoding error: the event can never be
// applied, whatever the state of the store.
var ErrMalformed = errors.New("malformed notice event")

// Event is one notice event as carried on notices.events.
type Event struct {
	Action   Action `json:"action"`
	System   string `json:"system"`
	NoticeID string `json:"notice_id"`
	// Notice is the NoticeRequest (api.NoticeRequest) for create and
	// amend, kept as raw JSON so the API validates exactly what was sent.
	Notice json.RawMessage `json:"notice,omitempty"`
	// Reason is the optional cancellation reason (cancel only).
	Reason string `json:"reason,omitempty"`
}

// Key is the Kafka key of a notice's events: "<system>/<notice_id>".
func Key(system, noticeID string) []byte { return []byte(system + "/" + noticeID) }

// Key is the event's Kafka key.
func (e Event) Key() []byte { return Key(e.System, e.NoticeID) }

// Marshal encodes e for publication after checking it as Decode would, so
// that a producer cannot publish what the consumer dead-letters as
// malformed.
func Marshal(e Event) ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	// Without HTML escaping: the notice's bytes stay as they were given
	// (json.Marshal would write its "&", "<", ">" as \u0026…, the same
	// JSON in other bytes; FuzzDecode found it).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("%w: encode: %w", ErrMalformed, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(b) > MaxEventBytes {
		return nil, fmt.Errorf("%w: %d bytes, above %d", ErrMalformed, len(b), MaxEventBytes)
	}
	return b, nil
}

// Decode parses one event: a single JSON object, unknown fields rejected,
// then checked (see the package documentation). Every error wraps
// ErrMalformed.
func Decode(b []byte) (Event, error) {
	var e Event
	if len(b) > MaxEventBytes {
		return e, fmt.Errorf("%w: %d bytes, above %d", ErrMalformed, len(b), MaxEventBytes)
	}
	// encoding/json would replace invalid UTF-8 by U+FFFD silently (and two
	// different bad ids would become one): refuse it, naming the field.
	if field, bad := api.InvalidUTF8(b); bad {
		return Event{}, fmt.Errorf("%w: %s: not valid UTF-8", ErrMalformed, field)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Event{}, fmt.Errorf("%w: trailing data after the event object", ErrMalformed)
	}
	if err := e.check(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// noticeIDs are the fields of the notice body the event must agree with.
type noticeIDs struct {
	NoticeID *string `json:"notice_id"`
}

func (e Event) check() error {
	var probs []string
	switch e.Action {
	case ActionCreate, ActionAmend, ActionCancel:
	case "":
		probs = append(probs, "action is missing")
	default:
		probs = append(probs, fmt.Sprintf("unknown action %q (want create, amend or cancel)", e.Action))
	}
	if e.System == "" {
		probs = append(probs, "system is missing")
	}
	if e.NoticeID == "" {
		probs = append(probs, "notice_id is missing")
	}
	hasNotice := len(e.Notice) > 0 && !bytes.Equal(bytes.TrimSpace(e.Notice), []byte("null"))
	switch e.Action {
	case ActionCreate, ActionAmend:
		if e.Reason != "" {
			probs = append(probs, "reason is for cancel only")
		}
		if !hasNotice {
			probs = append(probs, "notice is missing")
			break
		}
		t := bytes.TrimSpace(e.Notice)
		if len(t) == 0 || t[0] != '{' {
			probs = append(probs, "notice is not a JSON object")
			break
		}
		var ids noticeIDs
		if err := json.Unmarshal(e.Notice, &ids); err != nil {
			probs = append(probs, "notice: "+err.Error())
			break
		}
		switch {
		case ids.NoticeID == nil && e.Action == ActionCreate:
			probs = append(probs, "notice.notice_id is missing")
		case ids.NoticeID != nil && *ids.NoticeID != e.NoticeID:
			probs = append(probs, fmt.Sprintf("notice.notice_id %q differs from notice_id %q", *ids.NoticeID, e.NoticeID))
		}
	case ActionCancel:
		if hasNotice {
			probs = append(probs, "cancel carries no notice")
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrMalformed, strings.Join(probs, "; "))
	}
	return nil
}

// Producer publishes one message; *kafkabus.Producer is one.
type Producer interface {
	Publish(ctx context.Context, topic string, key, value []byte, headers map[string]string) error
}

// Publish checks and encodes e (Marshal) and publishes it to topic (normally
// kafkabus.TopicNoticeEvents) under its Key: what a procedure system, a
// bridge or a test sends.
func Publish(ctx context.Context, p Producer, topic string, e Event) error {
	b, err := Marshal(e)
	if err != nil {
		return err
	}
	if err := p.Publish(ctx, topic, e.Key(), b, nil); err != nil {
		return fmt.Errorf("publish notice event %s %s/%s: %w", e.Action, e.System, e.NoticeID, err)
	}
	return nil
}
