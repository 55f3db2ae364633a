package daily

import "fmt"

// Lang selects the language of a rendering's labels.
type Lang string

// Languages.
const (
	LangVI Lang = "vi" // default
	LangEN Lang = "en"
)

// Label is the key of one piece of text in a rendering.
type Label string

// Labels used by the renderings.
const (
	LTitle           Label = "title"
	LBusinessDate    Label = "business_date"
	LAgency          Label = "agency"
	LAll             Label = "all"
	LVersion         Label = "version"
	LAsOf            Label = "as_of"
	LCutoff          Label = "cutoff"
	LCreditWindow    Label = "credit_window"
	LSection         Label = "section"
	LTotals          Label = "totals"
	LAccounts        Label = "accounts"
	LBudget          Label = "budget"
	LChannels        Label = "channels"
	LUnassigned      Label = "unassigned"
	LExceptions      Label = "exceptions"
	LAdjustments     Label = "adjustments"
	LResolved        Label = "resolved_exceptions"
	LResolvedAt      Label = "resolved_at"
	LTreasuryAccount Label = "treasury_account"
	LChapter         Label = "budget_chapter"
	LSubitem         Label = "budget_subitem"
	LChannel         Label = "channel"
	LNotices         Label = "notices"
	LPayments        Label = "payments"
	LExpected        Label = "expected"
	LCollected       Label = "collected"
	LMatched         Label = "matched"
	LUnmatched       Label = "unmatched"
	LRefundsDue      Label = "refunds_due"
	LFees            Label = "fees"
	LAmount          Label = "amount"
	LKind            Label = "kind"
	LID              Label = "id"
	LPaymentID       Label = "payment_id"
	LStatementRef    Label = "statement_ref"
	LNoticeID        Label = "notice_id"
	LAgeDays         Label = "age_days"
	LEvidence        Label = "evidence"
	LReason          Label = "reason"
	LCurrency        Label = "currency"
	LDays            Label = "days"
	LSHA256          Label = "sha256"
	LAuditHead       Label = "audit_head"
	LNone            Label = "none"
)

// labels holds every label in every language: data, not code. It is built
// on each call, so no package state can be changed.
//
//nolint:gosec // G101: labels such as "sha256" are words, not credentials.
func labels() map[Lang]map[Label]string {
	return map[Lang]map[Label]string{
		LangVI: {
			LTitle: "Báo cáo đối chiếu thu phí, lệ phí không dùng tiền mặt", LBusinessDate: "Ngày nghiệp vụ",
			LAgency: "Đơn vị", LAll: "Tất cả đơn vị", LVersion: "Phiên bản", LAsOf: "Thời điểm lập",
			LCutoff: "Giờ chốt số liệu", LCreditWindow: "Thời hạn ghi có (ngày)", LSection: "Mục",
			LTotals: "Tổng cộng", LAccounts: "Theo tài khoản Kho bạc", LBudget: "Theo chương, tiểu mục",
			LChannels: "Theo kênh thanh toán", LUnassigned: "Tiền chưa xác định thông báo",
			LExceptions: "Sai lệch chưa xử lý", LAdjustments: "Điều chỉnh so với báo cáo đã gửi",
			LResolved: "Sai lệch đã xử lý", LResolvedAt: "Thời điểm xử lý",
			LTreasuryAccount: "Tài khoản Kho bạc", LChapter: "Chương", LSubitem: "Tiểu mục", LChannel: "Kênh",
			LNotices: "Số thông báo", LPayments: "Số giao dịch", LExpected: "Phải thu", LCollected: "Đã thu",
			LMatched: "Đã khớp sao kê", LUnmatched: "Chưa khớp sao kê", LRefundsDue: "Phải hoàn trả",
			LFees: "Phí ví điện tử", LAmount: "Số tiền", LKind: "Loại", LID: "Mã", LPaymentID: "Mã giao dịch",
			LStatementRef: "Số tham chiếu sao kê", LNoticeID: "Mã thông báo", LAgeDays: "Số ngày tồn",
			LEvidence: "Căn cứ", LReason: "Lý do", LCurrency: "Loại tiền", LDays: "ngày", LSHA256: "Mã băm SHA-256",
			LAuditHead:       "Đỉnh chuỗi nhật ký kiểm toán tại giờ chốt (số thứ tự:mã băm)",
			LNone:            "Không có",
			"kind.unmatched": "Không xác định được thông báo", "kind.ambiguous": "Khớp nhiều thông báo",
			"kind.overpaid": "Nộp thừa", "kind.duplicate": "Nộp trùng", "kind.cancelled_notice": "Thông báo đã hủy",
			"kind.currency_mismatch": "Sai loại tiền", "kind.missing_event": "Có ghi có, thiếu giao dịch",
			"kind.missing_credit": "Có giao dịch, chưa ghi có", "kind.amount_mismatch": "Lệch số tiền",
			"kind.settlement_short": "Ví quyết toán thiếu", "kind.late_event": "Giao dịch đến muộn",
			"kind.invalid_input": "Dữ liệu đầu vào lỗi", "kind.remainder": "Phần còn lại sau phân bổ thủ công",
			"channel.qr": "VietQR", "channel.transfer": "Chuyển khoản", "channel.vnpay": "VNPay",
			"channel.momo": "MoMo", "channel.zalopay": "ZaloPay", "channel.other": "Khác",
		},
		LangEN: {
			LTitle: "Cashless fee collection reconciliation report", LBusinessDate: "Business date",
			LAgency: "Agency", LAll: "All agencies", LVersion: "Version", LAsOf: "As of",
			LCutoff: "Cut-off", LCreditWindow: "Credit window (days)", LSection: "Section",
			LTotals: "Totals", LAccounts: "By treasury account", LBudget: "By budget chapter and sub-item",
			LChannels: "By payment channel", LUnassigned: "Money not assigned to a notice",
			LExceptions: "Open exceptions", LAdjustments: "Adjustments to the report already sent",
			LResolved: "Resolved exceptions", LResolvedAt: "Resolved at",
			LTreasuryAccount: "Treasury account", LChapter: "Chapter", LSubitem: "Sub-item", LChannel: "Channel",
			LNotices: "Notices", LPayments: "Payments", LExpected: "Expected", LCollected: "Collected",
			LMatched: "Matched to statement", LUnmatched: "Not matched to statement", LRefundsDue: "Refunds due",
			LFees: "Wallet fees", LAmount: "Amount", LKind: "Kind", LID: "Id", LPaymentID: "Payment id",
			LStatementRef: "Statement reference", LNoticeID: "Notice id", LAgeDays: "Age (days)",
			LEvidence: "Evidence", LReason: "Reason", LCurrency: "Currency", LDays: "days", LSHA256: "SHA-256",
			LAuditHead:       "Audit chain head at the cut-off (seq:hash)",
			LNone:            "None",
			"kind.unmatched": "No notice found", "kind.ambiguous": "Several notices fit",
			"kind.overpaid": "Overpaid", "kind.duplicate": "Paid twice", "kind.cancelled_notice": "Notice cancelled",
			"kind.currency_mismatch": "Wrong currency", "kind.missing_event": "Credit without payment event",
			"kind.missing_credit": "Payment without credit", "kind.amount_mismatch": "Amounts differ",
			"kind.settlement_short": "Wallet settled short", "kind.late_event": "Late payment event",
			"kind.invalid_input": "Unreadable input", "kind.remainder": "Left over by a manual allocation",
			"channel.qr": "VietQR", "channel.transfer": "Bank transfer", "channel.vnpay": "VNPay",
			"channel.momo": "MoMo", "channel.zalopay": "ZaloPay", "channel.other": "Other",
		},
	}
}

// Labels returns the labels of a language; the empty Lang is Vietnamese.
func Labels(lang Lang) (map[Label]string, error) {
	if lang == "" {
		lang = LangVI
	}
	m, ok := labels()[lang]
	if !ok {
		return nil, fmt.Errorf("report labels: unknown language %q", lang)
	}
	return m, nil
}
