package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Acceptance 4 of issue 10: the reading pages work with JavaScript off.
// A plain HTTP client — no browser, no script — signs in through the
// login form with a real session cookie and GETs each reading page of the
// console; the page's data is in its HTML.
//
// readingPages is the table: one line adds a page. login is who reads it
// (fixture's people or those harnessFixture adds), wants what of the
// fixture its HTML holds.
var readingPages = []struct {
	name, login, path string
	wants             []string
}{
	{"today", h40Login, "/console/", []string{`<span id="collected">200.000 ₫</span> (2)`, `<th scope="row">H40.01</th>`}},
	{"today in English", h29Login, "/console/?lang=en", []string{`<span id="collected">1,820,000 VND</span> (2)`}}, // TB-2's and the duplicate naming it
	{"notices: the search box", h40Login, "/console/notices", []string{`<input type="search" id="q" name="q"`}},
	{"notices: by payer", h40Login, "/console/notices?q=tran+thi+binh", []string{`<a href="/console/notices/dvc/TB-3">TB-3</a>`, "250.000 ₫", tb3Payer}},
	{"notice: payments, allocations, confirmations", h40Login, "/console/notices/dvc/TB-1", []string{
		`<tr id="payment-vietqr:1001">`, "Mã thanh toán trong nội dung", `<code id="confirmation-id">confirmation|dvc|TB-1</code>`,
		`<dd class="raw last-error">kafka: broker unreachable</dd>`}},
	{"notice: its QR", h40Login, "/console/notices/dvc/TB-3", []string{`<img id="notice-qr" src="/console/notices/dvc/TB-3/qr.png"`}},
	{"audit", admin, "/console/audit", []string{`<strong id="head-seq">`, `<a href="/console/audit?action=outbox.dead"`, "410 Gone"}},
	{"audit: filtered", admin, "/console/audit?kind=notice", []string{`<option value="notice" selected>notice</option>`, `href="/console/notices/dvc/TB-2"`}},
	{"account", h40Login, "/console/account", []string{`<dd id="account-login">kt.h40</dd>`, `<li>H40.01</li>`}},
	{"exceptions: the queue", h40Login, "/console/exceptions", []string{`data-id="duplicate|zalopay:1004"`, "50.000 ₫"}},
	{"exception", h40Login, "/console/exception?id=duplicate%7Czalopay%3A1004", []string{`id="raw-description"`, "NP000000000151 le phi"}},
	{"exceptions: H29.75's queue", h29Login, "/console/exceptions?lang=vi", []string{`data-id="duplicate|momo:2901"`, "320.000 ₫", "H29.75"}},
}

// harnessFixture is what the harnesses' pages show beyond fixture: each
// page file adds its own line.
func harnessFixture(t *testing.T, b bundle) {
	t.Helper()
	pagesFixture(t, b.st)
	h29Exception(t, b.st)
}

// client signs login in through the login form over srv and returns an
// HTTP client holding the session cookie, as a browser without
// JavaScript would.
func client(t *testing.T, srv *httptest.Server, login string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A client of its own (srv.Client is shared): its own cookies.
	c := &http.Client{Transport: srv.Client().Transport, Jar: jar}
	res, err := c.PostForm(srv.URL+"/console/login", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	// The login answers 303 to Today, which the client follows with the
	// cookie: a page, not the login form again.
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/console/" || strings.Contains(string(body), `id="password"`) {
		t.Fatalf("login %s: %d at %s", login, res.StatusCode, res.Request.URL)
	}
	u, _ := url.Parse(srv.URL)
	if cs := jar.Cookies(u); len(cs) == 0 {
		t.Fatalf("login %s: no cookie kept", login)
	}
	return c
}

func get(t *testing.T, c *http.Client, url string) (int, http.Header, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(body)
}

func TestReadingPagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		harnessFixture(t, b)
		// HTTPS: the session cookie is Secure (__Host-).
		srv := httptest.NewTLSServer(b.srv)
		defer srv.Close()
		clients := map[string]*http.Client{}
		for _, p := range readingPages {
			c, ok := clients[p.login]
			if !ok {
				c = client(t, srv, p.login)
				clients[p.login] = c
			}
			code, hdr, body := get(t, c, srv.URL+p.path)
			if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
				t.Errorf("%s: GET %s: %d %s", p.name, p.path, code, hdr.Get("Content-Type"))
				continue
			}
			for _, w := range p.wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s: GET %s lacks %q", p.name, p.path, w)
				}
			}
		}
	})
}
