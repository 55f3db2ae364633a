// Package gatewaytest is the conformance suite every gateway adapter passes
// (RunDecoderTests) and the invariant check its fuzz target uses (Check).
//
// It holds test helpers only; production code must not import it.
package gatewaytest
