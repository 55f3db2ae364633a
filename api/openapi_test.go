package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store/memory"
)

// contract is api/openapi.yaml, loaded, validated and routed once for every
// test of the package.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var loadContract = sync.OnceValues(func() (contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	if err != nil {
		return contract{}, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return contract{}, fmt.Errorf("openapi.yaml is not a valid OpenAPI 3.0 document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return contract{}, fmt.Errorf("route openapi.yaml: %w", err)
	}
	// The QR image is checked for its content type only: the document
	// declares it a binary string.
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
	return contract{doc: doc, router: router}, nil
})

func mustContract(t *testing.T) contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// credentials is the document's security schemes as the tests see them:
// a bearer key, or the session cookie, must be sent. Whether it is valid,
// and of the right role, is the API's to decide (and its tests', which
// expect 401 or 403).
func credentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	switch s := in.SecurityScheme; {
	case s.Type == "http" && s.Scheme == "bearer":
		h := req.Header.Get("Authorization")
		if scheme, key, ok := strings.Cut(h, " "); !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
			return errors.New("no bearer key in Authorization")
		}
	case s.Type == "apiKey" && s.In == "cookie":
		if c, err := req.Cookie(s.Name); err != nil || c.Value == "" {
			return fmt.Errorf("no %s cookie", s.Name)
		}
	default:
		return fmt.Errorf("security scheme %s: the API has bearer keys and a session cookie only", in.SecuritySchemeName)
	}
	return nil
}

// validate checks one exchange with the API against the document (see
// check) and fails the test on any mismatch. It may be called from the
// goroutines of a test (it never stops the test).
func validate(t *testing.T, req *http.Request, body string, rec *httptest.ResponseRecorder) {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Error(err)
		return
	}
	for _, err := range check(c, req, body, rec) {
		t.Errorf("openapi: %v", err)
	}
}

// validating wraps h so that every exchange through it is validated, for
// the tests that call the API over a real connection.
func validating(t *testing.T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		validate(t, r, string(body), rec)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// check checks one exchange with the API against the document: the
// response always (its status must be declared for the operation, its
// headers and body must match), the request when the API accepted it (a
// 2xx). The tests send broken requests on purpose: those must be refused
// with a declared error, not match the document. A request to a path or
// method the document does not have must be answered 404 with the error
// body. body is the request's body, which the handler has consumed.
func check(c contract, req *http.Request, body string, rec *httptest.ResponseRecorder) []error {
	ctx := context.Background()
	req = req.Clone(ctx)
	req.Body = io.NopCloser(strings.NewReader(body))
	if body != "" && req.Header.Get("Content-Type") == "" {
		// The API reads a body without Content-Type as JSON (the document's
		// description says so; OpenAPI cannot say "optional" of it).
		req.Header.Set("Content-Type", "application/json")
	}
	var errs []error
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			return []error{fmt.Errorf("route %s %s: %w", req.Method, req.URL, err)}
		}
		if rec.Code != http.StatusNotFound {
			errs = append(errs, fmt.Errorf("%s %s is not in the document but answered %d, not 404", req.Method, req.URL, rec.Code))
		}
		v, err := openapi3filter.JSONBodyDecoder(bytes.NewReader(rec.Body.Bytes()), nil, nil, nil)
		if err == nil {
			err = c.doc.Components.Schemas["Error"].Value.VisitJSON(v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: the 404 body is not an Error: %w\n%s", req.Method, req.URL, err, rec.Body.Bytes()))
		}
		return errs
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: credentials, MultiError: true},
	}
	if rec.Code >= 200 && rec.Code < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("the API accepted (%d) a request the document refuses: %s %s: %w\n%s", rec.Code, req.Method, req.URL, err, body))
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		errs = append(errs, fmt.Errorf("the response to %s %s breaks the document: %w\n%d %s", req.Method, req.URL, err, rec.Code, rec.Body.Bytes()))
	}
	return errs
}

// TestCheckCatchesDrift: check is not a rubber stamp. A response body
// missing a required field, an undeclared status, a wrong content type, an
// accepted request the document refuses, and an undocumented route
// answered other than 404 are each reported.
func TestCheckCatchesDrift(t *testing.T) {
	t.Parallel()
	c := mustContract(t)
	answer := func(code int, ct, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", ct)
		rec.WriteHeader(code)
		_, _ = rec.WriteString(body)
		return rec
	}
	withKey := func(method, path string) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		r.Header.Set("Authorization", "Bearer frk_test_key")
		return r
	}
	const js = "application/json; charset=utf-8"
	type drift struct {
		name string
		req  *http.Request
		body string
		rec  *httptest.ResponseRecorder
		want string
	}
	cases := []drift{
		{"required field missing", withKey("GET", "/v1/outbox"), "", answer(200, js, `{"next":"x"}`), "messages"},
		{"undeclared status", withKey("GET", "/v1/outbox"), "", answer(418, js, `{"error":"teapot","details":[]}`), "418"},
		{"error without details", withKey("GET", "/v1/outbox"), "", answer(400, js, `{"error":"bad"}`), "details"},
		{"wrong content type", withKey("GET", "/v1/outbox"), "", answer(200, "text/plain", `{"messages":[]}`), "text/plain"},
		{"accepted a bad query", withKey("GET", "/v1/outbox?limit=0"), "", answer(200, js, `{"messages":[]}`), "limit"},
		{"accepted an unknown field", withKey("POST", "/v1/notices/N-1/cancel"), `{"why":"x"}`, answer(200, js, `{}`), "why"},
		{"undocumented route", withKey("GET", "/v2/outbox"), "", answer(200, js, `{"messages":[]}`), "not 404"},
		{"accepted without a key", httptest.NewRequest("GET", "/v1/outbox", nil), "", answer(200, js, `{"messages":[]}`), "security"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			errs := check(c, tc.req, tc.body, tc.rec)
			if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), tc.want) {
				t.Errorf("check = %v, want an error mentioning %q", errs, tc.want)
			}
		})
	}
}

// TestOpenAPIDocument: the document is valid OpenAPI 3.0 and describes
// exactly the routes the API registers, each with the security its rule in
// the authorisation table says (the document itself public) and declared
// errors for a missing or wrong key.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	c := mustContract(t)
	if c.doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3 (kin-openapi reads 3.0)", c.doc.OpenAPI)
	}
	for _, name := range []string{"systemKey", "operatorKey"} {
		s := c.doc.Components.SecuritySchemes[name]
		if s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" || s.Value.BearerFormat != "feerecon API key" {
			t.Errorf("security scheme %s: %+v", name, s)
		}
	}
	var documented []string
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			pattern := method + " " + path
			documented = append(documented, pattern)
			sec := c.doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			// The document's security is the authorisation table's (auth.go):
			// the schemes each access admits, as alternatives of one scheme each.
			access, ok := api.Rules()[pattern]
			want, known := map[api.Access][]string{
				api.AccessPublic:   nil,
				api.AccessSystem:   {"systemKey"},
				api.AccessOperator: {"operatorKey", "sessionCookie"},
				api.AccessPerson:   {"sessionCookie"},
				api.AccessStaff:    {"operatorKey", "sessionCookie"},
			}[access]
			var got []string
			for _, req := range sec {
				for name := range req {
					got = append(got, name)
				}
				if len(req) != 1 {
					t.Errorf("%s: security requirement %v, want one scheme each", pattern, req)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			switch {
			case !ok || !known:
				t.Errorf("%s: no rule in the authorisation table, or an access this test does not know (%q)", pattern, access)
			case !slices.Equal(got, want):
				t.Errorf("%s: %s in the rules, security %v in the document, want %v", pattern, access, got, want)
			case access != api.AccessPublic &&
				(op.Responses.Status(http.StatusUnauthorized) == nil || op.Responses.Status(http.StatusForbidden) == nil):
				t.Errorf("%s: 401 and 403 not declared", pattern)
			}
			if path != api.OpenAPIPath && !strings.HasPrefix(path, "/v1/") {
				t.Errorf("%s: a route outside /v1", pattern)
			}
		}
	}
	var registered []string
	for _, p := range setup(t, memory.New()).srv.Patterns() {
		if p != "/" { // the catch-all answers 404 to what is not documented
			registered = append(registered, p)
		}
	}
	slices.Sort(documented)
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		t.Errorf("routes registered in api and operations in openapi.yaml differ:\nregistered %q\ndocumented %q", registered, documented)
	}
}

// TestServeOpenAPI: GET /openapi.yaml serves the document, without a key.
func TestServeOpenAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, memory.New())
	r := b.do("GET", api.OpenAPIPath, "", "").want(t, http.StatusOK)
	if ct := r.hdr.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.Equal(r.body, api.OpenAPI()) {
		t.Error("served document differs from the embedded one")
	}
}

// TestSchemathesisFindings replays what schemathesis found against a live
// serve (scripts/schemathesis.sh), so that each stays fixed.
func TestSchemathesisFindings(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		// A NUL in the cursor was a 500 on PostgreSQL, which cannot
		// compare it; invalid UTF-8 and an over-long id are as bad.
		for _, after := range []string{"%00", "a%00b", "%FF", strings.Repeat("x", 201)} {
			for _, path := range []string{"/v1/exceptions", "/v1/outbox"} {
				b.do("GET", path+"?after="+after, op, "").want(t, http.StatusBadRequest).apiError(t)
			}
		}
	})
}

// TestNULInBodyText: a NUL in any body string is a 422 naming the field on
// both backends (it was a 500 on PostgreSQL), and nothing is stored.
func TestNULInBodyText(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b bundle) {
		b.do("POST", "/v1/notices", sys, noticeBody("TB-N", "150000")).want(t, http.StatusCreated)
		item := `"items":[{"fee_type":"a","amount":{"amount":"150000","currency":"VND"},"budget_chapter":"018","budget_subitem":"2752"},` +
			`{"fee_type":"b\u0000","amount":{"amount":"0","currency":"VND"},"budget_chapter":"018","budget_subitem":"2752"}]`
		for _, tc := range []struct{ method, path, body, field string }{
			{"POST", "/v1/notices", strings.Replace(noticeBody("TB-N0", "150000"), "Nguyen Van A", `Nguyen\u0000`, 1), "payer_name"},
			{"POST", "/v1/notices", strings.Replace(noticeBody("TB-N0", "150000"), "H40.01", `H40\u0000`, 1), "agency_code"},
			{"POST", "/v1/notices", noticeBody("TB-N0", "150000", item), "items[1].fee_type"},
			{"PUT", "/v1/notices/TB-N", strings.Replace(noticeBody("TB-N", "150000"), "Nguyen Van A", `\u0000`, 1), "payer_name"},
			{"POST", "/v1/notices/TB-N/cancel", `{"reason":"x\u0000"}`, "reason"},
		} {
			e := b.do(tc.method, tc.path, sys, tc.body).want(t, http.StatusUnprocessableEntity).apiError(t)
			if len(e.Details) != 1 || !strings.HasPrefix(e.Details[0], tc.field+":") {
				t.Errorf("%s %s: details %q, want the field %s named", tc.method, tc.path, e.Details, tc.field)
			}
		}
		b.do("GET", "/v1/notices/TB-N0", sys, "").want(t, http.StatusNotFound)
		if v := b.do("GET", "/v1/notices/TB-N", sys, "").want(t, http.StatusOK).view(t); v.Status != payment.NoticeIssued || v.PayerName != "Nguyen Van A" {
			t.Errorf("TB-N changed: %+v", v)
		}
	})
}
