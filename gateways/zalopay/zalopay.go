package zalopay

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/payment"
)

const gw = payment.GatewayZaloPay

// Callback types.
const (
	TypeOrder     = "1"
	TypeAgreement = "2"
)

// Config configures the ZaloPay decoder.
type Config struct {
	// Key2 is the app's callback key (key2), the HMAC key. Required.
	Key2 string
	// AppID, when set, is the only app_id accepted (decimal, e.g. "2553").
	AppID string
	// Amounts validates amounts; the zero value means
	// payment.DefaultAmountPolicy().
	Amounts payment.AmountPolicy
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Key2 == "" {
		errs = append(errs, errors.New("Key2 is required"))
	}
	if c.AppID != "" && !gateways.DecimalID(c.AppID) {
		errs = append(errs, fmt.Errorf("AppID %q is not decimal", c.AppID))
	}
	if c.Amounts.Ceiling.IsNegative() {
		errs = append(errs, errors.New("Amounts.Ceiling is negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("zalopay config: %w", err)
	}
	return nil
}

// Decoder decodes ZaloPay callbacks.
type Decoder struct {
	key2    []byte
	appID   string
	amounts payment.AmountPolicy
	loc     *time.Location
}

var _ gateways.Decoder = (*Decoder)(nil)

// New returns a Decoder for cfg.
func New(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Decoder{key2: []byte(cfg.Key2), appID: cfg.AppID, amounts: gateways.AmountPolicy(cfg.Amounts), loc: payment.Location()}, nil
}

// Gateway returns payment.GatewayZaloPay.
func (d *Decoder) Gateway() payment.Gateway { return gw }

type envelope struct {
	Data *string      `json:"data"`
	MAC  *string      `json:"mac"`
	Type *json.Number `json:"type"`
}

type orderData struct {
	AppID      *json.Number `json:"app_id"`
	AppTransID *string      `json:"app_trans_id"`
	Amount     *json.Number `json:"amount"`
	EmbedData  *string      `json:"embed_data"`
	ZPTransID  *json.Number `json:"zp_trans_id"`
	ServerTime *json.Number `json:"server_time"`
}

// Decode verifies and normalises one callback body.
func (d *Decoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	if len(raw.Body) > gateways.MaxMessageBytes {
		return nil, gateways.Errorf(gw, gateways.ErrTooLarge, "%d bytes", len(raw.Body))
	}
	var env envelope
	if err := decodeJSON(raw.Body, &env); err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "callback: %v", err)
	}
	if env.Data == nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "data is missing")
	}
	if env.MAC == nil || *env.MAC == "" {
		return nil, gateways.Errorf(gw, gateways.ErrSignature, "mac is missing")
	}
	sum, err := hex.DecodeString(*env.MAC)
	if err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrSignature, "mac is not hex")
	}
	mac := hmac.New(sha256.New, d.key2)
	mac.Write([]byte(*env.Data))
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return nil, gateways.Errorf(gw, gateways.ErrSignature, "mac does not match")
	}
	typ := TypeOrder
	if env.Type != nil {
		typ = env.Type.String()
	}
	switch typ {
	case TypeOrder:
	case TypeAgreement:
		return nil, gateways.Errorf(gw, gateways.ErrNotPayment, "callback type %s (agreement)", typ)
	default:
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "callback type %q is unknown", typ)
	}
	var od orderData
	if err := decodeJSON([]byte(*env.Data), &od); err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "data: %v", err)
	}
	p, err := d.normalise(od)
	if err != nil {
		return nil, err
	}
	return []payment.Payment{p}, nil
}

func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}

func (d *Decoder) normalise(od orderData) (payment.Payment, error) {
	missing := func(name string) (payment.Payment, error) {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "%s is missing", name)
	}
	switch {
	case od.AppID == nil:
		return missing("app_id")
	case od.AppTransID == nil || *od.AppTransID == "":
		return missing("app_trans_id")
	case od.Amount == nil:
		return missing("amount")
	case od.ZPTransID == nil:
		return missing("zp_trans_id")
	case od.ServerTime == nil:
		return missing("server_time")
	}
	if d.appID != "" && od.AppID.String() != d.appID {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrSignature, "app_id %s is not ours", od.AppID.String())
	}
	txn := od.ZPTransID.String()
	if !gateways.DecimalID(txn) {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "zp_trans_id %q is not a decimal id", txn)
	}
	m, err := d.amounts.ParsePositive(od.Amount.String(), string(payment.VND))
	if err != nil {
		return payment.Payment{}, &gateways.Error{Gateway: gw, Err: fmt.Errorf("%w: amount: %w", gateways.ErrAmount, err)}
	}
	ms, err := strconv.ParseInt(od.ServerTime.String(), 10, 64)
	if err != nil || ms <= 0 {
		return payment.Payment{}, gateways.Errorf(gw, gateways.ErrMalformed, "server_time %q is not epoch milliseconds", od.ServerTime.String())
	}
	desc := *od.AppTransID
	if od.EmbedData != nil && *od.EmbedData != "" && *od.EmbedData != "{}" {
		desc += " " + *od.EmbedData
	}
	return payment.Payment{
		ID:          payment.PaymentID(gw, txn),
		Gateway:     gw,
		TxnID:       txn,
		Amount:      m,
		PaidAt:      time.UnixMilli(ms).In(d.loc),
		Description: gateways.StorableText(desc),
		BankRef:     gateways.StorableText(*od.AppTransID),
	}, nil
}

// Reply answers ZaloPay's callback.
func (d *Decoder) Reply(err error) (int, string, []byte) {
	code, msg := 0, "retry"
	switch {
	case err == nil, errors.Is(err, gateways.ErrNotPayment):
		code, msg = 1, "success"
	case errors.Is(err, gateways.ErrSignature):
		code, msg = -1, "mac not equal"
	case gateways.Poison(err):
		code, msg = -1, "invalid callback"
	}
	return 200, "application/json", []byte(`{"return_code":` + strconv.Itoa(code) + `,"return_message":"` + msg + `"}`)
}
