package postgres

import (
	"net/url"
	"regexp"
	"strings"
)

// redactedPassword stands for a password in a redacted DSN, as net/url's
// URL.Redacted writes it.
const redactedPassword = "xxxxx"

// passwordKeys are the lib/pq connection parameters that hold a secret.
var passwordKeys = []string{"password", "sslpassword"}

// kvPassword finds a secret in a key=value DSN (host=h password='a b'):
// the key, then the value, single-quoted with backslash escapes (an
// unterminated quote runs to the end) or bare up to the next space.
var kvPassword = regexp.MustCompile(`(?i)\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)`)

// RedactDSN returns dsn with every password replaced by xxxxx, for --help,
// logs and errors: postgres://u:S3cret@h/db becomes postgres://u:xxxxx@h/db,
// a password=… query parameter or key=value pair likewise. A URL net/url
// cannot parse has everything between "://" and its last "@" but the user
// name replaced, so an unparsable DSN leaks no secret either.
func RedactDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	if !strings.Contains(dsn, "://") {
		return kvPassword.ReplaceAllString(dsn, "${1}"+redactedPassword)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return redactUnparsableURL(dsn)
	}
	if q := u.Query(); hasAny(q, passwordKeys) {
		for _, k := range passwordKeys {
			if q.Has(k) {
				q.Set(k, redactedPassword)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func hasAny(q url.Values, keys []string) bool {
	for _, k := range keys {
		if q.Has(k) {
			return true
		}
	}
	return false
}

// redactUnparsableURL keeps the scheme, the user name and what follows the
// last "@"; a password can hold anything, so nothing of the userinfo after
// its first ":" survives, nor any query (it may carry password=).
func redactUnparsableURL(dsn string) string {
	i := strings.Index(dsn, "://")
	scheme, rest := dsn[:i+3], dsn[i+3:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q] + "?" + redactedPassword
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return scheme + rest
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + user + ":" + redactedPassword + rest[at:]
}

// dsnSecrets are the strings of dsn that must never be shown: its
// passwords, raw and decoded, and the DSN itself.
func dsnSecrets(dsn string) []string {
	var out []string
	add := func(s string) {
		if s != "" && s != redactedPassword {
			out = append(out, s)
		}
	}
	if !strings.Contains(dsn, "://") {
		for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
			add(m[2])
			add(strings.Trim(m[2], "'"))
		}
		return out
	}
	rest := dsn[strings.Index(dsn, "://")+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
			add(pw)
			if dec, err := url.PathUnescape(pw); err == nil {
				add(dec)
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil {
		for _, k := range passwordKeys {
			add(u.Query().Get(k))
		}
	}
	return out
}

// scrubbed is an error whose text has had a DSN's secrets removed; it
// still unwraps to the original for errors.Is and errors.As.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrubDSN returns err with every secret of dsn removed from its text:
// net/url's parse errors and some driver errors quote the whole DSN.
func scrubDSN(err error, dsn string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := strings.ReplaceAll(msg, dsn, RedactDSN(dsn))
	for _, s := range dsnSecrets(dsn) {
		clean = strings.ReplaceAll(clean, s, redactedPassword)
	}
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}
