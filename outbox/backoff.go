package outbox

import "time"

// Backoff is the wait after the n-th failed attempt (n ≥ 1) of an outbox
// message: a uniformly random duration in [0, min(maxWait, base·2^(n-1))]
// (exponential backoff with full jitter, so that senders that failed
// together do not retry together). rand returns a value in [0, n), like
// math/rand/v2.Int64N; base must not exceed maxWait.
//
// Every Sender uses it, so every outbox channel retries on the same
// schedule.
func Backoff(n int, base, maxWait time.Duration, rand func(n int64) int64) time.Duration {
	ceil := base
	for i := 1; i < n && ceil < maxWait; i++ {
		ceil *= 2
	}
	ceil = min(ceil, maxWait)
	return time.Duration(rand(int64(ceil) + 1))
}
