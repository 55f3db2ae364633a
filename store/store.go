// Package store is feerecon's persistence contract: the interfaces the
// engine's callers need, the errors every backend returns, and nothing
// backend-specific. Backends live in sub-packages: store/postgres
// (production) and store/memory (the embedded default and unit tests). One
// conformance suite, store/conformance, runs against both.
//
// The audit log (Audit) is a tamper-evident hash chain: audit.go defines
// the canonical bytes of an entry, its hash over the previous entry's, the
// seq and time rules both backends follow (ChainNext), and the verifier
// (AuditVerifier) that feerecon audit verify runs. Every state change is
// appended in the transaction that makes it, so a rolled-back change
// leaves no entry; the AuditAction constants list what is audited.
package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/user"
)

// Errors every backend returns, so callers can test with errors.Is.
var (
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a record with the same key exists. For payments this
	// is the normal outcome of a redelivery: not a second payment.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: the same key with a different body, or an update based on
	// a stale version.
	ErrConflict = errors.New("conflict")
)

// Store opens transactions. Every read and write happens inside one, so the
// memory and PostgreSQL backends behave alike.
type Store interface {
	// InTx runs fn in a transaction: committed if fn returns nil, rolled
	// back otherwise (also on panic). fn must not keep tx after returning.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	Close() error
}

// Tx is what can be done inside one transaction.
type Tx interface {
	Notices
	Payments
	Allocations
	Exceptions
	Outbox
	Reports
	Statements
	Audit
	Users
	APIKeys
	Requests
	Searches
	DayReports
	AuditCursors
	Awaiting
	Reversals
	ConsumerOffsets
	Savepoints
}

// Notices holds fee notices. A notice is keyed by (system, id).
type Notices interface {
	// NextCodeSerial returns a fresh serial for a payment code; serials are
	// never reused, even after a rollback.
	NextCodeSerial(ctx context.Context) (uint64, error)
	// CreateNotice stores version 1 of a notice. ErrAlreadyExists if
	// (system, id) or its payment code exists.
	CreateNotice(ctx context.Context, n payment.Notice) error
	// UpdateNotice replaces the notice (same system, id) whose stored
	// version is n.Version-1 with n (an amendment); ErrConflict if the
	// version is stale or the payment code differs, ErrNotFound if there is
	// none. A change of status alone keeps the version: n.Version equal to
	// the stored one is accepted when nothing but the status differs.
	UpdateNotice(ctx context.Context, n payment.Notice) error
	// SetNoticeStatus sets a notice's status alone, keeping its version:
	// what the matching engine decides. ErrNotFound if there is none.
	SetNoticeStatus(ctx context.Context, system, id string, status payment.NoticeStatus) error
	// Notice returns a notice by (system, id).
	Notice(ctx context.Context, system, id string) (payment.Notice, error)
	// NoticeByCode returns the notice carrying a payment code.
	NoticeByCode(ctx context.Context, code payment.PaymentCode) (payment.Notice, error)
	// NoticesByDossier returns the notices whose dossier code has this
	// comparison key (reconcile.DossierKey: no separators, upper case, O as
	// 0, I and L as 1), ordered by (system, id).
	NoticesByDossier(ctx context.Context, key string) ([]payment.Notice, error)
	// LockNotices locks the notices with these codes against concurrent
	// allocation until the transaction ends (SELECT … FOR UPDATE in a fixed
	// order) and returns those found, ordered by code.
	LockNotices(ctx context.Context, codes []payment.PaymentCode) ([]payment.Notice, error)
	// OpenNoticesByAmount lists open notices due exactly amount issued at or
	// after since, newest first, at most limit: candidates for an accountant.
	OpenNoticesByAmount(ctx context.Context, amount payment.Money, since time.Time, limit int) ([]payment.Notice, error)
	// ListNotices lists notices issued in [from, to), ordered by (system, id).
	ListNotices(ctx context.Context, from, to time.Time) ([]payment.Notice, error)
	// NoticesByID lists the notices with this id, of any system, ordered
	// by system: an exception's candidates name notices by id.
	NoticesByID(ctx context.Context, id string) ([]payment.Notice, error)
	// NoticesByKeys lists the notices of keys, ordered by (system, id): a
	// key given twice is listed once, a key not stored is left out.
	NoticesByKeys(ctx context.Context, keys []NoticeKey) ([]payment.Notice, error)
}

// Payments holds canonical payment events.
type Payments interface {
	// InsertPayment stores a payment. ErrAlreadyExists when (gateway,
	// gateway txn id) is already stored: a redelivery.
	InsertPayment(ctx context.Context, p payment.Payment) error
	Payment(ctx context.Context, id string) (payment.Payment, error)
	// ListPayments lists payments paid in [from, to), ordered by
	// (paid_at, id).
	ListPayments(ctx context.Context, from, to time.Time) ([]payment.Payment, error)
	// LinkPayment records that a payment's description referenced these
	// notices; linking the same pair again is a no-op.
	LinkPayment(ctx context.Context, paymentID string, notices []NoticeKey) error
	// PaymentsByNotice lists the payments linked to a notice, ordered by
	// (paid_at, id).
	PaymentsByNotice(ctx context.Context, system, noticeID string) ([]payment.Payment, error)
	// LinkedNotices lists the notices a payment is linked to, ordered.
	LinkedNotices(ctx context.Context, paymentID string) ([]NoticeKey, error)
}

// NoticeKey identifies a notice: its id is unique per issuing system.
type NoticeKey struct {
	System string `db:"system" json:"system"`
	ID     string `db:"id" json:"notice_id"`
}

// Allocations holds the money assigned from payments to notices.
type Allocations interface {
	// InsertAllocation stores a; a manual one (reconcile.RuleManual) must
	// name who made it and why (By, Reason), and only a manual one may:
	// ErrConflict otherwise. Approved, when set, differs from By.
	InsertAllocation(ctx context.Context, a reconcile.Allocation) error
	// DeleteAllocations removes a notice's engine allocations, for a
	// re-decision in canonical order; its manual allocations stay (the
	// engine decides around them). The audit log keeps what was removed.
	DeleteAllocations(ctx context.Context, system, noticeID string) error
	// DeletePaymentAllocations removes every allocation of a payment, the
	// manual ones included: what taking a payment by hand (its engine
	// allocations) and reopening it (its manual ones) do, both audited by
	// the caller.
	DeletePaymentAllocations(ctx context.Context, paymentID string) error
	AllocationsByNotice(ctx context.Context, system, noticeID string) ([]reconcile.Allocation, error)
	AllocationsByPayment(ctx context.Context, paymentID string) ([]reconcile.Allocation, error)
	// AllocationsPaidIn lists the allocations of the payments paid in
	// [from, to), ordered by their payment's (paid_at, id), then by
	// (notice_system, notice_id): what AllocationsByPayment returns for
	// each payment ListPayments lists, in that order, in one read (the
	// daily run's).
	AllocationsPaidIn(ctx context.Context, from, to time.Time) ([]reconcile.Allocation, error)
	// NoticesPaid sums, for each notice of keys that has one, its
	// allocations of payments paid before the given time, ordered by
	// (system, id); a notice with none is left out. Keys may repeat.
	NoticesPaid(ctx context.Context, keys []NoticeKey, before time.Time) ([]NoticePaid, error)
}

// NoticePaid is how much was allocated to a notice (NoticesPaid).
type NoticePaid struct {
	NoticeKey
	Paid decimal.Decimal
}

// ExceptionFilter selects exceptions; zero fields match everything.
type ExceptionFilter struct {
	Status    reconcile.ExceptionStatus
	Kind      reconcile.ExceptionKind
	PaymentID string
	// AssignedTo keeps the exceptions assigned to this login.
	AssignedTo string
	// Scoped keeps only the exceptions that concern a notice of one of
	// Agencies: their payment is allocated to it or referenced it
	// (LinkPayment). An exception without such a notice (a statement
	// line, money that names no notice) is never in a scoped list: it is
	// for callers who see every agency.
	Scoped   bool
	Agencies []string
	// Unassigned, with Scoped, also keeps the exceptions that concern no
	// notice at all (money that names no notice, a statement line): money
	// no agency owns yet, which every agency's accountants may claim for
	// their notices (the console and package casework set it).
	Unassigned bool
	// After and Limit page through the list (ordered by id): only ids
	// after After, at most Limit of them (0: all).
	After string
	Limit int
}

// Exceptions holds what needs an accountant.
type Exceptions interface {
	// UpsertException stores an exception by its deterministic id; storing
	// the same id again leaves the first (and returns nil).
	UpsertException(ctx context.Context, e reconcile.Exception) error
	Exception(ctx context.Context, id string) (reconcile.Exception, error)
	// ExceptionsByID lists the stored exceptions among ids, ordered by id:
	// an id given twice is listed once, an id not stored is left out.
	ExceptionsByID(ctx context.Context, ids []string) ([]reconcile.Exception, error)
	ListExceptions(ctx context.Context, f ExceptionFilter) ([]reconcile.Exception, error)
	// ExceptionsPaidIn lists the exceptions of the payments paid in
	// [from, to), ordered by their payment's (paid_at, id), then by id:
	// what ListExceptions with PaymentID returns for each payment
	// ListPayments lists, in that order, in one read (the daily run's).
	ExceptionsPaidIn(ctx context.Context, from, to time.Time) ([]reconcile.Exception, error)
	// ResolveException marks an open exception resolved; ErrConflict if it
	// is not open. It is CloseException with status resolved.
	ResolveException(ctx context.Context, id, resolution, by string, at time.Time) error
	// CloseException closes an open exception with a closed status
	// (resolved, allocated, refund, written_off), a resolution text and
	// who closed it (both required); ErrConflict if it is not open or the
	// status is not a closed one, ErrNotFound if there is none.
	CloseException(ctx context.Context, id string, status reconcile.ExceptionStatus, resolution, by string, at time.Time) error
	// ReopenException opens a closed exception again, forgetting its
	// resolution (the audit log keeps it); ErrConflict if it is open.
	ReopenException(ctx context.Context, id string) error
	// AssignException assigns an exception to login ("" unassigns);
	// ErrNotFound if there is no such exception.
	AssignException(ctx context.Context, id, login string) error
	// DeleteExceptionsForPayment removes the open exceptions of a payment,
	// for a re-decision; the audit log keeps what was removed.
	DeleteExceptionsForPayment(ctx context.Context, paymentID string) error
}

// OutboxKind says what an outbox message carries.
type OutboxKind string

// Outbox kinds.
const (
	OutboxConfirmation OutboxKind = "confirmation"
	OutboxReport       OutboxKind = "report"
	// OutboxConfirmationKafka is a confirmation's copy for the Kafka topic
	// payments.confirmed (published by package outbox). A kind of its own, so
	// the webhook sender and the Kafka publisher never take, fail or
	// deliver each other's messages.
	OutboxConfirmationKafka OutboxKind = "confirmation_kafka"
	// OutboxReportKafka is a daily report version's copy for the Kafka
	// topic treasury.reports (published by package outbox), apart from
	// the treasury webhook's OutboxReport for the same reason.
	OutboxReportKafka OutboxKind = "report_kafka"
	// OutboxReversal and OutboxReversalKafka carry payment.reversed to the
	// procedure system: the signed webhook and the Kafka copy.
	OutboxReversal      OutboxKind = "reversal"
	OutboxReversalKafka OutboxKind = "reversal_kafka"
)

// OutboxKinds lists every outbox kind: the one list validators take (the
// API's ?kind=); a test checks it against the constants above.
func OutboxKinds() []OutboxKind {
	return []OutboxKind{OutboxConfirmation, OutboxConfirmationKafka, OutboxReport, OutboxReportKafka,
		OutboxReversal, OutboxReversalKafka}
}

// OutboxState is where a message is in its delivery.
type OutboxState string

// Outbox states.
const (
	OutboxPending   OutboxState = "pending"
	OutboxDelivered OutboxState = "delivered"
	OutboxDead      OutboxState = "dead"
)

// OutboxMessage is a message to deliver at least once, written in the same
// transaction as the change it announces.
type OutboxMessage struct {
	// ID is the idempotency key sent with every attempt.
	ID          string      `db:"id" json:"id"`
	Kind        OutboxKind  `db:"kind" json:"kind"`
	Destination string      `db:"destination" json:"destination"`
	Payload     []byte      `db:"payload" json:"payload"`
	State       OutboxState `db:"state" json:"state"`
	Attempts    int         `db:"attempts" json:"attempts"`
	NextAttempt time.Time   `db:"next_attempt_at" json:"next_attempt_at"`
	LastError   string      `db:"last_error" json:"last_error,omitempty"`
	CreatedAt   time.Time   `db:"created_at" json:"created_at"`
	DeliveredAt *time.Time  `db:"delivered_at" json:"delivered_at,omitempty"`
}

// Outbox holds messages to deliver.
type Outbox interface {
	// Enqueue stores a message; ErrAlreadyExists if its id exists.
	Enqueue(ctx context.Context, m OutboxMessage) error
	// Due returns up to limit pending messages of kind whose next attempt
	// is at or before now, oldest first, locked (SKIP LOCKED) so that two
	// senders never take the same one.
	Due(ctx context.Context, kind OutboxKind, now time.Time, limit int) ([]OutboxMessage, error)
	MarkDelivered(ctx context.Context, id string, at time.Time) error
	// MarkFailed records a failed attempt and schedules the next one, or
	// marks the message dead when dead is true.
	MarkFailed(ctx context.Context, id string, errText string, next time.Time, dead bool) error
	// RetryNow makes the pending messages of kind to destination that
	// failed before (attempts > 0) and wait for a later attempt due at
	// now: their channel is back (a delivery to it succeeded), so they
	// need not wait out their backoff. It returns how many it moved.
	RetryNow(ctx context.Context, kind OutboxKind, destination string, now time.Time) (int, error)
	OutboxMessage(ctx context.Context, id string) (OutboxMessage, error)
	// ListOutbox lists the messages f selects, ordered by id.
	ListOutbox(ctx context.Context, f OutboxFilter) ([]OutboxMessage, error)
}

// OutboxFilter selects outbox messages; zero fields match everything.
type OutboxFilter struct {
	Kind  OutboxKind
	State OutboxState
	// After and Limit page through the list (ordered by id): only ids
	// after After, at most Limit of them (0: all).
	After string
	Limit int
}

// Report is a stored, immutable daily report version.
type Report struct {
	ID           string       `db:"id" json:"id"`
	BusinessDate payment.Date `db:"-" json:"business_date"`
	Agency       string       `db:"agency" json:"agency"`
	Version      int          `db:"version" json:"version"`
	SHA256       string       `db:"sha256" json:"sha256"`
	Body         []byte       `db:"body" json:"-"`
	CreatedAt    time.Time    `db:"created_at" json:"created_at"`
}

// Reports holds report versions. They are never updated.
type Reports interface {
	// InsertReport stores a new version; ErrAlreadyExists if (date, agency,
	// version) exists.
	InsertReport(ctx context.Context, r Report) error
	// LatestReport returns the highest version for (date, agency).
	LatestReport(ctx context.Context, date payment.Date, agency string) (Report, error)
	ReportVersion(ctx context.Context, date payment.Date, agency string, version int) (Report, error)
}

// Statements holds imported statements, idempotent on statement id.
type Statements interface {
	// InsertStatement stores a statement's lines; ErrAlreadyExists if the
	// statement id was imported before.
	InsertStatement(ctx context.Context, id string, source statements.Source, lines []statements.Line) error
	// StatementLines lists lines booked in [from, to], ordered by
	// (booking date, statement id, seq).
	StatementLines(ctx context.Context, from, to payment.Date) ([]statements.Line, error)
}

// AuditEntry is one line of the append-only audit log: one link of its
// hash chain (audit.go). AppendAudit assigns Seq and takes At at the
// microsecond in UTC (never before the previous entry's).
type AuditEntry struct {
	Seq    int64       `db:"seq" json:"seq"`
	At     time.Time   `db:"at" json:"at"`
	Actor  AuditActor  `db:"actor" json:"actor"`
	Action AuditAction `db:"action" json:"action"`
	// Entity is the key of what changed: NoticeEntity, PaymentEntity, …
	Entity string `db:"entity" json:"entity"`
	Detail []byte `db:"detail" json:"detail"` // JSON
}

// AuditActor is who made an audited change: one of feerecon's own workers,
// or an API caller (the procedure system it named, else ActorAPI).
type AuditActor string

// Audit actors of feerecon's own.
const (
	// ActorEngine: the matching engine's decisions (package ingest).
	ActorEngine AuditActor = "engine"
	// ActorDailyRun: statement imports and report versions.
	ActorDailyRun AuditActor = "dailyrun"
	// ActorAPI: an API call without a caller (none is left: every /v1
	// route but the public ones needs a key).
	ActorAPI AuditActor = "api"
	// ActorCLI: a command run by an operator at the shell.
	ActorCLI AuditActor = "cli"
	// ActorOutbox: the outbox senders' deliveries (package outbox).
	ActorOutbox AuditActor = "outbox"
)

// AuditAction names what an audit entry records.
type AuditAction string

// Audit actions.
const (
	AuditNoticeCreate     AuditAction = "notice.create"
	AuditNoticeAmend      AuditAction = "notice.amend"
	AuditNoticeCancel     AuditAction = "notice.cancel"
	AuditNoticeStatus     AuditAction = "notice.status"
	AuditPaymentDecide    AuditAction = "payment.decide"
	AuditExceptionResolve AuditAction = "exception.resolve"
	// AuditExceptionRaise: the daily run found a discrepancy not stored
	// before (matching's exceptions are in its payment.decide entry).
	AuditExceptionRaise    AuditAction = "exception.raise"
	AuditStatementImported AuditAction = "statement.imported"
	AuditReportVersion     AuditAction = "report.version"
	AuditUserAdd           AuditAction = "user.add"
	AuditUserDisable       AuditAction = "user.disable"
	AuditUserPassword      AuditAction = "user.password"
	AuditUserRole          AuditAction = "user.role"
	AuditLogin             AuditAction = "session.login"
	AuditLoginFailed       AuditAction = "session.login_failed"
	AuditLogout            AuditAction = "session.logout"
	// AuditOutboxDelivered: an outbox message reached its channel (a 2xx
	// answer, a broker's acknowledgement); package outbox.
	AuditOutboxDelivered AuditAction = "outbox.delivered"
	// AuditOutboxDead: an outbox message was given up; package outbox.
	AuditOutboxDead   AuditAction = "outbox.dead"
	AuditAPIKeyCreate AuditAction = "apikey.create"
	AuditAPIKeyRevoke AuditAction = "apikey.revoke"
	// An accountant's casework (package casework), each on the
	// exception's entity: the history an exception's page shows.
	AuditExceptionAllocate AuditAction = "exception.allocate"
	AuditExceptionRefund   AuditAction = "exception.refund"
	AuditExceptionWriteOff AuditAction = "exception.write_off"
	AuditExceptionReopen   AuditAction = "exception.reopen"
	AuditExceptionAssign   AuditAction = "exception.assign"
	AuditExceptionComment  AuditAction = "exception.comment"
	// Maker–checker requests, on the exception's entity too (the
	// request's id in the detail).
	AuditRequestCreate  AuditAction = "request.create"
	AuditRequestApprove AuditAction = "request.approve"
	AuditRequestReject  AuditAction = "request.reject"
	// AuditPaymentReverse: a reversal of an earlier credit recorded
	// (ingest.Processor.Reverse), on the original payment's entity, or on
	// the reversal's (ReversalEntity) when the payment is unknown; and on
	// each notice it had paid, naming the payment.reversed message sent.
	AuditPaymentReverse AuditAction = "payment.reverse"
	// AuditNoticeConfirm: a notice confirmed again after a reversal opened
	// it (its detail names the confirmation's outbox id and the payers); a
	// notice's first confirmation is its notice.status entry to paid.
	AuditNoticeConfirm AuditAction = "notice.confirm"
)

// PersonActor is a signed-in person's actor: "user:<login>".
func PersonActor(login string) AuditActor { return AuditActor("user:" + login) }

// The audit log's entity keys, each built here only, so that an entity's
// trail (AuditTrail) holds every entry about it whoever wrote it.

// NoticeEntity is notice (system, id)'s key: "notice:<system>/<id>".
func NoticeEntity(system, id string) string { return "notice:" + system + "/" + id }

// PaymentEntity is payment id's key: "payment:<id>".
func PaymentEntity(id string) string { return "payment:" + id }

// ExceptionEntity is exception id's key: "exception:<id>".
func ExceptionEntity(id string) string { return "exception:" + id }

// StatementEntity is imported statement id's key: "statement:<id>".
func StatementEntity(id string) string { return "statement:" + id }

// ReportEntity is report version id's key: "report:<id>".
func ReportEntity(id string) string { return "report:" + id }

// ReversalEntity is reversal id's key: "reversal:<id>".
func ReversalEntity(id string) string { return "reversal:" + id }

// UserEntity is user login's key: "user:<login>".
func UserEntity(login string) string { return "user:" + login }

// Users holds people's accounts (user.User) and their sessions. Logins
// are unique; sessions are keyed by the hash of their token.
type Users interface {
	// CreateUser stores a new user; ErrAlreadyExists if the login is taken.
	CreateUser(ctx context.Context, u user.User) error
	// User returns the user with login; ErrNotFound if there is none.
	User(ctx context.Context, login string) (user.User, error)
	// ListUsers lists every user, ordered by login.
	ListUsers(ctx context.Context) ([]user.User, error)
	// UpdateUser replaces the stored user of u.Login (role, agencies,
	// password, disabled, failures, lock); ErrNotFound if there is none.
	UpdateUser(ctx context.Context, u user.User) error
	// CreateSession stores s; ErrAlreadyExists for a token hash stored
	// before, ErrNotFound (or ErrConflict) for an unknown login.
	CreateSession(ctx context.Context, s user.Session) error
	// Session returns the session of tokenHash; ErrNotFound if none.
	Session(ctx context.Context, tokenHash []byte) (user.Session, error)
	// TouchSession sets a session's LastSeen; ErrNotFound if none.
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	// DeleteSession ends one session (no error if it is gone already);
	// DeleteSessions ends every session of login (a role change, a
	// disabled user, a new password).
	DeleteSession(ctx context.Context, tokenHash []byte) error
	DeleteSessions(ctx context.Context, login string) error
}

// OutboxEntity is outbox message id's key: "outbox:<id>".
func OutboxEntity(id string) string { return "outbox:" + id }

// APIKeyEntity is API key id's key: "apikey:<id>".
func APIKeyEntity(id string) string { return "apikey:" + id }

// Audit is the append-only, hash-chained audit log (see audit.go for the
// chain: canonical bytes, hashes, seq and time rules). There is no update
// and no delete.
type Audit interface {
	// AppendAudit appends e as the chain's next entry: the backend assigns
	// its seq (head + 1), its at (e.At at the microsecond in UTC, never
	// before the head's), its canonical bytes and its hashes (ChainNext).
	// One transaction at a time extends the chain: the first AppendAudit
	// of a transaction may wait for another auditing transaction to end
	// (PostgreSQL holds the chain's lock from the moment the entries are
	// written, at the latest at commit, until the commit). A rolled-back
	// transaction leaves no entry and no hole.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// AuditTrail lists an entity's entries, ordered by seq.
	AuditTrail(ctx context.Context, entity string) ([]AuditEntry, error)
	// AuditHeadAt returns the link of the last entry whose at is at or
	// before t (the chain's head at t); AuditLink{} (seq 0) when none.
	AuditHeadAt(ctx context.Context, t time.Time) (AuditLink, error)
	// AuditRecords returns up to limit stored records from seq from on,
	// ordered by seq, with their stored canonical bytes and hashes as they
	// are (a verifier must see a tampered row as it is): a keyset page, so
	// that a verifier walks millions of entries in bounded memory.
	AuditRecords(ctx context.Context, from int64, limit int) ([]AuditRecord, error)
}

// KeyRole is what an API key may do.
type KeyRole string

// Key roles.
const (
	// RoleSystem: a procedure system; it issues, reads, amends and cancels
	// its own notices only.
	RoleSystem KeyRole = "system"
	// RoleOperator: feerecon's operators; they read exceptions and the
	// outbox and resolve exceptions. They issue no notice.
	RoleOperator KeyRole = "operator"
)

// KeyRoles lists every role (validators take it).
func KeyRoles() []KeyRole { return []KeyRole{RoleSystem, RoleOperator} }

// APIKey is a stored API key: its public id and the SHA-256 of its secret
// (package apikey), never the secret.
type APIKey struct {
	ID string `db:"id" json:"id"`
	// System names the holder: the procedure system of a RoleSystem key
	// (the system its notices belong to), the operator (person or team)
	// of a RoleOperator key.
	System     string     `db:"system" json:"system"`
	Role       KeyRole    `db:"role" json:"role"`
	SecretHash []byte     `db:"secret_hash" json:"-"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// ValidName reports whether name can name a key's holder (a system or an
// operator): 1-64 letters, digits, '.', '_', ':' or '-', starting with a
// letter or digit. Both backends refuse another (ErrConflict).
func ValidName(name string) bool { return nameRE.MatchString(name) }

// Active reports whether the key is not revoked.
func (k APIKey) Active() bool { return k.RevokedAt == nil }

// APIKeys holds API keys. A key is never deleted: revoked, it stays, so its
// id in the audit log keeps naming it.
type APIKeys interface {
	// CreateAPIKey stores a key; ErrAlreadyExists if its id exists.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKey returns a key by id, revoked or not.
	APIKey(ctx context.Context, id string) (APIKey, error)
	// ListAPIKeys lists every key, ordered by (system, created_at, id).
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey revokes a key at at; ErrNotFound if there is none,
	// ErrConflict if it is revoked already.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	// SystemHasKey reports whether system holds an active RoleSystem key.
	SystemHasKey(ctx context.Context, system string) (bool, error)
}

// StatusOnly reports whether n differs from old in its status alone, at the
// same version: the one change UpdateNotice accepts without a new version
// (the engine's decision, not an amendment by the issuing system).
func StatusOnly(old, n payment.Notice) bool {
	if old.Version != n.Version {
		return false
	}
	old.Status = n.Status
	return old.Equal(n)
}

// ---- maker–checker requests (package casework)

// RequestState is where a maker–checker request is.
type RequestState string

// Request states.
const (
	RequestPending  RequestState = "pending"
	RequestApproved RequestState = "approved"
	RequestRejected RequestState = "rejected"
)

// ActionRequest is an accountant's action on an exception that waits for
// an approver (maker–checker): the maker asked, a checker who is not the
// maker approves (the action is then applied in the same transaction) or
// rejects it with a reason. Both backends refuse a checker equal to the
// maker and a second pending request for the same exception.
type ActionRequest struct {
	ID          string           `db:"id" json:"id"`
	ExceptionID string           `db:"exception_id" json:"exception_id"`
	Action      reconcile.Action `db:"action" json:"action"`
	// Body is the action's parameters as JSON (package casework's).
	Body []byte `db:"body" json:"body"`
	// Amount is the money the action moves: what the threshold weighed.
	Amount    payment.Money `db:"-" json:"amount"`
	Reason    string        `db:"reason" json:"reason"`
	Maker     string        `db:"maker" json:"maker"`
	CreatedAt time.Time     `db:"created_at" json:"created_at"`
	State     RequestState  `db:"state" json:"state"`
	// Checker, DecidedAt and Decision are set when it is decided; a
	// rejection's Decision (its reason) is required.
	Checker   string     `db:"checker" json:"checker,omitempty"`
	DecidedAt *time.Time `db:"decided_at" json:"decided_at,omitempty"`
	Decision  string     `db:"decision_reason" json:"decision_reason,omitempty"`
}

// RequestFilter selects requests; zero fields match everything.
type RequestFilter struct {
	State       RequestState
	ExceptionID string
}

// Requests holds maker–checker requests.
type Requests interface {
	// CreateRequest stores a pending request; ErrAlreadyExists if its id
	// exists, ErrConflict if its exception has a pending request already
	// or it lacks a reason or a maker.
	CreateRequest(ctx context.Context, r ActionRequest) error
	// Request returns a request by id; ErrNotFound if there is none.
	Request(ctx context.Context, id string) (ActionRequest, error)
	// ListRequests lists the requests f selects, oldest first.
	ListRequests(ctx context.Context, f RequestFilter) ([]ActionRequest, error)
	// DecideRequest approves or rejects a pending request; ErrConflict if
	// it is not pending, the checker is its maker, the state is not a
	// decision, or a rejection has no reason.
	DecideRequest(ctx context.Context, id string, state RequestState, checker, reason string, at time.Time) error
}

// CheckManual checks the rule both backends hold an allocation to (the
// PostgreSQL schema by a CHECK): a manual one names who and why, only a
// manual one does, and its approver is not its maker. ErrConflict.
func CheckManual(a reconcile.Allocation) error {
	manual := a.Rule == reconcile.RuleManual
	switch {
	case manual && (strings.TrimSpace(a.By) == "" || strings.TrimSpace(a.Reason) == ""):
		return fmt.Errorf("manual allocation of payment %s without who and why: %w", a.PaymentID, ErrConflict)
	case !manual && (a.By != "" || a.Reason != "" || a.Approved != ""):
		return fmt.Errorf("allocation of payment %s by rule %s names a person: %w", a.PaymentID, a.Rule, ErrConflict)
	case a.Approved != "" && a.Approved == a.By:
		return fmt.Errorf("manual allocation of payment %s approved by its maker: %w", a.PaymentID, ErrConflict)
	}
	return nil
}

// RequestEntity is request id's audit key: "request:<id>".
func RequestEntity(id string) string { return "request:" + id }

// ---- Searches: what the console looks up for a person (issue 10).

// Searches finds notices by what a person types and pages through the
// audit chain by filter. Every list is bounded (Limit) and keyset-paged.
type Searches interface {
	// SearchNotices lists the notices q selects, ordered by (system, id),
	// at most q.Limit of them, after q.After; ErrConflict for a query
	// outside the contract (an unknown field, a limit outside
	// 1..MaxSearchLimit).
	SearchNotices(ctx context.Context, q NoticeQuery) ([]payment.Notice, error)
	// AuditEntries lists the audit entries f selects, newest first (seq
	// descending), at most f.Limit of them, before f.Before; ErrConflict
	// for a limit outside 1..MaxSearchLimit. Times are in
	// Asia/Ho_Chi_Minh, as AuditTrail's.
	AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// MaxSearchLimit bounds one page of SearchNotices and AuditEntries.
const MaxSearchLimit = 500

// NoticeField is what a notice search compares its term with.
type NoticeField string

// Notice search fields.
const (
	// NoticeByCode: the payment code, exactly (the term upper-cased and
	// trimmed).
	NoticeByCode NoticeField = "code"
	// NoticeByDossier: the dossier code, by its comparison key
	// (reconcile.DossierKey of the term equal to the notice's).
	NoticeByDossier NoticeField = "dossier"
	// NoticeByID: the notice id given by its issuing system, exactly (the
	// term trimmed), whatever the system.
	NoticeByID NoticeField = "id"
	// NoticeByPayer: the payer's name contains the term, both folded by
	// reconcile.FoldName (case, diacritics, đ and punctuation ignored:
	// "van an" finds "Nguyễn Văn An"). A term that folds to nothing finds
	// nothing.
	NoticeByPayer NoticeField = "payer"
)

// NoticeFields lists every notice search field (validators take it).
func NoticeFields() []NoticeField {
	return []NoticeField{NoticeByCode, NoticeByDossier, NoticeByID, NoticeByPayer}
}

// NoticeQuery is a notice search.
type NoticeQuery struct {
	Field NoticeField
	// Term is what the person typed; the field says how it compares.
	Term string
	// Scoped keeps only the notices of Agencies (a person's scope).
	Scoped   bool
	Agencies []string
	// After and Limit page: only notices after After in (system, id)
	// order, at most Limit (1..MaxSearchLimit).
	After NoticeKey
	Limit int
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	Actor  AuditActor
	Action AuditAction
	// Entity is an entity key exactly (NoticeEntity(…), UserEntity(…)…);
	// EntityKind the part of the key before its first ':' ("notice",
	// "user", …): every entity of that kind.
	Entity     string
	EntityKind string
	// Before and Limit page from the head down: only seqs below Before
	// (0: from the head), at most Limit (1..MaxSearchLimit).
	Before int64
	Limit  int
}

// EntityKindOf is the kind of entity key e: the part before its first
// ':' ("" if it has none).
func EntityKindOf(e string) string {
	k, _, ok := strings.Cut(e, ":")
	if !ok {
		return ""
	}
	return k
}

// EntityKinds lists the kinds of the entity keys the *Entity functions
// build, from the functions themselves; a test checks that it names each.
func EntityKinds() []string {
	return []string{
		EntityKindOf(APIKeyEntity("")), EntityKindOf(ExceptionEntity("")), EntityKindOf(NoticeEntity("", "")),
		EntityKindOf(OutboxEntity("")), EntityKindOf(PaymentEntity("")), EntityKindOf(ReportEntity("")),
		EntityKindOf(StatementEntity("")), EntityKindOf(UserEntity("")), EntityKindOf(RequestEntity("")),
		EntityKindOf(ReversalEntity("")),
	}
}

// AuditActions lists every audit action (the console's filter offers
// them); a test checks it against the constants.
func AuditActions() []AuditAction {
	return []AuditAction{
		AuditNoticeCreate, AuditNoticeAmend, AuditNoticeCancel, AuditNoticeStatus, AuditPaymentDecide,
		AuditExceptionResolve, AuditExceptionRaise, AuditStatementImported, AuditReportVersion,
		AuditUserAdd, AuditUserDisable, AuditUserPassword, AuditUserRole,
		AuditLogin, AuditLoginFailed, AuditLogout, AuditOutboxDelivered, AuditOutboxDead,
		AuditAPIKeyCreate, AuditAPIKeyRevoke,
		AuditExceptionAllocate, AuditExceptionRefund, AuditExceptionWriteOff, AuditExceptionReopen,
		AuditExceptionAssign, AuditExceptionComment, AuditRequestCreate, AuditRequestApprove, AuditRequestReject,
		AuditReportRerun, AuditPaymentReverse, AuditNoticeConfirm,
	}
}

// CheckNoticeQuery reports ErrConflict for a query outside the contract;
// both backends call it first.
func CheckNoticeQuery(q NoticeQuery) error {
	if !slices.Contains(NoticeFields(), q.Field) {
		return fmt.Errorf("search notices by %q: %w", q.Field, ErrConflict)
	}
	return checkLimit("search notices", q.Limit)
}

// CheckAuditFilter reports ErrConflict for a filter outside the contract.
func CheckAuditFilter(f AuditFilter) error {
	if f.Before < 0 {
		return fmt.Errorf("audit entries before %d: %w", f.Before, ErrConflict)
	}
	return checkLimit("audit entries", f.Limit)
}

func checkLimit(what string, n int) error {
	if n < 1 || n > MaxSearchLimit {
		return fmt.Errorf("%s: limit %d outside 1..%d: %w", what, n, MaxSearchLimit, ErrConflict)
	}
	return nil
}

// ---- the console's reports (package console)

// AuditReportRerun: a person ran a business day's reconciliation again
// from the console, on the entity of the day's report of the agency
// (ReportEntity of daily.ScopeID); the versions it stored have their own
// report.version entries.
const AuditReportRerun AuditAction = "report.rerun"

// ---- The Today page (issue 10): a business day's reports at a glance.

// DayReports lists a business day's reports, one per agency.
type DayReports interface {
	// LatestReports returns the latest version of each agency's report of
	// date (the AgencyAll total included), ordered by agency, without
	// their bodies (Body is nil): what a summary of the day shows.
	LatestReports(ctx context.Context, date payment.Date) ([]Report, error)
}

// ---- Days re-reported on their own (issue 11)

// CursorDailyRerun is the daily scheduler's audit cursor: the seq of the
// last audit entry whose changes to closed days it has re-run.
const CursorDailyRerun = "daily.rerun"

// AuditCursors keep a reader's place in the audit log, by the reader's
// name. The audit log is written in the transaction of every change, so a
// reader that walks it from its cursor sees each change once, and a
// restart resumes where the last committed cursor was.
type AuditCursors interface {
	// AuditCursor returns the seq stored under name; ErrNotFound if none.
	AuditCursor(ctx context.Context, name string) (int64, error)
	// SetAuditCursor stores seq under name, creating it; ErrConflict if
	// name is empty, seq negative, or seq before the stored one (a cursor
	// never moves back: two readers racing cannot undo each other).
	SetAuditCursor(ctx context.Context, name string, seq int64) error
}

// ConsumerOffsets are the Kafka positions whose effects are stored: the
// next offset to handle, per (consumer group, topic, partition), written
// in the transaction that records the messages before it, so that a
// redelivered message (after a rebalance, a crash between the commit and
// the broker's offset commit, a stale fetch) is recognised and skipped.
type ConsumerOffsets interface {
	// LockConsumerOffsets locks the positions of these partitions of
	// (group, topic) until the transaction ends and returns the next
	// offset to handle of each: 0 for a partition with none stored (every
	// message is new). Two transactions locking the same partition run one
	// after the other; partitions are locked in order.
	LockConsumerOffsets(ctx context.Context, group, topic string, partitions []int) (map[int]int64, error)
	// StoreConsumerOffsets sets the next offset to handle of each partition
	// given; ErrConflict for an empty group or topic, a negative partition
	// or offset, or an offset before the one stored (positions never move
	// back).
	StoreConsumerOffsets(ctx context.Context, group, topic string, next map[int]int64) error
}

// Savepoints make part of a transaction fail alone.
type Savepoints interface {
	// Nested runs fn as one unit inside the transaction (a savepoint):
	// when fn returns an error, everything fn did through this transaction
	// is undone, the transaction goes on, and the error is returned; when
	// it returns nil, its changes stay, to be committed with the rest.
	Nested(ctx context.Context, fn func() error) error
}

// AwaitKind says what an awaited reference names.
type AwaitKind string

// Awaited reference kinds.
const (
	// AwaitCode: a payment code no notice carried when the payment came.
	AwaitCode AwaitKind = "code"
	// AwaitDossier: a dossier comparison key (reconcile.DossierKey); kept
	// whether or not a notice had it then, since a dossier may gain
	// notices later.
	AwaitDossier AwaitKind = "dossier"
)

// AwaitedRef is a reference a payment made that a notice created or
// amended later may answer.
type AwaitedRef struct {
	Kind AwaitKind `json:"kind"`
	Key  string    `json:"key"`
}

// Awaiting keeps the references payments made that may name a notice not
// issued yet, so that the notice's creation (or amendment) finds the
// payments that wait for it and has them decided again (package ingest).
type Awaiting interface {
	// AwaitNotices records refs for payment paymentID (ErrNotFound if no
	// such payment); recording the same reference again is a no-op. An
	// empty key or an unknown kind is ErrConflict.
	AwaitNotices(ctx context.Context, paymentID string, refs []AwaitedRef) error
	// PaymentsAwaiting lists, once each and ordered by (paid_at, id), the
	// payments that recorded the code (AwaitCode) or the dossier key
	// (AwaitDossier); an empty argument matches nothing.
	PaymentsAwaiting(ctx context.Context, code payment.PaymentCode, dossierKey string) ([]payment.Payment, error)
	// LockReferences serialises, until the transaction ends, the
	// transactions that name the same references: a payment's before it
	// looks its notices up, a notice's creation before it looks up who
	// awaits it. Without it a payment and its notice committed at the same
	// time would each miss the other. Invalid references are skipped.
	LockReferences(ctx context.Context, refs []AwaitedRef) error
}

// Valid reports whether r can be recorded.
func (r AwaitedRef) Valid() bool {
	return r.Key != "" && (r.Kind == AwaitCode || r.Kind == AwaitDossier)
}

// ---- Reversals and refunds (issue 11 §2)

// Reversals holds reversals of earlier credits (payment.Reversal), and
// what finding and undoing the original needs.
type Reversals interface {
	// InsertReversal stores r; ErrAlreadyExists if its id (gateway, txn
	// id) is stored: a redelivery. r.PaymentID names the original payment
	// (ErrNotFound if there is none) or is "" for an unknown one;
	// ErrConflict if that payment is reversed already.
	InsertReversal(ctx context.Context, r payment.Reversal) error
	// Reversal returns a reversal by id; ErrNotFound if there is none.
	Reversal(ctx context.Context, id string) (payment.Reversal, error)
	// ReversalOf returns the reversal of payment id; ErrNotFound if the
	// payment is not reversed.
	ReversalOf(ctx context.Context, paymentID string) (payment.Reversal, error)
	// ListReversals lists the reversals booked in [from, to), ordered by
	// (reversed_at, id).
	ListReversals(ctx context.Context, from, to time.Time) ([]payment.Reversal, error)
	// PaymentsByRef lists the payments whose gateway txn id or bank ref
	// is one of refs, ordered by (paid_at, id), each once.
	PaymentsByRef(ctx context.Context, refs []string) ([]payment.Payment, error)
	// UnlinkPayment removes every link LinkPayment made for a payment and
	// every reference AwaitNotices recorded for it: a reversed payment
	// references no notice any more and waits for none (the audit log
	// keeps which it did).
	UnlinkPayment(ctx context.Context, paymentID string) error
	// UnmatchedReversals lists the reversals stored without a payment
	// (of an unknown payment) that name one of refs in their
	// OriginalRefs, ordered by (reversed_at, id): what a payment that
	// arrives after its reversal looks for.
	UnmatchedReversals(ctx context.Context, refs []string) ([]payment.Reversal, error)
	// SetReversalPayment names the payment of a reversal stored without
	// one; ErrNotFound if either is missing, ErrConflict if the reversal
	// has a payment already or the payment is reversed already.
	SetReversalPayment(ctx context.Context, id, paymentID string) error
}
