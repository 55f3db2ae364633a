package ingress_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/time/rate"

	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/ingress"
)

func TestSourceKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.7:4711":                 "192.0.2.7",
		"[::ffff:192.0.2.7]:80":          "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443":     "2001:db8:1:2::/64",
		"[2001:db8:1:2:bbbb::9%eth0]:44": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":          "2001:db8:1:3::/64",
		"not-an-address":                 "not-an-address",
	} {
		if got := ingress.SourceKey(in); got != want {
			t.Errorf("SourceKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// Callbacks are limited per source address with a token bucket: over it,
// 429 with Retry-After and nothing read or stored; other sources are not
// affected; the limiter tracks a bounded number of sources.
func TestRateLimitPerSource(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	pub := &fakePublisher{}
	reg := prometheus.NewRegistry()
	h, err := ingress.New(ingress.Config{Decoders: decoders(t), Publisher: pub, Registerer: reg,
		RateLimit: 1, RateBurst: 2, RateSources: 3, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body, sig := vietqrFile(t, "valid.json")
	call := func(remote string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/gateways/vietqr/callback", strings.NewReader(string(body)))
		r.Header.Set(vietqr.HeaderSignature, sig)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, c := range []struct {
		name, remote string
		advance      time.Duration
		want         int
	}{
		{"burst 1", "192.0.2.1:1000", 0, 200},
		{"burst 2, another port", "192.0.2.1:1001", 0, 200},
		{"over", "192.0.2.1:1002", 0, 429},
		{"another source", "192.0.2.2:1000", 0, 200},
		{"IPv6 /64 a", "[2001:db8::1]:1", 0, 200},
		{"IPv6 /64 b", "[2001:db8::2]:1", 0, 200},
		{"IPv6 same /64 over", "[2001:db8::3]:1", 0, 429},
		{"a token later", "192.0.2.1:1003", time.Second, 200},
		{"and over again", "192.0.2.1:1004", 0, 429},
	} {
		now = now.Add(c.advance)
		w := call(c.remote)
		if w.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.want)
		}
		if c.want == 429 && w.Header().Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q, want 1", c.name, w.Header().Get("Retry-After"))
		}
	}
	if pub.published != 6 || pub.deadLettered != 0 {
		t.Errorf("%d published, %d dead-lettered: a limited callback was stored", pub.published, pub.deadLettered)
	}
	if got := testutil.ToFloat64(mustCounter(t, reg, "rate_limited")); got != 3 {
		t.Errorf("rate_limited count %v, want 3", got)
	}
	// Many sources: the limiter forgets the least recently seen.
	for i := range 50 {
		call("198.51.100." + itoa(i) + ":1")
	}
	if n := ingress.Sources(h); n != 3 {
		t.Errorf("%d sources tracked, want the bound 3", n)
	}
}

func TestRateLimitOffAndConfig(t *testing.T) {
	t.Parallel()
	pub := &fakePublisher{}
	h, err := ingress.New(ingress.Config{Decoders: decoders(t), Publisher: pub, RateLimit: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	for range 300 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/gateways/vietqr/callback", strings.NewReader("{}")))
		if w.Code == 429 {
			t.Fatal("rate.Inf limited")
		}
	}
	if _, err := ingress.New(ingress.Config{Decoders: decoders(t), Publisher: pub, RateBurst: -1}); err == nil {
		t.Error("a negative RateBurst was accepted")
	}
}

func mustCounter(t *testing.T, reg *prometheus.Registry, outcome string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					c.Add(m.GetCounter().GetValue())
				}
			}
		}
	}
	return c
}

func itoa(i int) string { return strconv.Itoa(i) }
