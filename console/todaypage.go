package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/store"
)

// outboxScan bounds the pending and the dead messages Today reads, each:
// a page is not a scan of a large backlog (beyond it the counts are
// lower bounds, and say so).
const outboxScan = 1000

// readDeliveries reads what Today shows of the outbox into in: the day's
// reports and their deliveries (those sees accepts the agency of), and
// every pending and dead message, each with the agency it concerns.
// ComputeToday keeps, of these, what the scope sees.
func readDeliveries(ctx context.Context, tx store.Tx, d payment.Date, sees func(string) bool, in *DayInput) error {
	reps, err := tx.LatestReports(ctx, d)
	if err != nil {
		return err
	}
	in.Reports = reps
	r := deliveryReader{tx: tx, agencies: map[store.NoticeKey]string{}, seen: map[string]bool{}}
	for _, st := range []store.OutboxState{store.OutboxPending, store.OutboxDead} {
		ms, err := tx.ListOutbox(ctx, store.OutboxFilter{State: st, Limit: outboxScan + 1})
		if err != nil {
			return err
		}
		if len(ms) > outboxScan {
			in.OutboxTruncated = true
			ms = ms[:outboxScan]
		}
		for _, m := range ms {
			if err := r.add(ctx, m, in); err != nil {
				return err
			}
		}
	}
	for _, rep := range reps {
		if !sees(rep.Agency) {
			continue
		}
		id := outbox.Report.ID(rep.ID)
		for _, id := range []string{id, outbox.KafkaID(id)} {
			if r.seen[id] {
				continue
			}
			m, err := tx.OutboxMessage(ctx, id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				continue // not queued
			case err != nil:
				return err
			}
			if err := r.add(ctx, m, in); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliveryReader says what outbox messages are about.
type deliveryReader struct {
	tx store.Tx
	// agencies caches the notices' agencies ("" for a notice not found).
	agencies map[store.NoticeKey]string
	seen     map[string]bool
}

// add appends m to in.Outbox, with its subject and agency, once.
func (r *deliveryReader) add(ctx context.Context, m store.OutboxMessage, in *DayInput) error {
	if r.seen[m.ID] {
		return nil
	}
	r.seen[m.ID] = true
	d := OutboxItem{OutboxMessage: m}
	d.Payload = nil
	var notice *store.NoticeKey
	d.Subject, notice, d.Agency = about(m)
	if notice != nil {
		var err error
		if d.Agency, err = r.noticeAgency(ctx, *notice); err != nil {
			return err
		}
	}
	in.Outbox = append(in.Outbox, d)
	return nil
}

// about says what m is about: its subject, and the notice whose agency it
// concerns (a confirmation) or the agency itself (a report). A payload of
// another shape is about nothing known (no subject, no agency).
func about(m store.OutboxMessage) (subject string, notice *store.NoticeKey, agency string) {
	switch m.Kind {
	case store.OutboxConfirmation, store.OutboxConfirmationKafka, store.OutboxReversal, store.OutboxReversalKafka:
		key, err := outbox.ConfirmationKey(m.Payload)
		if err != nil {
			return "", nil, ""
		}
		system, id, _ := strings.Cut(string(key), "/")
		return string(key), &store.NoticeKey{System: system, ID: id}, ""
	case store.OutboxReport, store.OutboxReportKafka:
		key, err := outbox.ReportKey(m.Payload)
		if err != nil {
			return "", nil, ""
		}
		_, agency, _ = strings.Cut(string(key), "/")
		return string(key), nil, agency
	}
	return "", nil, ""
}

func (r *deliveryReader) noticeAgency(ctx context.Context, k store.NoticeKey) (string, error) {
	if a, ok := r.agencies[k]; ok {
		return a, nil
	}
	n, err := r.tx.Notice(ctx, k.System, k.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return "", err
	default:
		r.agencies[k] = n.Agency
	}
	return r.agencies[k], nil
}

// Age writes how long something has waited: minutes, hours and minutes,
// or days and hours.
func (p page) Age(d time.Duration) (string, error) {
	unit := func(n int64, l Label) (string, error) {
		w, err := p.T(l)
		return fmt.Sprintf("%d %s", n, w), err
	}
	d = d.Truncate(time.Minute)
	days, hours, mins := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour), int64(d%time.Hour/time.Minute)
	var parts []string
	add := func(n int64, l Label) error {
		s, err := unit(n, l)
		parts = append(parts, s)
		return err
	}
	var err error
	switch {
	case d < time.Minute:
		return p.T(LUnderAMinute)
	case days > 0:
		err = errors.Join(add(days, LDays), add(hours, LHours))
	case hours > 0:
		err = errors.Join(add(hours, LHours), add(mins, LMinutes))
	default:
		err = add(mins, LMinutes)
	}
	return strings.Join(parts, " "), err
}

// OutboxKindLabel is the label of an outbox kind.
func (p page) OutboxKindLabel(k store.OutboxKind) (string, error) {
	switch k {
	case store.OutboxConfirmation:
		return p.T(LKindConfirmation)
	case store.OutboxConfirmationKafka:
		return p.T(LKindConfirmationKafka)
	case store.OutboxReport:
		return p.T(LKindReport)
	case store.OutboxReportKafka:
		return p.T(LKindReportKafka)
	case store.OutboxReversal:
		return p.T(LKindReversal)
	case store.OutboxReversalKafka:
		return p.T(LKindReversalKafka)
	}
	return p.T(Label("outbox_kind_" + string(k)))
}

// AgencyName is an agency code as Today shows it: the total report's
// "ALL" by its label.
func (p page) AgencyName(code string) (string, error) {
	switch code {
	case "":
		return p.T(LUnknownAgency)
	case daily.AgencyAll:
		return p.T(LAllAgencies)
	}
	return code, nil
}

// Today's own labels: the hourly chart, the day's reports, the outbox
// (the deliveries' states and columns are the Reports page's, the word
// "exceptions" the Exceptions page's).
const (
	LByHour                Label = "by_hour"
	LByHourDesc            Label = "by_hour_desc"
	LHour                  Label = "hour"
	LPaymentsCollected     Label = "payments_collected"
	LExceptionAmount       Label = "exception_amount"
	LPaymentsWord          Label = "payments_word"
	LExceptionsWord        Label = "exceptions_word"
	LReportsOfDay          Label = "reports_of_day"
	LNoReportToday         Label = "no_report_today"
	LOutbox                Label = "outbox"
	LOutboxKind            Label = "outbox_kind"
	LPending               Label = "pending"
	LOldestPending         Label = "oldest_pending"
	LDead                  Label = "dead"
	LKindConfirmation      Label = "outbox_kind_confirmation"
	LKindConfirmationKafka Label = "outbox_kind_confirmation_kafka"
	LKindReport            Label = "outbox_kind_report"
	LKindReportKafka       Label = "outbox_kind_report_kafka"
	LKindReversal          Label = "outbox_kind_reversal"
	LKindReversalKafka     Label = "outbox_kind_reversal_kafka"
	LOutboxScoped          Label = "outbox_scoped"
	LOutboxTruncated       Label = "outbox_truncated"
	LDeadList              Label = "dead_list"
	LNoDead                Label = "no_dead"
	LDeadListed            Label = "dead_listed"
	LDestination           Label = "destination"
	LSubject               Label = "subject"
	LQueuedAt              Label = "queued_at"
	LUnderAMinute          Label = "under_a_minute"
	LMinutes               Label = "minutes"
	LHours                 Label = "hours"
	LDays                  Label = "days"
)

// todayLabels are the labels of Today's chart, reports and outbox.
func todayLabels() map[Lang]map[Label]string {
	return map[Lang]map[Label]string{
		LangVI: {
			LByHour: "Theo giờ trong ngày",
			LByHourDesc: "Số giao dịch đã thu (cột xanh) và số ngoại lệ (cột cam) theo từng giờ, giờ Việt Nam; " +
				"số liệu chi tiết ở bảng dưới biểu đồ.",
			LHour: "Giờ", LPaymentsCollected: "Giao dịch đã thu", LExceptionAmount: "Số tiền ngoại lệ",
			LPaymentsWord: "giao dịch", LExceptionsWord: "ngoại lệ",
			LReportsOfDay:  "Báo cáo ngày và gửi Kho bạc",
			LNoReportToday: "Chưa có báo cáo của ngày này: báo cáo được lập sau giờ khóa sổ.",
			LOutbox:        "Hàng đợi gửi đi", LOutboxKind: "Loại thư", LPending: "Chờ gửi", LOldestPending: "Chờ lâu nhất", LDead: "Thất bại",
			LKindConfirmation: "Xác nhận cho hệ thống thủ tục (webhook)", LKindConfirmationKafka: "Xác nhận (Kafka payments.confirmed)",
			LKindReport: "Báo cáo cho Kho bạc (webhook)", LKindReportKafka: "Báo cáo (Kafka treasury.reports)",
			LKindReversal: "Báo hoàn trả cho hệ thống thủ tục (webhook)", LKindReversalKafka: "Báo hoàn trả (Kafka payments.confirmed)",
			LOutboxScoped:    "Chỉ tính các thư về đơn vị của bạn.",
			LOutboxTruncated: "Hàng đợi lớn hơn số thư trang này đọc: các con số là mức tối thiểu.",
			LDeadList:        "Thư gửi thất bại", LNoDead: "Không có thư nào gửi thất bại.",
			LDeadListed:  "Chỉ hiện %d thư mới nhất.",
			LDestination: "Nơi nhận", LSubject: "Nội dung", LQueuedAt: "Xếp hàng lúc",
			LUnderAMinute: "dưới 1 phút", LMinutes: "phút", LHours: "giờ", LDays: "ngày",
		},
		LangEN: {
			LByHour: "By hour of the day",
			LByHourDesc: "Payments collected (blue bars) and exceptions (orange bars) per hour, Vietnam time; " +
				"the figures are in the table below the chart.",
			LHour: "Hour", LPaymentsCollected: "Payments collected", LExceptionAmount: "Exception amount",
			LPaymentsWord: "payments", LExceptionsWord: "exceptions",
			LReportsOfDay:  "The day's report and its delivery to the treasury",
			LNoReportToday: "No report for this day yet: it is made after the day's cut-off.",
			LOutbox:        "Outbox", LOutboxKind: "Kind", LPending: "Pending", LOldestPending: "Oldest pending", LDead: "Dead",
			LKindConfirmation: "Confirmations to procedure systems (webhook)", LKindConfirmationKafka: "Confirmations (Kafka payments.confirmed)",
			LKindReport: "Reports to the treasury (webhook)", LKindReportKafka: "Reports (Kafka treasury.reports)",
			LKindReversal: "Reversals to procedure systems (webhook)", LKindReversalKafka: "Reversals (Kafka payments.confirmed)",
			LOutboxScoped:    "Only messages about your agencies are counted.",
			LOutboxTruncated: "The outbox holds more than this page reads: the figures are lower bounds.",
			LDeadList:        "Dead deliveries", LNoDead: "No dead deliveries.",
			LDeadListed:  "The newest %d are shown.",
			LDestination: "Destination", LSubject: "About", LQueuedAt: "Queued",
			LUnderAMinute: "under 1 min", LMinutes: "min", LHours: "h", LDays: "d",
		},
	}
}
