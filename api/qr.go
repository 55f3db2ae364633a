package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/vietqr"
	"github.com/feerecon/feerecon/store"
)

// QRView is the answer of GET /v1/notices/{id}/qr. The account is the real
// collection account: it is printed on the QR for anyone to read.
type QRView struct {
	Payload     string              `json:"payload"`
	PaymentCode payment.PaymentCode `json:"payment_code"`
	// Amount is the notice's outstanding amount, which the QR carries.
	Amount  payment.Money  `json:"amount"`
	BankBIN string         `json:"bank_bin"`
	Account string         `json:"account"`
	Service vietqr.Service `json:"service"`
	Purpose string         `json:"purpose"`
}

// ErrNoCollection means no collection account is configured for a
// notice: none for its treasury account and no default, or, with
// Config.CollectionAccounts, no bank account of its agency.
var ErrNoCollection = errors.New("no collection account configured")

// purpose is the QR purpose text: the payment code first, then the
// configured suffix when it fits.
func (s *Server) purpose(code payment.PaymentCode) string {
	p := string(code)
	if s.cfg.PurposeSuffix != "" && len(p)+1+len(s.cfg.PurposeSuffix) <= s.cfg.MaxPurposeLen {
		p += " " + s.cfg.PurposeSuffix
	}
	return p
}

// ErrNothingToPay means a notice is not open or has nothing outstanding:
// it has no QR.
var ErrNothingToPay = errors.New("nothing to pay")

// buildQR is NoticeQR for the notice of the request's path and key, its
// errors as the API answers them.
func (s *Server) buildQR(ctx context.Context, r *http.Request) (QRView, error) {
	sys, id, err := noticeKey(r)
	if err != nil {
		return QRView{}, err
	}
	q, err := s.NoticeQR(ctx, sys, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return QRView{}, notFound(err, "notice")
	case errors.Is(err, ErrNothingToPay), errors.Is(err, ErrNoCollection):
		return QRView{}, apiErr(http.StatusConflict, err.Error())
	}
	return q, err
}

// NoticeQR reads notice (system, id) and builds its QR for the outstanding
// amount: what GET /v1/notices/{id}/qr answers, for a caller that has
// checked who may see the notice (the console, by agency). Errors wrap
// store.ErrNotFound, ErrNothingToPay (closed, or nothing outstanding) or
// ErrNoCollection.
func (s *Server) NoticeQR(ctx context.Context, sys, id string) (QRView, error) {
	var v NoticeView
	if err := s.st.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Notice(ctx, sys, id)
		if err != nil {
			return err
		}
		allocs, err := tx.AllocationsByNotice(ctx, sys, id)
		if err != nil {
			return err
		}
		v, err = view(n, allocs)
		return err
	}); err != nil {
		return QRView{}, err
	}
	if !v.Status.Open() || !v.OutstandingAmount.Amount.IsPositive() {
		return QRView{}, fmt.Errorf("notice is %s with %s outstanding: %w", v.Status, v.OutstandingAmount, ErrNothingToPay)
	}
	acct, ok := s.cfg.collection(v.Notice)
	if !ok {
		return QRView{}, fmt.Errorf("notice %s/%s, agency %q, treasury account %q: %w", sys, id, v.Agency, v.TreasuryAccount, ErrNoCollection)
	}
	p := vietqr.Payload{
		BankBIN: acct.BankBIN, Account: acct.Account, Service: acct.Service,
		Amount: v.OutstandingAmount, Purpose: s.purpose(v.Code),
	}
	payload, err := s.qr.Build(p)
	if err != nil {
		return QRView{}, fmt.Errorf("notice %s/%s: build qr %v: %w", sys, id, p, err)
	}
	s.log.DebugContext(ctx, "qr built", slog.String("system", sys), slog.String("notice_id", id),
		slog.String("payment_code", string(v.Code)), slog.String("bank_bin", acct.BankBIN),
		slog.String("account", payment.MaskAccount(acct.Account)), slog.String("amount", v.OutstandingAmount.String()))
	svc := acct.Service
	if svc == "" {
		svc = vietqr.ServiceToAccount
	}
	return QRView{
		Payload: payload, PaymentCode: v.Code, Amount: v.OutstandingAmount,
		BankBIN: acct.BankBIN, Account: acct.Account, Service: svc, Purpose: p.Purpose,
	}, nil
}

// NoticeQRPNG is NoticeQR's code as a PNG of size pixels (0: the
// configured size; else vietqr.MinPNGSize..MaxPNGSize).
func (s *Server) NoticeQRPNG(ctx context.Context, sys, id string, size int) ([]byte, error) {
	if size == 0 {
		size = s.cfg.QRSize
	}
	q, err := s.NoticeQR(ctx, sys, id)
	if err != nil {
		return nil, err
	}
	return vietqr.PNG(q.Payload, size)
}

// noticeQR: GET /v1/notices/{id}/qr.
func (s *Server) noticeQR(w http.ResponseWriter, r *http.Request) error {
	q, err := s.buildQR(r.Context(), r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

// noticeQRPNG: GET /v1/notices/{id}/qr.png[?size=N].
func (s *Server) noticeQRPNG(w http.ResponseWriter, r *http.Request) error {
	size := s.cfg.QRSize
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < vietqr.MinPNGSize || n > vietqr.MaxPNGSize {
			return apiErr(http.StatusBadRequest, fmt.Sprintf("size must be an integer %d..%d", vietqr.MinPNGSize, vietqr.MaxPNGSize))
		}
		size = n
	}
	q, err := s.buildQR(r.Context(), r)
	if err != nil {
		return err
	}
	img, err := vietqr.PNG(q.Payload, size)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	// The amount follows payments: never cache a stale code.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(img)
	return nil
}
