package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/store"
)

// NoticeRequest is the body of POST /v1/notices and PUT /v1/notices/{id}.
// Its names follow payment.Notice's JSON tags; payment_code, status and
// version belong to feerecon and are rejected as unknown fields.
type NoticeRequest struct {
	NoticeID string `json:"notice_id"`
	// System, when given, must be the system of the caller's key (403
	// otherwise): the key, not the body, says who issues.
	System          string               `json:"system,omitempty"`
	DossierCode     string               `json:"dossier_code"`
	AgencyCode      string               `json:"agency_code"`
	PayerName       string               `json:"payer_name"`
	Items           []payment.NoticeItem `json:"items,omitempty"`
	Amount          payment.Money        `json:"amount"`
	IssuedAt        time.Time            `json:"issued_at"`
	DueAt           *time.Time           `json:"due_at,omitempty"`
	TreasuryAccount string               `json:"treasury_account"`
}

// notice builds the notice the request describes (without code, status
// and version).
func (q NoticeRequest) notice(system string) payment.Notice {
	n := payment.Notice{
		ID:        q.NoticeID,
		System:    system,
		Dossier:   payment.DossierCode(q.DossierCode),
		Agency:    q.AgencyCode,
		PayerName: q.PayerName,
		Items:     q.Items,
		Total:     q.Amount,
		// Microseconds, what PostgreSQL keeps, so a replayed body compares
		// equal to the stored notice.
		IssuedAt:        q.IssuedAt.Truncate(time.Microsecond),
		TreasuryAccount: q.TreasuryAccount,
	}
	// The canonical (upper-case) form; a code with spaces around it is
	// kept as sent, for problems to refuse: the document's pattern has no
	// room for them, and what the API stores is what the caller sent.
	if d, err := payment.ParseDossierCode(q.DossierCode); err == nil && strings.TrimSpace(q.DossierCode) == q.DossierCode {
		n.Dossier = d
	}
	if q.DueAt != nil {
		n.DueAt = q.DueAt.Truncate(time.Microsecond)
	}
	return n
}

// NoticeView is the answer of every notice endpoint: the notice with what
// has been paid and what is still due.
type NoticeView struct {
	payment.Notice
	// PaidAmount is the sum of the allocations.
	PaidAmount payment.Money `json:"paid_amount"`
	// OutstandingAmount is amount − paid, never below zero; an overpaid
	// notice shows zero here and its excess in paid_amount.
	OutstandingAmount payment.Money          `json:"outstanding_amount"`
	Allocations       []reconcile.Allocation `json:"allocations"`
	Links             NoticeLinks            `json:"links"`
}

// NoticeLinks are paths relative to the API root; send the system's key with them.
type NoticeLinks struct {
	Self  string `json:"self"`
	QR    string `json:"qr"`
	QRPNG string `json:"qr_png"`
}

func links(id string) NoticeLinks {
	p := "/v1/notices/" + url.PathEscape(id)
	return NoticeLinks{Self: p, QR: p + "/qr", QRPNG: p + "/qr.png"}
}

// paid sums the allocations in the notice's currency.
func paid(n payment.Notice, allocs []reconcile.Allocation) (payment.Money, error) {
	sum := payment.Money{Amount: decimal.Zero, Currency: n.Total.Currency}
	for _, a := range allocs {
		var err error
		if sum, err = sum.Add(a.Amount); err != nil {
			return payment.Money{}, fmt.Errorf("allocation of payment %s to notice %s: %w", a.PaymentID, n.ID, err)
		}
	}
	return sum, nil
}

func view(n payment.Notice, allocs []reconcile.Allocation) (NoticeView, error) {
	p, err := paid(n, allocs)
	if err != nil {
		return NoticeView{}, err
	}
	out := payment.Money{Amount: n.Total.Amount.Sub(p.Amount), Currency: n.Total.Currency}
	if out.Amount.IsNegative() {
		out.Amount = decimal.Zero
	}
	if allocs == nil {
		allocs = []reconcile.Allocation{}
	}
	return NoticeView{Notice: n, PaidAmount: p, OutstandingAmount: out, Allocations: allocs, Links: links(n.ID)}, nil
}

// ViewOf is notice n's view over its allocations: what GET
// /v1/notices/{id} answers, for the console to show the same paid and
// outstanding amounts.
func ViewOf(n payment.Notice, allocs []reconcile.Allocation) (NoticeView, error) {
	return view(n, allocs)
}

// loadView reads a notice and its allocations in tx.
func loadView(ctx context.Context, tx store.Tx, system, id string) (NoticeView, error) {
	n, err := tx.Notice(ctx, system, id)
	if err != nil {
		return NoticeView{}, notFound(err, "notice")
	}
	allocs, err := tx.AllocationsByNotice(ctx, system, id)
	if err != nil {
		return NoticeView{}, err
	}
	return view(n, allocs)
}

func notFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return apiErr(http.StatusNotFound, what+" not found")
	}
	return err
}

// problems validates a requested notice: payment.Notice's rules plus the
// configured amount ceiling.
func (s *Server) problems(n payment.Notice) []string {
	probs := n.Problems()
	if d := string(n.Dossier); strings.TrimSpace(d) != d {
		probs = append(probs, fmt.Sprintf("dossier_code %q has spaces around it", d))
	}
	if len(n.ID) > maxIDLen || strings.ContainsFunc(n.ID, isControl) {
		probs = append(probs, fmt.Sprintf("notice_id must be at most %d bytes without control characters", maxIDLen))
	}
	for i, it := range n.Items {
		switch it.Kind {
		case "", payment.FeeKindPhi, payment.FeeKindLePhi:
		default:
			probs = append(probs, fmt.Sprintf("item %d: kind %q is neither %q nor %q", i, it.Kind, payment.FeeKindPhi, payment.FeeKindLePhi))
		}
	}
	if _, ok := s.cfg.collection(n); !ok {
		if s.cfg.CollectionAccounts.Configured() {
			probs = append(probs, fmt.Sprintf("agency_code %q has no bank collection account configured", n.Agency))
		} else {
			probs = append(probs, fmt.Sprintf("treasury_account %q has no collection account configured", n.TreasuryAccount))
		}
	}
	if _, err := s.cfg.Amounts.New(n.Total.Amount, n.Total.Currency); err != nil && n.Total.Amount.IsPositive() {
		probs = append(probs, err.Error())
	}
	return probs
}

func unprocessable(probs []string) error {
	return apiErr(http.StatusUnprocessableEntity, "invalid notice", probs...)
}

// readNotice decodes a notice request of the calling system: the body's
// system field, when present, must name the caller's system.
func (s *Server) readNotice(w http.ResponseWriter, r *http.Request) (NoticeRequest, string, error) {
	var q NoticeRequest
	sys, err := system(r)
	if err != nil {
		return q, "", err
	}
	if err := s.decode(w, r, &q, false); err != nil {
		return q, "", err
	}
	if q.System != "" && q.System != sys {
		return q, "", apiErr(http.StatusForbidden, "system in the body differs from the key's system")
	}
	return q, sys, nil
}

// createNotice: POST /v1/notices.
func (s *Server) createNotice(w http.ResponseWriter, r *http.Request) error {
	q, sys, err := s.readNotice(w, r)
	if err != nil {
		return err
	}
	n := q.notice(sys)
	n.Status, n.Version = payment.NoticeIssued, 1
	if probs := s.problems(n); len(probs) > 0 {
		return unprocessable(probs)
	}
	ctx := r.Context()
	var (
		v       NoticeView
		created bool
	)
	// A concurrent identical POST can win the race between our read and our
	// insert; the second attempt then sees its notice and answers as a replay.
	for attempt := 0; ; attempt++ {
		err = s.st.InTx(ctx, func(tx store.Tx) error {
			created = false
			old, err := tx.Notice(ctx, n.System, n.ID)
			switch {
			case err == nil:
				if !old.SameContent(n) {
					return apiErr(http.StatusConflict,
						"notice "+n.ID+" exists with a different body; amend it with PUT "+links(n.ID).Self)
				}
				v, err = loadView(ctx, tx, n.System, n.ID)
				return err
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
			serial, err := tx.NextCodeSerial(ctx)
			if err != nil {
				return err
			}
			code, err := payment.NewPaymentCode(s.cfg.CodePrefix, serial)
			if err != nil {
				return fmt.Errorf("issue payment code: %w", err)
			}
			nn := n
			nn.Code = code
			if err := tx.CreateNotice(ctx, nn); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, r, store.AuditNoticeCreate, entity(nn), map[string]any{
				"payment_code": nn.Code, "amount": nn.Total, "version": nn.Version,
			}); err != nil {
				return err
			}
			created = true
			if err := s.noticeChanged(ctx, tx, nn, false); err != nil {
				return err
			}
			v, err = loadView(ctx, tx, nn.System, nn.ID)
			return err
		})
		if errors.Is(err, store.ErrAlreadyExists) && attempt == 0 {
			continue
		}
		break
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", v.Links.Self)
		s.log.InfoContext(ctx, "notice created", slog.String("system", v.System), slog.String("notice_id", v.ID),
			slog.String("payment_code", string(v.Code)), slog.String("amount", v.Total.String()))
	}
	writeJSON(w, status, v)
	return nil
}

func entity(n payment.Notice) string { return store.NoticeEntity(n.System, n.ID) }

// getNotice: GET /v1/notices/{id}.
func (s *Server) getNotice(w http.ResponseWriter, r *http.Request) error {
	sys, id, err := noticeKey(r)
	if err != nil {
		return err
	}
	var v NoticeView
	if err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		v, err = loadView(r.Context(), tx, sys, id)
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func noticeKey(r *http.Request) (string, string, error) {
	sys, err := system(r)
	if err != nil {
		return "", "", err
	}
	id, err := pathID(r, "id")
	return sys, id, err
}

// statusFor derives an open notice's status from what is paid against its
// amount.
func statusFor(total, paid payment.Money) payment.NoticeStatus {
	switch c := paid.Cmp(total); {
	case paid.IsZero():
		return payment.NoticeIssued
	case c < 0:
		return payment.NoticePartiallyPaid
	case c == 0:
		return payment.NoticePaid
	default:
		return payment.NoticeOverpaid
	}
}

// amendNotice: PUT /v1/notices/{id}. The rules (README.md "Amendments"):
// a cancelled or expired notice cannot be amended; the new amount may not
// be below what is already paid; a settled notice's amount cannot change;
// an identical body is a replay (200, no new version).
func (s *Server) amendNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, sys, err := s.readNotice(w, r)
	if err != nil {
		return err
	}
	if q.NoticeID == "" {
		q.NoticeID = id
	}
	if q.NoticeID != id {
		return apiErr(http.StatusBadRequest, "notice_id in the body differs from the path")
	}
	n := q.notice(sys)
	n.Status, n.Version = payment.NoticeIssued, 1 // placeholders for validation
	if probs := s.problems(n); len(probs) > 0 {
		return unprocessable(probs)
	}
	ctx := r.Context()
	var v NoticeView
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		old, err := tx.Notice(ctx, sys, id)
		if err != nil {
			return notFound(err, "notice")
		}
		allocs, err := tx.AllocationsByNotice(ctx, sys, id)
		if err != nil {
			return err
		}
		if old.SameContent(n) {
			v, err = view(old, allocs)
			return err
		}
		switch old.Status {
		case payment.NoticeCancelled, payment.NoticeExpired:
			return apiErr(http.StatusConflict, fmt.Sprintf("notice is %s and cannot be amended; issue a new notice", old.Status))
		case payment.NoticePaid, payment.NoticeOverpaid:
			if !n.Total.Equal(old.Total) {
				return apiErr(http.StatusConflict, fmt.Sprintf("notice is %s: its amount %s cannot change; issue a new notice for a further fee", old.Status, old.Total))
			}
		case payment.NoticeIssued, payment.NoticePartiallyPaid:
		}
		p, err := paid(old, allocs)
		if err != nil {
			return err
		}
		if n.Total.Currency != p.Currency || n.Total.Cmp(p) < 0 {
			return apiErr(http.StatusConflict, fmt.Sprintf("amount %s is below the %s already paid", n.Total, p))
		}
		n.Code, n.Version, n.Status = old.Code, old.Version+1, statusFor(n.Total, p)
		if err := tx.UpdateNotice(ctx, n); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, r, store.AuditNoticeAmend, entity(n), map[string]any{
			"payment_code": n.Code, "version": n.Version, "previous_version": old.Version,
			"amount": n.Total, "previous_amount": old.Total, "status": n.Status,
		}); err != nil {
			return err
		}
		if err := s.noticeChanged(ctx, tx, n, true); err != nil {
			return err
		}
		v, err = loadView(ctx, tx, n.System, n.ID)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// CancelRequest is the optional body of POST /v1/notices/{id}/cancel.
type CancelRequest struct {
	Reason string `json:"reason,omitempty"`
}

// cancelNotice: POST /v1/notices/{id}/cancel. Refused once any money is
// allocated to the notice (a refund is an accountant's case); cancelling a
// cancelled notice is a replay.
func (s *Server) cancelNotice(w http.ResponseWriter, r *http.Request) error {
	sys, id, err := noticeKey(r)
	if err != nil {
		return err
	}
	var q CancelRequest
	if err := s.decode(w, r, &q, true); err != nil {
		return err
	}
	if len(q.Reason) > 1000 {
		return apiErr(http.StatusUnprocessableEntity, "reason is longer than 1000 bytes")
	}
	ctx := r.Context()
	var v NoticeView
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		old, err := tx.Notice(ctx, sys, id)
		if err != nil {
			return notFound(err, "notice")
		}
		allocs, err := tx.AllocationsByNotice(ctx, sys, id)
		if err != nil {
			return err
		}
		if old.Status == payment.NoticeCancelled {
			v, err = view(old, allocs)
			return err
		}
		p, err := paid(old, allocs)
		if err != nil {
			return err
		}
		if !p.IsZero() || old.Status != payment.NoticeIssued && old.Status != payment.NoticeExpired {
			return apiErr(http.StatusConflict, fmt.Sprintf("notice is %s with %s paid and cannot be cancelled", old.Status, p))
		}
		n := old
		n.Status = payment.NoticeCancelled
		if err := tx.UpdateNotice(ctx, n); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, r, store.AuditNoticeCancel, entity(n), map[string]any{
			"payment_code": n.Code, "previous_status": old.Status, "reason": q.Reason,
		}); err != nil {
			return err
		}
		v, err = view(n, allocs)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// NoticeHook is told of a notice created (amended false) or amended, in
// the transaction that stores it; an error rolls the change back. serve
// sets package ingest's Processor.NoticeChanged: the payments that arrived
// before the notice, naming its code or dossier, are decided again (issue
// 11 §3).
type NoticeHook func(ctx context.Context, tx store.Tx, n payment.Notice, amended bool) error

// OnNotice sets the notice hook; call it before serving. Without one a
// notice's creation decides nothing.
func (s *Server) OnNotice(h NoticeHook) { s.onNotice = h }

func (s *Server) noticeChanged(ctx context.Context, tx store.Tx, n payment.Notice, amended bool) error {
	if s.onNotice == nil {
		return nil
	}
	return s.onNotice(ctx, tx, n, amended)
}
