package ingress

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// retryLater answers status (429 or 503) with Retry-After: wait rounded
// up to whole seconds, at least 1, and msg as a plain-text body. Nothing of
// the request was stored; the gateway is to come back.
func retryLater(w http.ResponseWriter, status int, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", retryAfterSeconds(wait))
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}

// retryAfterSeconds is wait as a Retry-After value: whole seconds, rounded
// up, at least 1.
func retryAfterSeconds(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}
