package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/casework"
	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/camt054"
	"github.com/feerecon/feerecon/gateways/momo"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/gateways/vnpay"
	"github.com/feerecon/feerecon/gateways/zalopay"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/ingest/rawtopic"
	"github.com/feerecon/feerecon/ingress"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/noticefeed"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
)

// serveConfig is the service's configuration: flags with environment
// defaults; secrets only from the environment.
type serveConfig struct {
	DB         string
	Kafka      string
	HTTPAddr   string
	Group      string
	CodePrefix string
	BankBIN    string
	Account    string
	// Webhooks is a JSON file naming, per destination (a procedure
	// system, or "treasury"), the URL and the environment variable that
	// holds its signing secret.
	Webhooks string
	Secrets  gatewaySecrets
	// Daily reconciliation: the business day's rules (cut-off, credit
	// window); the day is run ReportGrace after its cut-off (0: at once).
	// ReportsFrom (YYYY-MM-DD, optional) is the first day ever reported.
	DayRules    daily.DayRules
	ReportGrace time.Duration
	ReportsFrom string
	// ReportEmptyDays reports days that had nothing (off: none reaches
	// the treasury).
	ReportEmptyDays bool
	// ApprovalThreshold (đồng): an accountant's action above it waits
	// for an approver (package casework).
	ApprovalThreshold string
	// Issuer is the unit printed on the reports (the daily job's files and
	// the console's downloads).
	Issuer daily.Issuer
	// KafkaSessionTimeout is the consumers' group session timeout: a killed
	// instance's partitions move to the others within about this (plus a
	// heartbeat, a third of it).
	KafkaSessionTimeout time.Duration
	// CollectionAccounts is a CSV file agency_code,bin,account (package
	// payment/collection): each agency's collection accounts, against
	// which every payment's credited account is checked. "": none, nothing
	// checked.
	CollectionAccounts string
	// MaxInFlightCallbacks bounds the gateway callbacks in flight at once
	// (ingress.Config.MaxInFlight): one more is answered 503 with
	// Retry-After.
	MaxInFlightCallbacks int
	// ShutdownTimeout bounds a graceful shutdown (SIGTERM): the work under
	// way (callbacks awaiting their publish, each consumer's batch and
	// commit, an outbox batch) finishes within it, or is cut.
	ShutdownTimeout time.Duration
	// BatchSize and BatchWait: a raw topic's consumer records up to
	// BatchSize messages in one transaction, waiting up to BatchWait after
	// the first for more (ingest.Processor.HandleBatch).
	BatchSize int
	BatchWait time.Duration
}

// webhookFile is the shape of --webhooks:
//
//	{"dvc-nghean": {"url": "https://dvc.example/feerecon", "secret_env": "FEERECON_SECRET_DVC"}}
type webhookFile map[string]struct {
	URL       string `json:"url"`
	SecretEnv string `json:"secret_env"`
}

func loadWebhooks(path string) (map[string]outbox.Endpoint, error) {
	out := map[string]outbox.Endpoint{}
	if path == "" {
		return out, nil
	}
	p := config.In("--webhooks " + path)
	b, err := os.ReadFile(path)
	if err != nil {
		p.Add(err)
		return nil, p.Err()
	}
	var f webhookFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		p.Add(err)
		return nil, p.Err()
	}
	for _, name := range slices.Sorted(maps.Keys(f)) {
		w := f[name]
		secret := os.Getenv(w.SecretEnv)
		if w.SecretEnv == "" || secret == "" {
			p.Addf("%s: secret_env %q is not set", name, w.SecretEnv)
			continue
		}
		out[name] = outbox.Endpoint{URL: w.URL, Secret: outbox.Secret(secret)}
	}
	// The endpoints' URLs are checked by the outbox's own validation.
	p.Add(outbox.WebhookConfig{Endpoints: out}.Validate())
	if err := p.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// gatewaySecrets come from the environment only, so they never appear in
// a process list or a shell history.
type gatewaySecrets struct {
	VietQR, Camt054, VNPay, VNPayTmn, MoMoSecret, MoMoAccessKey, MoMoPartner, ZaloPayKey2, ZaloPayAppID string
}

func secretsFromEnv() gatewaySecrets {
	return gatewaySecrets{
		VietQR: os.Getenv("FEERECON_VIETQR_SECRET"), Camt054: os.Getenv("FEERECON_CAMT054_SECRET"),
		VNPay: os.Getenv("FEERECON_VNPAY_HASH_SECRET"), VNPayTmn: os.Getenv("FEERECON_VNPAY_TMN_CODE"),
		MoMoSecret: os.Getenv("FEERECON_MOMO_SECRET_KEY"), MoMoAccessKey: os.Getenv("FEERECON_MOMO_ACCESS_KEY"),
		MoMoPartner: os.Getenv("FEERECON_MOMO_PARTNER_CODE"),
		ZaloPayKey2: os.Getenv("FEERECON_ZALOPAY_KEY2"), ZaloPayAppID: os.Getenv("FEERECON_ZALOPAY_APP_ID"),
	}
}

// settings is what serve builds from its configuration before it
// connects to anything.
type settings struct {
	decoders    gateways.Set
	endpoints   map[string]outbox.Endpoint
	api         api.Config
	job         dailyrun.Config
	reportsFrom payment.Date
	casework    casework.Config
	// engine is the matching engine's configuration, the same for the
	// consumers and the daily job.
	engine reconcile.Config
}

// settle checks the whole configuration in one pass (flags, gateway
// secrets, the webhooks file, the API's and the daily job's settings) and
// reports every problem at once, so an operator fixes them in one go.
func (c serveConfig) settle(log *slog.Logger) (settings, error) {
	var s settings
	p := config.In("serve")
	if c.DB == "" {
		p.Addf("--db (FEERECON_DB) is required")
	}
	if c.Kafka == "" {
		p.Addf("--kafka (FEERECON_KAFKA) is required")
	}
	if c.Group == "" {
		p.Addf("--group is required")
	}
	if c.MaxInFlightCallbacks < 1 || c.MaxInFlightCallbacks > maxInFlightCallbacks {
		p.Addf("--max-in-flight-callbacks %d not within 1…%d", c.MaxInFlightCallbacks, maxInFlightCallbacks)
	}
	if c.ShutdownTimeout <= 0 || c.ShutdownTimeout > maxShutdownTimeout {
		p.Addf("--shutdown-timeout %s not within 0…%s (0 excluded)", c.ShutdownTimeout, maxShutdownTimeout)
	}
	if c.BatchSize < 1 || c.BatchSize > maxBatchSize {
		p.Addf("--batch-size %d not within 1…%d", c.BatchSize, maxBatchSize)
	}
	if c.BatchWait < 0 || c.BatchWait > maxBatchWait {
		p.Addf("--batch-wait %s not within 0…%s", c.BatchWait, maxBatchWait)
	}
	if c.KafkaSessionTimeout < minSessionTimeout || c.KafkaSessionTimeout > maxSessionTimeout {
		p.Addf("--kafka-session-timeout %s not within %s…%s (and the broker's group.min/max.session.timeout.ms, by default 6s…30m)",
			c.KafkaSessionTimeout, minSessionTimeout, maxSessionTimeout)
	}
	if c.ReportGrace < 0 || c.ReportGrace > 24*time.Hour {
		p.Addf("--report-grace %s not within 0…24h", c.ReportGrace)
	}
	if c.ReportsFrom != "" {
		d, err := payment.ParseDate(c.ReportsFrom)
		if err != nil {
			p.Addf("--reports-from: %v", err)
		}
		s.reportsFrom = d
	}
	var err error
	s.decoders, err = c.Secrets.decoders(log)
	p.Add(err)
	s.endpoints, err = loadWebhooks(c.Webhooks)
	p.Add(err)
	s.engine = reconcile.Config{CodePrefixes: []string{c.CodePrefix}}
	if c.CollectionAccounts != "" {
		accts, err := collection.ReadFile(c.CollectionAccounts)
		p.Add(wrapErr("--collection-accounts", err))
		s.engine.CollectionAccounts = accts
		if err == nil && c.Account != "" && !collectsAnywhere(accts, payment.CreditedAccount{BIN: c.BankBIN, Account: c.Account}) {
			p.Addf("--collection-account %s (printed on VietQR codes) is no agency's account in --collection-accounts %s: every payment to it would be wrong_account",
				payment.MaskAccount(c.Account), c.CollectionAccounts)
		}
	}
	// The API checks the code prefix and the collection accounts: a
	// notice's VietQR carries its agency's bank account from the file when
	// one is configured (api.Config.CollectionAccounts), the default
	// otherwise, which the file then makes optional.
	s.api = api.Config{CodePrefix: c.CodePrefix,
		DefaultCollection:  api.CollectionAccount{BankBIN: c.BankBIN, Account: c.Account},
		CollectionAccounts: s.engine.CollectionAccounts}.WithDefaults()
	p.Add(s.api.Validate())
	// The daily job checks the day rules and the issuing unit.
	s.job = dailyrun.Config{DayRules: c.DayRules, Engine: s.engine, Issuer: c.Issuer,
		ReportEmptyDays: c.ReportEmptyDays, Logger: log}
	p.Add(s.job.Validate())
	// Empty: casework's default threshold.
	if c.ApprovalThreshold != "" {
		threshold, err := payment.ParseDong(c.ApprovalThreshold)
		if err != nil {
			p.Addf("--approval-threshold: %v", err)
		} else if !threshold.Amount.IsPositive() {
			p.Addf("--approval-threshold: %s is not positive", c.ApprovalThreshold)
		}
		s.casework.Threshold = threshold
	}
	p.Add(s.casework.Validate())
	return s, p.Err()
}

// Bounds of --max-in-flight-callbacks (its bodies take up to 1 MiB each)
// and --shutdown-timeout (the orchestrator's own grace, e.g. Kubernetes'
// terminationGracePeriodSeconds, must exceed it).
const (
	maxInFlightCallbacks   = 4096
	maxShutdownTimeout     = 10 * time.Minute
	defaultShutdownTimeout = 20 * time.Second
)

// Bounds and defaults of --batch-size and --batch-wait: a batch is one
// transaction, so its size bounds how much one retry redoes, and its wait
// is the latency it adds on a quiet topic.
const (
	maxBatchSize     = 10_000
	defaultBatchSize = 500
	maxBatchWait     = time.Second
	defaultBatchWait = 5 * time.Millisecond
)

// decoders builds the adapters whose secrets are configured; a gateway
// without its secret is not served (and says so in the log).
func (s gatewaySecrets) decoders(log *slog.Logger) (gateways.Set, error) {
	amounts := payment.DefaultAmountPolicy()
	var decs []gateways.Decoder
	var errs []error
	add := func(g payment.Gateway, configured bool, build func() (gateways.Decoder, error)) {
		if !configured {
			log.Warn("gateway not configured: its callbacks and topic are not served", "gateway", g)
			return
		}
		d, err := build()
		if err != nil {
			errs = append(errs, err)
			return
		}
		decs = append(decs, d)
	}
	add(payment.GatewayVietQR, s.VietQR != "", func() (gateways.Decoder, error) {
		return vietqr.New(vietqr.Config{Secret: s.VietQR, Amounts: amounts})
	})
	add(payment.GatewayCamt054, s.Camt054 != "", func() (gateways.Decoder, error) {
		return camt054.New(camt054.Config{Secret: s.Camt054, Amounts: amounts})
	})
	add(payment.GatewayVNPay, s.VNPay != "", func() (gateways.Decoder, error) {
		return vnpay.New(vnpay.Config{HashSecret: s.VNPay, TmnCode: s.VNPayTmn, Amounts: amounts})
	})
	add(payment.GatewayMoMo, s.MoMoSecret != "", func() (gateways.Decoder, error) {
		return momo.New(momo.Config{SecretKey: s.MoMoSecret, AccessKey: s.MoMoAccessKey, PartnerCode: s.MoMoPartner, Amounts: amounts})
	})
	add(payment.GatewayZaloPay, s.ZaloPayKey2 != "", func() (gateways.Decoder, error) {
		return zalopay.New(zalopay.Config{Key2: s.ZaloPayKey2, AppID: s.ZaloPayAppID, Amounts: amounts})
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(decs) == 0 {
		return nil, config.Errorf("no gateway configured: set at least one FEERECON_*_SECRET / KEY variable")
	}
	return gateways.NewSet(decs...)
}

func serveCmd(g *globals) *cobra.Command {
	var c serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the service: HTTP API and gateway callbacks, Kafka consumers, matching, confirmations",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			c.Secrets = secretsFromEnv()
			return serve(cmd.Context(), c, log)
		},
	}
	f := cmd.Flags()
	dbFlag(f, &c.DB)
	f.StringVar(&c.Kafka, "kafka", envOr("FEERECON_KAFKA", ""), "Kafka bootstrap broker")
	f.StringVar(&c.HTTPAddr, "http", envOr("FEERECON_HTTP", "127.0.0.1:8080"), "HTTP listen address")
	f.StringVar(&c.Group, "group", envOr("FEERECON_GROUP", "feerecon"), "Kafka consumer group")
	f.StringVar(&c.CodePrefix, "code-prefix", payment.DefaultCodePrefix, "payment-code prefix issued")
	f.StringVar(&c.BankBIN, "collection-bin", envOr("FEERECON_COLLECTION_BIN", ""), "NAPAS BIN of the collecting bank (VietQR)")
	f.StringVar(&c.Account, "collection-account", envOr("FEERECON_COLLECTION_ACCOUNT", ""), "collection account printed on VietQR codes")
	maskDefault(f, "collection-account")
	f.StringVar(&c.Webhooks, "webhooks", envOr("FEERECON_WEBHOOKS", ""), "JSON file: destination -> {url, secret_env} for confirmations and reports")
	dayRulesFlags(f, &c.DayRules)
	issuerFlags(f, &c.Issuer)
	f.DurationVar(&c.ReportGrace, "report-grace", dailyrun.DefaultGrace, "wait after the cut-off before the day's reconciliation runs (0: at the cut-off)")
	f.StringVar(&c.ApprovalThreshold, "approval-threshold", envOr("FEERECON_APPROVAL_THRESHOLD", "20.000.000"),
		"đồng: an accountant's allocation, refund or reopen above this waits for an approver (every write-off does)")
	f.StringVar(&c.CollectionAccounts, "collection-accounts", envOr("FEERECON_COLLECTION_ACCOUNTS", ""),
		"CSV agency_code,bin,account: each agency's collection accounts; a payment credited elsewhere is a wrong_account exception; unset, nothing is checked")
	f.StringVar(&c.ReportsFrom, "reports-from", envOr("FEERECON_REPORTS_FROM", ""),
		"first business day ever reported, YYYY-MM-DD (catch-up never goes before it; unset, a first start reports no past day)")
	f.BoolVar(&c.ReportEmptyDays, "report-empty-days", false, "also report days with no payment, notice or statement line")
	f.IntVar(&c.MaxInFlightCallbacks, "max-in-flight-callbacks", ingress.DefaultMaxInFlight,
		"gateway callbacks in flight at once (awaiting their Kafka publish); one more is answered 503 with Retry-After")
	f.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", defaultShutdownTimeout,
		"on SIGTERM, the time given to the work under way (callbacks, consumers' batches, an outbox batch) before it is cut")
	f.IntVar(&c.BatchSize, "batch-size", defaultBatchSize,
		"raw gateway messages recorded in one database transaction at most (with their consumed offsets)")
	f.DurationVar(&c.BatchWait, "batch-wait", defaultBatchWait,
		"how long a batch waits for more messages after its first (the latency it adds on a quiet topic)")
	f.DurationVar(&c.KafkaSessionTimeout, "kafka-session-timeout", kafkabus.DefaultSessionTimeout,
		"consumer group session timeout: a killed instance's partitions move to the others after about this (within the broker's group.min.session.timeout.ms, default 6s, and max)")
	return cmd
}

// Bounds of --kafka-session-timeout: what a broker can be configured to
// accept (its defaults are 6s…30m).
const (
	minSessionTimeout = time.Second
	maxSessionTimeout = 30 * time.Minute
)

// consumerMaxBackoff caps the wait between a consumer's retries of a
// message whose handler failed transiently (PostgreSQL down): the message
// is processed within this of the database's return.
const consumerMaxBackoff = 2 * time.Second

// serve runs the service until ctx ends. The database must be migrated
// (feerecon migrate): serve checks the schema version and never migrates.
// A dependency down at start is waited for (HTTP serves /healthz at once,
// /readyz answers 503 naming it, every other route 503); a configuration
// error or ErrSchema ends serve at once.
func serve(ctx context.Context, c serveConfig, log *slog.Logger) (err error) {
	set, err := c.settle(log)
	if err != nil {
		return err
	}
	decs, endpoints := set.decoders, set.endpoints
	ready := &readiness{kafka: c.Kafka, log: log}
	front := newGate(ready)
	srv := newHTTPServer(c.HTTPAddr, front, defaultHTTPLimits())
	ln, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", c.HTTPAddr, "gateways", fmt.Sprint(decs.Gateways()))
	defer func() {
		// Every return, the early ones included: the listener ends with
		// serve (the errgroup below shuts it down gracefully first).
		_ = srv.Close()
		if serr := <-served; err == nil && !errors.Is(serr, http.ErrServerClosed) {
			err = serr
		}
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			err = nil // stopped while waiting for a dependency
		}
	}()
	st, err := waitFor(ctx, log, depPG, func(ctx context.Context) (*postgres.Store, error) { return postgres.Open(ctx, c.DB) },
		func(err error) bool { return errors.Is(err, postgres.ErrUnavailable) })
	if err != nil {
		return err
	}
	defer st.Close()
	ready.setStore(st)
	if err := warnNoWebhook(ctx, st, endpoints, log); err != nil {
		return err
	}
	engine, err := reconcile.NewEngine(set.engine)
	if err != nil {
		return err
	}
	if _, err := waitFor(ctx, log, depKafka, func(ctx context.Context) (struct{}, error) {
		topics := kafkabus.Topics(decs.Gateways())
		if err := kafkabus.EnsureTopics(ctx, c.Kafka, topics...); err != nil {
			return struct{}{}, err
		}
		// Ready only once they can take a publish: a topic just created
		// is led a moment later (a callback before would be answered 503).
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return struct{}{}, kafkabus.TopicsLed(lctx, c.Kafka, topics...)
	}, kafkabus.Unavailable); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := kafkabus.NewMetrics(reg)
	if err != nil {
		return err
	}
	producer, err := kafkabus.NewProducer(producerConfig(c.Kafka, log))
	if err != nil {
		return err
	}
	defer producer.Close()

	apiSrv, err := api.New(set.api, st, log, time.Now)
	if err != nil {
		return err
	}
	in, err := ingress.New(ingress.Config{Decoders: decs, Publisher: producer, Registerer: reg, Logger: log, Clock: time.Now,
		MaxInFlight: c.MaxInFlightCallbacks})
	if err != nil {
		return err
	}
	ingestMetrics, err := ingest.NewMetrics(reg)
	if err != nil {
		return err
	}
	pr := ingest.New(st, engine, time.Now, log).WithMetrics(ingestMetrics)
	// A notice created (API or notices.events) decides the payments that
	// came before it.
	apiSrv.OnNotice(func(ctx context.Context, tx store.Tx, n payment.Notice, amended bool) error {
		_, err := pr.NoticeChanged(ctx, tx, n, amended)
		return err
	})
	cases, err := casework.New(st, pr, set.casework, time.Now)
	if err != nil {
		return err
	}
	// The daily job: run by the scheduler, and by the console's re-run.
	job, err := dailyrun.NewJob(st, set.job)
	if err != nil {
		return err
	}
	con, err := console.New(apiSrv, st, log, time.Now, console.WithCasework(cases), console.WithReports(job.Print(), job))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", apiSrv)
	mux.Handle(console.Prefix+"/", con)
	mux.Handle(console.Prefix, con)
	mux.Handle("GET "+api.OpenAPIPath, noBody(apiSrv))
	mux.Handle("/gateways/", in)
	mux.Handle("GET /metrics", noBody(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	front.install(mux)

	grp, gctx := errgroup.WithContext(ctx)
	// work is the work under way: it outlives gctx (the end of taking new
	// work) by c.ShutdownTimeout, then is cut.
	work, cutWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cutWork()
	context.AfterFunc(gctx, func() {
		log.Info("shutting down: finishing the work under way", "deadline", c.ShutdownTimeout)
		time.AfterFunc(c.ShutdownTimeout, cutWork)
	})
	senders, err := outboxSenders(outbox.FromStore(st), endpoints, producer, reg, log)
	if err != nil {
		return err
	}
	// A batch that committed confirmations has them sent now, not at the
	// senders' next interval.
	wake := func() {
		for _, s := range senders {
			s.Wake()
		}
	}
	for _, gw := range decs.Gateways() {
		dec := decs[gw]
		topic := kafkabus.RawTopic(gw)
		consumer, err := kafkabus.NewBatchConsumer(kafkabus.ConsumerConfig{
			Brokers: []string{c.Kafka}, GroupID: c.Group, Topic: topic,
			Producer: producer, Metrics: metrics, Logger: log,
			SessionTimeout: c.KafkaSessionTimeout, MaxBackoff: consumerMaxBackoff,
			BatchSize: c.BatchSize, BatchWait: c.BatchWait,
		}, rawtopic.Handler(pr, dec, ingest.Position{Group: c.Group, Topic: topic}, wake))
		if err != nil {
			return err
		}
		grp.Go(func() error {
			defer consumer.Close()
			return consumerRestarts.supervise(gctx, log, kafkabus.RawTopic(gw), func(stop context.Context) error { return consumer.RunUntil(stop, work) })
		})
	}
	for _, sender := range senders {
		grp.Go(func() error { return sender.RunUntil(gctx, work) })
	}
	// Procedure systems that publish notices instead of calling the API:
	// each event is replayed against the API's own handler.
	notices, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{c.Kafka}, GroupID: c.Group + "-notices",
		Topic: kafkabus.TopicNoticeEvents, Producer: producer, Metrics: metrics, Logger: log,
		SessionTimeout: c.KafkaSessionTimeout, MaxBackoff: consumerMaxBackoff}, noticefeed.Handler(apiSrv, log))
	if err != nil {
		return err
	}
	grp.Go(func() error {
		defer notices.Close()
		return consumerRestarts.supervise(gctx, log, kafkabus.TopicNoticeEvents, func(stop context.Context) error { return notices.RunUntil(stop, work) })
	})
	if err := serveDaily(gctx, work, grp, c, set, st, pr, job, producer, metrics, log); err != nil {
		return err
	}
	if _, ok := endpoints[dailyrun.DefaultDestination]; !ok {
		log.Warn("no webhook for the treasury in --webhooks: daily report deliveries fail and go dead after the sender's attempts", "destination", dailyrun.DefaultDestination)
	}
	ready.wired.Store(true)
	grp.Go(func() error {
		select {
		case err := <-served: // the listener failed
			served <- err
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-gctx.Done():
			return nil
		}
	})
	grp.Go(func() error {
		// Shutdown closes the listener (no new callback is taken) and
		// waits for the requests under way: each callback's answer comes
		// after its publish; at the deadline they are cut, unanswered,
		// and their gateways retry.
		<-gctx.Done()
		return srv.Shutdown(work)
	})
	err = grp.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// warnNoWebhook warns, at start, of every system that holds an active key
// but has no webhook in --webhooks: its notices' confirmations reach it
// only if it pulls them from payments.confirmed.
func warnNoWebhook(ctx context.Context, st store.Store, endpoints map[string]outbox.Endpoint, log *slog.Logger) error {
	var keys []store.APIKey
	if err := st.InTx(ctx, func(tx store.Tx) error {
		var err error
		keys, err = tx.ListAPIKeys(ctx)
		return err
	}); err != nil {
		return err
	}
	warned := map[string]bool{}
	for _, k := range keys {
		if _, ok := endpoints[k.System]; ok || warned[k.System] || k.Role != store.RoleSystem || !k.Active() {
			continue
		}
		warned[k.System] = true
		log.Warn("system has an API key but no webhook in --webhooks: its confirmations go to payments.confirmed only (pull)",
			"system", k.System, "topic", kafkabus.TopicConfirmed)
	}
	return nil
}

// restartPolicy is how supervise restarts a stopped consumer: after Min,
// doubling up to Max while runs keep failing, and back to Min after a run
// that lasted Healthy (it had joined its group and consumed), so every
// outage starts again from Min and the wait after a broker's return is at
// most Max.
type restartPolicy struct {
	Min, Max, Healthy time.Duration
}

// consumerRestarts: a consumer is back within 5 s of the broker.
var consumerRestarts = restartPolicy{Min: 500 * time.Millisecond, Max: 5 * time.Second, Healthy: 10 * time.Second}

// supervise keeps a consumer running: Run returns on a rebalance during a
// commit, a broker outage or exhausted retries, having committed nothing it
// has not finished; it is restarted by the policy until ctx ends.
func (p restartPolicy) supervise(ctx context.Context, log *slog.Logger, topic string, run func(context.Context) error) error {
	backoff := p.Min
	for {
		start := time.Now()
		err := run(ctx)
		if ctx.Err() != nil {
			return nil //nolint:nilerr // shutting down: the run ended because ctx did
		}
		if time.Since(start) >= p.Healthy {
			backoff = p.Min
		}
		log.Error("consumer stopped; restarting", "topic", topic, "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, p.Max)
	}
}

// serveDaily adds the daily reconciliation to the service: the
// statements.raw consumer (applying statements' reversals with rev, as
// camt.054's are) and the scheduler of the business days (the
// reports' webhook and Kafka copies are the outbox senders').
func serveDaily(ctx, work context.Context, grp *errgroup.Group, c serveConfig, set settings, st *postgres.Store, rev dailyrun.Reverser, job *dailyrun.Job, producer *kafkabus.Producer, metrics *kafkabus.Metrics, log *slog.Logger) error {
	statements, err := kafkabus.NewConsumer(kafkabus.ConsumerConfig{Brokers: []string{c.Kafka}, GroupID: c.Group + "-statements",
		Topic: kafkabus.TopicStatements, Producer: producer, Metrics: metrics, Logger: log,
		SessionTimeout: c.KafkaSessionTimeout, MaxBackoff: consumerMaxBackoff},
		dailyrun.StatementHandler(st, rev, payment.DefaultAmountPolicy(), time.Now, log))
	if err != nil {
		return err
	}
	grp.Go(func() error {
		defer statements.Close()
		return consumerRestarts.supervise(ctx, log, kafkabus.TopicStatements, func(stop context.Context) error { return statements.RunUntil(stop, work) })
	})
	sched, err := dailyrun.NewScheduler(st, job, dailyrun.SchedulerConfig{Cutoff: c.DayRules.Cutoff, Grace: c.ReportGrace,
		CreditWindowDays: c.DayRules.CreditWindowDays, FirstDay: set.reportsFrom, Logger: log})
	if err != nil {
		return err
	}
	grp.Go(func() error { return sched.Run(ctx) })
	return nil
}

// outboxSenders are the outbox's channels: the signed webhooks of every
// message type, and one Kafka publisher per message type (confirmations to
// payments.confirmed for systems that pull, reports to treasury.reports),
// each with its metrics in reg.
func outboxSenders(st outbox.Store, endpoints map[string]outbox.Endpoint, producer outbox.Producer, reg prometheus.Registerer, log *slog.Logger) ([]*outbox.Sender, error) {
	webhooks, err := outbox.NewWebhook(st, outbox.WebhookConfig{Endpoints: endpoints, Registerer: reg, Loop: outbox.Loop{Logger: log}})
	if err != nil {
		return nil, err
	}
	senders := []*outbox.Sender{webhooks}
	for _, t := range outbox.Types() {
		s, err := outbox.NewKafka(st, producer, t, outbox.KafkaConfig{Registerer: reg, Loop: outbox.Loop{Logger: log}})
		if err != nil {
			return nil, err
		}
		senders = append(senders, s)
	}
	return senders, nil
}

// wrapErr is err as a configuration problem of flag, nil for nil.
func wrapErr(flag string, err error) error {
	if err == nil {
		return nil
	}
	return config.Wrap(flag, err)
}

// collectsAnywhere reports whether c is a collection account of some
// agency in a.
func collectsAnywhere(a collection.Accounts, c payment.CreditedAccount) bool {
	for _, r := range a.Rows() {
		if a.Collects(r.Agency, c) {
			return true
		}
	}
	return false
}

// producerConfig is serve's one producer (the callbacks, the outbox's Kafka
// copies, dead letters): concurrent publishes to a partition go out as one
// batch of up to 64 messages, gathered for at most 2 ms. Each Publish still
// returns only once the broker acknowledged its own message (acks=all): a
// callback is answered after Kafka has it, as before; a lone one waits the
// 2 ms more.
func producerConfig(broker string, log *slog.Logger) kafkabus.ProducerConfig {
	return kafkabus.ProducerConfig{Brokers: []string{broker}, Logger: log, BatchSize: 64, BatchTimeout: 2 * time.Millisecond}
}
