package console

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/casework"
	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/user"
)

// Prefix is where the console is mounted.
const Prefix = "/console"

// ContentSecurityPolicy is sent with every console response: everything
// from the console's own origin, no inline script or style, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

//go:embed templates/*.tmpl
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// maxFormBytes bounds a form's body (a login is a few dozen bytes).
const maxFormBytes = 8 << 10

// Server is the console. It is an http.Handler for the paths under Prefix.
type Server struct {
	auth  *api.Server
	st    store.Store
	log   *slog.Logger
	now   func() time.Time
	pages map[string]*template.Template
	h     http.Handler
	// cases does the exceptions' actions (WithCasework); without it the
	// exception pages read only.
	cases *casework.Service
	// reports is the Reports page's (reports.go).
	reports reports
}

// Option configures an optional part of the console.
type Option func(*Server)

// WithCasework lets people act on exceptions through svc (allocate,
// refund, write off, reopen, assign, comment, approve).
func WithCasework(svc *casework.Service) Option { return func(s *Server) { s.cases = svc } }

// New returns the console over st, logging people in and out and checking
// their sessions through auth (the API's own login). logger and now are
// required.
func New(auth *api.Server, st store.Store, logger *slog.Logger, now func() time.Time, opts ...Option) (*Server, error) {
	if auth == nil || st == nil || logger == nil || now == nil {
		return nil, config.Errorf("console: API server, store, logger and clock are required")
	}
	s := &Server{auth: auth, st: st, log: logger, now: now, pages: map[string]*template.Template{}}
	for _, o := range opts {
		o(s)
	}
	names, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".tmpl")
		if name == "layout" {
			continue
		}
		t, err := template.ParseFS(templateFS, "templates/layout.tmpl", file)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET "+Prefix+"/{$}", s.person(s.today))
	mux.HandleFunc("GET "+Prefix+"/login", s.loginForm)
	mux.HandleFunc("POST "+Prefix+"/login", s.login)
	mux.HandleFunc("POST "+Prefix+"/logout", s.logout)
	// Each page's file registers its own routes, one line each here.
	for _, register := range []func(*http.ServeMux){s.routesExceptions, s.routesNotices, s.routesAudit, s.routesAccount, s.routesReports} {
		register(mux)
	}
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", http.FileServerFS(static)))
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusNotFound, "error", page{Message: LNotFound})
	})
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	s.h = securityHeaders(csrf.Handler(mux))
	return s, nil
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// securityHeaders sets the headers every console response carries, the
// refusals and errors included.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", ContentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// page is what every template receives; its methods are the templates'
// only way to text: T fails the rendering on a label missing from the
// language's table.
type page struct {
	Lang    Lang
	labels  map[Label]string
	Path    string
	query   url.Values
	User    *user.User
	Message Label
	Login   string
	Today   *Today
	AsOf    time.Time
	// Data is the page's own content (each page file's type).
	Data any
	// Flash is a one-line notice shown above the page (an action done).
	Flash Label
}

// T is the label key in the page's language.
func (p page) T(key Label) (string, error) {
	v, ok := p.labels[key]
	if !ok {
		return "", fmt.Errorf("console: label %q missing in %s", key, p.Lang)
	}
	return v, nil
}

// Money, Date and Time write values as the page's language does.
func (p page) Money(ms []payment.Money) string {
	if len(ms) == 0 {
		return formatMoney(p.Lang, payment.VNDOf(0))
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = formatMoney(p.Lang, m)
	}
	return strings.Join(parts, " + ")
}

// Count writes a whole number (a count of entries, of attempts).
func (p page) Count(n int64) string { return formatCount(p.Lang, n) }

// Date writes a business date.
func (p page) Date(d payment.Date) string { return formatDate(p.Lang, d) }

// Time writes an instant in Asia/Ho_Chi_Minh.
func (p page) Time(t time.Time) string { return formatTime(p.Lang, t) }

// Role is the label of the signed-in person's role.
func (p page) Role() (string, error) { return p.T(roleLabel(p.User.Role)) }

// OtherLang is the language the switch offers, and SwitchURL the page in it.
func (p page) OtherLang() Lang {
	if p.Lang == LangVI {
		return LangEN
	}
	return LangVI
}

// SwitchURL is the current page, its query kept, in the other language.
func (p page) SwitchURL() string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("lang", string(p.OtherLang()))
	return p.Path + "?" + q.Encode()
}

// Amount writes one amount as the page's language writes money.
func (p page) Amount(m payment.Money) string { return formatMoney(p.Lang, m) }

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Lang = langOf(w, r)
	p.labels = labels()[p.Lang]
	p.Path = r.URL.EscapedPath()
	p.query = r.URL.Query()
	var b strings.Builder
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.ErrorContext(r.Context(), "console render", slog.String("page", name), slog.Any("err", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail answers an unexpected error: logged, not shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "console internal error", slog.String("path", r.URL.Path), slog.Any("err", err))
	s.render(w, r, http.StatusInternalServerError, "error", page{Message: LInternalError})
}

// person serves h to a person with a valid session; anyone else is sent
// to the login page.
func (s *Server) person(h func(http.ResponseWriter, *http.Request, api.Caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.auth.Session(r)
		switch {
		case errors.Is(err, api.ErrNoSession):
			http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
		h(w, r, c)
	}
}

// loginForm: GET /console/login.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", page{})
}

// login: POST /console/login — api.Server.Login, the API's own.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "login", page{Message: LLoginWrong})
		return
	}
	login := r.PostFormValue("login")
	cookie, _, err := s.auth.Login(r.Context(), r, login, r.PostFormValue("password"))
	switch {
	case errors.Is(err, api.ErrLoginThrottled):
		w.Header().Set("Retry-After", fmt.Sprint(int(s.auth.LoginRetryAfter()/time.Second)))
		s.render(w, r, http.StatusTooManyRequests, "login", page{Message: LLoginThrottled, Login: login})
		return
	case errors.Is(err, api.ErrLoginRefused):
		s.render(w, r, http.StatusUnauthorized, "login", page{Message: LLoginWrong, Login: login})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, cookie)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

// logout: POST /console/logout — api.Server.Logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := s.auth.Session(r)
	switch {
	case errors.Is(err, api.ErrNoSession):
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		cookie, err := s.auth.Logout(r.Context(), r, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.SetCookie(w, cookie)
	}
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// today: GET /console/?date=YYYY-MM-DD — the Today page (date: the
// business day now by default).
func (s *Server) today(w http.ResponseWriter, r *http.Request, c api.Caller) {
	now := s.now()
	d := payment.DateOf(now)
	if q := r.URL.Query().Get("date"); q != "" {
		var err error
		if d, err = payment.ParseDate(q); err != nil {
			s.render(w, r, http.StatusBadRequest, "error", page{Message: LNotFound, User: c.User})
			return
		}
	}
	u := *c.User
	var in DayInput
	if err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		var err error
		if in, err = readDay(r, tx, d, u); err != nil {
			return err
		}
		return readDeliveries(r.Context(), tx, d, u.CanSee, &in)
	}); err != nil {
		s.fail(w, r, err)
		return
	}
	in.Now = now
	t := ComputeToday(d, u.CanSee, in)
	s.render(w, r, http.StatusOK, "today", page{User: &u, Today: &t, AsOf: now})
}

// readDay reads what ComputeToday needs of day d for u.
func readDay(r *http.Request, tx store.Tx, d payment.Date, u user.User) (DayInput, error) {
	ctx := r.Context()
	in := DayInput{Allocations: map[string][]reconcile.Allocation{}, NoticeAgency: map[store.NoticeKey]string{}}
	var err error
	if in.Payments, err = tx.ListPayments(ctx, d.Start(), d.AddDays(1).Start()); err != nil {
		return in, err
	}
	for _, p := range in.Payments {
		as, err := tx.AllocationsByPayment(ctx, p.ID)
		if err != nil {
			return in, err
		}
		in.Allocations[p.ID] = as
		for _, a := range as {
			k := store.NoticeKey{System: a.NoticeSystem, ID: a.NoticeID}
			if _, ok := in.NoticeAgency[k]; ok {
				continue
			}
			n, err := tx.Notice(ctx, k.System, k.ID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				in.NoticeAgency[k] = ""
			case err != nil:
				return in, err
			default:
				in.NoticeAgency[k] = n.Agency
			}
		}
	}
	in.Exceptions, err = tx.ListExceptions(ctx, store.ExceptionFilter{Scoped: len(u.Agencies) > 0, Agencies: u.Agencies})
	if err != nil || len(u.Agencies) == 0 {
		return in, err
	}
	// Money that names no notice: no agency's yet, for any agency's
	// accountants to claim (package casework's scope), shown apart.
	in.Unclaimed, err = tx.ListExceptions(ctx, store.ExceptionFilter{Scoped: true, Unassigned: true, Status: reconcile.ExceptionOpen})
	return in, err
}
