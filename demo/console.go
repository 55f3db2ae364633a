package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/casework"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// ConsoleOptions configure the console over the demo day (feerecon demo
// --serve). Zero values take the defaults.
type ConsoleOptions struct {
	// Clock of the console, the API, the day's report and the outbox
	// senders. Default: the demo day's clock (Options.Now) running on
	// from when Console is called, so that the business day is the demo's
	// and a retry's backoff still ends.
	Clock func() time.Time
	// Logger; default the demo's.
	Logger *slog.Logger
	// Threshold above which an accountant's action waits for an approver
	// (casework.Config.Threshold); zero: casework's default.
	Threshold payment.Money
}

// Account is a demo account. Its password is made for the run and is
// nowhere else: the caller shows it once, and never logs it.
type Account struct {
	Login    string
	Role     user.Role
	Agencies []string
	Password string
}

// The demo accounts' logins.
const (
	AccountantLogin = "ketoan.demo"
	ApproverLogin   = "pheduyet.demo"
)

// Console is the console over the demo day: the HTTP handler to serve
// (the console under /console, with the API under /v1 that logs people
// in), its accounts, and the outbox senders Run keeps delivering with.
type Console struct {
	Handler  http.Handler
	Accounts []Account
	// Date is the demo's business day, the one Today shows.
	Date payment.Date
	// Threshold is the approval threshold in effect (casework's).
	Threshold payment.Money
	senders   []*outbox.Sender
}

// Console builds the console over the day, as serve wires it (casework
// for the exceptions' actions, the daily job for the Reports page's
// re-run): it runs the day's reconciliation (its report versions, queued
// for the treasury), adds the demo accounts (an accountant and an approver
// of the day's agencies) with fresh passwords, and wires the outbox
// senders to the demo's sinks: confirmations to the procedure system's,
// reports to a local treasury's, the Kafka copies to in-process topics.
func (d *Day) Console(ctx context.Context, o ConsoleOptions) (*Console, error) {
	log := o.Logger
	if log == nil {
		log = d.log
	}
	clock := o.Clock
	if clock == nil {
		clock = running(d.now(), time.Now)
	}
	date := payment.DateOf(d.now())
	// The service's day rules: the cut-off at midnight, credits due by T+1.
	job, err := dailyrun.NewJob(d.st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: clock, Logger: log})
	if err != nil {
		return nil, err
	}
	// The day reconciled, as the scheduler would after its cut-off: its
	// versions stored and queued for the treasury.
	if _, err := job.Run(ctx, date, ""); err != nil {
		return nil, err
	}
	agencies, err := d.agencies(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := d.accounts(ctx, agencies, clock())
	if err != nil {
		return nil, err
	}
	apiSrv, err := api.New(apiConfig(), d.st, log, clock)
	if err != nil {
		return nil, err
	}
	engine, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		return nil, err
	}
	cases, err := casework.New(d.st, ingest.New(d.st, engine, clock, log), casework.Config{Threshold: o.Threshold}, clock)
	if err != nil {
		return nil, err
	}
	con, err := console.New(apiSrv, d.st, log, clock, console.WithCasework(cases), console.WithReports(job.Print(), job))
	if err != nil {
		return nil, err
	}
	senders, err := d.senders(clock, log)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", apiSrv)
	mux.Handle(console.Prefix+"/", con)
	mux.Handle(console.Prefix, con)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, console.Prefix+"/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	return &Console{Handler: mux, Accounts: accounts, Date: date, Threshold: cases.Config().Threshold, senders: senders}, nil
}

// Run delivers the outbox until ctx ends (then it returns nil): what the
// console does (a confirmation of a notice paid by hand, a report version)
// reaches the demo's sinks.
func (c *Console) Run(ctx context.Context) error {
	grp, gctx := errgroup.WithContext(ctx)
	for _, s := range c.senders {
		grp.Go(func() error { return s.Run(gctx) })
	}
	return grp.Wait()
}

// running is a clock that starts at start when it is made and runs as
// wall (the wall clock) does.
func running(start time.Time, wall func() time.Time) func() time.Time {
	t0 := wall()
	return func() time.Time { return start.Add(wall().Sub(t0)) }
}

// agencies are the agencies of the demo's notices, sorted.
func (d *Day) agencies(ctx context.Context) ([]string, error) {
	var out []string
	err := d.st.InTx(ctx, func(tx store.Tx) error {
		day := DayEnd()
		ns, err := tx.ListNotices(ctx, day.AddDate(0, -1, 0), day.AddDate(0, 1, 0))
		if err != nil {
			return err
		}
		for _, n := range ns {
			if n.Agency != "" && !slices.Contains(out, n.Agency) {
				out = append(out, n.Agency)
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// accounts adds the demo's accountant and approver, each with a password
// made now, audited as `feerecon user add` audits.
func (d *Day) accounts(ctx context.Context, agencies []string, now time.Time) ([]Account, error) {
	accounts := []Account{
		{Login: AccountantLogin, Role: user.RoleAccountant, Agencies: agencies},
		{Login: ApproverLogin, Role: user.RoleApprover, Agencies: agencies},
	}
	now = now.UTC().Truncate(time.Microsecond)
	err := d.st.InTx(ctx, func(tx store.Tx) error {
		for i, a := range accounts {
			pw := password()
			h, err := user.HashPassword(pw, user.OWASPParams())
			if err != nil {
				return err
			}
			u := user.User{Login: a.Login, Role: a.Role, Agencies: a.Agencies, PasswordHash: h, CreatedAt: now, UpdatedAt: now}
			if err := u.Validate(); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			detail, err := json.Marshal(struct {
				Role     user.Role `json:"role"`
				Agencies []string  `json:"agencies"`
				Disabled bool      `json:"disabled"`
			}{u.Role, u.Agencies, false})
			if err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.ActorCLI, Action: store.AuditUserAdd,
				Entity: store.UserEntity(u.Login), Detail: detail}); err != nil {
				return err
			}
			accounts[i].Password = pw
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo accounts: %w", err)
	}
	return accounts, nil
}

// password is a fresh random password: 20 letters and digits (100 bits)
// in groups of five, easy to read aloud and to type.
func password() string {
	s := strings.ToLower(rand.Text())[:20]
	return s[:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:]
}

// treasuryPath is where the demo's treasury takes report versions.
const treasuryPath = "/feerecon/reports"

// senders are the outbox's channels over the demo: the signed webhooks to
// the procedure system's sink and the treasury's, and the Kafka copies of
// each message type to the in-process topics.
func (d *Day) senders(clock func() time.Time, log *slog.Logger) ([]*outbox.Sender, error) {
	loop := outbox.Loop{BaseBackoff: time.Second, MaxBackoff: time.Minute, Clock: clock, Logger: log}
	webhooks, err := outbox.NewWebhook(outbox.FromStore(d.st), outbox.WebhookConfig{
		Endpoints: map[string]outbox.Endpoint{
			System:                      d.sink.endpoint(confirmationsPath),
			dailyrun.DefaultDestination: d.treasury.endpoint(treasuryPath),
		},
		Timeout: 5 * time.Second,
		Loop:    loop,
	})
	if err != nil {
		return nil, err
	}
	out := []*outbox.Sender{webhooks}
	for _, t := range outbox.Types() {
		s, err := outbox.NewKafka(outbox.FromStore(d.st), d.topics, t, outbox.KafkaConfig{Loop: loop})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// topics are the in-process transport's topics in place of Kafka's: each
// publish is kept (a consumer of the demo would read it here).
type topics struct {
	mu   sync.Mutex
	msgs map[string]int
}

// Publish keeps one message on topic.
func (t *topics) Publish(_ context.Context, topic string, _, _ []byte, _ map[string]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.msgs[topic]++
	return nil
}

// Published is how many messages the outbox has published to topic of
// the in-process transport.
func (d *Day) Published(topic string) int {
	d.topics.mu.Lock()
	defer d.topics.mu.Unlock()
	return d.topics.msgs[topic]
}

// DeliveredToTreasury is how many distinct report versions the demo's
// treasury has received.
func (d *Day) DeliveredToTreasury() int { return d.treasury.received() }
