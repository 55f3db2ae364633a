package chaos

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/lib/pq" // database/sql driver "postgres"
	"github.com/segmentio/kafka-go"

	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/ingress"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
)

// Plan is the chaos of one phase: how many SIGKILLs, whether PostgreSQL
// and the broker are restarted, and the feed rate (events per second; 0:
// as fast as the workers go).
type Plan struct {
	Kills        int
	RestartPG    bool
	RestartKafka bool
	Rate         int
	// Seed of the moments and the instance killed.
	Seed int64
}

// Harness runs phases over one set of services with one feerecon binary.
type Harness struct {
	Bin      string
	Services Services
	Work     string
	Logf     func(format string, args ...any)
	// Quiesce bounds the wait for quiescence after the feed.
	Quiesce time.Duration

	ensureMu sync.Mutex // one (re)start at a time
}

// Refusal is what the edge answered a forged callback.
type Refusal struct {
	Status int
	Body   string
}

// PhaseResult is what one phase did and left.
type PhaseResult struct {
	Name          string
	DB            string
	Kills         int
	PGRestarts    int
	KafkaRestarts int
	// Acked: payment ids acknowledged (a callback's success reply, or a
	// publish the broker acknowledged).
	Acked map[string]bool
	// Refused: forged callbacks by poison id.
	Refused map[string]Refusal
	// Sent counts the HTTP requests and publishes, retries included.
	Sent      int64
	Retries   int64
	Sink      SinkCounts
	DLQ       []kafkabus.DLQRecord
	Outcome   *Outcome
	Report    map[string][]byte
	Feed      time.Duration
	Quiesced  time.Duration
	CodeGaps  []string // notices whose creation was issued another code than the stream's
	Dead      int      // outbox messages dead once quiescent
	Unplanned int      // instance exits nobody asked for
}

func (h *Harness) logf(format string, args ...any) {
	if h.Logf != nil {
		h.Logf(format, args...)
	}
}

// createDB makes a fresh database name on the services' server and returns
// its URL.
func (h *Harness) createDB(ctx context.Context, name string) (string, error) {
	admin, err := sql.Open("postgres", h.Services.PG)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	u, err := url.Parse(h.Services.PG)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// resetTopics deletes every topic of the broker, so that a phase starts
// on empty topics (serve creates them again).
func (h *Harness) resetTopics(ctx context.Context) error {
	conn, err := kafka.DialContext(ctx, "tcp", h.Services.Kafka)
	if err != nil {
		return err
	}
	defer conn.Close()
	list := func() ([]string, error) {
		parts, err := conn.ReadPartitions()
		if err != nil {
			return nil, err
		}
		var names []string
		for _, p := range parts {
			if !strings.HasPrefix(p.Topic, "__") && !slices.Contains(names, p.Topic) {
				names = append(names, p.Topic)
			}
		}
		return names, nil
	}
	names, err := list()
	if err != nil || len(names) == 0 {
		return err
	}
	cl := &kafka.Client{Addr: kafka.TCP(h.Services.Kafka), Timeout: 30 * time.Second}
	if _, err := cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: names}); err != nil {
		return fmt.Errorf("delete topics: %w", err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		left, err := list()
		if err == nil && len(left) == 0 {
			// Give the controller a moment to finish with the logs.
			time.Sleep(time.Second)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics %v still there 60 s after their deletion", left)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

const sinkSecretEnv = "FEERECON_CHAOS_SINK_SECRET" //nolint:gosec // G101: the name of a variable, not a secret

// Phase runs the stream s once under plan, in a database of its own named
// after name, and returns what it left once quiescent.
func (h *Harness) Phase(ctx context.Context, name string, s *Stream, plan Plan) (*PhaseResult, error) {
	res := &PhaseResult{Name: name, Acked: map[string]bool{}, Refused: map[string]Refusal{}}
	dir := filepath.Join(h.Work, name)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	db, err := h.createDB(ctx, "chaos_"+name)
	if err != nil {
		return nil, err
	}
	res.DB = db
	if err := h.resetTopics(ctx); err != nil {
		return nil, err
	}
	secret := "chaos-sink-secret-" + name
	env := append(append(os.Environ(), gatewayEnv()...), sinkSecretEnv+"="+secret)
	if _, err := runBin(ctx, h.Bin, env, "migrate", "--db", db); err != nil {
		return nil, err
	}
	out, err := runBin(ctx, h.Bin, env, "apikey", "create", "--system", System, "--db", db)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := strings.TrimSpace(lines[len(lines)-1])
	sink := NewSink(secret)
	defer sink.Close()
	hooks, err := writeWebhooks(dir, sink.URL(), sinkSecretEnv)
	if err != nil {
		return nil, err
	}
	var insts []*Instance
	for _, n := range []string{"a", "b"} {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		insts = append(insts, &Instance{Name: name + "-" + n, Addr: addr, bin: h.Bin, env: env, log: filepath.Join(dir, "serve-"+n+".log"),
			args: []string{"serve", "--db", db, "--kafka", h.Services.Kafka, "--http", addr, "--group", "chaos-" + name,
				"--code-prefix", CodePrefix, "--collection-bin", "970415", "--collection-account", "113000006100", "--webhooks", hooks}})
	}
	defer func() {
		for _, in := range insts {
			_ = in.Stop()
		}
	}()
	for _, in := range insts {
		if err := in.Start(); err != nil {
			return nil, err
		}
	}
	for _, in := range insts {
		rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		err := in.WaitReady(rctx)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	h.logf("%s: two serve processes up (%s, %s), database %s", name, insts[0].Addr, insts[1].Addr, "chaos_"+name)

	f, err := newFeeder(h, res, s, insts, key)
	if err != nil {
		return nil, err
	}
	defer f.producer.Close()
	t0 := time.Now()
	for i := range s.Precreated {
		if err := f.notice(ctx, i, false); err != nil {
			return nil, err
		}
	}
	h.logf("%s: %d notices created before the stream in %s", name, s.Precreated, time.Since(t0).Round(time.Millisecond))

	// The chaos: at seeded event indices.
	rng := rand.New(rand.NewPCG(uint64(plan.Seed), 7)) //nolint:gosec // G404: reproducible moments
	actions := map[int][]string{}
	n := len(s.Events)
	for range plan.Kills {
		i := n/20 + rng.IntN(n*85/100)
		actions[i] = append(actions[i], "kill")
	}
	if plan.RestartPG {
		actions[n*35/100] = append(actions[n*35/100], "pg")
	}
	if plan.RestartKafka {
		actions[n*65/100] = append(actions[n*65/100], "kafka")
	}
	chaosDone := make(chan error, 1)
	queue := make(chan string, plan.Kills+2)
	// A failed restart ends the feed at once, and is reported first.
	feedCtx, cancelFeed := context.WithCancel(ctx)
	defer cancelFeed()
	go func() {
		err := f.chaos(feedCtx, queue, rng)
		if err != nil {
			h.logf("%s: chaos action failed: %v", name, err)
			cancelFeed()
		}
		chaosDone <- err
	}()

	start := time.Now()
	jobs := make(chan int, 256)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 16 {
		wg.Go(func() {
			for i := range jobs {
				if err := f.send(feedCtx, w, s.Events[i]); err != nil {
					errs <- err
					cancelFeed()
					return
				}
			}
		})
	}
	var feedErr error
feed:
	for i, e := range s.Events {
		for _, a := range actions[i] {
			queue <- a
		}
		if plan.Rate > 0 {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(plan.Rate))); d > 0 {
				time.Sleep(d)
			}
		}
		select {
		case feedErr = <-errs:
			break feed
		default:
		}
		switch e.Kind {
		case Create:
			feedErr = f.notice(feedCtx, e.Notice, false)
		case Amend:
			feedErr = f.notice(feedCtx, e.Notice, true)
		default:
			select {
			case jobs <- i:
			case <-feedCtx.Done():
				feedErr = feedCtx.Err()
			}
		}
		if feedErr != nil {
			break
		}
	}
	close(queue)
	close(jobs)
	wg.Wait()
	if feedErr == nil {
		select {
		case feedErr = <-errs:
		default:
		}
	}
	if err := <-chaosDone; err != nil {
		feedErr = errors.Join(err, feedErr)
	}
	f.restarts.Wait()
	if feedErr != nil {
		return nil, feedErr
	}
	res.Feed = time.Since(start)
	res.Sent, res.Retries = f.sent.Load(), f.retries.Load()
	h.logf("%s: %d events fed in %s (%d requests and publishes, %d retries); %d kills, %d PostgreSQL and %d Kafka restarts",
		name, n, res.Feed.Round(time.Millisecond), res.Sent, res.Retries, res.Kills, res.PGRestarts, res.KafkaRestarts)

	q0 := time.Now()
	if err := h.quiesce(ctx, res, insts, sink, db, s); err != nil {
		return nil, err
	}
	res.Quiesced = time.Since(q0)
	h.logf("%s: quiescent %s after the feed (consumer lag 0, outbox empty)", name, res.Quiesced.Round(time.Millisecond))
	for _, in := range insts {
		if err := in.Stop(); err != nil {
			return nil, err
		}
	}
	res.Sink = sink.Counts()
	res.DLQ, err = kafkabus.ListDLQ(ctx, h.Services.Kafka, 0)
	if err != nil {
		return nil, err
	}
	res.Outcome, err = ReadOutcome(ctx, db)
	if err != nil {
		return nil, err
	}
	res.Report, err = h.report(ctx, env, db, filepath.Join(dir, "report"))
	if err != nil {
		return nil, err
	}
	return res, nil
}

// report runs `feerecon report` for the business day and returns its
// files' bytes by name.
func (h *Harness) report(ctx context.Context, env []string, db, out string) (map[string][]byte, error) {
	if _, err := runBin(ctx, h.Bin, env, "report", "--db", db, "--date", BusinessDate.String(), "--out", out, "--code-prefix", CodePrefix); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	ents, err := os.ReadDir(out)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = b
	}
	return files, nil
}

// feeder sends the stream's events.
type feeder struct {
	h        *Harness
	res      *PhaseResult
	s        *Stream
	insts    []*Instance
	key      string
	producer *kafkabus.Producer
	success  map[payment.Gateway]reply
	again    map[payment.Gateway]reply // the edge's "not stored, send again"
	clients  []*http.Client

	mu sync.Mutex // res.Acked, res.Refused, the counters of res
	// creating is held during a notice creation: a kill or a restart
	// waits for it (see RELIABILITY.md "## Chaos": a creation killed after
	// nextval burns a payment-code serial).
	creating sync.Mutex
	sent     atomic.Int64
	retries  atomic.Int64
	next     atomic.Uint64  // the client (source address) of the next callback
	restarts sync.WaitGroup // the restarts of killed instances under way
}

type reply struct {
	status int
	body   string
}

func newFeeder(h *Harness, res *PhaseResult, s *Stream, insts []*Instance, key string) (*feeder, error) {
	decs, err := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	if err != nil {
		return nil, err
	}
	f := &feeder{h: h, res: res, s: s, insts: insts, key: key, success: map[payment.Gateway]reply{}, again: map[payment.Gateway]reply{}}
	for g, d := range decs {
		st, _, body := d.Reply(nil)
		f.success[g] = reply{st, string(body)}
		st, _, body = d.Reply(fmt.Errorf("%w: chaos", ingress.ErrNotStored))
		f.again[g] = reply{st, string(body)}
	}
	f.producer, err = kafkabus.NewProducer(kafkabus.ProducerConfig{Brokers: []string{h.Services.Kafka}})
	if err != nil {
		return nil, err
	}
	// Callbacks come from many loopback addresses, as from many gateway
	// servers: the edge limits each source address.
	for i := range 128 {
		local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(2+i%250))}
		d := &net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}
		f.clients = append(f.clients, &http.Client{Timeout: 30 * time.Second,
			Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}})
	}
	return f, nil
}

// backoff sleeps before the attempt-th retry.
func backoff(ctx context.Context, attempt int) error {
	d := min(time.Duration(attempt)*100*time.Millisecond, 2*time.Second)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

const retryFor = 5 * time.Minute

// notice creates (or amends) notice i through the API, retrying on either
// instance until it is answered.
func (f *feeder) notice(ctx context.Context, i int, amend bool) error {
	n := f.s.Notices[i]
	amount, method, path, want := n.Amount, http.MethodPost, "/v1/notices", []int{http.StatusCreated, http.StatusOK}
	if amend {
		amount, method, path, want = n.Amended, http.MethodPut, "/v1/notices/"+n.ID, []int{http.StatusOK}
	} else {
		f.creating.Lock()
		defer f.creating.Unlock()
	}
	body, err := json.Marshal(map[string]any{
		"notice_id": n.ID, "dossier_code": n.Dossier, "agency_code": Agency, "payer_name": n.Payer,
		"amount":    map[string]string{"amount": fmt.Sprint(amount), "currency": "VND"},
		"issued_at": n.IssuedAt.Format(time.RFC3339), "treasury_account": Treasury,
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(retryFor)
	for attempt := 0; ; attempt++ {
		in := f.insts[(i+attempt)%len(f.insts)]
		f.sent.Add(1)
		req, _ := http.NewRequestWithContext(ctx, method, "http://"+in.Addr+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := f.clients[0].Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if slices.Contains(want, resp.StatusCode) {
				var v struct {
					Code string `json:"payment_code"`
				}
				if err := json.Unmarshal(b, &v); err != nil {
					return fmt.Errorf("notice %s: %w", n.ID, err)
				}
				if v.Code != string(n.Code) {
					f.mu.Lock()
					f.res.CodeGaps = append(f.res.CodeGaps, fmt.Sprintf("%s issued %s, the stream expects %s", n.ID, v.Code, n.Code))
					f.mu.Unlock()
				}
				return nil
			}
			if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
				return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %s: no answer for %s (last: %w)", method, path, retryFor, err)
		}
		f.retries.Add(1)
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// send delivers a message event: a callback until its success reply, or a
// publish until the broker acknowledges it. A forged callback is sent
// until the edge answers (anything but a retry).
func (f *feeder) send(ctx context.Context, worker int, e Event) error {
	if e.Via == Topic {
		key := []byte(e.Payment.TxnID)
		deadline := time.Now().Add(retryFor)
		for attempt := 0; ; attempt++ {
			f.sent.Add(1)
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := f.producer.Publish(pctx, kafkabus.RawTopic(e.Payment.Gateway), key, e.Raw.Body, e.Raw.Headers)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("publish %s: %w", e.Payment.ID, err)
			}
			f.retries.Add(1)
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		if e.Kind == Pay {
			f.mu.Lock()
			f.res.Acked[e.Payment.ID] = true
			f.mu.Unlock()
		}
		return nil
	}
	ok := f.success[e.Payment.Gateway]
	deadline := time.Now().Add(retryFor)
	for attempt := 0; ; attempt++ {
		in := f.insts[(worker+attempt)%len(f.insts)]
		cl := f.clients[f.next.Add(1)%uint64(len(f.clients))]
		f.sent.Add(1)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+in.Addr+"/gateways/"+string(e.Payment.Gateway)+"/callback", bytes.NewReader(e.Raw.Body))
		for k, v := range e.Raw.Headers {
			req.Header.Set(k, v)
		}
		resp, err := cl.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := reply{resp.StatusCode, string(b)}
			retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || got == f.again[e.Payment.Gateway]
			switch {
			case e.Kind == Pay && got == ok:
				f.mu.Lock()
				f.res.Acked[e.Payment.ID] = true
				f.mu.Unlock()
				return nil
			case e.Kind == Tampered && !retry:
				f.mu.Lock()
				f.res.Refused[e.PoisonID] = Refusal{resp.StatusCode, string(b)}
				f.mu.Unlock()
				return nil
			case e.Kind == Pay && !retry:
				return fmt.Errorf("callback %s answered %d %q, neither its success reply nor a retry", e.Payment.ID, resp.StatusCode, b)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("callback %s: no acknowledgement for %s (last: %w)", e.Payment.ID, retryFor, err)
		}
		f.retries.Add(1)
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// chaos executes the queued actions, one at a time.
func (f *feeder) chaos(ctx context.Context, queue <-chan string, rng *rand.Rand) error {
	for a := range queue {
		switch a {
		case "kill":
			// Both up first: one instance always serves.
			for _, in := range f.insts {
				if err := f.ensure(ctx, in); err != nil {
					return err
				}
			}
			in := f.insts[rng.IntN(len(f.insts))]
			f.creating.Lock()
			err := in.Kill()
			f.creating.Unlock()
			if err != nil {
				return err
			}
			f.mu.Lock()
			f.res.Kills++
			f.mu.Unlock()
			f.h.logf("%s: SIGKILL %s", f.res.Name, in.Name)
			delay := time.Duration(200+rng.IntN(1800)) * time.Millisecond
			f.restarts.Go(func() {
				time.Sleep(delay)
				if err := f.ensure(ctx, in); err != nil {
					f.h.logf("%s: restart %s: %v", f.res.Name, in.Name, err)
				}
			})
		case "pg":
			f.creating.Lock()
			t := time.Now()
			err := f.h.Services.RestartPG(ctx)
			f.creating.Unlock()
			if err != nil {
				return err
			}
			f.mu.Lock()
			f.res.PGRestarts++
			f.mu.Unlock()
			f.h.logf("%s: PostgreSQL restarted in %s", f.res.Name, time.Since(t).Round(time.Millisecond))
		case "kafka":
			t := time.Now()
			if err := f.h.Services.RestartKafka(ctx); err != nil {
				return err
			}
			f.mu.Lock()
			f.res.KafkaRestarts++
			f.mu.Unlock()
			f.h.logf("%s: Kafka restarted in %s", f.res.Name, time.Since(t).Round(time.Millisecond))
		}
	}
	return nil
}

// ensure starts in if it does not run, until it is ready (serve exits at
// once when a dependency is down at start: started again until it stays).
func (f *feeder) ensure(ctx context.Context, in *Instance) error {
	f.h.ensureMu.Lock()
	defer f.h.ensureMu.Unlock()
	for attempt := 0; ; attempt++ {
		if in.Running() {
			rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err := in.WaitReady(rctx)
			cancel()
			if err == nil {
				return nil
			}
		}
		if attempt > 120 {
			return fmt.Errorf("%s: not ready after %d starts", in.Name, attempt)
		}
		if attempt > 0 {
			time.Sleep(500 * time.Millisecond)
		}
		if !in.Running() {
			if err := in.Start(); err != nil {
				return err
			}
		}
	}
}

// quiesce waits until both instances run, every raw topic's lag is 0 for
// the group and the outbox holds nothing pending, twice in a row.
func (h *Harness) quiesce(ctx context.Context, res *PhaseResult, insts []*Instance, sink *Sink, db string, s *Stream) error {
	conn, err := sql.Open("postgres", db)
	if err != nil {
		return err
	}
	defer conn.Close()
	f := &feeder{h: h, res: res}
	cl := &kafka.Client{Addr: kafka.TCP(h.Services.Kafka), Timeout: 10 * time.Second}
	deadline := time.Now().Add(h.Quiesce)
	calm := 0
	var last string
	for {
		for _, in := range insts {
			if !in.Running() {
				res.Unplanned++
				h.logf("%s: %s is not running during quiescence; starting it", res.Name, in.Name)
			}
			if err := f.ensure(ctx, in); err != nil {
				return err
			}
		}
		lag, lerr := groupLag(ctx, cl, "chaos-"+res.Name)
		var pending, dead, stored int
		qerr := conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'dead') FROM outbox`).Scan(&pending, &dead)
		if qerr == nil {
			qerr = conn.QueryRowContext(ctx, `SELECT count(*) FROM payments`).Scan(&stored)
		}
		state := fmt.Sprintf("lag %d, outbox pending %d dead %d, payments %d, sink posts %d", lag, pending, dead, stored, sink.Counts().Posts)
		if lerr == nil && qerr == nil && lag == 0 && pending == 0 && state == last {
			calm++
			if calm >= 2 {
				res.Dead = dead
				return nil
			}
		} else {
			calm = 0
		}
		last = state
		if time.Now().After(deadline) {
			if err := errors.Join(lerr, qerr); err != nil {
				return fmt.Errorf("%s: not quiescent %s after the feed: %s: %w", res.Name, h.Quiesce, state, err)
			}
			return fmt.Errorf("%s: not quiescent %s after the feed: %s", res.Name, h.Quiesce, state)
		}
		time.Sleep(time.Second)
	}
}

// groupLag sums, over the raw topics, the messages the group has not
// committed.
func groupLag(ctx context.Context, cl *kafka.Client, group string) (int64, error) {
	topics := kafkabus.Topics(gatewayList)
	var raw []string
	for _, t := range topics {
		if strings.HasPrefix(t, "payments.raw.") {
			raw = append(raw, t)
		}
	}
	meta, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: raw})
	if err != nil {
		return 0, err
	}
	parts := map[string][]int{}
	lreq := map[string][]kafka.OffsetRequest{}
	for _, t := range meta.Topics {
		if t.Error != nil {
			return 0, t.Error
		}
		for _, p := range t.Partitions {
			parts[t.Name] = append(parts[t.Name], p.ID)
			lreq[t.Name] = append(lreq[t.Name], kafka.LastOffsetOf(p.ID))
		}
	}
	ends, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: lreq})
	if err != nil {
		return 0, err
	}
	committed, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: parts})
	if err != nil {
		return 0, err
	}
	if committed.Error != nil {
		return 0, committed.Error
	}
	var lag int64
	for t, ps := range ends.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return 0, p.Error
			}
			c := int64(0)
			for _, cp := range committed.Topics[t] {
				if cp.Partition == p.Partition && cp.CommittedOffset > 0 {
					c = cp.CommittedOffset
				}
			}
			lag += max(0, p.LastOffset-c)
		}
	}
	return lag, nil
}

// ErrViolation is wrapped by Check's error: an invariant does not hold.
var ErrViolation = errors.New("chaos: invariant violated")
