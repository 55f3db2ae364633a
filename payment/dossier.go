package payment

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// DossierCode is the code of an administrative dossier (mã hồ sơ),
// Circular 01/2018/TT-VPCP art. 19: <receiving unit id>-<yymmdd>-<4-digit
// daily sequence>, e.g. 000.00.20.H40-240916-0012 or G01.899.108.000-231110-0096.
// The unit id follows Circular 10/2016/TT-BTTTT: dotted groups of letters
// and digits.
type DossierCode string

var dossierRE = regexp.MustCompile(`^[A-Z0-9]{2,3}(\.[A-Z0-9]{1,3}){1,4}-\d{6}-\d{4}$`)

// ErrDossierCode is wrapped by errors from ParseDossierCode.
var ErrDossierCode = errors.New("not a dossier code <unit>-<yymmdd>-<nnnn>")

// ParseDossierCode validates s (upper-cased, trimmed) as a dossier code.
func ParseDossierCode(s string) (DossierCode, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !dossierRE.MatchString(u) {
		return "", fmt.Errorf("dossier code %q: %w", s, ErrDossierCode)
	}
	return DossierCode(u), nil
}

// Compact returns the code with its dots and dashes removed, the form a
// payer sometimes types and the form matching compares.
func (d DossierCode) Compact() string {
	return strings.NewReplacer(".", "", "-", "").Replace(string(d))
}

func (d DossierCode) String() string { return string(d) }
