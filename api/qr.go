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
// notice's treasury account and there is no default.
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

// buildQR reads the notice and builds its QR for the outstanding amount.
func (s *Server) buildQR(ctx context.Context, r *http.Request) (QRView, error) {
	sys, id, err := noticeKey(r)
	if err != nil {
		return QRView{}, err
	}
	var v NoticeView
	if err := s.st.InTx(ctx, func(tx store.Tx) error {
		v, err = loadView(ctx, tx, sys, id)
		return err
	}); err != nil {
		return QRView{}, err
	}
	if !v.Status.Open() || !v.OutstandingAmount.Amount.IsPositive() {
		return QRView{}, apiErr(http.StatusConflict, fmt.Sprintf("notice is %s with %s outstanding: nothing to pay", v.Status, v.OutstandingAmount))
	}
	acct, ok := s.cfg.collection(v.TreasuryAccount)
	if !ok {
		return QRView{}, fmt.Errorf("notice %s/%s, treasury account %q: %w", sys, id, v.TreasuryAccount, ErrNoCollection)
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
