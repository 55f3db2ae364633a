package ingress

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// SourceKey is the rate-limit key of a request's RemoteAddr: its IPv4
// address, or the /64 network of an IPv6 address (one subscriber's
// allocation, so that rotating addresses inside it gains nothing); the
// string itself if it is no IP.
//
// Behind a reverse proxy every request comes from the proxy's address and
// shares its bucket: X-Forwarded-For is not trusted (anyone can set it), so
// put the limit in the proxy or give the proxy a RateLimit it cannot
// exceed.
func SourceKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}

// limiter holds a token bucket per source, at most size of them: the least
// recently seen source is forgotten first, so the limiter's memory is
// bounded whatever the number of sources. No timer expires buckets: one idle
// for burst/rate seconds is full again, the same as a new one, so
// forgetting it changes nothing; only a source pushed out by more than size
// others gets a fresh burst early.
type limiter struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	lru   *simplelru.LRU[string, *rate.Limiter]
}

func newLimiter(limit rate.Limit, burst, size int) (*limiter, error) {
	lru, err := simplelru.NewLRU[string, *rate.Limiter](size, nil)
	if err != nil {
		return nil, fmt.Errorf("rate limiter: %w", err)
	}
	return &limiter{limit: limit, burst: burst, lru: lru}, nil
}

// allow takes one token of key's bucket at now, or says how long until one
// is there.
func (l *limiter) allow(key string, now time.Time) (time.Duration, bool) {
	if l.limit == rate.Inf {
		return 0, true
	}
	l.mu.Lock()
	b, ok := l.lru.Get(key)
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.lru.Add(key, b)
	}
	l.mu.Unlock()
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return time.Second, false
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return max(d, time.Second), false
	}
	return 0, true
}

// sources is how many sources are tracked, for tests.
func (l *limiter) sources() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}
