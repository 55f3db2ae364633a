package gatewaysim

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/camt054"
	"github.com/feerecon/feerecon/gateways/momo"
	"github.com/feerecon/feerecon/gateways/vietqr"
	"github.com/feerecon/feerecon/gateways/vnpay"
	"github.com/feerecon/feerecon/gateways/zalopay"
	"github.com/feerecon/feerecon/payment"
)

// Secrets are the keys and merchant identities shared by the simulated
// gateways and the decoders that check them.
type Secrets struct {
	// VietQR is the HMAC-SHA256 key of the bank webhook's
	// X-Feerecon-Signature (at least gateways.MinSecretBytes).
	VietQR string
	// Camt054 is the HMAC-SHA256 key of the camt.054 edge's
	// X-Feerecon-Signature (at least gateways.MinSecretBytes).
	Camt054 string
	// VNPay is the terminal's vnp_HashSecret; VNPayTmnCode its vnp_TmnCode.
	VNPay        string
	VNPayTmnCode string
	// MoMoSecret is the partner's secretKey, MoMoAccessKey its accessKey,
	// MoMoPartnerCode its partnerCode.
	MoMoSecret      string
	MoMoAccessKey   string
	MoMoPartnerCode string
	// ZaloPayKey2 is the app's callback key (key2); ZaloPayAppID its app_id
	// (decimal, no leading zero).
	ZaloPayKey2  string
	ZaloPayAppID string
	// CollectionAccount is the account being credited, as the bank formats
	// name it (vietqr accountNumber, camt054 Ntfctn/Acct). Not a secret and
	// not checked by the decoders.
	CollectionAccount string
}

// DemoSecrets returns fixed, public, demo-only values. They are in this
// source code: they protect nothing and must never be configured in
// production.
func DemoSecrets() Secrets {
	//nolint:gosec // G101: public demo-only values, named so (see above and TestDemoSecrets).
	return Secrets{
		VietQR:            "demo-only-vietqr-hmac-key-not-secret",
		Camt054:           "demo-only-camt054-hmac-key-not-secret",
		VNPay:             "demo-only-vnpay-hash-secret-not-secret",
		VNPayTmnCode:      "DEMOTMN1",
		MoMoSecret:        "demo-only-momo-secret-key-not-secret",
		MoMoAccessKey:     "demo-only-momo-access-key",
		MoMoPartnerCode:   "MOMODEMO0000",
		ZaloPayKey2:       "demo-only-zalopay-key2-not-secret",
		ZaloPayAppID:      "9999",
		CollectionAccount: "3511055555",
	}
}

// Validate reports every problem of s at once: what the decoders' configs
// require, plus the identities Encode writes (which the decoders require
// in the message).
func (s Secrets) Validate() error {
	p := config.In("gatewaysim secrets")
	for _, f := range []struct{ name, v string }{{"VietQR", s.VietQR}, {"Camt054", s.Camt054}} {
		if len(f.v) < gateways.MinSecretBytes {
			p.Addf("%s must have at least %d bytes", f.name, gateways.MinSecretBytes)
		}
	}
	for _, f := range []struct{ name, v string }{
		{"VNPay", s.VNPay}, {"VNPayTmnCode", s.VNPayTmnCode}, {"MoMoSecret", s.MoMoSecret},
		{"MoMoAccessKey", s.MoMoAccessKey}, {"MoMoPartnerCode", s.MoMoPartnerCode},
		{"ZaloPayKey2", s.ZaloPayKey2}, {"CollectionAccount", s.CollectionAccount},
	} {
		if strings.TrimSpace(f.v) == "" {
			p.Addf("%s is required", f.name)
		}
	}
	if !jsonInteger(s.ZaloPayAppID) {
		p.Addf("ZaloPayAppID must be decimal digits without a leading zero")
	}
	if gateways.StorableText(s.MoMoPartnerCode) != s.MoMoPartnerCode {
		p.Addf("MoMoPartnerCode is not valid UTF-8 without NUL")
	}
	if !xmlText(s.CollectionAccount) || strings.TrimSpace(s.CollectionAccount) != s.CollectionAccount ||
		utf8.RuneCountInString(s.CollectionAccount) > max34 {
		p.Addf("CollectionAccount must be at most %d XML characters without surrounding space", max34)
	}
	return p.Err()
}

// String hides the secrets, so that printing a Secrets leaks nothing.
func (s Secrets) String() string { return "gatewaysim.Secrets{redacted}" }

// GoString hides the secrets from %#v too.
func (s Secrets) GoString() string { return s.String() }

// LogValue hides the secrets from slog.
func (s Secrets) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Decoders builds the five real adapters configured with s and the default
// amount policy.
func Decoders(s Secrets) (gateways.Set, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	vq, err1 := vietqr.New(vietqr.Config{Secret: s.VietQR})
	ct, err2 := camt054.New(camt054.Config{Secret: s.Camt054})
	vp, err3 := vnpay.New(vnpay.Config{HashSecret: s.VNPay, TmnCode: s.VNPayTmnCode})
	mm, err4 := momo.New(momo.Config{AccessKey: s.MoMoAccessKey, SecretKey: s.MoMoSecret, PartnerCode: s.MoMoPartnerCode})
	zp, err5 := zalopay.New(zalopay.Config{Key2: s.ZaloPayKey2, AppID: s.ZaloPayAppID})
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, fmt.Errorf("gatewaysim decoders: %w", err)
	}
	return gateways.NewSet(vq, ct, vp, mm, zp)
}

// ErrUnencodable is wrapped by Encode's error when the gateway's format
// cannot carry the payment exactly.
var ErrUnencodable = errors.New("the gateway's format cannot carry the payment exactly")

func unencodable(p payment.Payment, format string, args ...any) error {
	return fmt.Errorf("gatewaysim: encode %s: %w: %s", p.ID, ErrUnencodable, fmt.Sprintf(format, args...))
}

// Encoder encodes and signs payments with one set of Secrets. It is
// immutable and safe for concurrent use; build it once for many messages
// (Encode builds one per call).
type Encoder struct {
	s   Secrets
	loc *time.Location
}

// NewEncoder validates s and returns an Encoder signing with it.
func NewEncoder(s Secrets) (*Encoder, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &Encoder{s: s, loc: payment.Location()}, nil
}

// Encode builds the message p.Gateway would send for p, signed with s: a
// shorthand for NewEncoder(s) then Encoder.Encode.
func Encode(p payment.Payment, s Secrets) (gateways.Raw, error) {
	e, err := NewEncoder(s)
	if err != nil {
		return gateways.Raw{}, fmt.Errorf("gatewaysim: encode %s: %w", p.ID, err)
	}
	return e.Encode(p)
}

// Encode builds the message p.Gateway would send for p. The error wraps
// payment.ErrInvalidPayment for an invalid p, or ErrUnencodable when the
// format cannot carry p exactly (see the package doc).
func (e *Encoder) Encode(p payment.Payment) (gateways.Raw, error) {
	if err := p.Validate(); err != nil {
		return gateways.Raw{}, fmt.Errorf("gatewaysim: encode: %w", err)
	}
	// Validate keeps paid_at in payment.CheckTime's years, which every
	// format carries (epoch milliseconds are positive, years four digits).
	var (
		raw gateways.Raw
		err error
	)
	switch p.Gateway {
	case payment.GatewayVietQR:
		raw, err = e.vietQR(p)
	case payment.GatewayCamt054:
		raw, err = e.camt054(p)
	case payment.GatewayVNPay:
		raw, err = e.vnPay(p)
	case payment.GatewayMoMo:
		raw, err = e.moMo(p)
	case payment.GatewayZaloPay:
		raw, err = e.zaloPay(p)
	default:
		// Validate has rejected unknown gateways already.
		return gateways.Raw{}, unencodable(p, "gateway %q is unknown", p.Gateway)
	}
	if err != nil {
		return gateways.Raw{}, err
	}
	if len(raw.Body) > gateways.MaxMessageBytes {
		return gateways.Raw{}, unencodable(p, "message of %d bytes exceeds gateways.MaxMessageBytes", len(raw.Body))
	}
	return raw, nil
}

// Expected returns the payment the gateway's adapter decodes from
// Encode(p, s), for a p that Encode accepts: p with PaidAt shown in
// Asia/Ho_Chi_Minh, RawRef cleared, payer name and account cleared where
// the format has none (all but camt054), and BankRef as the adapter
// derives it (camt054: TxnID; momo: p.BankRef, or the order id Encode
// makes up when it is empty; zalopay: app_trans_id, the first word of
// Description).
func Expected(p payment.Payment) payment.Payment {
	q := p
	q.PaidAt = p.PaidAt.In(payment.Location())
	q.RawRef = ""
	if p.Gateway != payment.GatewayCamt054 {
		q.PayerName, q.PayerAccount = "", ""
	}
	switch p.Gateway {
	case payment.GatewayCamt054:
		q.BankRef = p.TxnID
	case payment.GatewayMoMo:
		q.BankRef = momoOrderID(p)
	case payment.GatewayZaloPay:
		q.BankRef, _, _ = strings.Cut(p.Description, " ")
	case payment.GatewayVietQR, payment.GatewayVNPay:
	}
	return q
}

// signSHA256 is the lowercase hex HMAC-SHA256 of data under key.
func signSHA256(key string, data []byte) string {
	return gateways.SignHMAC(sha256.New, []byte(key), data)
}

// jsonInteger reports whether s is a non-negative JSON integer literal of
// at most 30 digits, the ids the JSON gateways send as numbers.
func jsonInteger(s string) bool {
	return gateways.DecimalID(s) && (len(s) == 1 || s[0] != '0')
}

// idForm is how a format that carries đồng only writes the transaction
// id, which decides the ids its adapter reads back (gateways.DecimalID).
type idForm int

const (
	// idNumber: a JSON integer, so without a leading zero (vietqr, momo,
	// zalopay).
	idNumber idForm = iota
	// idDigits: decimal digits in a text field (vnpay).
	idDigits
)

// checkVND refuses p when a format that carries đồng only cannot carry it
// exactly: a transaction id the adapter would refuse (idField is the
// format's name for it, written in form), another currency than VND, or
// text fields (name, value) the adapter would change.
func checkVND(p payment.Payment, idField string, form idForm, text ...[2]string) error {
	switch form {
	case idNumber:
		if !jsonInteger(p.TxnID) {
			return unencodable(p, "%s %q is not an integer without leading zeros", idField, p.TxnID)
		}
	case idDigits:
		if !gateways.DecimalID(p.TxnID) {
			return unencodable(p, "%s %q is not 1 to 30 decimal digits", idField, p.TxnID)
		}
	}
	if p.Amount.Currency != payment.VND {
		return unencodable(p, "%s sends VND only, not %s", p.Gateway, p.Amount.Currency)
	}
	return storable(p, text...)
}

// localTime formats t in Asia/Ho_Chi_Minh with layout and checks that the
// adapter reads the same instant back: whole seconds, and no local time
// made ambiguous by a change of offset.
func (e *Encoder) localTime(p payment.Payment, layout string) (string, error) {
	s := p.PaidAt.In(e.loc).Format(layout)
	back, err := time.ParseInLocation(layout, s, e.loc)
	if err != nil || !back.Equal(p.PaidAt) {
		return "", unencodable(p, "paid_at %s does not fit %q in GMT+7 (whole seconds)", p.PaidAt.Format(time.RFC3339Nano), layout)
	}
	return s, nil
}

// epochMillis returns PaidAt in milliseconds since the epoch, refusing a
// sub-millisecond part.
func epochMillis(p payment.Payment) (int64, error) {
	ms := p.PaidAt.UnixMilli()
	if !time.UnixMilli(ms).Equal(p.PaidAt) {
		return 0, unencodable(p, "paid_at %s has a sub-millisecond part", p.PaidAt.Format(time.RFC3339Nano))
	}
	return ms, nil
}

// storable refuses text the adapters would change with
// gateways.StorableText: invalid UTF-8 (which encoding/json would replace
// anyway) and NUL.
func storable(p payment.Payment, fields ...[2]string) error {
	for _, f := range fields {
		if gateways.StorableText(f[1]) != f[1] {
			return unencodable(p, "%s is not storable text (invalid UTF-8 or NUL)", f[0])
		}
	}
	return nil
}
