package gateways

import (
	"errors"
	"fmt"

	"github.com/feerecon/feerecon/payment"
)

// An adapter's Config.Validate reports every problem at once (errors.Join
// of the checks below and its own); its New names the gateway with
// ConfigError.

// MinSecretBytes is the shortest SecretConfig.Secret: feerecon chooses the
// keys of VerifyBodyHMAC itself, so it can require long ones.
const MinSecretBytes = 16

// SecretConfig is the Config of the adapters whose messages carry
// VerifyBodyHMAC's signature (vietqr, camt054).
type SecretConfig struct {
	// Secret is the HMAC key of the signature header, at least
	// MinSecretBytes.
	Secret string
	// Amounts validates amounts; the zero value means
	// payment.DefaultAmountPolicy().
	Amounts payment.AmountPolicy
}

// Validate reports every problem of c at once.
func (c SecretConfig) Validate() error {
	var short error
	if len(c.Secret) < MinSecretBytes {
		short = fmt.Errorf("the Secret must have at least %d bytes", MinSecretBytes)
	}
	return errors.Join(short, CheckAmounts(c.Amounts))
}

// Required is the problem of a required Config field left empty, or nil.
func Required(field, value string) error {
	if value == "" {
		return fmt.Errorf("%s is required", field)
	}
	return nil
}

// ConfigError is the error New returns for the problems its Config's
// Validate reported: "<g> config: <problems>".
func ConfigError(g payment.Gateway, problems error) error {
	return fmt.Errorf("%s config: %w", g, problems)
}
