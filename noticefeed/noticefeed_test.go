package noticefeed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/noticefeed"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

var clock = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

// newAPI is the real API over st, with an active system key for each of
// systems (events of other systems are dead-lettered).
func newAPI(t testing.TB, st store.Store, systems ...string) *api.Server {
	t.Helper()
	for _, sys := range systems {
		giveKey(t, st, sys)
	}
	srv, err := api.New(api.Config{
		DefaultCollection: api.CollectionAccount{BankBIN: "970436", Account: "0071000123456"},
		PurposeSuffix:     "LE PHI",
	}, st, slog.New(slog.DiscardHandler), func() time.Time { return clock })
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	return srv
}

// giveKey stores an active system key for sys and returns its id.
func giveKey(t testing.TB, st store.Store, sys string) string {
	t.Helper()
	k, err := apikey.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(context.Background(), func(tx store.Tx) error {
		return tx.CreateAPIKey(context.Background(), store.APIKey{ID: k.ID, System: sys, Role: store.RoleSystem, SecretHash: k.Hash, CreatedAt: clock})
	}); err != nil {
		t.Fatalf("key for %s: %v", sys, err)
	}
	return k.ID
}

// handlerAPI serves every system with one handler: a stand-in for the API.
type handlerAPI struct{ http.Handler }

func (h handlerAPI) AsSystem(context.Context, string, string) (http.Handler, error) {
	return h.Handler, nil
}

// noticeJSON is a valid NoticeRequest for id with amount đồng and payer.
func noticeJSON(id, amount, payer string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"notice_id": id, "dossier_code": "000.00.20.H40-240916-0012", "agency_code": "H40.01",
		"payer_name": payer, "amount": map[string]string{"amount": amount, "currency": "VND"},
		"issued_at": "2026-11-27T09:00:00+07:00", "due_at": "2026-12-04T17:00:00+07:00",
		"treasury_account": "3511.0.1055555",
	})
	return b
}

// message encodes e as the consumer would receive it.
func message(t testing.TB, e noticefeed.Event) kafkabus.Message {
	t.Helper()
	b, err := noticefeed.Marshal(e)
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", e, err)
	}
	return kafkabus.Message{Topic: "notices.events", Key: e.Key(), Value: b}
}

func stored(t testing.TB, st store.Store, system, id string) (payment.Notice, []store.AuditEntry) {
	t.Helper()
	var n payment.Notice
	var trail []store.AuditEntry
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		if n, err = tx.Notice(context.Background(), system, id); err != nil {
			return err
		}
		trail, err = tx.AuditTrail(context.Background(), "notice:"+system+"/"+id)
		return err
	})
	if err != nil {
		t.Fatalf("notice %s/%s: %v", system, id, err)
	}
	return n, trail
}

func actions(trail []store.AuditEntry) []string {
	var out []string
	for _, a := range trail {
		out = append(out, string(a.Action))
	}
	return out
}

// The lifecycle through the real API on store/memory: create, replay,
// amend, cancel — with the API's idempotency, versioning and audit.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	st := memory.New()
	const sys, id = "dvc-hanoi", "HS/2026 0012%" // an id that needs escaping in a path
	h := noticefeed.Handler(newAPI(t, st, sys), nil)
	ctx := context.Background()
	create := noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: id, Notice: noticeJSON(id, "150000", "Nguyen Van A")}
	if err := h(ctx, message(t, create)); err != nil {
		t.Fatalf("create: %v", err)
	}
	first, _ := stored(t, st, sys, id)
	if first.Code == "" || first.Version != 1 || first.Status != payment.NoticeIssued {
		t.Fatalf("after create: %+v", first)
	}
	// The same create again is a replay: no error, same code, no new audit.
	if err := h(ctx, message(t, create)); err != nil {
		t.Fatalf("replayed create: %v", err)
	}
	again, trail := stored(t, st, sys, id)
	if again.Code != first.Code || again.Version != 1 {
		t.Errorf("replay changed the notice: %+v", again)
	}
	if got := actions(trail); strings.Join(got, ",") != "notice.create" {
		t.Errorf("audit after replay = %v", got)
	}
	amend := noticefeed.Event{Action: noticefeed.ActionAmend, System: sys, NoticeID: id, Notice: noticeJSON(id, "200000", "Nguyen Van B")}
	if err := h(ctx, message(t, amend)); err != nil {
		t.Fatalf("amend: %v", err)
	}
	am, _ := stored(t, st, sys, id)
	if am.Code != first.Code || am.Version != 2 || am.PayerName != "Nguyen Van B" || am.Total.Amount.String() != "200000" {
		t.Errorf("after amend: %+v", am)
	}
	cancel := noticefeed.Event{Action: noticefeed.ActionCancel, System: sys, NoticeID: id, Reason: "dossier withdrawn"}
	if err := h(ctx, message(t, cancel)); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if err := h(ctx, message(t, cancel)); err != nil {
		t.Fatalf("cancel replayed: %v", err)
	}
	c, trail := stored(t, st, sys, id)
	if c.Status != payment.NoticeCancelled || c.Code != first.Code {
		t.Errorf("after cancel: %+v", c)
	}
	if got := strings.Join(actions(trail), ","); got != "notice.create,notice.amend,notice.cancel" {
		t.Errorf("audit trail = %s", got)
	}
	for _, a := range trail {
		if a.Actor != sys+"/"+noticefeed.Via {
			t.Errorf("audit actor %q, want the system through %s", a.Actor, noticefeed.Via)
		}
	}
	if !strings.Contains(string(trail[2].Detail), "dossier withdrawn") {
		t.Errorf("cancel audit detail %s lacks the reason", trail[2].Detail)
	}
}

// Every answer the API gives for good is a permanent error carrying the
// API's error JSON; the reason label is notice_rejected.
func TestRejections(t *testing.T) {
	t.Parallel()
	st := memory.New()
	const sys = "dvc"
	h := noticefeed.Handler(newAPI(t, st, sys), nil)
	ctx := context.Background()
	if err := h(ctx, message(t, noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: "A", Notice: noticeJSON("A", "150000", "X")})); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		e      noticefeed.Event
		status int
		want   string // in the API's error JSON
	}{
		{"invalid", noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: "B", Notice: noticeJSON("B", "150000.5", "X")}, 422, "invalid amount"},
		{"negative", noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: "B", Notice: noticeJSON("B", "-5", "X")}, 422, "amount is negative"},
		{"conflict", noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: "A", Notice: noticeJSON("A", "99000", "X")}, 409, "PUT"},
		{"unknown notice", noticefeed.Event{Action: noticefeed.ActionAmend, System: sys, NoticeID: "Z", Notice: noticeJSON("Z", "150000", "X")}, 404, "not found"},
		{"cancel unknown", noticefeed.Event{Action: noticefeed.ActionCancel, System: sys, NoticeID: "Z"}, 404, "not found"},
		{"unknown field", noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: "D", Notice: json.RawMessage(`{"notice_id":"D","payment_code":"NP1"}`)}, 400, "payment_code"},
		{"control char id", noticefeed.Event{Action: noticefeed.ActionCancel, System: sys, NoticeID: "a\x01b"}, 400, "bad id"},
		{"dot-dot id", noticefeed.Event{Action: noticefeed.ActionCancel, System: sys, NoticeID: ".."}, 307, ""},
	}
	for _, c := range cases {
		err := h(ctx, message(t, c.e))
		perm, kind, reason := kafkabus.Classify(err)
		if !perm || kind != kafkabus.KindPermanent || reason != noticefeed.ReasonRejected {
			t.Errorf("%s: Classify(%v) = %v %q %q, want permanent notice_rejected", c.name, err, perm, kind, reason)
			continue
		}
		var re *noticefeed.RejectedError
		if !errors.As(err, &re) || re.Status != c.status || !strings.Contains(string(re.Body), c.want) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want status %d and %q in the API's body", c.name, err, c.status, c.want)
		}
	}
	// None of them changed notice A or created another.
	a, trail := stored(t, st, sys, "A")
	if a.Version != 1 || a.Total.Amount.String() != "150000" || len(trail) != 1 {
		t.Errorf("notice A changed by rejected events: %+v, %d audit entries", a, len(trail))
	}
	for _, id := range []string{"B", "D", "Z"} {
		err := st.InTx(ctx, func(tx store.Tx) error { _, err := tx.Notice(ctx, sys, id); return err })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("notice %s: %v, want not found", id, err)
		}
	}
}

// An event of a system that holds no active system key is dead-lettered
// as unknown_system, whether nobody configured it, its name is not even a
// valid one, or its one key is revoked; nothing is stored.
func TestUnknownSystem(t *testing.T) {
	t.Parallel()
	st := memory.New()
	h := noticefeed.Handler(newAPI(t, st, "dvc"), nil)
	ctx := context.Background()
	revoked := giveKey(t, st, "dvc-revoked")
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.RevokeAPIKey(ctx, revoked, clock) }); err != nil {
		t.Fatal(err)
	}
	opKey, _ := apikey.New()
	if err := st.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateAPIKey(ctx, store.APIKey{ID: opKey.ID, System: "ops", Role: store.RoleOperator, SecretHash: opKey.Hash, CreatedAt: clock})
	}); err != nil {
		t.Fatal(err)
	}
	for _, sys := range []string{"dvc-nowhere", "dvc hanoi", "dvc-revoked", "ops"} {
		for _, e := range []noticefeed.Event{
			{Action: noticefeed.ActionCreate, System: sys, NoticeID: "C", Notice: noticeJSON("C", "150000", "X")},
			{Action: noticefeed.ActionCancel, System: sys, NoticeID: "C"},
		} {
			err := h(ctx, message(t, e))
			perm, _, reason := kafkabus.Classify(err)
			if !perm || reason != noticefeed.ReasonUnknownSystem || !errors.Is(err, api.ErrUnknownSystem) {
				t.Errorf("%s %s: %v (permanent %v, reason %q), want unknown_system", e.Action, sys, err, perm, reason)
			}
		}
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := tx.Notice(ctx, sys, "C"); return err }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("notice %s/C: %v, want not found", sys, err)
		}
	}
	// The known system's event applies.
	if err := h(ctx, message(t, noticefeed.Event{Action: noticefeed.ActionCreate, System: "dvc", NoticeID: "C", Notice: noticeJSON("C", "150000", "X")})); err != nil {
		t.Errorf("known system: %v", err)
	}
}

// A 5xx is transient: retried by the consumer, never dead-lettered.
func TestServerErrorIsTransient(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 503} {
		h := noticefeed.Handler(handlerAPI{http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error":"internal error","details":[]}`)
		})}, nil)
		err := h(context.Background(), message(t, noticefeed.Event{Action: noticefeed.ActionCancel, System: "dvc", NoticeID: "A"}))
		var ae *noticefeed.APIError
		if perm, _, _ := kafkabus.Classify(err); perm || !errors.As(err, &ae) || ae.Status != status {
			t.Errorf("status %d: %v (permanent %v), want a transient *APIError", status, err, perm)
		}
	}
	// A store that fails (the system's keys cannot be read, the API would
	// answer 500): transient too.
	h := noticefeed.Handler(newAPI(t, failingStore{memory.New()}), nil)
	err := h(context.Background(), message(t, noticefeed.Event{Action: noticefeed.ActionCreate, System: "dvc", NoticeID: "A", Notice: noticeJSON("A", "150000", "X")}))
	if perm, _, _ := kafkabus.Classify(err); perm || err == nil {
		t.Errorf("store failure: %v (permanent %v), want transient", err, perm)
	}
}

type failingStore struct{ store.Store }

func (failingStore) InTx(context.Context, func(store.Tx) error) error {
	return errors.New("connection reset")
}

// The handler sends exactly what the HTTP call would: method, path, header,
// body.
func TestRequestShape(t *testing.T) {
	t.Parallel()
	type seen struct{ method, path, raw, system, ctype, body string }
	var got seen
	h := noticefeed.Handler(handlerAPI{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 1024)
		n, _ := r.Body.Read(b)
		got = seen{r.Method, r.URL.Path, r.URL.EscapedPath(), r.Header.Get(api.SystemHeader), r.Header.Get("Content-Type"), string(b[:n])}
		w.WriteHeader(200)
	})}, nil)
	n := json.RawMessage(`{"notice_id":"a/b"}`)
	cases := []struct {
		e    noticefeed.Event
		want seen
	}{
		{noticefeed.Event{Action: noticefeed.ActionCreate, System: "s1", NoticeID: "a/b", Notice: n},
			seen{"POST", "/v1/notices", "/v1/notices", "s1", "application/json", `{"notice_id":"a/b"}`}},
		{noticefeed.Event{Action: noticefeed.ActionAmend, System: "s1", NoticeID: "a/b", Notice: n},
			seen{"PUT", "/v1/notices/a/b", "/v1/notices/a%2Fb", "s1", "application/json", `{"notice_id":"a/b"}`}},
		{noticefeed.Event{Action: noticefeed.ActionCancel, System: "s2", NoticeID: "x y"},
			seen{"POST", "/v1/notices/x y/cancel", "/v1/notices/x%20y/cancel", "s2", "", ""}},
		{noticefeed.Event{Action: noticefeed.ActionCancel, System: "s2", NoticeID: "x", Reason: `say "no"`},
			seen{"POST", "/v1/notices/x/cancel", "/v1/notices/x/cancel", "s2", "application/json", `{"reason":"say \"no\""}`}},
	}
	for _, c := range cases {
		got = seen{}
		if err := h(context.Background(), message(t, c.e)); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s %s:\n got %+v\nwant %+v", c.e.Action, c.e.NoticeID, got, c.want)
		}
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	called := false
	h := noticefeed.Handler(handlerAPI{http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })}, nil)
	notice := `{"notice_id":"A","amount":{"amount":"1","currency":"VND"}}`
	cases := map[string]string{
		"not json":          `{"action":`,
		"empty":             ``,
		"array":             `[]`,
		"trailing":          `{"action":"cancel","system":"s","notice_id":"A"} {}`,
		"unknown action":    `{"action":"delete","system":"s","notice_id":"A"}`,
		"no action":         `{"system":"s","notice_id":"A"}`,
		"missing system":    `{"action":"cancel","notice_id":"A"}`,
		"missing notice_id": `{"action":"cancel","system":"s"}`,
		"unknown field":     `{"action":"cancel","system":"s","notice_id":"A","extra":1}`,
		"create no notice":  `{"action":"create","system":"s","notice_id":"A"}`,
		"create null":       `{"action":"create","system":"s","notice_id":"A","notice":null}`,
		"notice not object": `{"action":"create","system":"s","notice_id":"A","notice":"x"}`,
		"id mismatch":       `{"action":"create","system":"s","notice_id":"B","notice":` + notice + `}`,
		"create without id": `{"action":"create","system":"s","notice_id":"A","notice":{"payer_name":"x"}}`,
		"amend mismatch":    `{"action":"amend","system":"s","notice_id":"B","notice":` + notice + `}`,
		"cancel with body":  `{"action":"cancel","system":"s","notice_id":"A","notice":` + notice + `}`,
		"create reason":     `{"action":"create","system":"s","notice_id":"A","notice":` + notice + `,"reason":"r"}`,
		"wrong type":        `{"action":"cancel","system":1,"notice_id":"A"}`,
		"too large":         `{"action":"cancel","system":"s","notice_id":"A","reason":"` + strings.Repeat("x", noticefeed.MaxEventBytes) + `"}`,
	}
	for name, v := range cases {
		err := h(context.Background(), kafkabus.Message{Value: []byte(v)})
		perm, _, reason := kafkabus.Classify(err)
		if !perm || reason != noticefeed.ReasonMalformed || !errors.Is(err, noticefeed.ErrMalformed) {
			t.Errorf("%s: %v (permanent %v, reason %q), want malformed_event", name, err, perm, reason)
		}
	}
	if called {
		t.Error("a malformed event reached the API")
	}
	// What Decode refuses, Marshal refuses too.
	if _, err := noticefeed.Marshal(noticefeed.Event{Action: "delete", System: "s", NoticeID: "A"}); !errors.Is(err, noticefeed.ErrMalformed) {
		t.Errorf("Marshal of an unknown action: %v", err)
	}
	// Amend may leave notice_id out of the body.
	if _, err := noticefeed.Decode([]byte(`{"action":"amend","system":"s","notice_id":"A","notice":{"payer_name":"x"}}`)); err != nil {
		t.Errorf("amend without notice.notice_id: %v", err)
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	e := noticefeed.Event{System: "dvc-hanoi", NoticeID: "HS-1"}
	if got := string(e.Key()); got != "dvc-hanoi/HS-1" {
		t.Errorf("Key = %q", got)
	}
}

// Invalid UTF-8 in any field of an event, the notice body's included, is
// a malformed event naming the field; it never reaches the API with
// replacement characters.
func TestInvalidUTF8IsMalformed(t *testing.T) {
	t.Parallel()
	called := false
	h := noticefeed.Handler(handlerAPI{http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })}, nil)
	for _, tc := range []struct{ name, event, field string }{
		{"notice_id", "{\"action\":\"cancel\",\"system\":\"s\",\"notice_id\":\"A\xff\"}", "notice_id"},
		{"system", "{\"action\":\"cancel\",\"system\":\"s\xc3\",\"notice_id\":\"A\"}", "system"},
		{"reason", "{\"action\":\"cancel\",\"system\":\"s\",\"notice_id\":\"A\",\"reason\":\"h\xe1y\"}", "reason"},
		{"lone surrogate", `{"action":"cancel","system":"s","notice_id":"A\udc00"}`, "notice_id"},
		{"notice body", "{\"action\":\"create\",\"system\":\"s\",\"notice_id\":\"A\",\"notice\":{\"notice_id\":\"A\",\"payer_name\":\"\xff\"}}", "notice.payer_name"},
		{"item", "{\"action\":\"amend\",\"system\":\"s\",\"notice_id\":\"A\",\"notice\":{\"items\":[{\"fee_type\":\"\xff\"}]}}", "notice.items[0].fee_type"},
	} {
		err := h(context.Background(), kafkabus.Message{Value: []byte(tc.event)})
		perm, _, reason := kafkabus.Classify(err)
		if !perm || reason != noticefeed.ReasonMalformed || !errors.Is(err, noticefeed.ErrMalformed) {
			t.Errorf("%s: %v (permanent %v, reason %q), want malformed_event", tc.name, err, perm, reason)
			continue
		}
		if !strings.Contains(err.Error(), tc.field+": not valid UTF-8") {
			t.Errorf("%s: %v does not name %s", tc.name, err, tc.field)
		}
	}
	if called {
		t.Error("an event with invalid UTF-8 reached the API")
	}
}
