package user

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Role is what a person does in feerecon. The API's authorisation table
// says which routes each role may call; the roles themselves are these.
type Role string

// Roles.
const (
	// RoleAdmin manages users and keys; sees every agency.
	RoleAdmin Role = "admin"
	// RoleAccountant reconciles its agencies' days: exceptions, notices,
	// reports; proposes manual actions.
	RoleAccountant Role = "accountant"
	// RoleApprover approves what an accountant proposes (maker–checker).
	RoleApprover Role = "approver"
	// RoleAuditor reads everything of its agencies, changes nothing.
	RoleAuditor Role = "auditor"
)

// Roles lists every role.
func Roles() []Role { return []Role{RoleAdmin, RoleAccountant, RoleApprover, RoleAuditor} }

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// User is a person's account.
type User struct {
	// Login is the name the person logs in with: LoginPattern.
	Login string
	Role  Role
	// Agencies are the agency codes the person's role covers; empty
	// means every agency, which only admins and auditors may have.
	Agencies []string
	// PasswordHash is an argon2id PHC string (HashPassword).
	PasswordHash string
	// Disabled users cannot log in, and their sessions end at once.
	Disabled bool
	// FailedLogins counts failures since the last success; LockedUntil,
	// when after now, refuses every login (Policy).
	FailedLogins int
	LockedUntil  time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// LoginPattern is the grammar of logins: 3 to 64 of a–z, 0–9, '.', '_', '-',
// starting with a letter or digit.
var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// ErrInvalidUser wraps every User validation problem.
var ErrInvalidUser = errors.New("invalid user")

// Validate reports every problem of u at once.
func (u User) Validate() error {
	var probs []error
	if !loginPattern.MatchString(u.Login) {
		probs = append(probs, fmt.Errorf("login %q: 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit", u.Login))
	}
	if !u.Role.Valid() {
		probs = append(probs, fmt.Errorf("role %q: want one of %v", u.Role, Roles()))
	}
	if len(u.Agencies) == 0 && (u.Role == RoleAccountant || u.Role == RoleApprover) {
		probs = append(probs, fmt.Errorf("role %s needs at least one agency", u.Role))
	}
	seen := map[string]bool{}
	for _, a := range u.Agencies {
		if a == "" || seen[a] {
			probs = append(probs, fmt.Errorf("agency %q empty or listed twice", a))
		}
		seen[a] = true
	}
	if u.PasswordHash == "" {
		probs = append(probs, errors.New("no password hash"))
	} else if _, _, _, err := parsePHC(u.PasswordHash); err != nil {
		probs = append(probs, err)
	}
	if u.FailedLogins < 0 {
		probs = append(probs, errors.New("negative failed logins"))
	}
	if err := errors.Join(probs...); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidUser, u.Login, err)
	}
	return nil
}

// CanSee reports whether u's scope covers agency.
func (u User) CanSee(agency string) bool {
	return len(u.Agencies) == 0 || slices.Contains(u.Agencies, agency)
}

// Session is a logged-in person's session, stored by the hash of its
// token (the token itself lives only in the person's cookie).
type Session struct {
	TokenHash []byte
	Login     string
	// Role at login: a role change ends the user's sessions (the store's
	// DeleteSessions), so a session never outlives the role it was made for.
	Role      Role
	CreatedAt time.Time
	LastSeen  time.Time
}

// NewSessionToken returns a new random session token (256 bits, URL-safe
// base64) and the hash the store keeps.
func NewSessionToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("session token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token), nil
}

// TokenHash is the stored form of a session token.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
