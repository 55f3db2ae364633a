package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A page that never answers fails the action at its deadline, and the
// browser still works afterwards: a hung page cannot hang make test.
func TestBrowserActionDeadline(t *testing.T) {
	ctx := Browser(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><p id="ok">ok</p>`)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for the handler

	t0 := time.Now()
	_, err := runBounded(ctx, 2*time.Second, chromedp.Navigate(srv.URL+"/hang"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("navigate to a page that never answers: err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("the 2 s deadline took %s", d)
	}
	BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#ok")))
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"TestConsole/login as kế toán-today": "TestConsole_login_as_k__to_n-today",
		"TestBrowser-form":                   "TestBrowser-form",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
