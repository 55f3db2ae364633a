package console

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/user"
)

// The Account page (Tài khoản): who is signed in — login, role,
// agencies —, the language, and a change of password.
//
// A change of password is api.Server.ChangePassword, the rule of `feerecon
// user passwd`: every session of the person ends, and this browser gets a
// new one, so the person stays signed in here and is signed out
// everywhere else. The current password is checked as a login is
// (throttled, counted, locking the account after repeated failures).

func (s *Server) routesAccount(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/account", s.person(s.account))
	mux.HandleFunc("POST "+Prefix+"/account/password", s.person(s.changePassword))
}

// AccountPage is the account page's data.
type AccountPage struct {
	Langs []LangChoice
	// Problem is why a change of password was refused.
	Problem Label
	// MinPassword is the policy's shortest password, in characters.
	MinPassword int
}

// LangChoice is a language the person may pick.
type LangChoice struct {
	Lang Lang
	Name Label
	URL  string
}

// doneChanged is the ?done= of the redirect after a change of password.
const doneChanged = "password"

// account: GET /console/account[?done=password].
func (s *Server) account(w http.ResponseWriter, r *http.Request, c api.Caller) {
	p := s.accountPage(c, "")
	if r.URL.Query().Get("done") == doneChanged {
		p.Flash = LAccountChanged
	}
	s.render(w, r, http.StatusOK, "account", p)
}

func (s *Server) accountPage(c api.Caller, problem Label) page {
	d := AccountPage{Problem: problem, MinPassword: user.MinPasswordLen}
	for _, l := range Langs() {
		name := LAccountLangVI
		if l == LangEN {
			name = LAccountLangEN
		}
		d.Langs = append(d.Langs, LangChoice{Lang: l, Name: name, URL: Prefix + "/account?lang=" + string(l)})
	}
	return page{User: c.User, Data: &d}
}

// changePassword: POST /console/account/password — current, new, again.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, c api.Caller) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	refuse := func(status int, problem Label) {
		s.render(w, r, status, "account", s.accountPage(c, problem))
	}
	if err := r.ParseForm(); err != nil {
		refuse(http.StatusBadRequest, LAccountWeak)
		return
	}
	next := r.PostFormValue("new")
	if next != r.PostFormValue("again") {
		refuse(http.StatusBadRequest, LAccountMismatch)
		return
	}
	cookie, err := s.auth.ChangePassword(r.Context(), r, c, r.PostFormValue("current"), next)
	switch {
	case errors.Is(err, user.ErrWeakPassword):
		refuse(http.StatusBadRequest, LAccountWeak)
		return
	case errors.Is(err, api.ErrCurrentPassword):
		refuse(http.StatusBadRequest, LAccountCurrentWrong)
		return
	case errors.Is(err, api.ErrLoginThrottled):
		w.Header().Set("Retry-After", fmt.Sprint(int(s.auth.LoginRetryAfter()/time.Second)))
		refuse(http.StatusTooManyRequests, LLoginThrottled)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, cookie)
	http.Redirect(w, r, Prefix+"/account?done="+doneChanged, http.StatusSeeOther)
}

// The Account page's labels.
const (
	LAccountTitle        Label = "account_title"
	LAccountWho          Label = "account_who"
	LAccountLanguage     Label = "account_language"
	LAccountLangVI       Label = "account_lang_vi"
	LAccountLangEN       Label = "account_lang_en"
	LAccountCurrentLang  Label = "account_current_lang"
	LAccountPassword     Label = "account_password"
	LAccountCurrent      Label = "account_current"
	LAccountNew          Label = "account_new"
	LAccountAgain        Label = "account_again"
	LAccountPolicy       Label = "account_policy"
	LAccountChange       Label = "account_change"
	LAccountSessionsNote Label = "account_sessions_note"
	LAccountChanged      Label = "account_changed"
	LAccountMismatch     Label = "account_mismatch"
	LAccountWeak         Label = "account_weak"
	LAccountCurrentWrong Label = "account_current_wrong"
)

//nolint:gosec // G101: labels such as "password" are words, not credentials.
func accountLabels() map[Lang]map[Label]string {
	return map[Lang]map[Label]string{
		LangVI: {
			LAccountTitle: "Tài khoản", LAccountWho: "Người dùng đang đăng nhập", LAccountLanguage: "Ngôn ngữ",
			LAccountLangVI: "Tiếng Việt", LAccountLangEN: "English", LAccountCurrentLang: "(đang dùng)",
			LAccountPassword: "Đổi mật khẩu", LAccountCurrent: "Mật khẩu hiện tại", LAccountNew: "Mật khẩu mới",
			LAccountAgain: "Nhập lại mật khẩu mới", LAccountPolicy: "Ít nhất %d ký tự; nên dùng một cụm từ dài dễ nhớ.",
			LAccountChange:       "Đổi mật khẩu",
			LAccountSessionsNote: "Sau khi đổi, mọi phiên đăng nhập khác của bạn kết thúc; phiên này tiếp tục.",
			LAccountChanged:      "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.",
			LAccountMismatch:     "Hai lần nhập mật khẩu mới không giống nhau",
			LAccountWeak:         "Mật khẩu mới không đạt yêu cầu độ dài",
			LAccountCurrentWrong: "Mật khẩu hiện tại không đúng",
		},
		LangEN: {
			LAccountTitle: "Account", LAccountWho: "Signed in", LAccountLanguage: "Language",
			LAccountLangVI: "Tiếng Việt", LAccountLangEN: "English", LAccountCurrentLang: "(in use)",
			LAccountPassword: "Change password", LAccountCurrent: "Current password", LAccountNew: "New password",
			LAccountAgain: "New password again", LAccountPolicy: "At least %d characters; a long phrase you remember is best.",
			LAccountChange:       "Change password",
			LAccountSessionsNote: "Once changed, every other session of yours ends; this one goes on.",
			LAccountChanged:      "Password changed. Your other sessions have ended.",
			LAccountMismatch:     "The two new passwords differ",
			LAccountWeak:         "The new password is not of the required length",
			LAccountCurrentWrong: "The current password is wrong",
		},
	}
}
