package testenv

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Own is a test's own PostgreSQL and/or Kafka, started with
// scripts/services.sh in a directory of its own, that the test may stop and
// start again (an outage) without touching the shared servers. They are
// stopped and deleted when the test ends.
type Own struct {
	// PG is the URL of the database feerecon_test ("" unless "pg" was
	// asked for); Kafka the broker address ("" unless "kafka").
	PG, Kafka string
	script    string
	env       []string
}

// OwnServices starts the servers named ("pg", "kafka") for t alone. It runs
// where the shared servers run (their variables set), skips elsewhere
// outside CI and fails under CI=true, like Postgres and Kafka. The broker
// is FEERECON_TEST_KAFKA_VERSION's (default the script's).
func OwnServices(t testing.TB, services ...string) *Own {
	t.Helper()
	for _, s := range services {
		switch s {
		case "pg":
			require(t, EnvPG)
		case "kafka":
			require(t, EnvKafka)
		default:
			t.Fatalf("testenv: unknown service %q", s)
		}
	}
	script, err := servicesScript()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: the postgres user must be able to enter it, and the
	// script creates it.
	dir := filepath.Join(os.TempDir(), "feerecon-own-"+randomHex(6))
	o := &Own{script: script, env: append(os.Environ(), "FEERECON_SERVICES_DIR="+dir,
		"FEERECON_SERVICES="+strings.Join(services, " "))}
	if v := os.Getenv("FEERECON_TEST_KAFKA_VERSION"); v != "" {
		o.env = append(o.env, "KAFKA_VERSION="+v)
	}
	t.Cleanup(func() {
		if out, err := o.run(context.Background(), "down"); err != nil {
			t.Errorf("services.sh down: %v\n%s", err, out)
		}
	})
	out, err := o.run(context.Background(), "up")
	if err != nil {
		t.Fatalf("services.sh up %v: %v\n%s", services, err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, "'")
		switch k {
		case EnvPG:
			o.PG = v
		case EnvKafka:
			o.Kafka = v
		}
	}
	return o
}

// Stop stops one of the servers ("pg" or "kafka"), keeping its data and
// port; Start starts it again and returns once it serves.
func (o *Own) Stop(t testing.TB, service string) { o.cmd(t, "stop", service) }

// Start starts a server Stop stopped, on its port with its data, and
// returns once it serves.
func (o *Own) Start(t testing.TB, service string) { o.cmd(t, "start", service) }

func (o *Own) cmd(t testing.TB, verb, service string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := o.run(ctx, verb, service); err != nil {
		t.Fatalf("services.sh %s %s: %v\n%s", verb, service, err, out)
	}
}

// run returns the script's stdout, with its stderr after it on failure.
func (o *Own) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", append([]string{o.script}, args...)...) //nolint:gosec // G204: the project's own script, with this package's fixed verbs
	cmd.Env = o.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

// servicesScript finds scripts/services.sh in the module's root, above the
// test's working directory.
func servicesScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "scripts", "services.sh"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}
