package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/payment"
)

// The stream is a function of its seed and size, and has every kind of
// event and every gateway.
func TestGenerateIsReproducible(t *testing.T) {
	a, err := Generate(42, 2000)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(42, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two streams")
	}
	c, _ := Generate(43, 2000)
	if reflect.DeepEqual(a.Events, c.Events) {
		t.Fatal("another seed gave the same stream")
	}
	for _, k := range []Kind{Create, Amend, Pay, Tampered, Malformed} {
		if a.Count(k) == 0 {
			t.Errorf("no event of kind %d", k)
		}
	}
	gws := map[payment.Gateway]map[Via]bool{}
	redeliveries, early := 0, 0
	created := map[int]bool{}
	for _, e := range a.Events {
		if e.Kind == Pay {
			if gws[e.Payment.Gateway] == nil {
				gws[e.Payment.Gateway] = map[Via]bool{}
			}
			gws[e.Payment.Gateway][e.Via] = true
			if e.Redelivery {
				redeliveries++
			}
			for i, n := range a.Notices {
				if i >= a.Precreated && !created[i] && strings.Contains(e.Payment.Description, string(n.Code)) {
					early++
				}
			}
		}
		if e.Kind == Create {
			// Creations in index order: serial i+1 is notice i's.
			if e.Notice != a.Precreated+len(created) {
				t.Fatalf("notice %d created out of order", e.Notice)
			}
			created[e.Notice] = true
		}
	}
	for _, g := range gatewayList {
		if !gws[g][HTTP] || !gws[g][Topic] {
			t.Errorf("gateway %s not sent both ways: %v", g, gws[g])
		}
	}
	if redeliveries == 0 || early == 0 {
		t.Errorf("redeliveries %d, payments before their notice %d", redeliveries, early)
	}
	if n := len(a.Events) + a.Precreated; n < 1800 || n > 2200 {
		t.Errorf("%d events for a stream of about 2000", n)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// TestChaos is `make chaos` (FEERECON_CHAOS=full) and its short version
// in `make test` (FEERECON_CHAOS=short): see the package doc. Knobs:
// FEERECON_CHAOS_EVENTS, _KILLS, _RATE (events/s), _SEED, and
// FEERECON_CHAOS_SERVICES_DIR to use running services.sh servers instead
// of starting its own.
func TestChaos(t *testing.T) {
	mode := os.Getenv("FEERECON_CHAOS")
	var events, kills, rate int
	switch mode {
	case "short":
		events, kills, rate = 2000, 1, 100
	case "full":
		events, kills, rate = 103_000, 10, 400 // 103,000 asked gives ≥ 100,000 events
	case "":
		t.Skip("FEERECON_CHAOS=short|full runs the chaos harness (make chaos; scripts/test.sh runs the short one)")
	default:
		t.Fatalf("FEERECON_CHAOS=%q: want short or full", mode)
	}
	events = envInt("FEERECON_CHAOS_EVENTS", events)
	kills = envInt("FEERECON_CHAOS_KILLS", kills)
	rate = envInt("FEERECON_CHAOS_RATE", rate)
	seed := int64(envInt("FEERECON_CHAOS_SEED", 12))
	t0 := time.Now()
	ctx := context.Background()

	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if keep := os.Getenv("FEERECON_CHAOS_WORK"); keep != "" {
		work = keep
		_ = os.MkdirAll(work, 0o755)
	}
	svc := Services{Script: filepath.Join(repo, "scripts", "services.sh"), Dir: os.Getenv("FEERECON_CHAOS_SERVICES_DIR")}
	if svc.Dir == "" {
		svc.Dir = filepath.Join(os.TempDir(), fmt.Sprintf("feerecon-chaos-%d", os.Getpid()))
		up := exec.CommandContext(ctx, "bash", svc.Script, "up")
		up.Env = append(os.Environ(), "FEERECON_SERVICES_DIR="+svc.Dir)
		up.Stderr = os.Stderr
		if out, err := up.Output(); err != nil {
			t.Fatalf("services.sh up: %v\n%s", err, out)
		}
		t.Cleanup(func() {
			if t.Failed() {
				// services.sh down deletes its directory: keep the servers' logs.
				for _, f := range []string{"pg/postgres.log", "pg/pg_ctl.log", "kafka/server.log"} {
					if b, err := os.ReadFile(filepath.Join(svc.Dir, f)); err == nil {
						_ = os.WriteFile(filepath.Join(work, strings.ReplaceAll(f, "/", "-")), b, 0o600)
					}
				}
				t.Logf("the servers' logs are in %s", work)
			}
			down := exec.Command("bash", svc.Script, "down")
			down.Env = append(os.Environ(), "FEERECON_SERVICES_DIR="+svc.Dir)
			if out, err := down.CombinedOutput(); err != nil {
				t.Errorf("services.sh down: %v\n%s", err, out)
			}
		})
	}
	envCmd := exec.CommandContext(ctx, "bash", svc.Script, "env")
	envCmd.Env = append(os.Environ(), "FEERECON_SERVICES_DIR="+svc.Dir)
	env, err := envCmd.Output()
	if err != nil {
		t.Fatalf("services.sh env (FEERECON_SERVICES_DIR=%s): %v", svc.Dir, err)
	}
	for _, l := range strings.Split(string(env), "\n") {
		k, v, _ := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		v = strings.Trim(v, "'")
		switch k {
		case "FEERECON_TEST_PG":
			svc.PG = v
		case "FEERECON_TEST_KAFKA":
			svc.Kafka = v
		}
	}
	if svc.PG == "" || svc.Kafka == "" {
		t.Fatalf("services.sh env gave no PostgreSQL or Kafka:\n%s", env)
	}

	bin := filepath.Join(work, "feerecon")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/feerecon")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s, err := Generate(seed, events)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stream: seed %d, %d events (%d notices created before it, %d mid-stream, %d amendments, %d payments with %d redeliveries, %d forged, %d malformed)",
		seed, len(s.Events)+s.Precreated, s.Precreated, s.Count(Create), s.Count(Amend), len(s.Valid()), s.Count(Pay)-len(s.Valid()), s.Count(Tampered), s.Count(Malformed))
	// Quiescence is awaited, not slept: the bound only turns a stuck run
	// into a failure. It grows with the stream (a minute per 5,000
	// events, at least 10), as the backlog after a restart does.
	h := &Harness{Bin: bin, Services: svc, Work: work, Logf: t.Logf, Quiesce: max(10*time.Minute, time.Duration(events/5000)*time.Minute)}

	phaseT := time.Now()
	clean, err := h.Phase(ctx, "clean", s, Plan{Rate: 0, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("clean run: %s", time.Since(phaseT).Round(time.Millisecond))
	phaseT = time.Now()
	chaos, err := h.Phase(ctx, "chaos", s, Plan{Kills: kills, RestartPG: true, RestartKafka: true, Rate: rate, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chaotic run: %s", time.Since(phaseT).Round(time.Millisecond))
	bv, err := h.Reconcile(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	sum := Check(s, chaos, clean, bv, work)
	for _, n := range sum.Notes {
		t.Log(n)
	}
	for i, v := range sum.Violations {
		if i == 30 {
			t.Errorf("… and %d more violations", len(sum.Violations)-30)
			break
		}
		t.Error(v)
	}
	if mode == "full" && (sum.Events < 100_000 || sum.Kills < 10 || sum.PGRestarts < 1 || sum.KafkaRestarts < 1) {
		t.Errorf("make chaos asks for ≥ 100,000 events, ≥ 10 kills and a PostgreSQL and a Kafka restart: %s", sum.Line())
	}
	t.Logf("total %s", time.Since(t0).Round(time.Second))
	// The last line, printed whatever the verdict.
	fmt.Println(sum.Line())
	if len(sum.Violations) > 0 {
		t.Error(errors.Join(ErrViolation, fmt.Errorf("%d violations", len(sum.Violations))))
	}
}
