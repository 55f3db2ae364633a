package gateways

import (
	"fmt"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
)

// ValidateConfig is what every adapter's Config.Validate returns: problems
// (a nil one is none) and a negative Amounts ceiling, reported at once as
// configuration problems of g, "<g> config: …", each wrapping
// config.ErrInvalid.
func ValidateConfig(g payment.Gateway, amounts payment.AmountPolicy, problems ...error) error {
	p := config.In(string(g) + " config")
	for _, err := range problems {
		p.Add(err)
	}
	p.Add(checkAmounts(amounts))
	return p.Err()
}

// Required is the problem of a required Config field left empty, or nil.
func Required(field, value string) error {
	if value == "" {
		return fmt.Errorf("%s is required", field)
	}
	return nil
}

// MinSecretBytes is the shortest SecretConfig.Secret: feerecon chooses the
// keys of VerifyBodyHMAC itself, so it can require long ones.
const MinSecretBytes = 16

// SecretConfig is the configuration of the adapters whose messages carry
// VerifyBodyHMAC's signature (vietqr, camt054): their Config is defined on
// it, and their Validate is ValidateConfig with CheckSecret.
type SecretConfig struct {
	// Secret is the HMAC key of the signature header, at least
	// MinSecretBytes.
	Secret string
	// Amounts validates amounts; the zero value means
	// payment.DefaultAmountPolicy().
	Amounts payment.AmountPolicy
}

// CheckSecret is the problem of a SecretConfig.Secret shorter than
// MinSecretBytes, or nil.
func CheckSecret(secret string) error {
	if len(secret) < MinSecretBytes {
		return fmt.Errorf("the Secret must have at least %d bytes", MinSecretBytes)
	}
	return nil
}

// BodySigned is what a decoder of VerifyBodyHMAC-signed messages (vietqr,
// camt054) holds and checks before it parses: its gateway, signature
// header, key and amount policy. Such a Decoder embeds it, which gives it
// Gateway; its Decode calls Verify first.
type BodySigned struct {
	gateway payment.Gateway
	header  string
	secret  []byte
	// Amounts is the defaulted amount policy (AmountPolicy).
	Amounts payment.AmountPolicy
}

// NewBodySigned validates cfg for gateway g (ValidateConfig with
// CheckSecret) and returns the checks of g's messages signed in header.
func NewBodySigned(g payment.Gateway, header string, cfg SecretConfig) (BodySigned, error) {
	if err := ValidateConfig(g, cfg.Amounts, CheckSecret(cfg.Secret)); err != nil {
		return BodySigned{}, err
	}
	return BodySigned{gateway: g, header: header, secret: []byte(cfg.Secret), Amounts: AmountPolicy(cfg.Amounts)}, nil
}

// Gateway is the gateway the decoder serves.
func (b BodySigned) Gateway() payment.Gateway { return b.gateway }

// Verify checks raw's size (CheckSize) and body signature (VerifyBodyHMAC).
func (b BodySigned) Verify(raw Raw) error {
	if err := CheckSize(b.gateway, raw); err != nil {
		return err
	}
	return VerifyBodyHMAC(b.gateway, raw, b.header, b.secret)
}
