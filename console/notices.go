package console

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feerecon/feerecon/api"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// The Notices page (Thông báo): find a notice by what the person has at
// hand — a payment code, a dossier code, a payer's name, a notice id —
// and see everything feerecon knows of it: its fields, its payments and
// their allocations with rule and evidence, its confirmation on each
// channel with what is recorded of its delivery, its history and its QR.
// Within the person's agencies only: another agency's notice is "not
// found", as in the API.

// noticePageSize is how many notices a result page lists.
const noticePageSize = 50

// maxSearchTerm bounds what a search box accepts, in bytes.
const maxSearchTerm = 200

// searchAuto is the search box's default: the field is recognised from
// the term (recognise).
const searchAuto = "auto"

func (s *Server) routesNotices(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/notices", s.person(s.noticeSearch))
	mux.HandleFunc("GET "+Prefix+"/notices/{system}/{id}", s.person(s.noticeDetail))
	mux.HandleFunc("GET "+Prefix+"/notices/{system}/{id}/qr.png", s.person(s.noticeQR))
}

// NoticeSearch is the search page's data.
type NoticeSearch struct {
	Term string
	// By is the select's value: searchAuto or a store.NoticeField.
	By      string
	Options []SearchOption
	// Searched: a term was given. Field is what it was compared with
	// (auto recognised), FieldLabel its name.
	Searched   bool
	Field      store.NoticeField
	FieldLabel Label
	// Auto: the field was recognised, not chosen.
	Auto    bool
	Results []NoticeRow
	// Next is the next page's URL, "" on the last.
	Next string
	// Problem is why the search was refused (too long a term: longer
	// than MaxTerm).
	Problem Label
	MaxTerm int
}

// SearchOption is one choice of a select: its text a label, or a code
// shown as it is (Text) when it has no label.
type SearchOption struct {
	Value    string
	Label    Label
	Text     string
	Selected bool
}

// NoticeRow is one notice in a list.
type NoticeRow struct {
	payment.Notice
	URL         string
	StatusLabel Label
}

func noticeURL(system, id string) string {
	return Prefix + "/notices/" + url.PathEscape(system) + "/" + url.PathEscape(id)
}

func noticeRow(n payment.Notice) NoticeRow {
	return NoticeRow{Notice: n, URL: noticeURL(n.System, n.ID), StatusLabel: noticeStatusLabel(n.Status)}
}

// fieldLabel names a search field.
func fieldLabel(f store.NoticeField) Label {
	switch f {
	case store.NoticeByCode:
		return LNoticesByCode
	case store.NoticeByDossier:
		return LNoticesByDossier
	case store.NoticeByID:
		return LNoticesByID
	case store.NoticeByPayer:
		return LNoticesByPayer
	}
	return Label("notices_by_" + string(f)) // not in the tables: fails loudly
}

// recognise says which field a term is when the person left the choice
// to the console: a valid payment code (its check digits hold) or a
// dossier code (its layout holds) is one for certain; anything else is a
// notice id if one exists, else a payer's name (ok false: try both).
func recognise(term string) (store.NoticeField, bool) {
	if _, err := payment.ParsePaymentCode(strings.ToUpper(term)); err == nil {
		return store.NoticeByCode, true
	}
	if _, err := payment.ParseDossierCode(term); err == nil {
		return store.NoticeByDossier, true
	}
	return "", false
}

// noticeSearch: GET /console/notices?q=TERM&by=auto|code|dossier|id|payer
// [&after_system=S&after_id=ID] — the search box and a page of results.
func (s *Server) noticeSearch(w http.ResponseWriter, r *http.Request, c api.Caller) {
	q := r.URL.Query()
	d := NoticeSearch{Term: strings.TrimSpace(q.Get("q")), By: cmp.Or(q.Get("by"), searchAuto), MaxTerm: maxSearchTerm}
	valid := d.By == searchAuto
	d.Options = []SearchOption{{Value: searchAuto, Label: LNoticesByAuto, Selected: d.By == searchAuto}}
	for _, f := range store.NoticeFields() {
		d.Options = append(d.Options, SearchOption{Value: string(f), Label: fieldLabel(f), Selected: d.By == string(f)})
		valid = valid || d.By == string(f)
	}
	p := page{User: c.User, Data: &d}
	switch {
	case !valid:
		s.render(w, r, http.StatusBadRequest, "error", page{User: c.User, Message: LNotFound})
		return
	case len(d.Term) > maxSearchTerm:
		d.Problem = LNoticesTermTooLong
		s.render(w, r, http.StatusBadRequest, "notices", p)
		return
	case d.Term == "":
		s.render(w, r, http.StatusOK, "notices", p)
		return
	}
	d.Searched = true
	u := c.User
	query := store.NoticeQuery{Term: d.Term, Scoped: len(u.Agencies) > 0, Agencies: u.Agencies,
		After: store.NoticeKey{System: q.Get("after_system"), ID: q.Get("after_id")}, Limit: noticePageSize + 1}
	fields := []store.NoticeField{store.NoticeField(d.By)}
	if d.By == searchAuto {
		d.Auto = true
		if f, ok := recognise(d.Term); ok {
			fields = []store.NoticeField{f}
		} else {
			fields = []store.NoticeField{store.NoticeByID, store.NoticeByPayer}
		}
	}
	var found []payment.Notice
	if err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		for _, f := range fields {
			query.Field = f
			ns, err := tx.SearchNotices(r.Context(), query)
			if err != nil {
				return err
			}
			d.Field, found = f, ns
			if len(ns) > 0 {
				return nil
			}
		}
		return nil
	}); err != nil {
		s.fail(w, r, err)
		return
	}
	d.FieldLabel = fieldLabel(d.Field)
	if len(found) > noticePageSize {
		found = found[:noticePageSize]
		last := found[len(found)-1]
		// The next page searches the field found, chosen or not.
		d.Next = Prefix + "/notices?" + url.Values{"q": {d.Term}, "by": {string(d.Field)},
			"after_system": {last.System}, "after_id": {last.ID}}.Encode()
	}
	for _, n := range found {
		d.Results = append(d.Results, noticeRow(n))
	}
	s.render(w, r, http.StatusOK, "notices", p)
}

// NoticePage is a notice's page.
type NoticePage struct {
	NoticeRow
	View  api.NoticeView
	Items []NoticeItem
	// QR is the notice's QR when it can be paid; QRURL its PNG, and
	// NoQR why there is none.
	QR    *api.QRView
	QRURL string
	NoQR  Label
	// Payments are the payments that referenced the notice or are
	// allocated to it, ordered by (paid_at, id).
	Payments    []NoticePayment
	Allocations []NoticeAllocation
	// ConfirmationID is the outbox id of the notice's confirmation;
	// Deliveries its copy on each channel (none before it is paid).
	ConfirmationID string
	Deliveries     []Delivery
	// Later are the messages sent to the procedure system after the
	// first confirmation, in the order sent: each payment.reversed (a
	// bank took back a payment that paid it) and each confirmation after
	// a reversal opened it (the notice's trail names them).
	Later   []NoticeMessage
	History []store.AuditEntry
}

// NoticeMessage is one later message to the procedure system, with its
// copy on each channel.
type NoticeMessage struct {
	ID         string
	KindLabel  Label
	Deliveries []Delivery
}

// NoticeItem is a line of the notice, its kind named.
type NoticeItem struct {
	payment.NoticeItem
	KindLabel Label
}

// NoticePayment is a payment on a notice's page.
type NoticePayment struct {
	payment.Payment
	// MaskedAccount is the payer's account as the console shows it.
	MaskedAccount string
	// Allocated is what of it is allocated to this notice; Referenced
	// says its description named the notice.
	Allocated  *payment.Money
	Referenced bool
	// ReversedBy is the reversal that took it back from the notice.
	ReversedBy string
}

// NoticeAllocation is an allocation to the notice, with its rule named.
type NoticeAllocation struct {
	reconcile.Allocation
	RuleLabel Label
}

// Delivery is the confirmation's copy on one channel: what the outbox
// row records of its delivery (the attempts counted, the last error, the
// next attempt, the delivery) and the audit chain's entries of it.
type Delivery struct {
	Message       store.OutboxMessage
	ChannelLabel  Label
	StateLabel    Label
	Destination   string
	DeliveredAt   time.Time
	NextAttemptAt time.Time
	Events        []DeliveryEvent
}

// DeliveryEvent is an outbox.delivered or outbox.dead entry of the chain.
type DeliveryEvent struct {
	Seq         int64
	At          time.Time
	ActionLabel Label
	Attempt     int
	Error       string
}

// noticeDetail: GET /console/notices/{system}/{id}.
func (s *Server) noticeDetail(w http.ResponseWriter, r *http.Request, c api.Caller) {
	sys, id := r.PathValue("system"), r.PathValue("id")
	ctx := r.Context()
	var d NoticePage
	err := s.st.InTx(ctx, func(tx store.Tx) error { return readNotice(ctx, tx, sys, id, &d) })
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !c.User.CanSee(d.Agency):
		s.render(w, r, http.StatusNotFound, "error", page{User: c.User, Message: LNotFound})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	d.NoQR = LNoticesNoQRPaid
	if d.Status.Open() && d.View.OutstandingAmount.Amount.IsPositive() {
		q, err := s.auth.NoticeQR(ctx, sys, id)
		switch {
		case errors.Is(err, api.ErrNoCollection):
			d.NoQR = LNoticesNoCollection
		case errors.Is(err, api.ErrNothingToPay): // paid since it was read
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			d.QR, d.QRURL, d.NoQR = &q, d.URL+"/qr.png", ""
		}
	}
	s.render(w, r, http.StatusOK, "notice", page{User: c.User, Data: &d})
}

// readNotice reads all of notice (sys, id) the page shows.
func readNotice(ctx context.Context, tx store.Tx, sys, id string, d *NoticePage) error {
	n, err := tx.Notice(ctx, sys, id)
	if err != nil {
		return err
	}
	d.NoticeRow = noticeRow(n)
	for _, it := range n.Items {
		d.Items = append(d.Items, NoticeItem{NoticeItem: it, KindLabel: feeKindLabel(it.Kind)})
	}
	allocs, err := tx.AllocationsByNotice(ctx, sys, id)
	if err != nil {
		return err
	}
	if d.View, err = api.ViewOf(n, allocs); err != nil {
		return err
	}
	linked, err := tx.PaymentsByNotice(ctx, sys, id)
	if err != nil {
		return err
	}
	byID := map[string]*NoticePayment{}
	for _, p := range linked {
		d.Payments = append(d.Payments, NoticePayment{Payment: p, Referenced: true})
	}
	if d.History, err = tx.AuditTrail(ctx, store.NoticeEntity(sys, id)); err != nil {
		return err
	}
	// The payments a bank took back paid it once; they are linked no more.
	for _, e := range d.History {
		var rev struct {
			PaymentID  string `json:"payment_id"`
			ReversalID string `json:"reversal_id"`
		}
		if e.Action != store.AuditPaymentReverse || json.Unmarshal(e.Detail, &rev) != nil || rev.PaymentID == "" {
			continue
		}
		p, err := tx.Payment(ctx, rev.PaymentID)
		if err != nil {
			return err
		}
		d.Payments = append(d.Payments, NoticePayment{Payment: p, Referenced: true, ReversedBy: rev.ReversalID})
	}
	for _, a := range allocs {
		d.Allocations = append(d.Allocations, NoticeAllocation{Allocation: a, RuleLabel: ruleLabel(a.Rule)})
		if !slices.ContainsFunc(d.Payments, func(p NoticePayment) bool { return p.ID == a.PaymentID }) {
			p, err := tx.Payment(ctx, a.PaymentID)
			if err != nil {
				return err
			}
			d.Payments = append(d.Payments, NoticePayment{Payment: p})
		}
	}
	slices.SortFunc(d.Payments, func(a, b NoticePayment) int {
		return cmp.Or(a.PaidAt.Compare(b.PaidAt), cmp.Compare(a.ID, b.ID))
	})
	for i := range d.Payments {
		p := &d.Payments[i]
		p.MaskedAccount = payment.MaskAccount(p.PayerAccount)
		byID[p.ID] = p
	}
	for _, a := range allocs {
		byID[a.PaymentID].Allocated = &a.Amount
	}
	d.ConfirmationID = outbox.Confirmation.ID(sys, id)
	if d.Deliveries, err = messageDeliveries(ctx, tx, d.ConfirmationID); err != nil {
		return err
	}
	for _, e := range d.History {
		var kind Label
		switch e.Action {
		case store.AuditPaymentReverse:
			kind = LNoticesMessageReversed
		case store.AuditNoticeConfirm:
			kind = LNoticesMessageConfirmedAgain
		default:
			continue
		}
		var detail struct {
			MessageID string `json:"message_id"`
		}
		if json.Unmarshal(e.Detail, &detail) != nil || detail.MessageID == "" {
			continue
		}
		ds, err := messageDeliveries(ctx, tx, detail.MessageID)
		if err != nil {
			return err
		}
		d.Later = append(d.Later, NoticeMessage{ID: detail.MessageID, KindLabel: kind, Deliveries: ds})
	}
	return nil
}

// messageDeliveries are the copies of outbox message id on each channel (the
// webhook's, then Kafka's), those stored.
func messageDeliveries(ctx context.Context, tx store.Tx, id string) ([]Delivery, error) {
	var out []Delivery
	for _, mid := range []string{id, outbox.KafkaID(id)} {
		m, err := tx.OutboxMessage(ctx, mid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		trail, err := tx.AuditTrail(ctx, store.OutboxEntity(mid))
		if err != nil {
			return nil, err
		}
		out = append(out, delivery(m, trail))
	}
	return out, nil
}

// delivery is what the page shows of outbox message m and its trail.
func delivery(m store.OutboxMessage, trail []store.AuditEntry) Delivery {
	dl := Delivery{Message: m, ChannelLabel: channelLabel(m.Kind), StateLabel: outboxStateLabel(m.State),
		Destination: destinationName(m.Destination)}
	if m.DeliveredAt != nil {
		dl.DeliveredAt = *m.DeliveredAt
	}
	if m.State == store.OutboxPending {
		dl.NextAttemptAt = m.NextAttempt
	}
	for _, e := range trail {
		ev := DeliveryEvent{Seq: e.Seq, At: e.At}
		switch e.Action {
		case store.AuditOutboxDelivered:
			ev.ActionLabel = LNoticesEventDelivered
		case store.AuditOutboxDead:
			ev.ActionLabel = LNoticesEventDead
		default:
			continue
		}
		// The detail is package outbox's auditOutcome: kind, destination,
		// attempt, error. A detail it cannot read shows no attempt.
		var detail struct {
			Attempt int    `json:"attempt"`
			Error   string `json:"error"`
		}
		_ = json.Unmarshal(e.Detail, &detail)
		ev.Attempt, ev.Error = detail.Attempt, detail.Error
		dl.Events = append(dl.Events, ev)
	}
	return dl
}

// destinationName is a destination as the page shows it: a URL without
// its user, query or fragment (where a secret could hide); anything else
// as it is (kafka:payments.confirmed).
func destinationName(dest string) string {
	u, err := url.Parse(dest)
	if err != nil || u.Host == "" {
		if strings.Contains(dest, "@") || strings.Contains(dest, "?") {
			return "…"
		}
		return dest
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// noticeQR: GET /console/notices/{system}/{id}/qr.png — the notice's QR
// from the console's own origin (the CSP's img-src 'self').
func (s *Server) noticeQR(w http.ResponseWriter, r *http.Request, c api.Caller) {
	sys, id := r.PathValue("system"), r.PathValue("id")
	ctx := r.Context()
	var n payment.Notice
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.Notice(ctx, sys, id)
		return err
	})
	if err == nil && !c.User.CanSee(n.Agency) {
		err = store.ErrNotFound
	}
	var img []byte
	if err == nil {
		img, err = s.auth.NoticeQRPNG(ctx, sys, id, 0)
	}
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, api.ErrNothingToPay), errors.Is(err, api.ErrNoCollection):
		http.Error(w, "no QR", http.StatusNotFound)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	// The amount follows payments: never cache a stale code.
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(img) //nolint:gosec // G705: a PNG the server drew (image/png, nosniff), not markup from the request
}

func noticeStatusLabel(st payment.NoticeStatus) Label {
	switch st {
	case payment.NoticeIssued:
		return LNoticesStatusIssued
	case payment.NoticePartiallyPaid:
		return LNoticesStatusPartiallyPaid
	case payment.NoticePaid:
		return LNoticesStatusPaid
	case payment.NoticeOverpaid:
		return LNoticesStatusOverpaid
	case payment.NoticeCancelled:
		return LNoticesStatusCancelled
	case payment.NoticeExpired:
		return LNoticesStatusExpired
	}
	return Label("notices_status_" + string(st))
}

// feeKindLabel names a fee kind; "" (not given) has no label.
func feeKindLabel(k payment.FeeKind) Label {
	switch k {
	case payment.FeeKindPhi:
		return LNoticesKindPhi
	case payment.FeeKindLePhi:
		return LNoticesKindLePhi
	}
	if k == "" {
		return ""
	}
	return Label("notices_kind_" + string(k))
}

func ruleLabel(rule reconcile.Rule) Label {
	switch rule {
	case reconcile.RulePaymentCode:
		return LNoticesRulePaymentCode
	case reconcile.RulePaymentCodeLookalike:
		return LNoticesRuleLookalike
	case reconcile.RulePaymentCodeDigits:
		return LNoticesRuleDigits
	case reconcile.RuleDossierCode:
		return LNoticesRuleDossier
	case reconcile.RuleMultiReferenceExactSum:
		return LNoticesRuleMulti
	case reconcile.RuleManual:
		return LNoticesRuleManual
	}
	return Label("notices_rule_" + string(rule))
}

func channelLabel(k store.OutboxKind) Label {
	switch k {
	case store.OutboxConfirmation, store.OutboxReversal:
		return LNoticesChannelWebhook
	case store.OutboxConfirmationKafka, store.OutboxReversalKafka:
		return LNoticesChannelKafka
	case store.OutboxReport, store.OutboxReportKafka:
	}
	return Label("notices_channel_" + string(k))
}

func outboxStateLabel(st store.OutboxState) Label {
	switch st {
	case store.OutboxPending:
		return LNoticesStatePending
	case store.OutboxDelivered:
		return LNoticesStateDelivered
	case store.OutboxDead:
		return LNoticesStateDead
	}
	return Label("notices_state_" + string(st))
}

// The Notices pages' labels.
const (
	LNoticesTitle                 Label = "notices_title"
	LNoticesSearch                Label = "notices_search"
	LNoticesTerm                  Label = "notices_term"
	LNoticesSearchBy              Label = "notices_search_by"
	LNoticesByAuto                Label = "notices_by_auto"
	LNoticesByCode                Label = "notices_by_code"
	LNoticesByDossier             Label = "notices_by_dossier"
	LNoticesByID                  Label = "notices_by_id"
	LNoticesByPayer               Label = "notices_by_payer"
	LNoticesHint                  Label = "notices_hint"
	LNoticesSearchedBy            Label = "notices_searched_by"
	LNoticesRecognised            Label = "notices_recognised"
	LNoticesNone                  Label = "notices_none"
	LNoticesNext                  Label = "notices_next"
	LNoticesTermTooLong           Label = "notices_term_too_long"
	LNoticesResults               Label = "notices_results"
	LNoticesSystem                Label = "notices_system"
	LNoticesStatus                Label = "notices_status"
	LNoticesIssued                Label = "notices_issued"
	LNoticesDue                   Label = "notices_due"
	LNoticesTotal                 Label = "notices_total"
	LNoticesPaid                  Label = "notices_paid"
	LNoticesOutstanding           Label = "notices_outstanding"
	LNoticesTreasury              Label = "notices_treasury"
	LNoticesVersion               Label = "notices_version"
	LNoticesStatusIssued          Label = "notices_status_issued"
	LNoticesStatusPartiallyPaid   Label = "notices_status_partially_paid"
	LNoticesStatusPaid            Label = "notices_status_paid"
	LNoticesStatusOverpaid        Label = "notices_status_overpaid"
	LNoticesStatusCancelled       Label = "notices_status_cancelled"
	LNoticesStatusExpired         Label = "notices_status_expired"
	LNoticesItems                 Label = "notices_items"
	LNoticesFeeType               Label = "notices_fee_type"
	LNoticesKind                  Label = "notices_kind"
	LNoticesChapter               Label = "notices_chapter"
	LNoticesSubitem               Label = "notices_subitem"
	LNoticesKindPhi               Label = "notices_kind_phi"
	LNoticesKindLePhi             Label = "notices_kind_le_phi"
	LNoticesQR                    Label = "notices_qr"
	LNoticesQRAlt                 Label = "notices_qr_alt"
	LNoticesQRAmount              Label = "notices_qr_amount"
	LNoticesPurpose               Label = "notices_purpose"
	LNoticesBankAccount           Label = "notices_bank_account"
	LNoticesNoQRPaid              Label = "notices_no_qr_paid"
	LNoticesNoCollection          Label = "notices_no_collection"
	LNoticesPayments              Label = "notices_payments"
	LNoticesPaidAt                Label = "notices_paid_at"
	LNoticesTxn                   Label = "notices_txn"
	LNoticesPayerBank             Label = "notices_payer_bank"
	LNoticesAccount               Label = "notices_account"
	LNoticesDescription           Label = "notices_description"
	LNoticesAllocatedHere         Label = "notices_allocated_here"
	LNoticesNotAllocated          Label = "notices_not_allocated"
	LNoticesNamesIt               Label = "notices_names_it"
	LNoticesYes                   Label = "notices_yes"
	LNoticesNo                    Label = "notices_no"
	LNoticesNoPayments            Label = "notices_no_payments"
	LNoticesAllocations           Label = "notices_allocations"
	LNoticesPayment               Label = "notices_payment"
	LNoticesRule                  Label = "notices_rule"
	LNoticesEvidence              Label = "notices_evidence"
	LNoticesNoAllocations         Label = "notices_no_allocations"
	LNoticesRulePaymentCode       Label = "notices_rule_payment_code"
	LNoticesRuleLookalike         Label = "notices_rule_payment_code_lookalike"
	LNoticesRuleDigits            Label = "notices_rule_payment_code_digits"
	LNoticesRuleDossier           Label = "notices_rule_dossier_code"
	LNoticesRuleMulti             Label = "notices_rule_multi_reference_exact_sum"
	LNoticesRuleManual            Label = "notices_rule_manual"
	LNoticesConfirmations         Label = "notices_confirmations"
	LNoticesConfirmationID        Label = "notices_confirmation_id"
	LNoticesLater                 Label = "notices_later"
	LNoticesReversedBy            Label = "notices_reversed_by"
	LNoticesMessage               Label = "notices_message"
	LNoticesMessageReversed       Label = "notices_message_reversed"
	LNoticesMessageConfirmedAgain Label = "notices_message_confirmed_again"
	LNoticesNoConfirmation        Label = "notices_no_confirmation"
	LNoticesChannel               Label = "notices_channel"
	LNoticesChannelWebhook        Label = "notices_channel_confirmation"
	LNoticesChannelKafka          Label = "notices_channel_confirmation_kafka"
	LNoticesDestination           Label = "notices_destination"
	LNoticesState                 Label = "notices_state"
	LNoticesStatePending          Label = "notices_state_pending"
	LNoticesStateDelivered        Label = "notices_state_delivered"
	LNoticesStateDead             Label = "notices_state_dead"
	LNoticesAttempts              Label = "notices_attempts"
	LNoticesLastError             Label = "notices_last_error"
	LNoticesNextAttempt           Label = "notices_next_attempt"
	LNoticesDeliveredAt           Label = "notices_delivered_at"
	LNoticesQueuedAt              Label = "notices_queued_at"
	LNoticesRecorded              Label = "notices_recorded"
	LNoticesEvents                Label = "notices_events"
	LNoticesEventDelivered        Label = "notices_event_delivered"
	LNoticesEventDead             Label = "notices_event_dead"
	LNoticesNoEvents              Label = "notices_no_events"
	LNoticesAttempt               Label = "notices_attempt"
	LNoticesError                 Label = "notices_error"
	LNoticesHistory               Label = "notices_history"
	LNoticesNoHistory             Label = "notices_no_history"
	LNoticesBack                  Label = "notices_back"
	LNoticesNotice                Label = "notices_notice"
)

func noticesLabels() map[Lang]map[Label]string {
	return map[Lang]map[Label]string{
		LangVI: {
			LNoticesTitle: "Tra cứu thông báo thu", LNoticesSearch: "Tìm", LNoticesTerm: "Nội dung tìm", LNoticesSearchBy: "Tìm theo",
			LNoticesByAuto: "Tự nhận biết", LNoticesByCode: "Mã thanh toán", LNoticesByDossier: "Mã hồ sơ",
			LNoticesByID: "Số thông báo", LNoticesByPayer: "Tên người nộp",
			LNoticesHint: "Tự nhận biết: mã thanh toán và mã hồ sơ được nhận ra theo định dạng; nội dung khác được tìm theo số thông báo, " +
				"rồi theo tên người nộp (không phân biệt chữ hoa, chữ thường, có dấu hay không dấu).",
			LNoticesSearchedBy: "Đã tìm theo", LNoticesRecognised: "(tự nhận biết)",
			LNoticesNone: "Không tìm thấy thông báo nào trong phạm vi đơn vị của bạn", LNoticesNext: "Trang sau",
			LNoticesTermTooLong: "Nội dung tìm quá dài (tối đa %d byte)", LNoticesResults: "Kết quả",
			LNoticesSystem: "Hệ thống", LNoticesStatus: "Trạng thái", LNoticesIssued: "Ngày phát hành", LNoticesDue: "Hạn nộp",
			LNoticesTotal: "Số tiền phải nộp", LNoticesPaid: "Đã nộp", LNoticesOutstanding: "Còn phải nộp",
			LNoticesTreasury: "Tài khoản Kho bạc", LNoticesVersion: "Phiên bản",
			LNoticesStatusIssued: "Chưa nộp", LNoticesStatusPartiallyPaid: "Nộp một phần", LNoticesStatusPaid: "Đã nộp đủ",
			LNoticesStatusOverpaid: "Nộp thừa", LNoticesStatusCancelled: "Đã hủy", LNoticesStatusExpired: "Quá hạn",
			LNoticesItems: "Các khoản thu", LNoticesFeeType: "Khoản thu", LNoticesKind: "Loại", LNoticesChapter: "Chương", LNoticesSubitem: "Tiểu mục",
			LNoticesKindPhi: "Phí", LNoticesKindLePhi: "Lệ phí",
			LNoticesQR: "Mã QR thanh toán", LNoticesQRAlt: "Mã VietQR để nộp số tiền còn phải nộp của thông báo",
			LNoticesQRAmount: "Số tiền trên mã", LNoticesPurpose: "Nội dung chuyển khoản", LNoticesBankAccount: "Tài khoản nhận",
			LNoticesNoQRPaid:     "Không có mã QR: thông báo không còn số tiền phải nộp hoặc không còn nhận thanh toán",
			LNoticesNoCollection: "Không có mã QR: chưa cấu hình tài khoản thu cho tài khoản Kho bạc của thông báo",
			LNoticesPayments:     "Các khoản thanh toán", LNoticesPaidAt: "Thời điểm nộp", LNoticesTxn: "Mã giao dịch",
			LNoticesPayerBank: "Người nộp (theo kênh thanh toán)", LNoticesAccount: "Tài khoản", LNoticesDescription: "Nội dung chuyển khoản gốc",
			LNoticesAllocatedHere: "Phân bổ cho thông báo này", LNoticesNotAllocated: "Chưa phân bổ",
			LNoticesNamesIt: "Nội dung nêu thông báo", LNoticesYes: "Có", LNoticesNo: "Không",
			LNoticesNoPayments: "Chưa có khoản thanh toán nào", LNoticesAllocations: "Phân bổ", LNoticesPayment: "Khoản thanh toán",
			LNoticesRule: "Quy tắc khớp", LNoticesEvidence: "Căn cứ", LNoticesNoAllocations: "Chưa có phân bổ",
			LNoticesRulePaymentCode: "Mã thanh toán trong nội dung", LNoticesRuleLookalike: "Mã thanh toán (ký tự dễ nhầm)",
			LNoticesRuleDigits: "Phần số của mã thanh toán", LNoticesRuleDossier: "Mã hồ sơ trong nội dung",
			LNoticesRuleMulti: "Nhiều mã, tổng tiền khớp đúng", LNoticesRuleManual: "Phân bổ thủ công",
			LNoticesConfirmations: "Xác nhận gửi hệ thống thủ tục", LNoticesConfirmationID: "Mã xác nhận (Idempotency-Key)",
			LNoticesLater: "Thông báo gửi sau xác nhận đầu tiên", LNoticesMessage: "Loại thông báo", LNoticesReversedBy: "Ngân hàng đã hoàn trả",
			LNoticesMessageReversed:       "Hoàn trả giao dịch (payment.reversed): ngân hàng đã thu hồi khoản đã nộp",
			LNoticesMessageConfirmedAgain: "Xác nhận lại: thông báo đã nộp đủ lại sau khi giao dịch bị hoàn trả",
			LNoticesNoConfirmation:        "Chưa có xác nhận: xác nhận được gửi khi thông báo đã nộp đủ",
			LNoticesChannel:               "Kênh gửi", LNoticesChannelWebhook: "Webhook tới hệ thống thủ tục", LNoticesChannelKafka: "Kafka (payments.confirmed)",
			LNoticesDestination: "Nơi nhận", LNoticesState: "Tình trạng gửi",
			LNoticesStatePending: "Đang chờ gửi", LNoticesStateDelivered: "Đã gửi", LNoticesStateDead: "Đã dừng gửi",
			LNoticesAttempts: "Số lần đã thử", LNoticesLastError: "Lỗi gần nhất", LNoticesNextAttempt: "Lần thử tiếp theo",
			LNoticesDeliveredAt: "Đã gửi lúc", LNoticesQueuedAt: "Xếp hàng lúc",
			LNoticesRecorded: "Mỗi kênh lưu số lần đã thử và lỗi gần nhất; nhật ký ghi lần gửi thành công hoặc lần dừng gửi.",
			LNoticesEvents:   "Nhật ký gửi", LNoticesEventDelivered: "Gửi thành công", LNoticesEventDead: "Dừng gửi",
			LNoticesNoEvents: "Chưa có mục nào trong nhật ký", LNoticesAttempt: "Lần thử", LNoticesError: "Lỗi",
			LNoticesHistory: "Lịch sử thông báo", LNoticesNoHistory: "Chưa có mục nào", LNoticesBack: "Tra cứu thông báo khác", LNoticesNotice: "Thông báo",
		},
		LangEN: {
			LNoticesTitle: "Find a notice", LNoticesSearch: "Search", LNoticesTerm: "Search for", LNoticesSearchBy: "Search by",
			LNoticesByAuto: "Recognise", LNoticesByCode: "Payment code", LNoticesByDossier: "Dossier code",
			LNoticesByID: "Notice id", LNoticesByPayer: "Payer name",
			LNoticesHint: "Recognise: payment and dossier codes are recognised by their layout; anything else is looked up as a notice id, " +
				"then as a payer's name (case and diacritics ignored).",
			LNoticesSearchedBy: "Searched by", LNoticesRecognised: "(recognised)",
			LNoticesNone: "No notice found within your agencies", LNoticesNext: "Next page",
			LNoticesTermTooLong: "The search is too long (%d bytes at most)", LNoticesResults: "Results",
			LNoticesSystem: "System", LNoticesStatus: "Status", LNoticesIssued: "Issued", LNoticesDue: "Due",
			LNoticesTotal: "Amount due", LNoticesPaid: "Paid", LNoticesOutstanding: "Outstanding",
			LNoticesTreasury: "Treasury account", LNoticesVersion: "Version",
			LNoticesStatusIssued: "Unpaid", LNoticesStatusPartiallyPaid: "Partly paid", LNoticesStatusPaid: "Paid",
			LNoticesStatusOverpaid: "Overpaid", LNoticesStatusCancelled: "Cancelled", LNoticesStatusExpired: "Expired",
			LNoticesItems: "Items", LNoticesFeeType: "Item", LNoticesKind: "Kind", LNoticesChapter: "Chapter", LNoticesSubitem: "Sub-item",
			LNoticesKindPhi: "Fee (phí)", LNoticesKindLePhi: "Charge (lệ phí)",
			LNoticesQR: "Payment QR", LNoticesQRAlt: "VietQR code paying the notice's outstanding amount",
			LNoticesQRAmount: "Amount on the code", LNoticesPurpose: "Transfer description", LNoticesBankAccount: "Receiving account",
			LNoticesNoQRPaid:     "No QR: the notice has nothing outstanding or takes no more payments",
			LNoticesNoCollection: "No QR: no collection account is configured for the notice's treasury account",
			LNoticesPayments:     "Payments", LNoticesPaidAt: "Paid at", LNoticesTxn: "Transaction id",
			LNoticesPayerBank: "Payer (as the channel reports)", LNoticesAccount: "Account", LNoticesDescription: "Description as received",
			LNoticesAllocatedHere: "Allocated to this notice", LNoticesNotAllocated: "Not allocated",
			LNoticesNamesIt: "Description names the notice", LNoticesYes: "Yes", LNoticesNo: "No",
			LNoticesNoPayments: "No payment yet", LNoticesAllocations: "Allocations", LNoticesPayment: "Payment",
			LNoticesRule: "Rule", LNoticesEvidence: "Evidence", LNoticesNoAllocations: "No allocation",
			LNoticesRulePaymentCode: "Payment code in the description", LNoticesRuleLookalike: "Payment code (look-alike characters)",
			LNoticesRuleDigits: "Payment code's digits", LNoticesRuleDossier: "Dossier code in the description",
			LNoticesRuleMulti: "Several codes, exact sum", LNoticesRuleManual: "Manual allocation",
			LNoticesConfirmations: "Confirmations to the procedure system", LNoticesConfirmationID: "Confirmation id (Idempotency-Key)",
			LNoticesLater: "Messages sent after the first confirmation", LNoticesMessage: "Message", LNoticesReversedBy: "Reversed by the bank",
			LNoticesMessageReversed:       "Payment reversed (payment.reversed): the bank took back money that paid it",
			LNoticesMessageConfirmedAgain: "Confirmed again: paid again after a reversal",
			LNoticesNoConfirmation:        "No confirmation: one is sent once the notice is paid",
			LNoticesChannel:               "Channel", LNoticesChannelWebhook: "Webhook to the procedure system", LNoticesChannelKafka: "Kafka (payments.confirmed)",
			LNoticesDestination: "Destination", LNoticesState: "Delivery state",
			LNoticesStatePending: "Pending", LNoticesStateDelivered: "Delivered", LNoticesStateDead: "Given up",
			LNoticesAttempts: "Attempts made", LNoticesLastError: "Last error", LNoticesNextAttempt: "Next attempt",
			LNoticesDeliveredAt: "Delivered at", LNoticesQueuedAt: "Queued at",
			LNoticesRecorded: "Each channel keeps the number of attempts and the last error; the audit chain records the delivery or the giving up.",
			LNoticesEvents:   "Delivery entries in the audit chain", LNoticesEventDelivered: "Delivered", LNoticesEventDead: "Given up",
			LNoticesNoEvents: "No entry yet", LNoticesAttempt: "Attempt", LNoticesError: "Error",
			LNoticesHistory: "The notice's history", LNoticesNoHistory: "No entry yet", LNoticesBack: "Find another notice", LNoticesNotice: "Notice",
		},
	}
}
