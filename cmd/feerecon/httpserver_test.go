package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/ingress"
)

// startServer serves a body-reading route, a no-body route and the
// callback edge (vietqr, one callback in flight at most, a broker that
// stores at once) with l on a real loopback socket.
func startServer(t *testing.T, l httpLimits) string {
	t.Helper()
	mux := http.NewServeMux()
	dec, err := vietqr.New(vietqr.Config{Secret: "feerecon-test-vietqr-secret-0001"})
	if err != nil {
		t.Fatal(err)
	}
	decs, err := gateways.NewSet(dec)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ingress.New(ingress.Config{Decoders: decs, Publisher: &slowBroker{width: make(chan struct{}, 1)}, MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/gateways/", in)
	mux.HandleFunc("POST /body", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "read %d bytes\n", len(b))
	})
	mux.Handle("GET /healthz", noBody(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })))
	srv := newHTTPServer("", mux, l)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// Slow and oversized clients (issue 9, acceptance 7): a client trickling
// one byte at a time is cut by the read timeouts, an idle keep-alive
// connection by the idle timeout, and oversized headers or bodies are
// refused; the server's own defaults are finite.
func TestSlowAndLargeClients(t *testing.T) {
	t.Parallel()
	l := httpLimits{ReadHeader: 400 * time.Millisecond, Read: 800 * time.Millisecond, Write: 2 * time.Second,
		Idle: 400 * time.Millisecond, MaxHeaderBytes: 4 << 10, MaxBodyBytes: 1 << 10}
	addr := startServer(t, l)
	const tick = 150 * time.Millisecond // a byte per tick: 10 s for the slowest trickle
	for _, c := range []struct {
		name string
		// head is sent at once, then trickle one byte per tick.
		head, trickle string
		// cutBy is the timeout that must close the connection.
		cutBy time.Duration
		// want is the status line the server answers, if any ("" none).
		want string
		// then, if set, runs after the connection closed.
		then func(t *testing.T)
	}{
		{name: "headers trickled", head: "", trickle: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 60) + "\r\n\r\n",
			cutBy: l.ReadHeader},
		{name: "body trickled", head: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n", trickle: strings.Repeat("b", 64),
			cutBy: l.Read, want: "HTTP/1.1 400"},
		// A callback trickled holds the edge's only slot until the read
		// timeout cuts it; the slot is free again after (checked below).
		{name: "callback trickled", head: "POST /gateways/vietqr/callback HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n",
			trickle: strings.Repeat("b", 64), cutBy: l.Read, want: "HTTP/1.1 400", then: func(t *testing.T) {
				resp, err := http.Post("http://"+addr+"/gateways/vietqr/callback", "application/json", strings.NewReader("{}"))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized { // read and verified: the slot was free
					t.Errorf("a callback after the trickled one: %d, want 401 (not 503: its slot was released)", resp.StatusCode)
				}
			}},
		{name: "idle keep-alive", head: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", cutBy: l.Idle, want: "HTTP/1.1 200"},
		{name: "headers too large", head: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("h", 8<<10) + "\r\n\r\n",
			cutBy: l.ReadHeader, want: "HTTP/1.1 431"},
		{name: "body too large", head: "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + strings.Repeat("c", 2048),
			cutBy: l.Read, want: "HTTP/1.1 400"},
		{name: "a body to /healthz", head: "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
			cutBy: l.Read, want: "HTTP/1.1 413"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			if _, err := io.WriteString(conn, c.head); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for i := range len(c.trickle) {
					select {
					case <-stop:
						return
					case <-time.After(tick):
					}
					if _, err := conn.Write([]byte{c.trickle[i]}); err != nil {
						return
					}
				}
			}()
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(bufio.NewReader(conn)) // until the server closes
			took := time.Since(start)
			if err != nil {
				t.Fatalf("after %s: %v (the server did not close the connection)", took, err)
			}
			if took > c.cutBy+time.Second {
				t.Errorf("closed after %s, want within %s of the %s timeout", took, time.Second, c.cutBy)
			}
			if !strings.HasPrefix(string(got), c.want) {
				t.Errorf("answer %.40q, want %q", got, c.want)
			}
			t.Logf("closed after %s", took.Round(10*time.Millisecond))
			if c.then != nil {
				c.then(t)
			}
		})
	}
}

func TestHTTPDefaultsAreFinite(t *testing.T) {
	t.Parallel()
	srv := newHTTPServer(":0", http.NotFoundHandler(), defaultHTTPLimits())
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %s", name, d)
		}
	}
	if srv.WriteTimeout <= srv.ReadTimeout+10*time.Second {
		t.Errorf("WriteTimeout %s leaves no room after a full read (%s) and a broker acknowledgement (10s)", srv.WriteTimeout, srv.ReadTimeout)
	}
	if srv.MaxHeaderBytes != httpMaxHeaderBytes || httpMaxHeaderBytes >= http.DefaultMaxHeaderBytes {
		t.Errorf("MaxHeaderBytes = %d", srv.MaxHeaderBytes)
	}
}
