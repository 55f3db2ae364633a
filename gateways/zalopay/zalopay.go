package zalopay

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

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
	var appID error
	if c.AppID != "" && !gateways.DecimalID(c.AppID) {
		appID = fmt.Errorf("AppID %q is not decimal", c.AppID)
	}
	return gateways.ValidateConfig(gw, c.Amounts, gateways.Required("Key2", c.Key2), appID)
}

// Decoder decodes ZaloPay callbacks.
type Decoder struct {
	key2    []byte
	appID   string
	amounts payment.AmountPolicy
}

var _ gateways.Decoder = (*Decoder)(nil)

// New returns a Decoder for cfg.
func New(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Decoder{key2: []byte(cfg.Key2), appID: cfg.AppID, amounts: gateways.AmountPolicy(cfg.Amounts)}, nil
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

// Verify checks the size and the mac of a callback body
// (gateways.Decoder).
func (d *Decoder) Verify(raw gateways.Raw) error {
	_, err := d.authentic(raw)
	return gateways.Unverified(gw, err)
}

// authentic reads the envelope of raw and verifies its mac: the envelope,
// or Decode's error.
func (d *Decoder) authentic(raw gateways.Raw) (envelope, error) {
	if err := gateways.CheckSize(gw, raw); err != nil {
		return envelope{}, err
	}
	var env envelope
	if err := gateways.DecodeJSON(raw.Body, &env); err != nil {
		return envelope{}, gateways.Errorf(gw, gateways.ErrMalformed, "callback: %v", err)
	}
	if env.Data == nil {
		return envelope{}, gateways.Errorf(gw, gateways.ErrMalformed, "data is missing")
	}
	var mac string
	if env.MAC != nil {
		mac = *env.MAC
	}
	if err := gateways.VerifyHMAC(gw, "mac", mac, sha256.New, d.key2, []byte(*env.Data)); err != nil {
		return envelope{}, err
	}
	return env, nil
}

// Decode verifies and normalises one callback body.
func (d *Decoder) Decode(raw gateways.Raw) ([]payment.Payment, error) {
	env, err := d.authentic(raw)
	if err != nil {
		return nil, err
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
	if err := gateways.DecodeJSON([]byte(*env.Data), &od); err != nil {
		return nil, gateways.Errorf(gw, gateways.ErrMalformed, "data: %v", err)
	}
	return gateways.One(d.normalise(od))
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
		return payment.Payment{}, gateways.InvalidAmount(gw, "amount", err)
	}
	paidAt, err := gateways.EpochMillis(gw, "server_time", od.ServerTime.String())
	if err != nil {
		return payment.Payment{}, err
	}
	desc := *od.AppTransID
	if od.EmbedData != nil && *od.EmbedData != "" && *od.EmbedData != "{}" {
		desc += " " + *od.EmbedData
	}
	return gateways.Normalise(gw, payment.Payment{TxnID: txn, Amount: m, PaidAt: paidAt,
		Description: desc, BankRef: *od.AppTransID,
		CreditedAccount: payment.WalletAccount(gw, od.AppID.String())}), nil
}

// Reply answers ZaloPay's callback.
func (d *Decoder) Reply(err error) (int, string, []byte) {
	status, code, msg := 200, 0, "retry"
	switch {
	case err == nil, errors.Is(err, gateways.ErrNotPayment):
		code, msg = 1, "success"
	case errors.Is(err, gateways.ErrSignature):
		// Refused (issue 9): ZaloPay reads return_code; a non-200 status
		// only makes it call again, which a genuine callback whose mac
		// failed on a wrong key2 needs anyway.
		status, code, msg = 401, -1, "mac not equal"
	case gateways.Poison(err):
		code, msg = -1, "invalid callback"
	}
	return status, "application/json", []byte(`{"return_code":` + strconv.Itoa(code) + `,"return_message":"` + msg + `"}`)
}
