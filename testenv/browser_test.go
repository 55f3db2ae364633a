package testenv_test

import (
	"bytes"
	"html/template"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/feerecon/feerecon/testenv"
)

// A strict policy, as the console's: no inline script or style, nothing from
// elsewhere, forms only to this origin.
const testCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

var formPage = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Đối chiếu</title>
<link rel="stylesheet" href="/app.css">
<script>document.title = "inline script ran"</script>
</head><body>
<h1 id="heading">Đối chiếu thu phí</h1>
<form method="post" action="/submit">
  <label for="payer">Người nộp tiền</label>
  <input id="payer" name="payer" type="text" required>
  <button type="submit">Gửi</button>
</form>
<div class="tall">Nghệ An · 1.500.000 ₫</div>
</body></html>`))

var resultPage = template.Must(template.New("result").Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Đã nhận</title>
<link rel="stylesheet" href="/app.css"></head><body>
<h1>Đối chiếu thu phí</h1>
<p id="result">Đã nhận: {{.}}</p>
</body></html>`))

// The page is taller than the 1280×800 window, so the screenshot shows
// whether it covers the whole document.
const appCSS = `body { font-family: "DejaVu Sans", sans-serif; background: #f4f6f8; color: #1b2a3a; margin: 2rem; }
h1 { color: #0b5394; }
button { background: #0b5394; color: #fff; border: 0; padding: .5rem 1rem; }
.tall { min-height: 1400px; border-top: 4px solid #c0392b; padding-top: 1rem; }
`

func newTestSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, tmpl *template.Template, data any) {
		w.Header().Set("Content-Security-Policy", testCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := tmpl.Execute(w, data); err != nil {
			t.Errorf("template: %v", err)
		}
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { page(w, formPage, nil) })
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		page(w, resultPage, r.PostFormValue("payer"))
	})
	mux.HandleFunc("GET /app.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(appCSS))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestBrowser drives the system Chromium through a form: the infrastructure
// the console's browser tests stand on.
func TestBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	srv := newTestSite(t)

	testenv.BrowserDo(t, ctx, chromedp.Navigate(srv.URL+"/"))
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#heading"))); got != "Đối chiếu thu phí" {
		t.Errorf("heading read back from the DOM = %q, want %q", got, "Đối chiếu thu phí")
	}
	// The policy is in force: the inline script did not run.
	if got := testenv.BrowserRun(t, ctx, chromedp.Title()); got != "Đối chiếu" {
		t.Errorf("title = %q: the inline script ran despite the Content-Security-Policy", got)
	}
	// The input is labelled (the console's rule: a label on every input).
	if got := testenv.BrowserRun(t, ctx, chromedp.Evaluate[string](`document.getElementById("payer").labels[0].textContent`)); got != "Người nộp tiền" {
		t.Errorf("label of #payer = %q", got)
	}
	form := testenv.Screenshot(t, ctx, "form")

	testenv.BrowserDo(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#payer"), "Nguyễn Văn An"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	)
	if got := testenv.BrowserRun(t, ctx, chromedp.Text(chromedp.CSS("#result"))); got != "Đã nhận: Nguyễn Văn An" {
		t.Errorf("result page = %q, want %q", got, "Đã nhận: Nguyễn Văn An")
	}
	result := testenv.Screenshot(t, ctx, "result")

	w, h, colours := decodePNG(t, form)
	if w != 1280 || h < 1400 {
		t.Errorf("form screenshot is %d×%d, want 1280 wide and the whole page (≥ 1400 tall)", w, h)
	}
	if colours < 3 {
		t.Errorf("form screenshot has %d colour(s): blank", colours)
	}
	if w, h, colours := decodePNG(t, result); w != 1280 || h != 800 || colours < 3 {
		t.Errorf("result screenshot is %d×%d with %d colour(s), want the 1280×800 window, not blank", w, h, colours)
	}
}

// decodePNG returns the image's size and how many distinct colours it has.
func decodePNG(t *testing.T, path string) (width, height, colours int) {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // the test's own artifact
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	seen := map[[4]uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			c := img.At(x, y)
			var k [4]uint32
			k[0], k[1], k[2], k[3] = c.RGBA()
			seen[k] = true
		}
	}
	return r.Dx(), r.Dy(), len(seen)
}
