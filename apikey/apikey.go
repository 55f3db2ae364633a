package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every key.
const Prefix = "frk_"

// Sizes in random bytes (hex doubles them).
const (
	idBytes     = 8
	secretBytes = 32
)

// ErrMalformed: the text is not a key of this format.
var ErrMalformed = errors.New("malformed API key")

// Key is a freshly made key: Text is shown to its holder once, Hash is
// what is stored.
type Key struct {
	ID   string
	Text string
	Hash []byte
}

// New makes a key from crypto/rand.
func New() (Key, error) {
	b := make([]byte, idBytes+secretBytes)
	if _, err := rand.Read(b); err != nil {
		return Key{}, fmt.Errorf("api key: random: %w", err)
	}
	id, secret := hex.EncodeToString(b[:idBytes]), hex.EncodeToString(b[idBytes:])
	return Key{ID: id, Text: Prefix + id + "_" + secret, Hash: Hash(secret)}, nil
}

// Parse splits a presented key into its id and secret; ErrMalformed if it
// is not of the format (checked before any lookup, so junk costs nothing).
func Parse(text string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(text, Prefix)
	if !ok {
		return "", "", ErrMalformed
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || !isHex(id, 2*idBytes) || !isHex(secret, 2*secretBytes) {
		return "", "", ErrMalformed
	}
	return id, secret, nil
}

// ValidID reports whether id has the form of a key id.
func ValidID(id string) bool { return isHex(id, 2*idBytes) }

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Hash is the stored form of a secret: its SHA-256.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Matches reports, in constant time, whether secret hashes to stored.
func Matches(stored []byte, secret string) bool {
	return subtle.ConstantTimeCompare(stored, Hash(secret)) == 1
}
