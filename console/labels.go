package console

import (
	"net/http"
	"time"
)

// Lang is the language of a page.
type Lang string

// Languages.
const (
	LangVI Lang = "vi" // the default
	LangEN Lang = "en"
)

// Langs lists every language, the default first.
func Langs() []Lang { return []Lang{LangVI, LangEN} }

// langCookie remembers a person's choice of language.
const langCookie = "lang"

// langOf returns the request's language: ?lang= when it names one (and
// then remembered in the lang cookie), else the cookie's, else Vietnamese.
func langOf(w http.ResponseWriter, r *http.Request) Lang {
	if q := Lang(r.URL.Query().Get("lang")); q == LangVI || q == LangEN {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(q), Path: Prefix, Secure: true, HttpOnly: true,
			SameSite: http.SameSiteLaxMode, MaxAge: int(365 * 24 * time.Hour / time.Second)})
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && Lang(c.Value) == LangEN {
		return LangEN
	}
	return LangVI
}

// Label is the key of one piece of text on a page.
type Label string

// Labels.
const (
	LConsole        Label = "console"
	LLanguage       Label = "language"
	LOtherLanguage  Label = "other_language"
	LLogin          Label = "login"
	LPassword       Label = "password"
	LSignIn         Label = "sign_in"
	LLogout         Label = "logout"
	LLoginWrong     Label = "login_wrong"
	LLoginThrottled Label = "login_throttled"
	LSignedInAs     Label = "signed_in_as"
	LRole           Label = "role"
	LAgencies       Label = "agencies"
	LAllAgencies    Label = "all_agencies"
	LToday          Label = "today"
	LBusinessDate   Label = "business_date"
	LAsOf           Label = "as_of"
	LCollected      Label = "collected"
	LByChannel      Label = "by_channel"
	LByAgency       Label = "by_agency"
	LChannel        Label = "channel"
	LAgency         Label = "agency"
	LCount          Label = "count"
	LAmount         Label = "amount"
	LTotal          Label = "total"
	LTotalMatched   Label = "total_matched"
	LMatchedVsOpen  Label = "matched_vs_open"
	LMatched        Label = "matched"
	LOpen           Label = "open_exceptions"
	LResolved       Label = "resolved_exceptions"
	LUnknownAgency  Label = "unknown_agency"
	LNothing        Label = "nothing"
	LNotFound       Label = "not_found"
	LInternalError  Label = "internal_error"
	LRoleAdmin      Label = "role_admin"
	LRoleAccountant Label = "role_accountant"
	LRoleApprover   Label = "role_approver"
	LRoleAuditor    Label = "role_auditor"
	// The navigation's links, one per page.
	LNavExceptions Label = "nav_exceptions"
	LNavNotices    Label = "nav_notices"
	LNavReports    Label = "nav_reports"
	LNavAudit      Label = "nav_audit"
	LNavAccount    Label = "nav_account"
	LUnclaimed     Label = "unclaimed"
)

// labels holds every label in every language: the core table (layout,
// login, Today) and each page's own, merged; data, not code, built on
// each call so that no package state can change. A label defined twice is
// an error the label test reports.
func labels() map[Lang]map[Label]string {
	out := map[Lang]map[Label]string{}
	for _, table := range labelTables() {
		for lang, tab := range table {
			if out[lang] == nil {
				out[lang] = map[Label]string{}
			}
			for k, v := range tab {
				out[lang][k] = v
			}
		}
	}
	return out
}

// labelTables lists the label tables, one per page file (one line each).
func labelTables() []map[Lang]map[Label]string {
	return []map[Lang]map[Label]string{coreLabels(), exceptionLabels(), noticesLabels(), auditLabels(), accountLabels(), reportsLabels(), todayLabels()}
}

// coreLabels are the layout's, the login's and Today's.
//
//nolint:gosec // G101: labels such as "password" are words, not credentials.
func coreLabels() map[Lang]map[Label]string {
	return map[Lang]map[Label]string{
		LangVI: {
			LConsole: "Đối chiếu thu phí, lệ phí", LLanguage: "Ngôn ngữ", LOtherLanguage: "English",
			LLogin: "Tên đăng nhập", LPassword: "Mật khẩu", LSignIn: "Đăng nhập", LLogout: "Đăng xuất",
			LLoginWrong:     "Tên đăng nhập hoặc mật khẩu không đúng",
			LLoginThrottled: "Quá nhiều lần đăng nhập: vui lòng chờ rồi thử lại",
			LSignedInAs:     "Người dùng", LRole: "Vai trò", LAgencies: "Đơn vị", LAllAgencies: "Tất cả đơn vị",
			LToday: "Hôm nay", LBusinessDate: "Ngày nghiệp vụ", LAsOf: "Số liệu lúc", LCollected: "Đã thu",
			LByChannel: "Theo kênh thanh toán", LByAgency: "Theo đơn vị", LChannel: "Kênh", LAgency: "Đơn vị",
			LCount: "Số giao dịch", LAmount: "Số tiền", LTotal: "Tổng cộng", LTotalMatched: "Tổng cộng (đã khớp)",
			LMatchedVsOpen: "Đã khớp và ngoại lệ", LMatched: "Đã khớp với thông báo",
			LOpen: "Ngoại lệ đang mở", LResolved: "Ngoại lệ đã xử lý",
			LUnknownAgency: "Không rõ đơn vị",
			LNothing:       "Không có giao dịch", LNotFound: "Không tìm thấy trang", LInternalError: "Lỗi hệ thống: vui lòng thử lại",
			LRoleAdmin: "Quản trị", LRoleAccountant: "Kế toán", LRoleApprover: "Người phê duyệt", LRoleAuditor: "Kiểm toán",
			LNavExceptions: "Ngoại lệ", LNavNotices: "Thông báo", LNavReports: "Báo cáo", LNavAudit: "Nhật ký", LNavAccount: "Tài khoản",
			LUnclaimed: "Tiền chưa xác định đơn vị (có thể nhận)",
		},
		LangEN: {
			LConsole: "Fee reconciliation", LLanguage: "Language", LOtherLanguage: "Tiếng Việt",
			LLogin: "Login", LPassword: "Password", LSignIn: "Sign in", LLogout: "Log out",
			LLoginWrong:     "Login or password is wrong",
			LLoginThrottled: "Too many login attempts: wait and try again",
			LSignedInAs:     "Signed in as", LRole: "Role", LAgencies: "Agencies", LAllAgencies: "All agencies",
			LToday: "Today", LBusinessDate: "Business date", LAsOf: "Figures as of", LCollected: "Collected",
			LByChannel: "By channel", LByAgency: "By agency", LChannel: "Channel", LAgency: "Agency",
			LCount: "Payments", LAmount: "Amount", LTotal: "Total", LTotalMatched: "Total (matched)",
			LMatchedVsOpen: "Matched and exceptions", LMatched: "Matched to notices",
			LOpen: "Open exceptions", LResolved: "Resolved exceptions",
			LUnknownAgency: "Unknown agency",
			LNothing:       "No payments", LNotFound: "Page not found", LInternalError: "Internal error: please try again",
			LRoleAdmin: "Administrator", LRoleAccountant: "Accountant", LRoleApprover: "Approver", LRoleAuditor: "Auditor",
			LNavExceptions: "Exceptions", LNavNotices: "Notices", LNavReports: "Reports", LNavAudit: "Audit", LNavAccount: "Account",
			LUnclaimed: "Money naming no agency yet (to claim)",
		},
	}
}
