package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store"
)

// OutboxTx is what a Sender needs inside a transaction; store.Tx has it.
type OutboxTx interface {
	Due(ctx context.Context, kind store.OutboxKind, now time.Time, limit int) ([]store.OutboxMessage, error)
	MarkDelivered(ctx context.Context, id string, at time.Time) error
	MarkFailed(ctx context.Context, id string, errText string, next time.Time, dead bool) error
	// RetryNow makes the failed messages of a channel's destination due
	// now (store.Outbox.RetryNow).
	RetryNow(ctx context.Context, kind store.OutboxKind, destination string, now time.Time) (int, error)
	// AppendAudit records a delivery and a message given up, in the
	// transaction that marks it.
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Store runs fn in a transaction: committed if fn returns nil, rolled back
// otherwise. FromStore adapts a store.Store.
type Store interface {
	InTx(ctx context.Context, fn func(tx OutboxTx) error) error
}

// FromStore adapts a store.Store to Store.
func FromStore(s store.Store) Store { return storeAdapter{s} }

type storeAdapter struct{ s store.Store }

func (a storeAdapter) InTx(ctx context.Context, fn func(OutboxTx) error) error {
	return a.s.InTx(ctx, func(tx store.Tx) error { return fn(tx) })
}

// Outcome is what one attempt did to an outbox message.
type Outcome string

// Outcomes of an attempt.
const (
	// OutcomeDelivered: the channel took the message (a 2xx answer, a
	// broker acknowledgement); it is marked delivered.
	OutcomeDelivered Outcome = "delivered"
	// OutcomeFailed: the attempt failed; the message is retried after
	// Backoff.
	OutcomeFailed Outcome = "failed"
	// OutcomeDead: the message is given up, after its last attempt or at
	// once when no retry can send it; it stays in the store, visible with
	// store.Outbox.ListOutbox with an OutboxFilter{Kind: kind, State: store.OutboxDead}.
	OutcomeDead Outcome = "dead"
)

// Result counts what a Tick did.
type Result struct {
	Delivered, Failed, Dead int
}

func (r *Result) add(o Outcome) {
	switch o {
	case OutcomeDelivered:
		r.Delivered++
	case OutcomeFailed:
		r.Failed++
	case OutcomeDead:
		r.Dead++
	}
}

// Loop is how a Sender drains, the same for every channel. Zero values
// take the defaults.
type Loop struct {
	// MaxAttempts before a message is dead; 0 takes the channel's
	// default: 10 for webhooks, none for Kafka (a broker outage only
	// delays messages).
	MaxAttempts int
	// BaseBackoff and MaxBackoff: after the n-th failed attempt the next
	// one waits a uniformly random duration in [0, min(MaxBackoff,
	// BaseBackoff·2^(n-1))] (full jitter, Backoff); default 10s and 1h for
	// webhooks, 1s and 5m for Kafka.
	BaseBackoff, MaxBackoff time.Duration
	// Batch bounds the messages per kind per Tick; default 500. A Tick
	// that reached it is followed at once by the next (Run does not wait
	// out Interval while messages are due).
	Batch int
	// Parallel is how many due messages of a kind one transaction takes
	// and sends at once; default 64. Messages of one lane (the same
	// destination and Kafka key: one notice's confirmation and its
	// reversal, one report scope's versions) go out one after another, in
	// the order they were stored; other lanes go out together. Their
	// outcomes are marked, audited and committed together: one commit per
	// Parallel messages, not one per message.
	Parallel int
	// Interval between Ticks in Run; default 1s. Wake cuts it short.
	Interval time.Duration
	// Clock and Rand (returning a value in [0, n)) are injected for tests;
	// default time.Now and math/rand/v2.Int64N.
	Clock func() time.Time
	Rand  func(n int64) int64
	// Logger; default discards.
	Logger *slog.Logger
	// AfterSend, a test hook, runs after the channel took a message and
	// before it is marked delivered. An error rolls the transaction back
	// (the message stays as it was) and Tick returns it: a crash between
	// the send and the mark.
	AfterSend func(store.OutboxMessage) error
}

// Validate reports all problems at once.
func (l Loop) Validate() error {
	p := config.In("outbox")
	l.problems(p)
	return p.Err()
}

func (l Loop) problems(p *config.Problems) {
	if l.MaxAttempts < 0 || l.Batch < 0 || l.Parallel < 0 {
		p.Addf("negative MaxAttempts, Batch or Parallel")
	}
	if l.BaseBackoff < 0 || l.MaxBackoff < 0 || l.Interval < 0 {
		p.Addf("negative duration")
	}
	if l.BaseBackoff > 0 && l.MaxBackoff > 0 && l.BaseBackoff > l.MaxBackoff {
		p.Addf("BaseBackoff above MaxBackoff")
	}
}

// withDefaults fills the zero values: the channel's own for MaxAttempts
// and the backoff, the common ones for the rest. A base above a defaulted
// cap is the cap.
func (l Loop) withDefaults(def Loop) Loop {
	if l.MaxAttempts == 0 {
		l.MaxAttempts = def.MaxAttempts
	}
	if l.BaseBackoff == 0 {
		l.BaseBackoff = def.BaseBackoff
	}
	if l.MaxBackoff == 0 {
		l.MaxBackoff = def.MaxBackoff
	}
	l.BaseBackoff = min(l.BaseBackoff, l.MaxBackoff)
	if l.Batch == 0 {
		l.Batch = 500
	}
	if l.Parallel == 0 {
		l.Parallel = 100
	}
	if l.Interval == 0 {
		l.Interval = time.Second
	}
	if l.Clock == nil {
		l.Clock = time.Now
	}
	if l.Rand == nil {
		l.Rand = rand.Int64N
	}
	if l.Logger == nil {
		l.Logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// attempt is what a channel's send did.
type attempt struct {
	// err is empty when the channel took the message, else the text to
	// record (never a secret, never a URL).
	err string
	// unsendable: the channel cannot send this payload at all (it never
	// reached the wire): dead at once.
	unsendable bool
	// permanent: the receiver refused it for good: dead at once.
	permanent bool
	// attrs are logged with a delivery (e.g. the Kafka key).
	attrs []slog.Attr
}

// channel is one way out: it sends one message and counts outcomes.
type channel interface {
	send(ctx context.Context, m store.OutboxMessage) attempt
	// lane names the messages that must go out one after another, in
	// order (those of one destination and key); messages of different
	// lanes may go out at once.
	lane(m store.OutboxMessage) string
	// count adds n to the attempts of kind with outcome o.
	count(kind store.OutboxKind, o Outcome, n float64)
}

// outcomes are all the Outcomes, for the metrics' series.
func outcomes() []Outcome { return []Outcome{OutcomeDelivered, OutcomeFailed, OutcomeDead} }

// Sender delivers the due outbox messages of some kinds through one
// channel. NewWebhook and NewKafka build one.
type Sender struct {
	st    Store
	ch    channel
	kinds []store.OutboxKind
	cfg   Loop
	log   *slog.Logger
	// failing are the (kind, destination) pairs an attempt of this sender
	// failed for since their last delivery: the first delivery to one
	// makes its other failed messages due at once (RetryNow), so a
	// destination that comes back is not kept waiting by their backoff.
	mu      sync.Mutex
	failing map[[2]string]bool
	// wake asks Run for a Tick now (Wake).
	wake chan struct{}
}

func newSender(st Store, ch channel, kinds []store.OutboxKind, cfg Loop) *Sender {
	// Every series exists from the start, at 0, so that /metrics shows
	// the counters before the first attempt and rates start from zero.
	for _, k := range kinds {
		for _, o := range outcomes() {
			ch.count(k, o, 0)
		}
	}
	return &Sender{st: st, ch: ch, kinds: kinds, cfg: cfg, log: cfg.Logger, failing: map[[2]string]bool{}, wake: make(chan struct{}, 1)}
}

// Wake has Run tick now rather than at the end of its Interval: what a
// process that just committed messages to send (a batch of payments with
// confirmations) calls, so that a citizen's dossier does not wait out the
// interval. It never blocks; wakes while a Tick runs make one more Tick.
// Another instance's senders still find the messages at their interval.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run ticks every Interval until ctx ends; it returns nil then. A failing
// tick is logged and retried at the next one. An attempt under way when ctx
// ends is cut and left as it was: RunUntil lets it finish.
func (s *Sender) Run(ctx context.Context) error { return s.RunUntil(ctx, ctx) }

// RunUntil ticks every Interval until stop ends, then returns nil once the
// messages under way (if any) are sent and their outcomes committed: a
// graceful shutdown does not cut a confirmation POST, which another
// instance would send again. work bounds that work (the shutdown's
// deadline): when it ends first, the attempts are cut and their messages
// left as they were, to be sent again later under the same
// Idempotency-Key. A Tick that reached Batch for a kind is followed at once
// by the next, so a backlog drains at the channel's pace, not Batch per
// Interval.
func (s *Sender) RunUntil(stop, work context.Context) error {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		more, err := s.tick(stop, work)
		if err != nil && stop.Err() == nil {
			s.log.ErrorContext(work, "outbox tick failed", slog.String("error", err.Error()))
		}
		if more && err == nil && stop.Err() == nil {
			continue
		}
		select {
		case <-stop.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Tick sends the messages due now, up to Batch per kind, Parallel at a
// time in one transaction each: take them (locked), send them (lane by
// lane, the lanes at once), record each outcome, commit. A crash between
// the sends and the commit sends them again later with the same
// Idempotency-Keys. A message is tried at most once per Tick. Once ctx has
// ended no message is taken.
func (s *Sender) Tick(ctx context.Context) (Result, error) {
	var res Result
	_, err := s.tickInto(ctx, ctx, &res)
	return res, err
}

// tick is Tick taking no new message once stop has ended, and doing the
// work of each under work; more reports that a kind reached Batch.
func (s *Sender) tick(stop, work context.Context) (more bool, err error) {
	var res Result
	return s.tickInto(stop, work, &res)
}

func (s *Sender) tickInto(stop, work context.Context, res *Result) (more bool, err error) {
	for _, kind := range s.kinds {
		tried := map[string]bool{}
		taken := 0
		for taken < s.cfg.Batch {
			if stop.Err() != nil {
				return false, nil //nolint:nilerr // stopping: no new message is taken; nothing failed
			}
			os, err := s.some(work, kind, tried, min(s.cfg.Parallel, s.cfg.Batch-taken))
			if err != nil {
				return false, err
			}
			if len(os) == 0 {
				break
			}
			taken += len(os)
			for _, o := range os {
				res.add(o)
				s.ch.count(kind, o, 1)
			}
		}
		if taken >= s.cfg.Batch {
			more = true
		}
	}
	return more, nil
}

// some takes up to limit due messages of kind (not yet tried in this
// Tick), sends them and marks each in one transaction; it returns their
// outcomes, none when nothing was due.
func (s *Sender) some(ctx context.Context, kind store.OutboxKind, tried map[string]bool, limit int) ([]Outcome, error) {
	var os []Outcome
	err := s.st.InTx(ctx, func(tx OutboxTx) error {
		os = nil
		due, err := tx.Due(ctx, kind, s.cfg.Clock(), limit)
		if err != nil {
			return fmt.Errorf("outbox due %s: %w", kind, err)
		}
		var ms []store.OutboxMessage
		for _, m := range due {
			if !tried[m.ID] {
				ms = append(ms, m)
			}
		}
		if len(ms) == 0 {
			return nil
		}
		for _, m := range ms {
			tried[m.ID] = true
		}
		as := s.sendAll(ctx, ms)
		marks := make([]func() error, len(ms))
		bulk, inBulk := tx.(deliveredMarker)
		var delivered []string
		at := s.cfg.Clock()
		for i, m := range ms {
			o, mark, err := s.decide(ctx, tx, m, as[i], at, inBulk)
			if err != nil {
				return err
			}
			os = append(os, o)
			marks[i] = mark
			if o == OutcomeDelivered {
				delivered = append(delivered, m.ID)
			}
		}
		if inBulk && len(delivered) > 0 {
			if err := bulk.MarkDeliveredAll(ctx, delivered, at); err != nil {
				return err
			}
		}
		for _, mark := range marks {
			if err := mark(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return os, nil
}

// sendAll sends ms, those of one lane one after another in their order,
// the lanes at once; the attempts come back in ms's order.
func (s *Sender) sendAll(ctx context.Context, ms []store.OutboxMessage) []attempt {
	as := make([]attempt, len(ms))
	if len(ms) == 1 {
		as[0] = s.ch.send(ctx, ms[0])
		return as
	}
	lanes := map[string][]int{}
	var order []string
	for i, m := range ms {
		l := s.ch.lane(m)
		if _, ok := lanes[l]; !ok {
			order = append(order, l)
		}
		lanes[l] = append(lanes[l], i)
	}
	var wg sync.WaitGroup
	for _, l := range order {
		wg.Go(func() {
			for _, i := range lanes[l] {
				as[i] = s.ch.send(ctx, ms[i])
			}
		})
	}
	wg.Wait()
	return as
}

// deliveredMarker is an OutboxTx that marks many messages delivered in one
// statement (store.Bulk: PostgreSQL).
type deliveredMarker interface {
	MarkDeliveredAll(ctx context.Context, ids []string, at time.Time) error
}

// decide is the outcome of attempt a of m; mark records it in tx. A
// delivery is at at; marked delivered by mark, unless markedInBulk (the
// caller marks the transaction's deliveries at once).
func (s *Sender) decide(ctx context.Context, tx OutboxTx, m store.OutboxMessage, a attempt, at time.Time, markedInBulk bool) (Outcome, func() error, error) {
	log := s.log.With(slog.String("outbox_id", m.ID), slog.String("kind", string(m.Kind)),
		slog.String("destination", m.Destination), slog.Int("attempt", m.Attempts+1))
	if a.err == "" {
		if s.cfg.AfterSend != nil {
			if err := s.cfg.AfterSend(m); err != nil {
				return "", nil, fmt.Errorf("after send %s: %w", m.ID, err)
			}
		}
		log.LogAttrs(ctx, slog.LevelInfo, "outbox message delivered", a.attrs...)
		return OutcomeDelivered, func() error {
			if !markedInBulk {
				if err := tx.MarkDelivered(ctx, m.ID, at); err != nil {
					return err
				}
			}
			if err := s.backAgain(ctx, tx, m, at); err != nil {
				return err
			}
			return auditOutcome(ctx, tx, m, store.AuditOutboxDelivered, at, "")
		}, nil
	}
	if !a.unsendable && ctx.Err() != nil {
		// Shutting down: the attempt did not fail on its own; leave the
		// message as it was.
		return "", nil, ctx.Err()
	}
	if a.unsendable || a.permanent {
		log.ErrorContext(ctx, "outbox message dead: no retry can send it", slog.String("error", a.err))
		return OutcomeDead, func() error { return markDead(ctx, tx, m, a.err, at, at) }, nil
	}
	next := at.Add(Backoff(m.Attempts+1, s.cfg.BaseBackoff, s.cfg.MaxBackoff, s.cfg.Rand))
	if s.cfg.MaxAttempts > 0 && m.Attempts+1 >= s.cfg.MaxAttempts {
		log.ErrorContext(ctx, "outbox message dead after its last attempt", slog.String("error", a.err))
		return OutcomeDead, func() error { return markDead(ctx, tx, m, a.err, next, at) }, nil
	}
	log.WarnContext(ctx, "outbox attempt failed", slog.String("error", a.err), slog.Time("next_attempt", next))
	s.mu.Lock()
	s.failing[[2]string{string(m.Kind), m.Destination}] = true
	s.mu.Unlock()
	return OutcomeFailed, func() error { return tx.MarkFailed(ctx, m.ID, a.err, next, false) }, nil
}

// backAgain, after a delivery of m, makes the messages this sender saw
// fail for m's destination due now: the destination is back. It is a
// no-op while no attempt to it has failed, so a healthy channel pays
// nothing for it.
func (s *Sender) backAgain(ctx context.Context, tx OutboxTx, m store.OutboxMessage, at time.Time) error {
	key := [2]string{string(m.Kind), m.Destination}
	s.mu.Lock()
	failed := s.failing[key]
	s.mu.Unlock()
	if !failed {
		return nil
	}
	n, err := tx.RetryNow(ctx, m.Kind, m.Destination, at)
	if err != nil {
		return fmt.Errorf("outbox retry now %s %s: %w", m.Kind, m.Destination, err)
	}
	s.mu.Lock()
	delete(s.failing, key)
	s.mu.Unlock()
	if n > 0 {
		s.log.InfoContext(ctx, "destination back: its failed messages are due now", slog.String("kind", string(m.Kind)),
			slog.String("destination", m.Destination), slog.Int("messages", n))
	}
	return nil
}

// markDead marks m dead and records it in the audit chain.
func markDead(ctx context.Context, tx OutboxTx, m store.OutboxMessage, errText string, next, at time.Time) error {
	if err := tx.MarkFailed(ctx, m.ID, errText, next, true); err != nil {
		return err
	}
	return auditOutcome(ctx, tx, m, store.AuditOutboxDead, at, errText)
}

// auditOutcome appends the audit entry of a delivery or a message given
// up: its kind, destination name and attempt (never the payload, which the
// message keeps), and the recorded error of a dead one.
func auditOutcome(ctx context.Context, tx OutboxTx, m store.OutboxMessage, action store.AuditAction, at time.Time, errText string) error {
	detail, err := json.Marshal(struct {
		Kind        store.OutboxKind `json:"kind"`
		Destination string           `json:"destination"`
		Attempt     int              `json:"attempt"`
		Error       string           `json:"error,omitempty"`
	}{m.Kind, m.Destination, m.Attempts + 1, errText})
	if err != nil {
		return fmt.Errorf("outbox %s audit: %w", m.ID, err)
	}
	if err := tx.AppendAudit(ctx, store.AuditEntry{At: at, Actor: store.ActorOutbox, Action: action,
		Entity: store.OutboxEntity(m.ID), Detail: detail}); err != nil {
		return fmt.Errorf("outbox %s audit: %w", m.ID, err)
	}
	return nil
}
