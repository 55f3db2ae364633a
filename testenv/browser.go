package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Variables scripts/test.sh exports for the browser tests.
const (
	// EnvChromium is the Chromium binary (scripts/chromium.sh installs
	// Debian's chromium and exports /usr/bin/chromium).
	EnvChromium = "FEERECON_TEST_CHROMIUM"
	// EnvArtifacts is the directory whose content outlives the run
	// (screenshots/ here, schemathesis/ from scripts/schemathesis.sh).
	EnvArtifacts = "FEERECON_ARTIFACTS_DIR"
)

// Bounds of the browser: a hung Chromium fails the test instead of hanging
// make test.
const (
	BrowserStartTimeout  = 60 * time.Second // process start and first tab
	BrowserActionTimeout = 30 * time.Second // each BrowserDo / BrowserRun / Screenshot
	browserCloseTimeout  = 10 * time.Second // graceful close, then the process is killed
	failureShotTimeout   = 10 * time.Second // the screenshot of a failed action
)

// The page's viewport in CSS pixels, a laptop's (a test of a tablet's sets
// its own with chromedp.EmulateViewport).
const (
	BrowserWidth  = 1280
	BrowserHeight = 800
)

// chromiumPath is the binary the browser tests use: $FEERECON_TEST_CHROMIUM,
// or outside CI chromium on PATH; skipped outside CI when there is none, a
// failure under CI=true (the rule of Postgres and Kafka).
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s=%s is not an executable: %v", EnvChromium, p, err)
		}
		return p
	}
	if InCI() {
		t.Fatalf("%s is not set under CI=true: install Chromium with scripts/chromium.sh (make test does)", EnvChromium)
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("%s not set and no chromium on PATH: browser test skipped outside CI (run make test, or scripts/chromium.sh)", EnvChromium)
	}
	return p
}

// Browser starts a headless Chromium (the system's: Debian's chromium, never
// a downloaded one) with a fresh profile under t.TempDir() and returns the
// chromedp context of its first tab. The browser is closed, and its process
// stopped, when the test ends. Run actions on the context with BrowserDo and
// BrowserRun, which bound each one by BrowserActionTimeout; its viewport is
// BrowserWidth×BrowserHeight.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := chromiumPath(t)
	out := &lockedBuffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		// A closed network: nothing phones home, nothing is fetched.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.Flag("window-size", "1280,800"),
		chromedp.CombinedOutput(out),
	}
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox on.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, browserCloseTimeout)
		defer cancel()
		if err := chromedp.Cancel(cctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browser: graceful close: %v (the process is killed)", err)
		}
		cancelTab()
		cancelAlloc() // kills the process if it still runs, and waits for it
	})

	// The first Run starts the browser and binds it to the context it is
	// given, so it must not carry a timeout: it is bounded from outside.
	t0 := time.Now()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(BrowserStartTimeout)
	defer timer.Stop()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("browser: %s did not start: %v\n%s", path, err, out.tail(2000))
		}
	case <-timer.C:
		cancelAlloc()
		t.Fatalf("browser: %s did not start within %s\n%s", path, BrowserStartTimeout, out.tail(2000))
	}
	vctx, cancel := context.WithTimeout(ctx, BrowserActionTimeout)
	defer cancel()
	v, err := chromedp.CallBrowser(vctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("browser: Browser.getVersion: %v", err)
	}
	// The window's size is not the page's in headless mode (the window
	// frame is subtracted): set the page's viewport itself.
	if _, err := runBounded(ctx, BrowserActionTimeout, chromedp.EmulateViewport(BrowserWidth, BrowserHeight)); err != nil {
		t.Fatalf("browser: viewport %d×%d: %v", BrowserWidth, BrowserHeight, err)
	}
	t.Logf("browser: %s (%s) started in %s", v.Product, path, time.Since(t0).Round(time.Millisecond))
	return ctx
}

// BrowserDo runs the steps in the browser's tab, all of them within
// BrowserActionTimeout; on an error the test fails, after a screenshot of
// the page as it was (named "failed").
func BrowserDo(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := runBounded(ctx, BrowserActionTimeout, chromedp.Steps(steps...)); err != nil {
		failed(t, ctx, err)
	}
}

// BrowserRun runs one action in the browser's tab within
// BrowserActionTimeout and returns its value; on an error the test fails,
// after a screenshot of the page as it was (named "failed").
func BrowserRun[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := runBounded(ctx, BrowserActionTimeout, a)
	if err != nil {
		failed(t, ctx, err)
	}
	return v
}

func failed(t testing.TB, ctx context.Context, err error) {
	t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("not done within %s (an element that never appears, a page that never loads, or a hung browser): %w", BrowserActionTimeout, err)
	}
	if path, serr := screenshot(t, ctx, failureShotTimeout, "failed"); serr == nil {
		t.Logf("browser: page at the failure: %s", path)
	}
	t.Fatalf("browser: %v", err)
}

// runBounded runs a on the tab within d. The browser must have started: a
// timeout on the first Run would stop it.
func runBounded[T any](ctx context.Context, d time.Duration, a chromedp.Action[T]) (T, error) {
	actx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return chromedp.Run(actx, a)
}

// ArtifactsDir is $FEERECON_ARTIFACTS_DIR (scripts/test.sh sets it; kept
// after the run), by default feerecon-artifacts under the temporary directory.
func ArtifactsDir() string {
	if d := os.Getenv(EnvArtifacts); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "feerecon-artifacts")
}

// Screenshot saves a PNG of the whole page (beyond the window, as tall as
// the document) as $FEERECON_ARTIFACTS_DIR/screenshots/<test>-<name>.png,
// logs its path and returns it.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	path, err := screenshot(t, ctx, BrowserActionTimeout, name)
	if err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

func screenshot(t testing.TB, ctx context.Context, d time.Duration, name string) (string, error) {
	img, err := runBounded(ctx, d, fullPagePNG())
	if err != nil {
		return "", err
	}
	if _, err := png.DecodeConfig(bytes.NewReader(img)); err != nil {
		return "", fmt.Errorf("the browser's screenshot is not a PNG: %w", err)
	}
	dir := filepath.Join(ArtifactsDir(), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // artifacts are meant to be read
		return "", err
	}
	path := filepath.Join(dir, fileName(t.Name()+"-"+name)+".png")
	if err := os.WriteFile(path, img, 0o644); err != nil { //nolint:gosec // artifacts are meant to be read
		return "", err
	}
	return path, nil
}

// fileName keeps letters, digits, '-', '_' and '.'; everything else
// (the '/' of subtests, spaces) becomes '_'.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// fullPagePNG captures the document's whole scrollable area, not only the
// window: chromedp's FullScreenshot sets no clip, which Chromium reads as
// the viewport.
func fullPagePNG() chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		params := page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			FromSurface:           ptr(true),
			CaptureBeyondViewport: ptr(true),
		}
		// The document's size, and at least the window's (a short page
		// is shown as the window shows it).
		var w, h float64
		if s := m.CSSContentSize; s != nil {
			w, h = s.Width, s.Height
		}
		if v := m.CSSLayoutViewport; v != nil {
			w, h = max(w, float64(v.ClientWidth)), max(h, float64(v.ClientHeight))
		}
		if w > 0 && h > 0 {
			params.Clip = &page.Viewport{Width: w, Height: h, Scale: 1}
		}
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, params)
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

func ptr[T any](v T) *T { return &v }

// lockedBuffer collects the browser's output (written from chromedp's
// goroutine) for the message of a failed start.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil // enough for a diagnosis
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
