package main

import (
	"net/http"
	"time"

	"github.com/feerecon/feerecon/gateways"
)

// Limits of the service's HTTP server (feerecon serve). Every connection is
// bounded in time and every request in size, so that slow or large clients
// cannot hold the server's connections or memory.
const (
	// httpReadHeaderTimeout bounds reading a request's headers.
	httpReadHeaderTimeout = 10 * time.Second
	// httpReadTimeout bounds reading a whole request, body included: a
	// 1 MiB gateway message at 35 KB/s. A client trickling bytes is cut.
	httpReadTimeout = 30 * time.Second
	// httpWriteTimeout bounds a request from the end of its headers to the
	// end of its answer: the read, the broker's acknowledgement
	// (ingress.Config.PublishTimeout, 800 ms by default) and the answer.
	httpWriteTimeout = 60 * time.Second
	// httpIdleTimeout closes a keep-alive connection with no request.
	httpIdleTimeout = 120 * time.Second
	// httpMaxHeaderBytes bounds the request line and headers (net/http's
	// default is 1 MiB); more is answered 431.
	httpMaxHeaderBytes = 64 << 10
	// httpMaxBodyBytes is the ceiling of every request body whatever the
	// route, above the routes' own limits (a gateway message,
	// gateways.MaxMessageBytes; an API body, api.DefaultMaxBodyBytes), so
	// that a route added without its own limit is bounded still.
	httpMaxBodyBytes = gateways.MaxMessageBytes + 64<<10
)

// httpLimits are the server's limits; tests shorten them.
type httpLimits struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxHeaderBytes                int
	MaxBodyBytes                  int64
}

func defaultHTTPLimits() httpLimits {
	return httpLimits{ReadHeader: httpReadHeaderTimeout, Read: httpReadTimeout, Write: httpWriteTimeout,
		Idle: httpIdleTimeout, MaxHeaderBytes: httpMaxHeaderBytes, MaxBodyBytes: httpMaxBodyBytes}
}

// newHTTPServer is the service's HTTP server for h at addr, with l's
// timeouts and every request body bounded by l.MaxBodyBytes.
func newHTTPServer(addr string, h http.Handler, l httpLimits) *http.Server {
	bounded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, l.MaxBodyBytes)
		h.ServeHTTP(w, r)
	})
	return &http.Server{Addr: addr, Handler: bounded,
		ReadHeaderTimeout: l.ReadHeader, ReadTimeout: l.Read, WriteTimeout: l.Write, IdleTimeout: l.Idle,
		MaxHeaderBytes: l.MaxHeaderBytes}
}

// noBody serves h only for requests without a body (/metrics, /healthz):
// one with a body, or a chunked one, is answered 413 unread.
func noBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			w.Header().Set("Connection", "close")
			http.Error(w, "this route takes no request body", http.StatusRequestEntityTooLarge)
			return
		}
		h.ServeHTTP(w, r)
	})
}
