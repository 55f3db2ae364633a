package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/config"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const demoDir = "../../testdata/demo"

// `make demo` prints what it always printed: the summary, nothing else
// (testdata/demo.golden was written by the command before --serve existed).
func TestDemoPrintsItsSummary(t *testing.T) {
	t.Parallel()
	out, err := runCLI(t, "demo", "--dir", demoDir)
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/demo.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil { //nolint:gosec // a golden file is meant to be read
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("feerecon demo printed:\n%s\nwant (%s):\n%s", out, golden, want)
	}
}

// --http without --serve is a mistake of the command line (exit 2); a
// taken address fails before the day runs.
func TestDemoServeFlags(t *testing.T) {
	t.Parallel()
	if out, err := runCLI(t, "demo", "--dir", demoDir, "--http", "127.0.0.1:0"); !errors.Is(err, config.ErrInvalid) || out != "" {
		t.Errorf("--http without --serve: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out, err := runCLI(t, "demo", "--dir", demoDir, "--serve", "--http", l.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "address already in use") || strings.Contains(out, "feerecon demo") {
		t.Errorf("a taken address: %v\n%s", err, out)
	}
}

// demoServer is a running `feerecon demo --serve`.
type demoServer struct {
	out     *syncBuffer
	cancel  context.CancelFunc
	done    chan struct{} // closed when the demo has stopped, with err
	err     error
	url     string // the console's, as printed
	summary string // what plain demo prints
	logins  map[string]string
}

var (
	consoleLine = regexp.MustCompile(`(?m)^console of the demo day \(2026-11-26\): (http://127\.0\.0\.1:\d+/console/)  — Ctrl-C stops it$`)
	accountLine = regexp.MustCompile(`(?m)^  (accountant|approver) +login (\S+) +password (\S+)  \(agencies H40\.01, H40\.12, H40\.25\)$`)
)

// startDemo runs `feerecon demo --serve --http 127.0.0.1:0` until the
// test ends, and reads the URL and the accounts it prints: through the
// command line, or, when log is set, through serveDemo with that logger.
func startDemo(t *testing.T, log *slog.Logger) *demoServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &demoServer{out: &syncBuffer{}, cancel: cancel, done: make(chan struct{}), logins: map[string]string{}}
	run := func() error {
		root := newRoot()
		root.SetOut(d.out)
		root.SetErr(d.out)
		root.SetArgs([]string{"demo", "--serve", "--http", "127.0.0.1:0", "--dir", demoDir, "--log-level", "error"})
		return root.ExecuteContext(ctx)
	}
	if log != nil {
		run = func() error {
			return serveDemo(ctx, demoConfig{Dir: demoDir, Serve: true, HTTPAddr: "127.0.0.1:0"}, d.out, log)
		}
	}
	go func() {
		defer close(d.done)
		d.err = run()
	}()
	t.Cleanup(func() {
		cancel()
		<-d.done
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(d.out.String(), "shown only here\n") {
		select {
		case <-d.done:
			t.Fatalf("demo --serve ended: %v\n%s", d.err, d.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo --serve printed no console in 30s:\n%s", d.out.String())
		}
	}
	out := d.out.String()
	m := consoleLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no console URL in:\n%s", out)
	}
	d.url = m[1]
	d.summary = out[:strings.Index(out, "console of the demo day")]
	for _, a := range accountLine.FindAllStringSubmatch(out, -1) {
		d.logins[a[1]] = a[2]
		d.logins[a[1]+" password"] = a[3]
	}
	if len(d.logins) != 4 {
		t.Fatalf("accounts printed:\n%s", out)
	}
	return d
}

// noRedirect is a client that shows each answer as it is.
var noRedirect = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, url string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// login posts the console's login form and returns the session cookie.
func (d *demoServer) login(t *testing.T, login, password string) *http.Cookie {
	t.Helper()
	resp, err := noRedirect.PostForm(d.url+"login", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("login %s: %d → %q", login, resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Name == api.SessionCookie {
			return c
		}
	}
	t.Fatalf("login %s: no session cookie", login)
	return nil
}

// demo --serve prints the summary plain demo prints, then the console's
// URL and two accounts; the accountant's printed password opens Today over
// the demo day, with the demo's totals; the passwords differ from run to
// run and are not in the log; cancelling the context stops the server.
func TestDemoServe(t *testing.T) {
	t.Parallel()
	// Its log at the debug level, to see that no password is in it.
	var logged syncBuffer
	d := startDemo(t, slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug})))
	want, err := os.ReadFile("testdata/demo.golden")
	if err != nil {
		t.Fatal(err)
	}
	if d.summary != string(want) {
		t.Errorf("demo --serve's summary:\n%s\nwant:\n%s", d.summary, want)
	}
	if d.logins["accountant"] != "ketoan.demo" || d.logins["approver"] != "pheduyet.demo" ||
		d.logins["accountant password"] == d.logins["approver password"] {
		t.Errorf("accounts: %v", d.logins)
	}

	if resp, _ := get(t, d.url); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Errorf("logged out: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	bad, err := noRedirect.PostForm(d.url+"login", url.Values{"login": {"ketoan.demo"}, "password": {"not-the-printed-one"}})
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	if bad.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d", bad.StatusCode)
	}
	c := d.login(t, d.logins["accountant"], d.logins["accountant password"])
	resp, body := get(t, d.url, c)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Today: %d\n%s", resp.StatusCode, body)
	}
	// The summary's matched money: 31 allocations, 9 726 000 VND.
	for _, w := range []string{
		`<span id="business-date">26/11/2026</span>`,
		`<tr class="matched" id="matched"><th scope="row">Đã khớp với thông báo</th><td class="num">31</td><td class="num">9.726.000 ₫</td>`,
		`<dd id="user-login">ketoan.demo</dd>`, `<dd id="user-agencies">H40.01, H40.12, H40.25</dd>`,
		// The day is reconciled: each agency's first report version.
		`<th scope="row">H40.01</th><td class="num">v1</td>`, `<th scope="row">H40.25</th><td class="num">v1</td>`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("Today lacks %q", w)
		}
	}
	if resp, _ := get(t, strings.TrimSuffix(d.url, "console/")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("GET /: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	d.login(t, d.logins["approver"], d.logins["approver password"])

	// Another run, other passwords.
	other := startDemo(t, nil)
	if other.logins["accountant password"] == d.logins["accountant password"] {
		t.Error("the same password in two runs")
	}

	for _, pw := range []string{d.logins["accountant password"], d.logins["approver password"]} {
		if strings.Contains(logged.String(), pw) {
			t.Error("a password is in the log")
		}
	}
	d.cancel()
	select {
	case <-d.done:
		if d.err != nil {
			t.Errorf("demo --serve stopped with %v", d.err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("demo --serve still runs 15s after its context ended")
	}
	if _, err := noRedirect.Get(d.url + "login"); err == nil {
		t.Error("the console still answers after the demo stopped")
	}
}
