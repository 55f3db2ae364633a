package outbox_test

import (
	"testing"
	"time"

	"github.com/feerecon/feerecon/outbox"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n         int
		base, max time.Duration
		ceil      time.Duration // the largest wait: rand is asked for [0, ceil]
	}{
		{1, time.Second, time.Minute, time.Second},
		{2, time.Second, time.Minute, 2 * time.Second},
		{4, time.Second, time.Minute, 8 * time.Second},
		{7, time.Second, time.Minute, time.Minute}, // 64s capped
		{1000, time.Second, time.Hour, time.Hour},  // no overflow however many attempts
		{3, time.Minute, time.Minute, time.Minute}, // base at the cap
		{1, 0, 0, 0}, // zero waits: retry at once
		{5, 10 * time.Second, time.Hour, 160 * time.Second},
	}
	for _, tt := range tests {
		var asked int64
		top := outbox.Backoff(tt.n, tt.base, tt.max, func(n int64) int64 { asked = n; return n - 1 })
		if top != tt.ceil || asked != int64(tt.ceil)+1 {
			t.Errorf("Backoff(%d, %s, %s): %s with rand(%d), want %s with rand(%d)", tt.n, tt.base, tt.max, top, asked, tt.ceil, int64(tt.ceil)+1)
		}
		if low := outbox.Backoff(tt.n, tt.base, tt.max, func(int64) int64 { return 0 }); low != 0 {
			t.Errorf("Backoff(%d, %s, %s) with rand 0: %s, want 0", tt.n, tt.base, tt.max, low)
		}
	}
}
