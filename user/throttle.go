package user

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle slows login attempts down per login and per source address, in
// this process (the lock-out in the store is what holds across processes
// and restarts). A key unused for an idle period is forgotten, and at most
// maxKeys are tracked, so the throttle itself cannot be used to exhaust
// memory.
type Throttle struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	maxKeys int
	keys    map[string]*entry
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewThrottle allows, per login and per address, burst attempts at once and
// then one every every.
func NewThrottle(every time.Duration, burst int) *Throttle {
	return &Throttle{every: every, burst: burst, maxKeys: 100_000, keys: map[string]*entry{}}
}

// DefaultThrottle allows 5 attempts at once, then one every 10 seconds, per login
// and per address.
func DefaultThrottle() *Throttle { return NewThrottle(10*time.Second, 5) }

// Allow reports whether an attempt for login from remoteAddr (host:port or
// host; the port is stripped) may go ahead at now. Both the login's and the
// address's budgets are spent.
func (t *Throttle) Allow(login, remoteAddr string, now time.Time) bool {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.forget(now)
	a := t.limiter("login:"+login, now).AllowN(now, 1)
	b := t.limiter("addr:"+host, now).AllowN(now, 1)
	return a && b
}

func (t *Throttle) limiter(key string, now time.Time) *rate.Limiter {
	e, ok := t.keys[key]
	if !ok {
		e = &entry{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.keys[key] = e
	}
	e.seen = now
	return e.lim
}

// forget drops keys whose budget is whole again (unused for burst×every)
// once half of maxKeys are tracked, and then arbitrary ones down to half:
// a flood of addresses can reset some budgets early, never grow memory
// (the store's lock-out still counts every failure).
func (t *Throttle) forget(now time.Time) {
	full := time.Duration(t.burst) * t.every
	if len(t.keys) < t.maxKeys/2 {
		return
	}
	for k, e := range t.keys {
		if now.Sub(e.seen) > full {
			delete(t.keys, k)
		}
	}
	for k := range t.keys {
		if len(t.keys) < t.maxKeys/2 {
			break
		}
		delete(t.keys, k)
	}
}
