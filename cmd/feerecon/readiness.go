package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/store/postgres"
)

// Dependencies /readyz names.
const (
	depPG    = "pg"
	depKafka = "kafka"
)

// readyProbeTimeout bounds each of /readyz's checks.
const readyProbeTimeout = time.Second

// readiness answers /readyz: 200 once serve is wired and PostgreSQL and
// Kafka both answer now, 503 otherwise, with a JSON body naming what is
// missing. /healthz stays the liveness probe: it answers as long as the
// process serves HTTP, dependencies down or not.
type readiness struct {
	kafka string
	// pg pings the store, nil until it is open.
	pg    atomic.Pointer[func(context.Context) error]
	wired atomic.Bool
	log   *slog.Logger
}

// readyBody is /readyz's answer.
type readyBody struct {
	Ready bool `json:"ready"`
	// Starting: serve is still waiting for a dependency or wiring.
	Starting bool `json:"starting,omitempty"`
	// Missing names the dependencies that do not answer ("pg", "kafka").
	Missing []string `json:"missing"`
}

func (rd *readiness) setStore(st *postgres.Store) {
	ping := st.Ping
	rd.pg.Store(&ping)
}

// check probes both dependencies at once and returns the missing ones.
func (rd *readiness) check(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(ctx, readyProbeTimeout)
	defer cancel()
	var mu sync.Mutex
	var missing []string
	var wg sync.WaitGroup
	probe := func(name string, f func(context.Context) error) {
		defer wg.Done()
		if err := f(ctx); err != nil {
			rd.log.DebugContext(ctx, "readiness: dependency missing", slog.String("dependency", name), slog.String("error", err.Error()))
			mu.Lock()
			missing = append(missing, name)
			mu.Unlock()
		}
	}
	wg.Add(2)
	go probe(depPG, func(ctx context.Context) error {
		ping := rd.pg.Load()
		if ping == nil {
			return errors.New("not connected yet")
		}
		return (*ping)(ctx)
	})
	go probe(depKafka, func(ctx context.Context) error { return kafkabus.Ping(ctx, rd.kafka) })
	wg.Wait()
	slices.Sort(missing)
	return missing
}

func (rd *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := readyBody{Missing: rd.check(r.Context()), Starting: !rd.wired.Load()}
	if b.Missing == nil {
		b.Missing = []string{}
	}
	b.Ready = len(b.Missing) == 0 && !b.Starting
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !b.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(b)
}

// gate serves the front routes (/healthz, /readyz) at once and everything
// else with the wired mux once serve installed it: 503 with Retry-After
// before, while serve waits for its dependencies.
type gate struct {
	front *http.ServeMux
	rest  atomic.Pointer[http.Handler]
}

func newGate(ready *readiness) *gate {
	g := &gate{front: http.NewServeMux()}
	g.front.Handle("GET /healthz", noBody(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })))
	g.front.Handle("GET /readyz", noBody(ready))
	g.front.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if h := g.rest.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "5")
		http.Error(w, "starting: waiting for PostgreSQL and Kafka (see /readyz)", http.StatusServiceUnavailable)
	})
	return g
}

func (g *gate) install(h http.Handler) { g.rest.Store(&h) }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.front.ServeHTTP(w, r) }

// Startup waits: serve retries a dependency that does not answer every
// startWait·2^n, at most startWaitMax, until it does or serve is stopped.
const (
	startWait    = 200 * time.Millisecond
	startWaitMax = 2 * time.Second
)

// waitFor calls try until it succeeds, fails with an error unavailable
// does not accept (returned), or ctx ends (ctx's error). Each failure is
// logged, at most every 10 s after the first.
func waitFor[T any](ctx context.Context, log *slog.Logger, dep string, try func(context.Context) (T, error), unavailable func(error) bool) (T, error) {
	wait := startWait
	var lastLog time.Time
	start := time.Now()
	for {
		v, err := try(ctx)
		if err == nil {
			if !lastLog.IsZero() {
				log.InfoContext(ctx, "dependency is back; starting", slog.String("dependency", dep), slog.Duration("waited", time.Since(start).Round(time.Millisecond)))
			}
			return v, nil
		}
		if ctx.Err() != nil {
			return v, ctx.Err()
		}
		if !unavailable(err) {
			return v, err
		}
		if time.Since(lastLog) >= 10*time.Second {
			log.WarnContext(ctx, "dependency unavailable; waiting (not ready, see /readyz)", slog.String("dependency", dep), slog.String("error", err.Error()))
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, startWaitMax)
	}
}
