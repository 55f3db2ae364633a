package gateways

import (
	"errors"
	"fmt"

	"github.com/feerecon/feerecon/payment"
)

// Set holds the configured decoders by gateway. The sub-packages import this
// one, so this package cannot construct them: cmd builds each adapter with
// its own New(Config) and hands them to NewSet.
type Set map[payment.Gateway]Decoder

// ErrUnknownGateway is returned by Set.Get for a gateway that is not
// configured.
var ErrUnknownGateway = errors.New("gateway not configured")

// NewSet indexes decoders by their Gateway. It reports a nil decoder, an
// unknown gateway name or the same gateway twice, all at once.
func NewSet(decoders ...Decoder) (Set, error) {
	s := make(Set, len(decoders))
	var errs []error
	for i, d := range decoders {
		if d == nil {
			errs = append(errs, fmt.Errorf("decoder %d is nil", i))
			continue
		}
		g := d.Gateway()
		switch {
		case !g.Valid():
			errs = append(errs, fmt.Errorf("decoder %d: gateway %q is unknown", i, g))
		case s[g] != nil:
			errs = append(errs, fmt.Errorf("decoder %d: gateway %q configured twice", i, g))
		default:
			s[g] = d
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("gateway set: %w", err)
	}
	return s, nil
}

// Get returns the decoder for g, or an error wrapping ErrUnknownGateway.
func (s Set) Get(g payment.Gateway) (Decoder, error) {
	d, ok := s[g]
	if !ok || d == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownGateway, g)
	}
	return d, nil
}

// Gateways lists the configured gateways in payment.Gateways order.
func (s Set) Gateways() []payment.Gateway {
	var out []payment.Gateway
	for _, g := range payment.Gateways() {
		if s[g] != nil {
			out = append(out, g)
		}
	}
	return out
}
