// Package noticefeed applies notice events that procedure systems publish on
// Kafka (topic notices.events, kafkabus.TopicNoticeEvents) instead of calling
// the HTTP API.
//
// Each event is replayed in-process against the API's own handler
// (api.Server): the same method, path, X-Feerecon-System header and body as
// the HTTP call it stands for. Validation, idempotency (the same create again
// answers 200 with the same payment code), versioning and audit are therefore
// exactly those of the HTTP API; this package adds no rule of its own about
// notices. It must not touch the store directly.
//
// # Event
//
// One JSON object per Kafka message, unknown fields rejected:
//
//	{"action": "create",
//	 "system": "dvc-hanoi",
//	 "notice_id": "HS-2026-0012",
//	 "notice": {"notice_id":"HS-2026-0012","dossier_code":"000.00.20.H40-240916-0012",
//	            "agency_code":"H40.01","payer_name":"Nguyen Van A",
//	            "amount":{"amount":"150000","currency":"VND"},
//	            "issued_at":"2026-11-27T09:00:00+07:00","due_at":"2026-12-04T17:00:00+07:00",
//	            "treasury_account":"3511.0.1055555"}}
//
//	{"action": "cancel", "system": "dvc-hanoi", "notice_id": "HS-2026-0012",
//	 "reason": "dossier withdrawn"}
//
// Fields:
//
//   - action: "create" (POST /v1/notices), "amend" (PUT /v1/notices/{id}) or
//     "cancel" (POST /v1/notices/{id}/cancel).
//   - system: the issuing procedure system, sent as X-Feerecon-System.
//   - notice_id: the notice's id within the system.
//   - notice: for create and amend, the NoticeRequest of api/README.md,
//     replayed byte for byte. Its notice_id must equal the event's (for
//     amend it may be omitted). Absent for cancel.
//   - reason: for cancel only, optional: the cancellation reason.
//
// The Kafka key is "<system>/<notice_id>" (Key), so that one notice's events
// stay in one partition, in order. The value is at most MaxEventBytes.
// Producers in Go use Publish, which checks the event as the consumer will
// (Marshal) and sets the key.
//
// # Outcomes
//
// The handler returned by Handler maps the API's answer to the consumer's
// contract (kafkabus.Handler):
//
//   - 2xx: applied (or replayed): nil, the offset is committed.
//   - 4xx (400, 404, 409, 413, 422): the API rejected the event for good:
//     kafkabus.Permanent(ReasonRejected, *RejectedError carrying the API's
//     error JSON). The message goes to the dead-letter topic with that reason
//     and the partition moves on.
//   - 5xx: transient (*APIError), retried by the consumer.
//   - an event that cannot be decoded (bad JSON, unknown action, missing
//     system or notice id, ...): kafkabus.Permanent(ReasonMalformed, err
//     wrapping ErrMalformed).
package noticefeed
