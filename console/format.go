package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/user"
)

// formatMoney writes m as its language writes money: Vietnamese groups
// thousands with '.' and puts the symbol after (1.500.000 ₫); English
// groups with ',' and names the currency (1,500,000 VND). A currency
// other than VND is named by its code in both.
func formatMoney(lang Lang, m payment.Money) string {
	group, decimalSep := ",", "."
	if lang == LangVI {
		group, decimalSep = ".", ","
	}
	places, ok := m.Currency.MinorUnits()
	if !ok {
		places = 2
	}
	s := m.Amount.StringFixed(places)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(decimalSep + frac)
	}
	unit := " " + string(m.Currency)
	if lang == LangVI && m.Currency == "VND" {
		unit = " ₫"
	}
	return b.String() + unit
}

// formatCount writes a whole number with its language's thousands
// separator: 100.000 in Vietnamese, 100,000 in English.
func formatCount(lang Lang, n int64) string {
	group := ","
	if lang == LangVI {
		group = "."
	}
	s := strconv.FormatInt(n, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatDate writes a business date: dd/mm/yyyy in Vietnamese, yyyy-mm-dd
// (ISO 8601) in English.
func formatDate(lang Lang, d payment.Date) string {
	if lang == LangVI {
		return d.Start().Format("02/01/2006")
	}
	return d.String()
}

// formatTime writes an instant in Asia/Ho_Chi_Minh.
func formatTime(lang Lang, t time.Time) string {
	t = t.In(payment.Location())
	if lang == LangVI {
		return t.Format("15:04 02/01/2006")
	}
	return t.Format("2006-01-02 15:04")
}

// roleLabel is the label of a role.
func roleLabel(r user.Role) Label {
	switch r {
	case user.RoleAdmin:
		return LRoleAdmin
	case user.RoleAccountant:
		return LRoleAccountant
	case user.RoleApprover:
		return LRoleApprover
	case user.RoleAuditor:
		return LRoleAuditor
	}
	return Label("role_" + string(r)) // not in the tables: the page fails loudly
}
