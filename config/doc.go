// Package config holds what every package's configuration check shares:
// the one error for invalid configuration (ErrInvalid) and the one way its
// problems are gathered and reported together (Problems).
//
// A Validate method collects every problem before it returns, so that an
// operator fixes a configuration in one pass, not one error per start; the
// command line maps any error that wraps ErrInvalid to exit status 2.
//
// This package holds no configuration values, reads no environment or
// files, and imports nothing of ours.
package config
