package console

import (
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// The exceptions' pages' labels. Kinds, statuses and actions are labelled
// "kind_<kind>", "status_<status>", "action_<action>": a test checks that
// every constant has its label in both languages.
const (
	LExceptions         Label = "exceptions"
	LException          Label = "exception"
	LFilter             Label = "filter"
	LKind               Label = "kind"
	LStatus             Label = "status"
	LAnyKind            Label = "any_kind"
	LAnyAgency          Label = "any_agency"
	LMinAge             Label = "min_age"
	LMinAmount          Label = "min_amount"
	LMaxAmount          Label = "max_amount"
	LAssigned           Label = "assigned"
	LAssignedAnyone     Label = "assigned_anyone"
	LAssignedMe         Label = "assigned_me"
	LAssignedNone       Label = "assigned_none"
	LSort               Label = "sort"
	LApply              Label = "apply"
	LAgeDays            Label = "age_days"
	LDue                Label = "due"
	LOverdue            Label = "overdue"
	LAssignee           Label = "assignee"
	LPendingApproval    Label = "pending_approval"
	LPage               Label = "page"
	LPrev               Label = "prev"
	LNext               Label = "next"
	LRefine             Label = "refine"
	LNoExceptions       Label = "no_exceptions"
	LSelect             Label = "select"
	LBulk               Label = "bulk"
	LBulkHint           Label = "bulk_hint"
	LAction             Label = "action"
	LReason             Label = "reason"
	LDo                 Label = "do"
	LWaiting            Label = "waiting"
	LWaitingHint        Label = "waiting_hint"
	LNoWaiting          Label = "no_waiting"
	LPayment            Label = "payment"
	LPaidAt             Label = "paid_at"
	LPayer              Label = "payer"
	LPayerAccount       Label = "payer_account"
	LDescription        Label = "description"
	LBankRef            Label = "bank_ref"
	LRawRef             Label = "raw_ref"
	LEvidence           Label = "evidence"
	LCurrentAllocations Label = "current_allocations"
	LNotice             Label = "notice"
	LRule               Label = "rule"
	LBy                 Label = "by"
	LSuggested          Label = "suggested"
	LNoSuggestion       Label = "no_suggestion"
	LOutstanding        Label = "outstanding"
	LWhy                Label = "why"
	LWhySameAmount      Label = "why_same_amount"
	LWhySamePayer       Label = "why_same_payer"
	LWhyRecent          Label = "why_recent"
	LWhyNamed           Label = "why_named"
	LHistory            Label = "history"
	LNoHistory          Label = "no_history"
	LWhen               Label = "when"
	LWho                Label = "who"
	LWhat               Label = "what"
	LActions            Label = "actions"
	LAllocateHint       Label = "allocate_hint"
	LNoticeRef          Label = "notice_ref"
	LRemainder          Label = "remainder"
	LThresholdHint      Label = "threshold_hint"
	LRequests           Label = "requests"
	LNoRequests         Label = "no_requests"
	LMaker              Label = "maker"
	LAsked              Label = "asked"
	LApprove            Label = "approve"
	LReject             Label = "reject"
	LRejectReason       Label = "reject_reason"
	LOwnRequest         Label = "own_request"
	LRequestState       Label = "request_state"
	LChecker            Label = "checker"
	LCreated            Label = "created"
	LResolution         Label = "resolution"
	LBadFilter          Label = "bad_filter"
	LBadForm            Label = "bad_form"
	LDoneApplied        Label = "done_applied"
	LDonePending        Label = "done_pending"
	LDoneApproved       Label = "done_approved"
	LDoneRejected       Label = "done_rejected"
	LDoneBulk           Label = "done_bulk"
	LErrForbidden       Label = "err_forbidden"
	LErrNoReason        Label = "err_no_reason"
	LErrNotOpen         Label = "err_not_open"
	LErrNotClosed       Label = "err_not_closed"
	LErrPending         Label = "err_pending"
	LErrNoPayment       Label = "err_no_payment"
	LErrSum             Label = "err_sum"
	LErrAmount          Label = "err_amount"
	LErrOverOutstanding Label = "err_over_outstanding"
	LErrNoticeClosed    Label = "err_notice_closed"
	LErrRemainderClosed Label = "err_remainder_closed"
	LErrOwnRequest      Label = "err_own_request"
	LErrNotPending      Label = "err_not_pending"
	LErrChanged         Label = "err_changed"
	LErrBulk            Label = "err_bulk"
	LErrUnknownUser     Label = "err_unknown_user"
	LDetail             Label = "detail"
	LNoAgency           Label = "no_agency"
	LNobody             Label = "nobody"
	LNoAllocation       Label = "no_allocation"
)

// KindLabel, StatusLabel, ActionLabel, RequestStateLabel and SortLabel
// are the labels of the values templates show.
func (p page) KindLabel(k reconcile.ExceptionKind) (string, error) {
	return p.T(Label("kind_" + string(k)))
}

// StatusLabel is an exception status's label ("pending" and "all" too).
func (p page) StatusLabel(s string) (string, error) { return p.T(Label("status_" + s)) }

// ActionLabel is an action's label.
func (p page) ActionLabel(a reconcile.Action) (string, error) {
	return p.T(Label("action_" + string(a)))
}

// RequestStateLabel is a request state's label.
func (p page) RequestStateLabel(s store.RequestState) (string, error) {
	return p.T(Label("request_" + string(s)))
}

// Evidence is a stored evidence sentence in the page's language, as the
// reports write it.
func (p page) Evidence(s string) string { return daily.EvidenceText(daily.Lang(p.Lang), s) }

// SortLabel is a queue order's label.
func (p page) SortLabel(s string) (string, error) { return p.T(Label("sort_" + s)) }

//nolint:maintidx,gosec // a table of words, not logic; G101: words such as "password", not credentials
func exceptionLabels() map[Lang]map[Label]string {
	return map[Lang]map[Label]string{
		LangVI: {
			LExceptions: "Ngoại lệ", LException: "Ngoại lệ", LFilter: "Lọc", LKind: "Loại", LStatus: "Trạng thái",
			LAnyKind: "Mọi loại", LAnyAgency: "Mọi đơn vị", LMinAge: "Tuổi tối thiểu (ngày)",
			LMinAmount: "Số tiền từ (₫)", LMaxAmount: "Số tiền đến (₫)", LAssigned: "Người xử lý",
			LAssignedAnyone: "Bất kỳ ai", LAssignedMe: "Tôi", LAssignedNone: "Chưa giao", LSort: "Sắp xếp",
			LApply: "Áp dụng", LAgeDays: "Tuổi (ngày)", LDue: "Hạn xử lý", LOverdue: "Quá hạn", LAssignee: "Người xử lý",
			LPendingApproval: "Chờ phê duyệt", LPage: "Trang", LPrev: "Trang trước", LNext: "Trang sau",
			LRefine:       "Quá nhiều ngoại lệ khớp bộ lọc: chỉ hiện 5.000 ngoại lệ đầu, hãy lọc hẹp hơn",
			LNoExceptions: "Không có ngoại lệ nào khớp bộ lọc", LSelect: "Chọn", LBulk: "Xử lý hàng loạt",
			LBulkHint: "Áp dụng một thao tác cho các dòng đã chọn (cùng một loại ngoại lệ)",
			LAction:   "Thao tác", LReason: "Lý do", LDo: "Thực hiện",
			LWaiting:     "Đang chờ tiền về (chưa quá hạn T+N)",
			LWaitingHint: "Các giao dịch này chưa có trên sao kê nhưng còn trong thời hạn: không phải ngoại lệ.",
			LNoWaiting:   "Không có giao dịch nào đang chờ tiền về",
			LPayment:     "Giao dịch", LPaidAt: "Thời điểm thanh toán", LPayer: "Người nộp", LPayerAccount: "Tài khoản người nộp",
			LDescription: "Nội dung chuyển khoản (nguyên văn)", LBankRef: "Số tham chiếu ngân hàng", LRawRef: "Bản gốc",
			LEvidence: "Căn cứ", LCurrentAllocations: "Phân bổ hiện tại", LNotice: "Thông báo", LRule: "Quy tắc",
			LBy: "Người thực hiện", LSuggested: "Thông báo gợi ý", LNoSuggestion: "Không có gợi ý",
			LOutstanding: "Còn phải nộp", LWhy: "Lý do gợi ý", LWhySameAmount: "cùng số tiền",
			LWhySamePayer: "cùng tên người nộp", LWhyRecent: "phát hành gần thời điểm nộp",
			LWhyNamed: "được nêu trong nội dung chuyển khoản", LHistory: "Lịch sử", LNoHistory: "Chưa có thao tác nào",
			LWhen: "Thời điểm", LWho: "Người thực hiện", LWhat: "Nội dung", LActions: "Xử lý",
			LAllocateHint: "Phân bổ toàn bộ số tiền chưa phân bổ thủ công của giao dịch: tổng các dòng cộng phần còn lại phải bằng số tiền đó.",
			LNoticeRef:    "Thông báo (hệ thống/mã)", LRemainder: "Phần còn lại (₫)",
			LThresholdHint: "Thao tác trên ngưỡng này, và mọi thao tác xóa sổ, phải được người phê duyệt chấp thuận",
			LRequests:      "Yêu cầu chờ phê duyệt", LNoRequests: "Không có yêu cầu nào chờ phê duyệt",
			LMaker: "Người đề nghị", LAsked: "Đề nghị", LApprove: "Phê duyệt", LReject: "Từ chối",
			LRejectReason: "Lý do từ chối", LOwnRequest: "Yêu cầu của bạn: người khác phải phê duyệt",
			LRequestState: "Trạng thái yêu cầu", LChecker: "Người phê duyệt", LCreated: "Phát sinh", LResolution: "Kết quả xử lý",
			LBadFilter: "Bộ lọc không hợp lệ", LBadForm: "Dữ liệu nhập không hợp lệ",
			LDoneApplied: "Đã thực hiện", LDonePending: "Đã gửi yêu cầu, chờ phê duyệt", LDoneApproved: "Đã phê duyệt và thực hiện",
			LDoneRejected: "Đã từ chối yêu cầu", LDoneBulk: "Đã xử lý hàng loạt",
			LErrForbidden: "Vai trò của bạn không được thực hiện thao tác này", LErrNoReason: "Phải nêu lý do",
			LErrNotOpen: "Ngoại lệ không còn mở", LErrNotClosed: "Ngoại lệ đang mở: không thể mở lại",
			LErrPending: "Ngoại lệ đang có yêu cầu chờ phê duyệt", LErrNoPayment: "Ngoại lệ không gắn với giao dịch nào để phân bổ",
			LErrSum: "Tổng phân bổ cộng phần còn lại không bằng số tiền của giao dịch", LErrAmount: "Số tiền hoặc thông báo không hợp lệ",
			LErrOverOutstanding: "Số tiền phân bổ vượt số còn phải nộp của thông báo", LErrNoticeClosed: "Thông báo đã hủy hoặc hết hạn",
			LErrRemainderClosed: "Phần còn lại đã được xử lý: hãy mở lại phần còn lại trước",
			LErrOwnRequest:      "Không ai được tự phê duyệt yêu cầu của mình", LErrNotPending: "Yêu cầu đã được xử lý",
			LErrChanged:     "Ngoại lệ đã thay đổi sau khi có yêu cầu: hãy từ chối và đề nghị lại",
			LErrBulk:        "Xử lý hàng loạt cần chọn các dòng cùng loại, và không áp dụng cho phân bổ",
			LErrUnknownUser: "Người nhận không phải đồng nghiệp đang hoạt động thấy được ngoại lệ này",
			LDetail:         "Chi tiết", LNoAgency: "Chưa xác định đơn vị", LNobody: "Chưa giao", LNoAllocation: "Chưa phân bổ cho thông báo nào",
			"kind_unmatched": "Không khớp", "kind_ambiguous": "Không rõ thông báo", "kind_overpaid": "Nộp thừa",
			"kind_duplicate": "Nộp trùng", "kind_cancelled_notice": "Thông báo đã hủy", "kind_currency_mismatch": "Sai loại tiền",
			"kind_missing_event": "Thiếu giao dịch", "kind_missing_credit": "Chưa có tiền về", "kind_amount_mismatch": "Lệch số tiền",
			"kind_settlement_short": "Ví quyết toán thiếu", "kind_late_event": "Giao dịch đến muộn",
			"kind_invalid_input": "Dữ liệu đầu vào lỗi", "kind_remainder": "Phần còn lại sau phân bổ thủ công",
			"kind_wrong_account": "Sai tài khoản thu", "kind_unknown_reversal": "Ngân hàng hoàn trả giao dịch không rõ",
			"status_open": "Đang mở", "status_resolved": "Đã xử lý (ghi chú)", "status_allocated": "Đã phân bổ thủ công",
			"status_refund": "Chờ hoàn trả", "status_written_off": "Đã xóa sổ", "status_pending": "Chờ phê duyệt",
			"status_all":      "Tất cả",
			"action_allocate": "Phân bổ", "action_refund": "Đánh dấu hoàn trả", "action_write_off": "Xóa sổ",
			"action_reopen": "Mở lại", "action_assign": "Giao cho", "action_comment": "Ghi chú",
			"request_pending": "Chờ phê duyệt", "request_approved": "Đã phê duyệt", "request_rejected": "Bị từ chối",
			"sort_age": "Mới nhất trước", "sort_-age": "Cũ nhất trước", "sort_amount": "Số tiền tăng dần",
			"sort_-amount": "Số tiền giảm dần", "sort_due": "Hạn xử lý gần nhất",
		},
		LangEN: {
			LExceptions: "Exceptions", LException: "Exception", LFilter: "Filter", LKind: "Kind", LStatus: "Status",
			LAnyKind: "Any kind", LAnyAgency: "Any agency", LMinAge: "Minimum age (days)",
			LMinAmount: "Amount from (VND)", LMaxAmount: "Amount to (VND)", LAssigned: "Assigned to",
			LAssignedAnyone: "Anyone", LAssignedMe: "Me", LAssignedNone: "Nobody", LSort: "Order",
			LApply: "Apply", LAgeDays: "Age (days)", LDue: "Due", LOverdue: "Overdue", LAssignee: "Assignee",
			LPendingApproval: "Awaiting approval", LPage: "Page", LPrev: "Previous page", LNext: "Next page",
			LRefine:       "Too many exceptions match: only the first 5,000 are shown; narrow the filter",
			LNoExceptions: "No exception matches the filter", LSelect: "Select", LBulk: "Bulk action",
			LBulkHint: "Apply one action to the selected rows (of one exception kind)",
			LAction:   "Action", LReason: "Reason", LDo: "Do it",
			LWaiting:     "Awaiting the bank credit (within T+N)",
			LWaitingHint: "Not on a statement yet but still within the credit window: not exceptions.",
			LNoWaiting:   "No payment is awaiting its credit",
			LPayment:     "Payment", LPaidAt: "Paid at", LPayer: "Payer", LPayerAccount: "Payer's account",
			LDescription: "Transfer description (as received)", LBankRef: "Bank reference", LRawRef: "Raw event",
			LEvidence: "Evidence", LCurrentAllocations: "Current allocations", LNotice: "Notice", LRule: "Rule",
			LBy: "By", LSuggested: "Suggested notices", LNoSuggestion: "No suggestion",
			LOutstanding: "Outstanding", LWhy: "Why suggested", LWhySameAmount: "same amount",
			LWhySamePayer: "same payer name", LWhyRecent: "issued shortly before the payment",
			LWhyNamed: "named in the description", LHistory: "History", LNoHistory: "Nothing done yet",
			LWhen: "When", LWho: "Who", LWhat: "What", LActions: "Actions",
			LAllocateHint: "Allocate all of the payment's money not allocated by hand yet: the rows plus the remainder must add up to it.",
			LNoticeRef:    "Notice (system/id)", LRemainder: "Remainder (VND)",
			LThresholdHint: "Actions above this amount, and every write-off, need an approver's consent",
			LRequests:      "Requests awaiting approval", LNoRequests: "No request awaits approval",
			LMaker: "Asked by", LAsked: "Asked", LApprove: "Approve", LReject: "Reject",
			LRejectReason: "Why rejected", LOwnRequest: "Your request: someone else must approve it",
			LRequestState: "Request state", LChecker: "Approver", LCreated: "Raised", LResolution: "Resolution",
			LBadFilter: "Invalid filter", LBadForm: "Invalid input",
			LDoneApplied: "Done", LDonePending: "Request sent: awaiting approval", LDoneApproved: "Approved and applied",
			LDoneRejected: "Request rejected", LDoneBulk: "Bulk action done",
			LErrForbidden: "Your role may not do this", LErrNoReason: "A reason is required",
			LErrNotOpen: "The exception is not open", LErrNotClosed: "The exception is open: nothing to reopen",
			LErrPending: "The exception has a request awaiting approval", LErrNoPayment: "The exception has no payment to allocate",
			LErrSum: "The allocations and the remainder do not add up to the payment", LErrAmount: "Invalid amount or notice",
			LErrOverOutstanding: "More than the notice still owes", LErrNoticeClosed: "The notice is cancelled or expired",
			LErrRemainderClosed: "Its remainder was dealt with: reopen the remainder first",
			LErrOwnRequest:      "Nobody approves their own request", LErrNotPending: "The request was decided already",
			LErrChanged:     "The exception changed since the request: reject it and ask again",
			LErrBulk:        "A bulk action takes rows of one kind, and not allocate",
			LErrUnknownUser: "Not an active colleague who sees this exception",
			LDetail:         "Detail", LNoAgency: "No agency yet", LNobody: "Nobody", LNoAllocation: "Not allocated to any notice",
			"kind_unmatched": "Unmatched", "kind_ambiguous": "Ambiguous", "kind_overpaid": "Overpaid",
			"kind_duplicate": "Duplicate", "kind_cancelled_notice": "Cancelled notice", "kind_currency_mismatch": "Currency mismatch",
			"kind_missing_event": "Missing payment event", "kind_missing_credit": "Missing credit", "kind_amount_mismatch": "Amount mismatch",
			"kind_settlement_short": "Wallet settled short", "kind_late_event": "Late payment event",
			"kind_invalid_input": "Unreadable input", "kind_remainder": "Left over by a manual allocation",
			"kind_wrong_account": "Wrong collection account", "kind_unknown_reversal": "Reversal of an unknown payment",
			"status_open": "Open", "status_resolved": "Resolved (note)", "status_allocated": "Allocated by hand",
			"status_refund": "To refund", "status_written_off": "Written off", "status_pending": "Awaiting approval",
			"status_all":      "All",
			"action_allocate": "Allocate", "action_refund": "Mark for refund", "action_write_off": "Write off",
			"action_reopen": "Reopen", "action_assign": "Assign", "action_comment": "Comment",
			"request_pending": "Pending", "request_approved": "Approved", "request_rejected": "Rejected",
			"sort_age": "Newest first", "sort_-age": "Oldest first", "sort_amount": "Amount, smallest first",
			"sort_-amount": "Amount, largest first", "sort_due": "Due soonest",
		},
	}
}
