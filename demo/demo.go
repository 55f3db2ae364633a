// Package demo is the embedded default, `make demo`: the main job of
// feerecon on one machine with nothing but Go — the in-memory store, an
// in-process transport in place of Kafka, and local HTTP sinks in place of
// the procedure systems.
//
// It runs the whole path: fee notices are posted to the real HTTP API
// (which issues payment codes), payment events are encoded and signed the
// way each gateway sends them and go through the real adapters (a tampered
// one is dead-lettered), the real matching engine allocates them, and the
// confirmations of paid notices are delivered, signed, to a local sink.
//
// Open keeps the day after its run, and Day.Console serves the console
// over it (feerecon demo --serve): the day reconciled, two demo accounts
// with passwords made per run, and the outbox delivering to the local
// procedure system's and treasury's sinks and to in-process topics.
package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

// System is the procedure system the demo notices come from.
const System = "dvc-nghean"

// Options configure a demo run.
type Options struct {
	// Dir holds notices.jsonl, payments.jsonl and cancel.txt.
	Dir    string
	Logger *slog.Logger
	// Now is the clock; default: the end of the demo business day.
	Now func() time.Time
}

// Summary is what the demo prints.
type Summary struct {
	Notices         int
	NoticesByStatus map[payment.NoticeStatus]int
	Events          int
	DeadLettered    int
	Payments        int
	Redelivered     int
	Allocated       int
	AllocatedAmount payment.Money
	Exceptions      map[reconcile.ExceptionKind]int
	// Open lists the open exceptions, as an accountant sees them.
	Open             []reconcile.Exception
	Confirmations    int
	ConfirmedAtSink  int
	SinkRejected     int
	ConfirmationsDue int
}

// Run runs the demo.
func Run(ctx context.Context, o Options) (Summary, error) {
	d, err := Open(ctx, o)
	if err != nil {
		return Summary{}, err
	}
	defer d.Close()
	return d.Summary, nil
}

// Day is the demo day once run: its store, its summary and the procedure
// system's sink, kept for Console. Close releases the sink.
type Day struct {
	Summary Summary
	st      *memory.Store
	now     func() time.Time
	log     *slog.Logger
	// sink is the procedure system's webhook, the confirmations'
	// endpoint; treasury takes the report versions, topics the Kafka
	// copies (Console).
	sink     *sinkServer
	treasury *sinkServer
	topics   *topics
}

// Open runs the demo day and keeps it: Run, without the end.
func Open(ctx context.Context, o Options) (*Day, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := o.Now
	if now == nil {
		end := DayEnd()
		now = func() time.Time { return end }
	}
	d := &Day{st: memory.New(), now: now, log: log, sink: newSinkServer(true), treasury: newSinkServer(false),
		topics: &topics{msgs: map[string]int{}}}
	if err := d.run(ctx, o.Dir); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// DayEnd is the demo's clock by default: the end of its business day,
// 26/11/2026 18:00 in Hà Nội.
func DayEnd() time.Time { return time.Date(2026, 11, 26, 18, 0, 0, 0, payment.Location()) }

// Close releases the demo's sinks.
func (d *Day) Close() {
	d.sink.Close()
	d.treasury.Close()
}

// ConfirmedAtSink is how many distinct confirmations the procedure
// system's sink has received, and verified, so far.
func (d *Day) ConfirmedAtSink() int { return d.sink.received() }

// ConfirmedNotice reports whether the procedure system's sink has received,
// and verified, the confirmation of notice (system, id).
func (d *Day) ConfirmedNotice(system, id string) bool {
	return d.sink.has(outbox.Confirmation.ID(system, id))
}

func (d *Day) run(ctx context.Context, dir string) error {
	st, now, log := d.st, d.now, d.log
	engine, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		return err
	}
	sum := Summary{NoticesByStatus: map[payment.NoticeStatus]int{}, Exceptions: map[reconcile.ExceptionKind]int{}}

	// 1. Notices in, through the HTTP API.
	apiSrv, err := api.New(apiConfig(), st, log, now)
	if err != nil {
		return err
	}
	// The procedure system's API key, made as `feerecon apikey create`
	// makes it: the demo calls the API as the system holding it.
	key, err := systemKey(ctx, st, now())
	if err != nil {
		return err
	}
	ts := httptest.NewServer(apiSrv)
	defer ts.Close()
	n, err := postNotices(ctx, ts.URL, key, filepath.Join(dir, "notices.jsonl"))
	if err != nil {
		return err
	}
	sum.Notices = n
	if err := cancelNotices(ctx, ts.URL, key, filepath.Join(dir, "cancel.txt")); err != nil {
		return err
	}

	// 2. Gateway events in: encoded and signed as each gateway sends them,
	// through an in-process queue, decoded by the real adapters.
	secrets := gatewaysim.DemoSecrets()
	decs, err := gatewaysim.Decoders(secrets)
	if err != nil {
		return err
	}
	events, err := readPayments(filepath.Join(dir, "payments.jsonl"))
	if err != nil {
		return err
	}
	queue, err := encodeEvents(events, secrets)
	if err != nil {
		return err
	}
	sum.Events = len(queue)
	pr := ingest.New(st, engine, now, log)
	for i, m := range queue {
		dec, err := decs.Get(m.gateway)
		if err != nil {
			return err
		}
		ref := fmt.Sprintf("inproc/payments.raw.%s/%d", m.gateway, i)
		stats, err := pr.HandleRaw(ctx, dec, m.raw, ref)
		switch {
		case gateways.Poison(err):
			sum.DeadLettered++
			log.WarnContext(ctx, "dead-lettered", slog.String("raw_ref", ref), slog.String("error", err.Error()))
		case err != nil:
			return err
		}
		sum.Payments += stats.Recorded
		sum.Redelivered += stats.Redelivered
	}

	// 3. Confirmations out, signed, to the procedure system's sink.
	if err := d.deliverConfirmations(ctx, &sum); err != nil {
		return err
	}
	if err := tally(ctx, st, &sum); err != nil {
		return err
	}
	d.Summary = sum
	return nil
}

// apiConfig is the demo's API: its collection account and purpose.
func apiConfig() api.Config {
	return api.Config{
		DefaultCollection: api.CollectionAccount{BankBIN: "970415", Account: "113000006100"},
		PurposeSuffix:     "LE PHI",
	}.WithDefaults()
}

type queued struct {
	gateway payment.Gateway
	raw     gateways.Raw
}

// encodeEvents signs every event, then appends two redeliveries (a gateway
// retrying) and one message tampered in transit.
func encodeEvents(ps []payment.Payment, s gatewaysim.Secrets) ([]queued, error) {
	var q []queued
	for _, p := range ps {
		raw, err := gatewaysim.Encode(p, s)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", p.ID, err)
		}
		q = append(q, queued{p.Gateway, raw})
	}
	if len(q) >= 2 {
		q = append(q, q[0], q[1])
		last := ps[len(ps)-1]
		last.TxnID = "9" + last.TxnID
		last.ID = payment.PaymentID(last.Gateway, last.TxnID)
		raw, err := gatewaysim.Encode(last, s)
		if err != nil {
			return nil, err
		}
		raw.Body = bytes.Replace(raw.Body, []byte(last.Amount.Amount.String()), []byte(last.Amount.Amount.String()+"0"), 1)
		q = append(q, queued{last.Gateway, raw})
	}
	return q, nil
}

// systemKey stores a new key of role system for System and returns it.
func systemKey(ctx context.Context, st store.Store, now time.Time) (string, error) {
	k, err := apikey.New()
	if err != nil {
		return "", err
	}
	err = st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateAPIKey(ctx, store.APIKey{ID: k.ID, System: System, Role: store.RoleSystem, SecretHash: k.Hash, CreatedAt: now}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.ActorCLI, Action: store.AuditAPIKeyCreate,
			Entity: store.APIKeyEntity(k.ID), Detail: []byte(`{"system":"` + System + `","role":"system"}`)})
	})
	return k.Text, err
}

func postNotices(ctx context.Context, base, key, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("demo notices: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := call(ctx, key, http.MethodPost, base+"/v1/notices", line, http.StatusCreated); err != nil {
			return n, fmt.Errorf("%s line %d: %w", filepath.Base(path), n+1, err)
		}
		n++
	}
	return n, sc.Err()
}

func cancelNotices(ctx context.Context, base, key, path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, id := range strings.Fields(string(b)) {
		if err := call(ctx, key, http.MethodPost, base+"/v1/notices/"+id+"/cancel", []byte(`{}`), http.StatusOK); err != nil {
			return fmt.Errorf("cancel %s: %w", id, err)
		}
	}
	return nil
}

func call(ctx context.Context, key, method, url string, body []byte, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

// demoPayment is a line of payments.jsonl (the batch format).
type demoPayment struct {
	PaymentID    string `json:"payment_id"`
	Gateway      string `json:"gateway"`
	TxnID        string `json:"gateway_txn_id"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	PaidAt       string `json:"paid_at"`
	Description  string `json:"description"`
	PayerName    string `json:"payer_name"`
	PayerAccount string `json:"payer_account"`
}

func readPayments(path string) ([]payment.Payment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("demo payments: %w", err)
	}
	defer f.Close()
	var out []payment.Payment
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	for line := 1; ; line++ {
		var d demoPayment
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s record %d: %w", filepath.Base(path), line, err)
		}
		amt, err := payment.DefaultAmountPolicy().ParsePositive(d.Amount, d.Currency)
		if err != nil {
			return nil, fmt.Errorf("%s record %d: %w", filepath.Base(path), line, err)
		}
		at, err := time.Parse(time.RFC3339, d.PaidAt)
		if err != nil {
			return nil, fmt.Errorf("%s record %d: %w", filepath.Base(path), line, err)
		}
		g := payment.Gateway(d.Gateway)
		out = append(out, payment.Payment{ID: payment.PaymentID(g, d.TxnID), Gateway: g, TxnID: d.TxnID, Amount: amt,
			PaidAt: at.In(payment.Location()), Description: d.Description, PayerName: d.PayerName, PayerAccount: d.PayerAccount})
	}
	return out, nil
}

func tally(ctx context.Context, st store.Store, sum *Summary) error {
	sum.AllocatedAmount = payment.VNDOf(0)
	return st.InTx(ctx, func(tx store.Tx) error {
		day := time.Date(2026, 11, 1, 0, 0, 0, 0, payment.Location())
		ns, err := tx.ListNotices(ctx, day, day.AddDate(0, 1, 0))
		if err != nil {
			return err
		}
		for _, n := range ns {
			sum.NoticesByStatus[n.Status]++
			as, err := tx.AllocationsByNotice(ctx, n.System, n.ID)
			if err != nil {
				return err
			}
			for _, a := range as {
				sum.Allocated++
				sum.AllocatedAmount.Amount = sum.AllocatedAmount.Amount.Add(a.Amount.Amount)
			}
		}
		es, err := tx.ListExceptions(ctx, store.ExceptionFilter{Status: reconcile.ExceptionOpen})
		if err != nil {
			return err
		}
		for _, e := range es {
			sum.Exceptions[e.Kind]++
		}
		sum.Open = es
		conf, err := tx.ListOutbox(ctx, store.OutboxFilter{Kind: store.OutboxConfirmation})
		if err != nil {
			return err
		}
		sum.Confirmations = len(conf)
		for _, m := range conf {
			if m.State != store.OutboxDelivered {
				sum.ConfirmationsDue++
			}
		}
		return nil
	})
}

// Print writes the summary for a person.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "feerecon demo — embedded default (in-memory store, in-process transport)\n")
	fmt.Fprintf(w, "  notices posted:        %d  (%s)\n", s.Notices, counts(s.NoticesByStatus))
	fmt.Fprintf(w, "  gateway events:        %d  (dead-lettered %d, redelivered %d)\n", s.Events, s.DeadLettered, s.Redelivered)
	fmt.Fprintf(w, "  payments recorded:     %d\n", s.Payments)
	fmt.Fprintf(w, "  matched (allocations): %d  (%s)\n", s.Allocated, s.AllocatedAmount)
	total := 0
	for _, n := range s.Exceptions {
		total += n
	}
	fmt.Fprintf(w, "  exceptions (open):     %d  (%s)\n", total, counts(s.Exceptions))
	fmt.Fprintf(w, "  confirmations:         %d  (delivered to the procedure system's sink %d, still due %d)\n",
		s.Confirmations, s.ConfirmedAtSink, s.ConfirmationsDue)
	if len(s.Open) > 0 {
		fmt.Fprintf(w, "exceptions for the accountant:\n")
	}
	for _, e := range s.Open {
		ev := e.Evidence
		if r := []rune(ev); len(r) > 70 {
			ev = string(r[:70]) + "…"
		}
		if len(e.Candidates) > 0 {
			ev += " — suggested: " + strings.Join(e.Candidates, ", ")
		}
		fmt.Fprintf(w, "  %-17s %-24s %12s  %s\n", e.Kind, e.PaymentID, e.Amount, ev)
	}
}

func counts[K ~string](m map[K]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[K(k)])
	}
	return strings.Join(parts, ", ")
}
