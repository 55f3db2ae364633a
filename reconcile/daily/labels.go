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
	LTitle          Label = "title"
	LBusinessDate   Label = "business_date"
	LAgency         Label = "agency"
	LAll            Label = "all"
	LVersion        Label = "version"
	LAsOf           Label = "as_of"
	LCutoff         Label = "cutoff"
	LCreditWindow   Label = "credit_window"
	LSection        Label = "section"
	LTotals         Label = "totals"
	LAccounts       Label = "accounts"
	LBudget         Label = "budget"
	LChannels       Label = "channels"
	LUnassigned     Label = "unassigned"
	LExceptions     Label = "exceptions"
	LAdjustments    Label = "adjustments"
	LResolved       Label = "resolved_exceptions"
	LResolvedAt     Label = "resolved_at"
	LReversals      Label = "reversals"
	LReversedAt     Label = "reversed_at"
	LReversalID     Label = "reversal_id"
	LRefundInstr    Label = "refund_instructions"
	LDecidedAt      Label = "decided_at"
	LCompletedBy    Label = "completed_by"
	LReversedPart   Label = "reversed_part" // the part of unassigned money a reversal took back
	LLateUnreported Label = "late_unreported"
	LPaidAt         Label = "paid_at"
	LRaisedAt       Label = "raised_at"
	// XLSX sheet names (at most 31 characters).
	LSheetReversals  Label = "sheet_reversals"
	LSheetRefunds    Label = "sheet_refunds"
	LSheetLate       Label = "sheet_late_unreported"
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
	// The printable page's heading and signatures (print.go).
	LNumber          Label = "number"
	LPeriod          Label = "period"
	LPeriodRange     Label = "period_range" // {0} start, {1} end (LAtDay each)
	LAtDay           Label = "at_day"       // {0} HH:MM, {1} the date
	LDated           Label = "dated"        // {0} place, {1} day, {2} month, {3} year
	LNation          Label = "nation"
	LMotto           Label = "motto"
	LIssuer          Label = "issuer"
	LSummary         Label = "summary"
	LSignatures      Label = "signatures"
	LPreparedBy      Label = "prepared_by"
	LChiefAccountant Label = "chief_accountant"
	LHeadOfUnit      Label = "head_of_unit"
	LSignHint        Label = "sign_hint"
	LSealHint        Label = "seal_hint"
	LNoNoticeCode    Label = "no_notice_code" // {0} the codes
	LOpenCount       Label = "open_count"
	LResolvedCount   Label = "resolved_count"
	LReportCount     Label = "report_count"
)

// Vietnamese only: "evidence.<form>" is the sentence of each
// reconcile.Evidence form, with the same numbered arguments {0}, {1} … in
// the order the language needs; "rule.<rule>" and "status.<status>" the
// words of the references and notice statuses inside them. An English
// rendering shows the stored evidence, which is English already.

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
			LReversals: "Giao dịch ngân hàng hoàn trả (đảo ngược) trong ngày", LReversedAt: "Thời điểm hoàn trả",
			LReversalID:  "Mã hoàn trả",
			LRefundInstr: "Lệnh hoàn trả chờ thực hiện", LDecidedAt: "Thời điểm quyết định", LCompletedBy: "Hoàn tất bởi bút toán",
			LReversedPart:   "Trong đó: đã hoàn trả (đảo ngược)",
			LLateUnreported: "Giao dịch đến muộn của ngày chưa có báo cáo", LPaidAt: "Thời điểm nộp", LRaisedAt: "Thời điểm phát hiện",
			LSheetReversals: "Hoàn trả trong ngày", LSheetRefunds: "Lệnh hoàn trả", LSheetLate: "Đến muộn, ngày chưa báo cáo",
			LTreasuryAccount: "Tài khoản Kho bạc", LChapter: "Chương", LSubitem: "Tiểu mục", LChannel: "Kênh",
			LNotices: "Số thông báo", LPayments: "Số giao dịch", LExpected: "Phải thu", LCollected: "Đã thu",
			LMatched: "Đã khớp sao kê", LUnmatched: "Chưa khớp sao kê", LRefundsDue: "Phải hoàn trả",
			LFees: "Phí ví điện tử", LAmount: "Số tiền", LKind: "Loại", LID: "Mã", LPaymentID: "Mã giao dịch",
			LStatementRef: "Số tham chiếu sao kê", LNoticeID: "Mã thông báo", LAgeDays: "Số ngày tồn",
			LEvidence: "Căn cứ", LReason: "Lý do", LCurrency: "Loại tiền", LDays: "ngày", LSHA256: "Mã băm SHA-256",
			LAuditHead: "Đỉnh chuỗi nhật ký kiểm toán tại giờ chốt (số thứ tự:mã băm)",
			LNone:      "Không có",
			LNumber:    "Số", LPeriod: "Kỳ báo cáo", LPeriodRange: "từ {0} đến {1}", LAtDay: "{0} ngày {1}",
			LDated:  "{0}, ngày {1} tháng {2} năm {3}",
			LNation: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", LMotto: "Độc lập - Tự do - Hạnh phúc",
			LIssuer: "Đơn vị báo cáo", LSummary: "Tổng hợp", LSignatures: "Chữ ký",
			LPreparedBy: "Người lập biểu", LChiefAccountant: "Kế toán trưởng", LHeadOfUnit: "Thủ trưởng đơn vị",
			LSignHint: "(Ký, ghi rõ họ tên)", LSealHint: "(Ký, ghi rõ họ tên, đóng dấu)",
			LNoNoticeCode: "không thông báo nào có mã {0}", LOpenCount: "Số sai lệch chưa xử lý",
			LResolvedCount: "Số sai lệch đã xử lý", LReportCount: "Số báo cáo",
			"evidence.not_positive":            "Số tiền không lớn hơn 0: {0}",
			"evidence.references":              "{0}",
			"evidence.no_reference":            "Nội dung chuyển tiền không có mã thanh toán hay mã hồ sơ hợp lệ",
			"evidence.code_and_dossier":        "Mã thanh toán và mã hồ sơ chỉ hai thông báo khác nhau: {0}",
			"evidence.notice_closed":           "Thông báo {0}: {1}",
			"evidence.already_paid":            "Thông báo đã nộp đủ: {0}",
			"evidence.nothing_due":             "Thông báo không còn số phải nộp: {0}",
			"evidence.overpaid":                "Đã nộp {0}, số còn phải nộp là {1}: {2}",
			"evidence.several_closed":          "Nêu nhiều thông báo, thông báo {0} {1}: {2}",
			"evidence.several_sum":             "Nêu nhiều thông báo, số tiền {0} khác tổng số còn phải nộp {1}: {2}",
			"evidence.wrong_account":           "Ghi có vào tài khoản {0}, không phải tài khoản thu của đơn vị {1}: {2}",
			"evidence.settlement_short":        "{0} dòng {1}: thực trả {2} + phí {3} ≠ tổng {4}",
			"evidence.settlement_over":         "{0} dòng {1}: thực trả {2} + phí {3} ≠ tổng {4}: ví trả thừa {5}",
			"evidence.settlement_no_event":     "{0} dòng {1}: giao dịch {3} của {2} không có giao dịch thanh toán tương ứng",
			"evidence.settled_twice":           "{0} dòng {1}: giao dịch {3} của {2} đã được quyết toán trong {4}",
			"evidence.settled_gross":           "{0} dòng {1}: tổng quyết toán {2}, giao dịch {3}",
			"evidence.booked_amount":           "{0} bút toán {1}: ghi có {2}, giao dịch {3}",
			"evidence.credit_no_event":         "{0} bút toán {1} ghi có ngày {2}: {3}",
			"evidence.no_statement_credit":     "Nộp lúc {0} (ngày nghiệp vụ {1}), chưa ghi có trên sao kê đến hết ngày {2} (T+{3})",
			"evidence.no_settlement_credit":    "Nộp lúc {0} (ngày nghiệp vụ {1}), chưa có quyết toán {2} đến hết ngày {3} (T+{4})",
			"evidence.settlement_not_credited": "{0}: số thực trả {1} chưa ghi có trên sao kê ngân hàng đến hết ngày {2} (T+{3})",
			"evidence.late":                    "Nộp lúc {0}, sau khi đã gửi báo cáo {1}",
			"evidence.before_window":           "Nộp lúc {0} cho ngày nghiệp vụ {1}, trước kỳ báo cáo bắt đầu từ ngày {2}: chưa báo cáo nào có giao dịch này; lập báo cáo ngày đó bằng lệnh feerecon report --date {3}",
			"evidence.remainder":               "Phần còn lại sau khi phân bổ thủ công ngoại lệ {0}",
			"evidence.manual":                  "Phân bổ thủ công từ ngoại lệ {0}",
			"rule.payment_code":                "mã thanh toán", "rule.payment_code_lookalike": "mã thanh toán (sửa ký tự dễ nhầm)",
			"rule.payment_code_digits": "12 chữ số của mã thanh toán", "rule.dossier_code": "mã hồ sơ",
			"status.issued": "chưa nộp", "status.partially_paid": "đã nộp một phần", "status.paid": "đã nộp đủ",
			"status.overpaid": "đã nộp thừa", "status.cancelled": "đã hủy", "status.expired": "đã hết hạn",
			"kind.unmatched": "Không xác định được thông báo", "kind.ambiguous": "Khớp nhiều thông báo",
			"kind.overpaid": "Nộp thừa", "kind.duplicate": "Nộp trùng", "kind.cancelled_notice": "Thông báo đã hủy",
			"kind.currency_mismatch": "Sai loại tiền", "kind.missing_event": "Có ghi có, thiếu giao dịch",
			"kind.missing_credit": "Có giao dịch, chưa ghi có", "kind.amount_mismatch": "Lệch số tiền",
			"kind.settlement_short": "Ví quyết toán thiếu", "kind.late_event": "Giao dịch đến muộn",
			"kind.invalid_input": "Dữ liệu đầu vào lỗi", "kind.remainder": "Phần còn lại sau phân bổ thủ công",
			"kind.wrong_account":    "Nộp vào tài khoản không phải tài khoản thu",
			"kind.unknown_reversal": "Ngân hàng hoàn trả một giao dịch không rõ",
			"channel.qr":            "VietQR", "channel.transfer": "Chuyển khoản", "channel.vnpay": "VNPay",
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
			LReversals: "Credits reversed on the day", LReversedAt: "Reversed at", LReversalID: "Reversal",
			LRefundInstr: "Refunds due", LDecidedAt: "Decided at", LCompletedBy: "Completed by debit",
			LReversedPart:   "Of which reversed",
			LLateUnreported: "Late payments of days without a report", LPaidAt: "Paid at", LRaisedAt: "Raised at",
			LSheetReversals: "Reversals", LSheetRefunds: "Refunds due", LSheetLate: "Late, unreported days",
			LTreasuryAccount: "Treasury account", LChapter: "Chapter", LSubitem: "Sub-item", LChannel: "Channel",
			LNotices: "Notices", LPayments: "Payments", LExpected: "Expected", LCollected: "Collected",
			LMatched: "Matched to statement", LUnmatched: "Not matched to statement", LRefundsDue: "Refunds due",
			LFees: "Wallet fees", LAmount: "Amount", LKind: "Kind", LID: "Id", LPaymentID: "Payment id",
			LStatementRef: "Statement reference", LNoticeID: "Notice id", LAgeDays: "Age (days)",
			LEvidence: "Evidence", LReason: "Reason", LCurrency: "Currency", LDays: "days", LSHA256: "SHA-256",
			LAuditHead: "Audit chain head at the cut-off (seq:hash)",
			LNone:      "None",
			LNumber:    "No.", LPeriod: "Period", LPeriodRange: "from {0} to {1}", LAtDay: "{1} {0}",
			LDated:  "{0}, {3}-{2}-{1}",
			LNation: "SOCIALIST REPUBLIC OF VIET NAM", LMotto: "Independence - Freedom - Happiness",
			LIssuer: "Issuing unit", LSummary: "Summary", LSignatures: "Signatures",
			LPreparedBy: "Prepared by", LChiefAccountant: "Chief accountant", LHeadOfUnit: "Head of unit",
			LSignHint: "(Signature, full name)", LSealHint: "(Signature, full name, seal)",
			LNoNoticeCode: "no notice has code {0}", LOpenCount: "Open exceptions (count)",
			LResolvedCount: "Resolved exceptions (count)", LReportCount: "Reports",
			"kind.unmatched": "No notice found", "kind.ambiguous": "Several notices fit",
			"kind.overpaid": "Overpaid", "kind.duplicate": "Paid twice", "kind.cancelled_notice": "Notice cancelled",
			"kind.currency_mismatch": "Wrong currency", "kind.missing_event": "Credit without payment event",
			"kind.missing_credit": "Payment without credit", "kind.amount_mismatch": "Amounts differ",
			"kind.settlement_short": "Wallet settled short", "kind.late_event": "Late payment event",
			"kind.invalid_input": "Unreadable input", "kind.remainder": "Left over by a manual allocation",
			"kind.wrong_account":    "Credited to an account that is not the agency's",
			"kind.unknown_reversal": "Reversal of an unknown payment",
			"channel.qr":            "VietQR", "channel.transfer": "Bank transfer", "channel.vnpay": "VNPay",
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
