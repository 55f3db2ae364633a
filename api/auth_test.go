package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/memory"
)

// samplePath turns a route pattern into a request path ({id} → X).
func samplePath(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	return method, strings.ReplaceAll(path, "{id}", "X")
}

// TestEveryRouteHasARule walks the router: every registered pattern has a
// rule, every rule a route, and each non-public route refuses a request
// without a key (401) and one with a key of the other role (403).
func TestEveryRouteHasARule(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		rules := api.Rules()
		patterns := b.srv.Patterns()
		if len(patterns) < 10 {
			t.Fatalf("only %d patterns registered: %q", len(patterns), patterns)
		}
		for _, p := range patterns {
			if _, ok := rules[p]; !ok {
				t.Errorf("route %q has no rule in the authorisation table", p)
			}
		}
		for p := range rules {
			if !slices.Contains(patterns, p) {
				t.Errorf("rule %q names no registered route", p)
			}
		}
		for _, p := range patterns {
			method, path := samplePath(p)
			access := rules[p]
			if access == api.AccessPublic {
				continue
			}
			r := b.do(method, path, "", "{}")
			if r.code != http.StatusUnauthorized || !strings.HasPrefix(r.hdr.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%s without a key: %d, WWW-Authenticate %q; want 401 Bearer", p, r.code, r.hdr.Get("WWW-Authenticate"))
			}
			other := op // the wrong role for a system route
			if access == api.AccessOperator || access == api.AccessStaff {
				other = sys
			}
			if r := b.do(method, path, other, "{}"); r.code != http.StatusForbidden {
				t.Errorf("%s with a key of the wrong role: %d, want 403: %s", p, r.code, r.body)
			}
		}
	})
}

// TestSystemsSeeOnlyTheirOwn: another system's notice answers 404 to every
// notice route, the same answer as a notice that does not exist, and is
// left unchanged.
func TestSystemsSeeOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		mine := b.do("POST", "/v1/notices", sys, noticeBody("S-1", "500000")).want(t, http.StatusCreated).view(t)
		const thief = "dvc-hue"
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/v1/notices/S-1", ""},
			{"PUT", "/v1/notices/S-1", noticeBody("S-1", "1000")},
			{"POST", "/v1/notices/S-1/cancel", `{"reason":"x"}`},
			{"GET", "/v1/notices/S-1/qr", ""},
			{"GET", "/v1/notices/S-1/qr.png", ""},
		} {
			r := b.do(c.method, c.path, thief, c.body)
			none := b.do(c.method, strings.Replace(c.path, "S-1", "S-404", 1), thief, strings.Replace(c.body, "S-1", "S-404", 1))
			if r.code != http.StatusNotFound || string(r.body) != string(none.body) {
				t.Errorf("%s %s by %s: %d %s; want the 404 of a missing notice: %d %s", c.method, c.path, thief, r.code, r.body, none.code, none.body)
			}
		}
		// The thief's own notice of the same id is another notice.
		b.do("POST", "/v1/notices", thief, noticeBody("S-1", "1000")).want(t, http.StatusCreated)
		got := b.do("GET", "/v1/notices/S-1", sys, "").want(t, http.StatusOK).view(t)
		if !got.Total.Equal(vnd(500000)) || got.Status != mine.Status || got.Version != 1 || got.Code != mine.Code {
			t.Errorf("the owner's notice changed: %+v", got)
		}
	})
}

// TestKeysAuthenticate: without a key, with a malformed, unknown, wrong or
// revoked key, 401 with a Bearer challenge; a revocation takes effect on
// the next request.
func TestKeysAuthenticate(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		k := b.key(sys)
		bearer := func(v string) http.Header { return http.Header{"Authorization": {v}} }
		b.raw("POST", "/v1/notices", bearer("Bearer "+k.Text), noticeBody("K-1", "150000")).want(t, http.StatusCreated)
		unknown, _ := apikey.New()
		_, secret, _ := apikey.Parse(unknown.Text)
		for name, h := range map[string]http.Header{
			"no header":     {},
			"basic":         bearer("Basic ZHZjOnB3"),
			"bare key":      bearer(k.Text),
			"malformed":     bearer("Bearer frk_nothex_x"),
			"unknown id":    bearer("Bearer " + unknown.Text),
			"wrong secret":  bearer("Bearer " + apikey.Prefix + k.ID + "_" + secret),
			"system header": {api.SystemHeader: {sys}},
		} {
			r := b.raw("GET", "/v1/notices/K-1", h, "").want(t, http.StatusUnauthorized)
			if c := r.hdr.Get("WWW-Authenticate"); !strings.HasPrefix(c, `Bearer realm="feerecon"`) {
				t.Errorf("%s: WWW-Authenticate %q", name, c)
			}
			if strings.Contains(string(r.body), "K-1") || strings.Contains(string(r.body), secret) {
				t.Errorf("%s: the 401 tells %s", name, r.body)
			}
		}
		ctx := context.Background()
		if err := b.st.InTx(ctx, func(tx store.Tx) error { return tx.RevokeAPIKey(ctx, k.ID, clock) }); err != nil {
			t.Fatal(err)
		}
		b.raw("GET", "/v1/notices/K-1", bearer("Bearer "+k.Text), "").want(t, http.StatusUnauthorized)
		b.raw("POST", "/v1/notices", bearer("Bearer "+k.Text), noticeBody("K-2", "150000")).want(t, http.StatusUnauthorized)
		// The system's new key works; the notice is still its own.
		k2 := b.newKey(sys, store.RoleSystem)
		b.raw("GET", "/v1/notices/K-1", bearer("Bearer "+k2.Text), "").want(t, http.StatusOK)
	})
}

// TestSystemHeaderNotTrusted: X-Feerecon-System naming another system than
// the key's is 403 and changes nothing; naming the key's own is accepted.
func TestSystemHeaderNotTrusted(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		auth := "Bearer " + b.key(sys).Text
		b.do("POST", "/v1/notices", "dvc-hue", noticeBody("H-1", "500000")).want(t, http.StatusCreated)
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/v1/notices", noticeBody("H-2", "150000")},
			{"GET", "/v1/notices/H-1", ""},
			{"PUT", "/v1/notices/H-1", noticeBody("H-1", "1000")},
			{"POST", "/v1/notices/H-1/cancel", ""},
		} {
			h := http.Header{"Authorization": {auth}, api.SystemHeader: {"dvc-hue"}}
			b.raw(c.method, c.path, h, c.body).want(t, http.StatusForbidden).apiError(t)
		}
		if g := b.do("GET", "/v1/notices/H-1", "dvc-hue", "").want(t, http.StatusOK).view(t); !g.Total.Equal(vnd(500000)) || g.Version != 1 {
			t.Errorf("dvc-hue's notice changed: %+v", g)
		}
		b.do("GET", "/v1/notices/H-2", sys, "").want(t, http.StatusNotFound)
		b.raw("POST", "/v1/notices", http.Header{"Authorization": {auth}, api.SystemHeader: {sys}}, noticeBody("H-2", "150000")).want(t, http.StatusCreated)
		// An operator key with a system header is refused too.
		b.raw("GET", "/v1/outbox", http.Header{"Authorization": {"Bearer " + b.key(op).Text}, api.SystemHeader: {sys}}, "").want(t, http.StatusForbidden)
	})
}

// TestOnlySystemKeysIssue: a notice for a system nobody gave a key cannot
// be created by any door: not by naming it in the header or the body,
// not with an operator key, not through AsSystem.
func TestOnlySystemKeysIssue(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		const nobody = "dvc-nowhere"
		b.raw("POST", "/v1/notices", http.Header{api.SystemHeader: {nobody}}, noticeBody("U-1", "150000")).want(t, http.StatusUnauthorized)
		b.do("POST", "/v1/notices", sys, noticeBody("U-1", "150000", `"system":"`+nobody+`"`)).want(t, http.StatusForbidden)
		b.do("POST", "/v1/notices", op, noticeBody("U-1", "150000")).want(t, http.StatusForbidden)
		b.do("POST", "/v1/notices", op, noticeBody("U-1", "150000", `"system":"`+op+`"`)).want(t, http.StatusForbidden)
		ctx := context.Background()
		if _, err := b.srv.AsSystem(ctx, nobody, "notices.events"); !errors.Is(err, api.ErrUnknownSystem) {
			t.Errorf("AsSystem(%s) = %v, want ErrUnknownSystem", nobody, err)
		}
		if _, err := b.srv.AsSystem(ctx, op, "notices.events"); !errors.Is(err, api.ErrUnknownSystem) {
			t.Errorf("AsSystem(operator) = %v, want ErrUnknownSystem", err)
		}
		if err := b.st.InTx(ctx, func(tx store.Tx) error {
			n, err := tx.ListNotices(ctx, clock.AddDate(-1, 0, 0), clock.AddDate(1, 0, 0))
			if len(n) != 0 {
				t.Errorf("notices stored: %+v", n)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// AsSystem acts as a system with a key, recorded as "<system>/<via>".
		b.key(sys)
		h, err := b.srv.AsSystem(ctx, sys, "notices.events")
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/v1/notices", strings.NewReader(noticeBody("U-2", "150000")))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			t.Fatalf("AsSystem create: %d %s", rec.Code, rec.Body)
		}
		if got := b.auditActors("notice:" + sys + "/U-2"); len(got) != 1 || got[0] != sys+"/notices.events" {
			t.Errorf("actor %q", got)
		}
		// Even as a system, an operator route stays closed.
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/outbox", nil))
		if rec.Code != http.StatusForbidden {
			t.Errorf("AsSystem on /v1/outbox: %d", rec.Code)
		}
	})
}

// TestCallerIsTheAuditActor: the audit log names the key, not a header.
func TestCallerIsTheAuditActor(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		b.do("POST", "/v1/notices", sys, noticeBody("A-1", "150000")).want(t, http.StatusCreated)
		b.do("POST", "/v1/notices/A-1/cancel", sys, "").want(t, http.StatusOK)
		want := sys + "/" + b.key(sys).ID
		if got := b.auditActors("notice:" + sys + "/A-1"); len(got) != 2 || got[0] != want || got[1] != want {
			t.Errorf("actors %q, want %q twice", got, want)
		}
	})
}

func (b bundle) auditActors(entity string) []string {
	b.t.Helper()
	var out []string
	ctx := context.Background()
	if err := b.st.InTx(ctx, func(tx store.Tx) error {
		es, err := tx.AuditTrail(ctx, entity)
		for _, e := range es {
			out = append(out, string(e.Actor))
		}
		return err
	}); err != nil {
		b.t.Fatal(err)
	}
	return out
}

// TestRefusalsAreLogged: a refused request leaves a log line without the
// key.
func TestRefusalsAreLogged(t *testing.T) {
	t.Parallel()
	b := setup(t, memory.New())
	k := b.key(sys)
	b.raw("GET", "/v1/outbox", http.Header{"Authorization": {"Bearer " + k.Text}}, "").want(t, http.StatusForbidden)
	b.mu.Lock()
	logs := b.logs.String()
	b.mu.Unlock()
	_, secret, _ := apikey.Parse(k.Text)
	if !strings.Contains(logs, `"msg":"api request refused"`) || !strings.Contains(logs, `"status":403`) || strings.Contains(logs, secret) {
		t.Errorf("logs: %s", logs)
	}
}
