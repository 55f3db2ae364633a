package user

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	// Memory in KiB, Iterations (time), Parallelism (threads).
	Memory      uint32
	Iterations  uint32
	Parallelism uint8
}

// OWASPParams are the OWASP Password Storage Cheat Sheet's argon2id
// minimum: 19 MiB, 2 iterations, 1 thread. Production uses them.
func OWASPParams() Params { return Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1} }

// TestParams are cheap parameters for tests only: never for real
// passwords (a test that uses them says so by the name).
func TestParams() Params { return Params{Memory: 64, Iterations: 1, Parallelism: 1} }

const (
	saltBytes = 16
	keyBytes  = 32
	// MinPasswordLen is the shortest password accepted (NIST SP 800-63B's
	// minimum for chosen passwords); MaxPasswordLen bounds the hashing work.
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// Errors of passwords.
var (
	// ErrWeakPassword: a password shorter than MinPasswordLen or longer
	// than MaxPasswordLen.
	ErrWeakPassword = errors.New("password does not meet the policy")
	// ErrHashFormat: a stored hash is not an argon2id PHC string.
	ErrHashFormat = errors.New("stored password hash is not argon2id")
)

// CheckPassword reports ErrWeakPassword for a password outside the policy.
func CheckPassword(pw string) error {
	if n := len([]rune(pw)); n < MinPasswordLen || len(pw) > MaxPasswordLen {
		return fmt.Errorf("%w: between %d characters and %d bytes", ErrWeakPassword, MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// HashPassword hashes pw with argon2id under p and a fresh random salt, as
// a PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (base64, no
// padding).
func HashPassword(pw string, p Params) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, keyBytes)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC string phc, comparing
// in constant time, with the parameters the hash was made with.
func VerifyPassword(phc, pw string) (bool, error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, uint32(len(key))) //nolint:gosec // G115: len(key) is at most a few hundred
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func parsePHC(phc string) (Params, []byte, []byte, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrHashFormat
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: version %q", ErrHashFormat, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil ||
		p.Memory == 0 || p.Iterations == 0 || p.Parallelism == 0 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q", ErrHashFormat, parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 256 {
		return Params{}, nil, nil, fmt.Errorf("%w: salt or key", ErrHashFormat)
	}
	return p, salt, key, nil
}
