package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// Access says who may call a route.
type Access string

// Accesses.
const (
	// AccessPublic: anyone, without a key. No route that reads or changes
	// data is public.
	AccessPublic Access = "public"
	// AccessSystem: a key of role system. The handler scopes the call to
	// the key's system: another system's notice answers 404.
	AccessSystem Access = "system"
	// AccessOperator: a key of role operator, or a logged-in person whose
	// scope covers every agency (these routes are not scoped by agency):
	// an admin for every route, an auditor for reading.
	AccessOperator Access = "operator"
	// AccessPerson: a logged-in person (a session), whatever the role.
	AccessPerson Access = "person"
	// AccessStaff: a logged-in person, or a key of role operator; the
	// handler keeps a person to the agencies of their scope.
	AccessStaff Access = "staff"
)

// rules is the API's one authorisation table: every route pattern
// registered on the mux (method and path, as given to route) and who may
// call it. The middleware (Server.ServeHTTP) enforces it before any
// handler runs; a registered pattern without a rule is refused (500) and
// fails TestEveryRouteHasARule.
var rules = map[string]Access{
	"POST /v1/notices":                  AccessSystem,
	"GET /v1/notices/{id}":              AccessSystem,
	"PUT /v1/notices/{id}":              AccessSystem,
	"POST /v1/notices/{id}/cancel":      AccessSystem,
	"GET /v1/notices/{id}/qr":           AccessSystem,
	"GET /v1/notices/{id}/qr.png":       AccessSystem,
	"GET /v1/exceptions":                AccessStaff,
	"POST /v1/exceptions/{id}/resolve":  AccessOperator,
	"GET /v1/outbox":                    AccessOperator,
	"POST /v1/session":                  AccessPublic,
	"GET /v1/session":                   AccessPerson,
	"DELETE /v1/session":                AccessPerson,
	"GET /v1/agencies/{agency}/notices": AccessStaff,
	"GET /v1/reports/{date}/{agency}":   AccessStaff,
	// The API's contract (openapi.yaml) holds no data.
	"GET " + OpenAPIPath: AccessPublic,
	// The catch-all answers 404 and shows nothing.
	"/": AccessPublic,
}

// Rules returns a copy of the authorisation table (pattern → access), for
// documentation and tests.
func Rules() map[string]Access { return maps.Clone(rules) }

// Patterns lists the patterns registered on the mux, in registration order.
func (s *Server) Patterns() []string { return append([]string(nil), s.patterns...) }

// Caller is who calls: the holder of the key the request carried (or, for
// AsSystem, the system an in-process caller vouches for).
type Caller struct {
	// KeyID is the key's public id (AsSystem: the channel, e.g.
	// "notices.events").
	KeyID string
	// Name is the key's system (RoleSystem) or operator (RoleOperator).
	Name string
	Role store.KeyRole
	// User is the person of a session (KeyID "session"), nil for a key.
	User         *user.User
	sessionHash  []byte
	sessionStart time.Time
}

// Identity is how the caller is recorded: the audit log's actor and an
// exception's resolved_by, "<name>/<key id>".
func (c Caller) Identity() string { return c.Name + "/" + c.KeyID }

type callerKey struct{}

func withCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the authenticated caller of a request's context.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// Realm is the WWW-Authenticate realm of a 401.
const Realm = "feerecon"

// ErrUnknownSystem: no active key of role system names the system.
var ErrUnknownSystem = errors.New("unknown system: no active system key")

// ServeHTTP authorises the request by the rules table, then serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	// A state-changing request from another origin (a page elsewhere
	// submitting to us with the person's cookie) is refused before
	// anything else; requests without Origin and Sec-Fetch-Site (API
	// clients, gateways) pass.
	if err := s.csrf.Check(r); err != nil {
		s.refuse(w, r, pattern, apiErr(http.StatusForbidden, "cross-origin request refused"))
		return
	}
	if pattern == "" { // a redirect to a cleaned path: it serves nothing
		s.mux.ServeHTTP(w, r)
		return
	}
	access, ok := rules[pattern]
	if !ok {
		s.log.ErrorContext(r.Context(), "api route without an authorisation rule", slog.String("pattern", pattern))
		s.refuse(w, r, pattern, apiErr(http.StatusInternalServerError, "internal error"))
		return
	}
	if access == AccessPublic {
		s.mux.ServeHTTP(w, r)
		return
	}
	c, ok := CallerFrom(r.Context())
	if !ok {
		var err error
		if c, err = s.authenticate(r); err != nil {
			s.refuse(w, r, pattern, err)
			return
		}
	}
	if err := authorise(access, c, r); err != nil {
		s.refuse(w, r, pattern, err)
		return
	}
	s.mux.ServeHTTP(w, r.WithContext(withCaller(r.Context(), c)))
}

// authorise checks the caller's role against the route's access, and that
// X-Feerecon-System, when sent, names the caller.
func authorise(access Access, c Caller, r *http.Request) error {
	if c.User != nil || access == AccessPerson {
		return authorisePerson(access, c, r)
	}
	var want store.KeyRole
	switch access {
	case AccessPublic, AccessPerson:
		return nil
	case AccessStaff:
		want = store.RoleOperator
	case AccessSystem:
		want = store.RoleSystem
	case AccessOperator:
		want = store.RoleOperator
	}
	if c.Role != want {
		return apiErr(http.StatusForbidden, fmt.Sprintf("this route needs a key of role %s; the key is of role %s", want, c.Role))
	}
	if h := strings.TrimSpace(r.Header.Get(SystemHeader)); h != "" && h != c.Name {
		return apiErr(http.StatusForbidden, SystemHeader+" differs from the key's system; the key says who calls")
	}
	return nil
}

// authorisePerson checks a logged-in person's (or, on a person's route, a
// key's) access: persons never act as a procedure system; staff routes
// take any person (the handler keeps them to their agencies); operator
// routes, which are not scoped, are open to people whose scope covers
// every agency: admins, and auditors for reading.
func authorisePerson(access Access, c Caller, r *http.Request) error {
	u := c.User
	switch access {
	case AccessPublic:
		return nil
	case AccessPerson:
		if u == nil {
			return apiErr(http.StatusForbidden, "this route is for people logged in, not API keys")
		}
		return nil
	case AccessStaff:
		return nil // the handler scopes the person to their agencies
	case AccessSystem:
		return apiErr(http.StatusForbidden, "this route needs a procedure system's key")
	case AccessOperator:
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		if len(u.Agencies) == 0 && (u.Role == user.RoleAdmin || (u.Role == user.RoleAuditor && read)) {
			return nil
		}
		return apiErr(http.StatusForbidden, fmt.Sprintf("role %s of %d agencies may not call this route", u.Role, len(u.Agencies)))
	}
	return apiErr(http.StatusForbidden, "no access")
}

// unauthorized is a 401 with its challenge.
type unauthorized struct {
	err       *Error
	challenge string
}

func (u *unauthorized) Error() string { return u.err.Error() }
func (u *unauthorized) Unwrap() error { return u.err }

func authErr(msg, challenge string) error {
	return &unauthorized{err: apiErr(http.StatusUnauthorized, msg), challenge: challenge}
}

// authenticate finds the caller of the request's bearer key: 401 without
// one, or with one that is malformed, unknown, revoked or wrong.
func (s *Server) authenticate(r *http.Request) (Caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if cookie, err := r.Cookie(SessionCookie); err == nil && cookie.Value != "" {
			return s.sessionCaller(r, cookie)
		}
		return Caller{}, authErr("send an API key: Authorization: Bearer <key>", `Bearer realm="`+Realm+`"`)
	}
	invalid := authErr("invalid API key", `Bearer realm="`+Realm+`", error="invalid_token"`)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Caller{}, invalid
	}
	id, secret, err := apikey.Parse(strings.TrimSpace(token))
	if err != nil {
		return Caller{}, invalid
	}
	var k store.APIKey
	err = s.st.InTx(r.Context(), func(tx store.Tx) error {
		k, err = tx.APIKey(r.Context(), id)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Caller{}, invalid
	case err != nil:
		return Caller{}, err
	case !apikey.Matches(k.SecretHash, secret) || !k.Active():
		// The same answer for a revoked key and a wrong secret.
		return Caller{}, invalid
	}
	return Caller{KeyID: k.ID, Name: k.System, Role: k.Role}, nil
}

// refuse answers a request the middleware turned away, with its log line.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, pattern string, err error) {
	var u *unauthorized
	if errors.As(err, &u) {
		w.Header().Set("WWW-Authenticate", u.challenge)
	}
	sw := &statusWriter{ResponseWriter: w}
	s.writeError(sw, r, err)
	s.log.InfoContext(r.Context(), "api request refused",
		slog.String("method", r.Method), slog.String("pattern", pattern), slog.Int("status", sw.status))
}

// AsSystem returns a handler that serves requests as system sys would
// with its key, for an in-process caller that authenticated sys its own
// way (package noticefeed: Kafka's topic ACLs). via names the channel in
// the caller's identity ("<sys>/<via>"). ErrUnknownSystem unless sys holds
// an active key of role system: a system nobody configured issues no
// notice by this door either.
func (s *Server) AsSystem(ctx context.Context, sys, via string) (http.Handler, error) {
	var known bool
	if err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		known, err = tx.SystemHasKey(ctx, sys)
		return err
	}); err != nil {
		return nil, err
	}
	if !known {
		return nil, fmt.Errorf("system %q: %w", sys, ErrUnknownSystem)
	}
	c := Caller{KeyID: via, Name: sys, Role: store.RoleSystem}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeHTTP(w, r.WithContext(withCaller(r.Context(), c)))
	}), nil
}

// caller returns the request's caller, which the middleware has set on
// every route but the public ones.
func caller(r *http.Request) (Caller, error) {
	c, ok := CallerFrom(r.Context())
	if !ok {
		return Caller{}, errors.New("api: no caller in the request context: route served outside the middleware")
	}
	return c, nil
}
