package noticefeed_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/hostile"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/noticefeed"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
	"github.com/feerecon/feerecon/store/postgres/pgtest"
	"github.com/feerecon/feerecon/store/storetest"
)

// hostileBudget bounds each event: one not handled by then hangs.
const hostileBudget = 20 * time.Second

// noticeWith is noticeJSON for id with one field set to the raw JSON v.
func noticeWith(id, field, v string) json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(noticeJSON(id, "150000", "Nguyen Van A"), &m)
	m[field] = json.RawMessage(v)
	var parts []string
	for k, x := range m {
		parts = append(parts, `"`+k+`":`+string(x))
	}
	return json.RawMessage("{" + strings.Join(parts, ",") + "}")
}

func amountJSON(s string) string { return `{"amount":` + s + `,"currency":"VND"}` }

// TestHostileNoticeEvents is the notice feed's part of the hostile-input
// catalogue (RELIABILITY.md "Hostile input"): every hostile event on
// notices.events is dead-lettered with its reason (malformed_event before
// the API, notice_rejected with the API's 4xx), never a panic, a hang or
// a retry, and nothing stored changes; an event with SQL in its text is
// applied, its text verbatim. On memory and on PostgreSQL.
func TestHostileNoticeEvents(t *testing.T) {
	t.Parallel()
	const sys = "dvc"
	create := func(id string, n json.RawMessage) []byte {
		b, _ := json.Marshal(noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: id, Notice: n})
		return b
	}
	valid := create("H-2", noticeJSON("H-2", "150000", "Nguyen Van A"))
	cases := []struct {
		name   hostile.Case
		label  string
		value  []byte
		reason string // "" when applied by design
	}{
		{hostile.OversizedBody, "", create("H-2", noticeWith("H-2", "payer_name", `"`+strings.Repeat("A", noticefeed.MaxEventBytes)+`"`)), noticefeed.ReasonMalformed},
		{hostile.InvalidUTF8, "", create("H-2", noticeWith("H-2", "payer_name", `"`+hostile.BadUTF8+`"`)), noticefeed.ReasonMalformed},
		{hostile.InvalidUTF8, "notice_id", []byte(`{"action":"create","system":"dvc","notice_id":"` + hostile.BadUTF8 + `","notice":` + string(noticeJSON("H-3", "150000", "A")) + `}`), noticefeed.ReasonMalformed},
		{hostile.DeepJSON, "", []byte(`{"action":"create","system":"dvc","notice_id":"H-2","notice":` + hostile.DeepJSONValue(20000) + `}`), noticefeed.ReasonMalformed},
		{hostile.DeepJSON, "in-notice", create("H-2", noticeWith("H-2", "items", hostile.DeepJSONValue(5000))), noticefeed.ReasonRejected},
		{hostile.SQLInjection, "dossier_code", create("H-2", noticeWith("H-2", "dossier_code", `"`+hostile.SQL+`"`)), noticefeed.ReasonRejected},
		{hostile.SQLInjection, "system", []byte(`{"action":"create","system":` + quote(hostile.SQL) + `,"notice_id":"H-2","notice":` + string(noticeJSON("H-2", "150000", "A")) + `}`), noticefeed.ReasonUnknownSystem},
		{hostile.AmountHuge, "", create("H-2", noticeWith("H-2", "amount", amountJSON(`"`+hostile.HugeAmount+`"`))), noticefeed.ReasonRejected},
		{hostile.AmountNegative, "", create("H-2", noticeWith("H-2", "amount", amountJSON(`"-150000"`))), noticefeed.ReasonRejected},
		{hostile.AmountFractionalVND, "", create("H-2", noticeWith("H-2", "amount", amountJSON(`"150000.5"`))), noticefeed.ReasonRejected},
		{hostile.AmountExponent, "", create("H-2", noticeWith("H-2", "amount", amountJSON(`"1.5e5"`))), noticefeed.ReasonRejected},
		{hostile.AmountThousands, "dot", create("H-2", noticeWith("H-2", "amount", amountJSON(`"150.000"`))), noticefeed.ReasonRejected},
		{hostile.AmountThousands, "comma", create("H-2", noticeWith("H-2", "amount", amountJSON(`"150,000"`))), noticefeed.ReasonRejected},
		{hostile.TimeFarPast, "", create("H-2", noticeWith("H-2", "issued_at", `"1900-01-01T00:00:00Z"`)), noticefeed.ReasonRejected},
		{hostile.TimeFarFuture, "", create("H-2", noticeWith("H-2", "issued_at", `"9999-12-31T23:59:59Z"`)), noticefeed.ReasonRejected},
		{hostile.DuplicateID, "", create("H-1", noticeJSON("H-1", "990000", "Nguyen Van A")), noticefeed.ReasonRejected},
		{hostile.Empty, "", nil, noticefeed.ReasonMalformed},
		{hostile.Empty, "object", []byte(`{}`), noticefeed.ReasonMalformed},
		{hostile.Truncated, "", valid[:len(valid)/2], noticefeed.ReasonMalformed},
		{hostile.SQLInjection, "text", create(hostile.SQL, noticeWith(hostile.SQL, "payer_name", quote(hostile.SQL))), ""},
	}
	for _, be := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{{"memory", func(*testing.T) store.Store { return memory.New() }}, {"postgres", func(t *testing.T) store.Store { return pgtest.Store(t) }}} {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			st := be.open(t)
			h := noticefeed.Handler(newAPI(t, st, sys), nil)
			ctx := context.Background()
			if err := h(ctx, message(t, noticefeed.Event{Action: noticefeed.ActionCreate, System: sys, NoticeID: "H-1", Notice: noticeJSON("H-1", "150000", "X")})); err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				name := string(c.name)
				if c.label != "" {
					name += "/" + c.label
				}
				t.Run(name, func(t *testing.T) {
					before := storetest.Snapshot(t, st)
					done := make(chan error, 1)
					go func() { done <- h(ctx, kafkabus.Message{Topic: "notices.events", Value: c.value}) }()
					var err error
					select {
					case err = <-done:
					case <-time.After(hostileBudget):
						t.Fatalf("not handled within %s", hostileBudget)
					}
					if c.reason == "" {
						if err != nil {
							t.Fatalf("want applied: %v", err)
						}
						n, _ := stored(t, st, sys, hostile.SQL)
						if n.ID != hostile.SQL || n.PayerName != hostile.SQL {
							t.Errorf("not stored verbatim: %q %q", n.ID, n.PayerName)
						}
						return
					}
					perm, _, reason := kafkabus.Classify(err)
					t.Logf("%s: dead-lettered as %s: %.200v", name, reason, err)
					if !perm || reason != c.reason {
						t.Fatalf("Classify(%v) = %v %q, want permanent %q", err, perm, reason, c.reason)
					}
					if changed := before.Changed(storetest.Snapshot(t, st)); len(changed) > 0 {
						t.Errorf("refused event changed the store: %v", changed)
					}
				})
			}
		})
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }
