// Package noticefeed applies notice events that procedure systems publish on
// Kafka (topic notices.events, kafkabus.TopicNoticeEvents) instead of calling
// the HTTP API.
//
// Each event is replayed in-process against the API's own handler
// (api.Server): the same method, path and body as the HTTP call it stands
// for, served by api.Server.AsSystem as the event's system. Validation,
// idempotency (the same create again answers 200 with the same payment
// code), versioning, system scoping and audit are therefore exactly those of
// the HTTP API; this package adds no rule of its own about notices. It must
// not touch the store directly.
//
// # Who may publish
//
// An event carries no API key: the topic's ACLs protect it. Only the
// procedure systems' producers (and feerecon's consumer group) may write
// (read) notices.events; whoever can write to the topic can act as any
// system that holds a key, so grant the Write ACL per producer principal
// and nothing broader (kafka-acls --add --allow-principal User:<system>
// --producer --topic notices.events). An event for a system that holds no
// active key of role system (feerecon apikey create --system NAME) is not
// applied: it is dead-lettered with reason unknown_system, so a system
// nobody configured cannot issue notices by this door either. The audit log
// records an event's changes as "<system>/notices.events".
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
//   - system: the issuing procedure system; it must hold an active system
//     key.
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
//   - the system holds no active system key: kafkabus.Permanent(
//     ReasonUnknownSystem, err wrapping api.ErrUnknownSystem), dead-lettered
//     before the API is called.
//   - 5xx: transient (*APIError), retried by the consumer; so is a store
//     that cannot say whether the system is known.
//   - an event that cannot be decoded (bad JSON, unknown action, missing
//     system or notice id, ...): kafkabus.Permanent(ReasonMalformed, err
//     wrapping ErrMalformed).
package noticefeed
