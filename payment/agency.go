package payment

import (
	"fmt"
	"regexp"
)

// The formats of the two codes a notice is reported under. Both grammars
// admit only ASCII upper-case letters, digits and dots, so every valid code
// is also safe in a file name, a sheet name and a CSV cell.
var (
	// agencyCodeRE: the collecting unit's identification code (mã định
	// danh, Circular 10/2016/TT-BTTTT), as it also opens dossier codes:
	// a group of 2-3 upper-case letters or digits, then 1 to 4 groups of
	// 1-3, each after a dot. H29.75, H40.01, G01.899.108, 000.00.20.H40,
	// G01.899.108.000.
	agencyCodeRE = regexp.MustCompile(`^[A-Z0-9]{2,3}(\.[A-Z0-9]{1,3}){1,4}$`)
	// treasuryAccountRE: a State Treasury (KBNN) account: the 4-digit
	// account of the treasury's chart of accounts (7111 revenue of the
	// state budget, 3511 deposits of a budget unit, …), alone or followed
	// by a dot, the 1-digit nature-of-funds code, a dot and the unit's
	// 7-digit budget-relation code (mã ĐVQHNS): 7111, 3511.0.1052361.
	treasuryAccountRE = regexp.MustCompile(`^[0-9]{4}(\.[0-9]\.[0-9]{7})?$`)
)

// CheckAgencyCode reports whether s is an agency code in the documented
// format (see the package documentation); the error quotes s.
func CheckAgencyCode(s string) error {
	if !agencyCodeRE.MatchString(s) {
		return fmt.Errorf("agency_code %q: not an agency code such as H29.75 or G01.899.108 (2-3 upper-case letters or digits, then 1-4 dot-separated groups of 1-3)", s)
	}
	return nil
}

// CheckTreasuryAccount reports whether s is a State Treasury account in
// the documented format (see the package documentation); the error quotes
// s.
func CheckTreasuryAccount(s string) error {
	if !treasuryAccountRE.MatchString(s) {
		return fmt.Errorf("treasury_account %q: not a State Treasury account such as 7111 or 3511.0.1052361 (4 digits, optionally .<1 digit>.<7-digit budget-relation code>)", s)
	}
	return nil
}
