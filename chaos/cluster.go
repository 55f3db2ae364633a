package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/outbox"
)

// Services are the PostgreSQL and Kafka that scripts/services.sh runs from
// Dir; the harness restarts them through the same script.
type Services struct {
	Script string // scripts/services.sh
	Dir    string // its FEERECON_SERVICES_DIR
	PG     string // FEERECON_TEST_PG
	Kafka  string // FEERECON_TEST_KAFKA
}

func (s Services) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "bash", append([]string{s.Script}, args...)...) //nolint:gosec // G204: the project's own scripts/services.sh
	cmd.Env = append(os.Environ(), "FEERECON_SERVICES_DIR="+s.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("services.sh %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// restart stops one server (services.sh stop: PostgreSQL's fast shutdown,
// the broker's SIGTERM) and starts it again on its port with its data.
func (s Services) restart(ctx context.Context, server string) error {
	if err := s.run(ctx, "stop", server); err != nil {
		return err
	}
	return s.run(ctx, "start", server)
}

// RestartPG restarts PostgreSQL, data kept.
func (s Services) RestartPG(ctx context.Context) error { return s.restart(ctx, "pg") }

// RestartKafka restarts the broker, data kept.
func (s Services) RestartKafka(ctx context.Context) error { return s.restart(ctx, "kafka") }

// gatewayEnv is the environment naming the demo secrets, as cmd/feerecon's
// tests set it.
func gatewayEnv() []string {
	s := gatewaysim.DemoSecrets()
	return []string{
		"FEERECON_VIETQR_SECRET=" + s.VietQR, "FEERECON_CAMT054_SECRET=" + s.Camt054,
		"FEERECON_VNPAY_HASH_SECRET=" + s.VNPay, "FEERECON_VNPAY_TMN_CODE=" + s.VNPayTmnCode,
		"FEERECON_MOMO_SECRET_KEY=" + s.MoMoSecret, "FEERECON_MOMO_ACCESS_KEY=" + s.MoMoAccessKey,
		"FEERECON_MOMO_PARTNER_CODE=" + s.MoMoPartnerCode,
		"FEERECON_ZALOPAY_KEY2=" + s.ZaloPayKey2, "FEERECON_ZALOPAY_APP_ID=" + s.ZaloPayAppID,
	}
}

// Instance is one `feerecon serve` process, restartable.
type Instance struct {
	Name string
	Addr string
	bin  string
	args []string
	env  []string
	log  string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// Start launches the process (its output appended to its log file).
func (in *Instance) Start() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	f, err := os.OpenFile(in.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	in.starts++
	fmt.Fprintf(f, "==== chaos: start %d of %s at %s\n", in.starts, in.Name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(in.bin, in.args...) //nolint:gosec // G204: the harness's own binary and flags
	cmd.Env = in.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", in.Name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	in.cmd, in.exited = cmd, done
	return nil
}

// Running reports whether the process runs.
func (in *Instance) Running() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cmd == nil {
		return false
	}
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// signal sends sig and waits for the process to end (up to wait).
func (in *Instance) signal(sig syscall.Signal, wait time.Duration) error {
	in.mu.Lock()
	cmd, done := in.cmd, in.exited
	in.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
		return nil
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s did not end within %s of %s", in.Name, wait, sig)
	}
}

// Kill is SIGKILL: no shutdown at all.
func (in *Instance) Kill() error { return in.signal(syscall.SIGKILL, 10*time.Second) }

// Stop is SIGTERM, as an operator stops it.
func (in *Instance) Stop() error { return in.signal(syscall.SIGTERM, 60*time.Second) }

// WaitReady polls /healthz until it answers (or ctx ends).
func (in *Instance) WaitReady(ctx context.Context) error {
	for {
		if resp, err := http.Get("http://" + in.Addr + "/healthz"); err == nil { //nolint:noctx // a probe
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !in.Running() {
			return fmt.Errorf("%s exited before it was ready (log %s)", in.Name, in.log)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", in.Name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freeAddr is a free 127.0.0.1 port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Sink is the procedure system's (and the treasury's) webhook receiver: it
// verifies each signature and counts the idempotency keys per notice.
type Sink struct {
	srv    *httptest.Server
	secret outbox.Secret

	mu sync.Mutex
	// keys: notice id -> idempotency key -> deliveries.
	keys      map[string]map[string]int
	reports   int
	bad       []string
	posts     int
	confirmed map[string]string // notice id -> the payment code confirmed
}

// NewSink starts a sink verifying signatures with secret.
func NewSink(secret string) *Sink {
	s := &Sink{secret: outbox.Secret(secret), keys: map[string]map[string]int{}, confirmed: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := outbox.Verify(s.secret, r.Header.Get(outbox.HeaderTimestamp), body, r.Header.Get(outbox.HeaderSignature)); err != nil {
		s.bad = append(s.bad, "signature: "+err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	kind := r.Header.Get(outbox.HeaderKind)
	switch kind {
	case string(outbox.Confirmation):
		var c struct {
			System   string `json:"system"`
			NoticeID string `json:"notice_id"`
			Code     string `json:"payment_code"`
		}
		if err := json.Unmarshal(body, &c); err != nil || c.NoticeID == "" {
			s.bad = append(s.bad, fmt.Sprintf("confirmation without a notice: %v %.200s", err, body))
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		key := r.Header.Get(outbox.HeaderIdempotencyKey)
		if key == "" {
			s.bad = append(s.bad, "confirmation of "+c.NoticeID+" without an Idempotency-Key")
		}
		if s.keys[c.NoticeID] == nil {
			s.keys[c.NoticeID] = map[string]int{}
		}
		s.keys[c.NoticeID][key]++
		s.confirmed[c.NoticeID] = c.Code
	case string(outbox.Report):
		s.reports++
	default:
		s.bad = append(s.bad, "unexpected kind "+kind)
	}
	w.WriteHeader(http.StatusNoContent)
}

// URL is the sink's base URL.
func (s *Sink) URL() string { return s.srv.URL }

// Close stops the sink.
func (s *Sink) Close() { s.srv.Close() }

// SinkCounts are what the sink saw.
type SinkCounts struct {
	// Notices confirmed, and for each the number of distinct keys and of
	// deliveries.
	Keys       map[string]int
	Deliveries map[string]int
	Reports    int
	Posts      int
	Bad        []string
}

// Counts returns a copy of what the sink saw.
func (s *Sink) Counts() SinkCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := SinkCounts{Keys: map[string]int{}, Deliveries: map[string]int{}, Reports: s.reports, Posts: s.posts, Bad: append([]string(nil), s.bad...)}
	for n, ks := range s.keys {
		c.Keys[n] = len(ks)
		for _, d := range ks {
			c.Deliveries[n] += d
		}
	}
	return c
}

// writeWebhooks writes the --webhooks file: the system's and the
// treasury's endpoints, both the sink, the secret in envName.
func writeWebhooks(dir, url, envName string) (string, error) {
	path := filepath.Join(dir, "webhooks.json")
	doc := map[string]map[string]string{
		System:     {"url": url + "/dvc", "secret_env": envName},
		"treasury": {"url": url + "/treasury", "secret_env": envName},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, b, 0o600)
}

// runBin runs the feerecon binary and returns its stdout.
func runBin(ctx context.Context, bin string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...) //nolint:gosec // G204: the harness's own binary
	cmd.Env = env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("feerecon %s: %w\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String(), nil
}
