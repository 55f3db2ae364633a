package daily

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/feerecon/feerecon/payment"
)

// MaxIssuerText bounds each text of an Issuer (in characters).
const MaxIssuerText = 200

// Issuer is the unit that issues the printed report and signs it: shown
// at the top of the printable page, above its signature blocks, and on
// the workbook's summary sheet. It is a rendering's setting, not part of
// the report: the JSON, its SHA-256 and what the treasury receives do not
// carry it. The zero Issuer prints dotted lines to fill in by hand, as a
// paper form does.
type Issuer struct {
	// Parent is the governing body above the unit (cơ quan chủ quản),
	// printed above its name; optional.
	Parent string
	// Name is the issuing unit (đơn vị báo cáo).
	Name string
	// Place is where the report is signed (địa danh), before its date.
	Place string
}

// Problems lists what is wrong with i, one entry a problem: each text at
// most MaxIssuerText characters of valid UTF-8 on one line.
func (i Issuer) Problems() []string {
	var probs []string
	for _, f := range []struct{ name, v string }{{"issuer parent", i.Parent}, {"issuer name", i.Name}, {"issuer place", i.Place}} {
		switch {
		case !utf8.ValidString(f.v):
			probs = append(probs, f.name+" is not valid UTF-8")
		case utf8.RuneCountInString(f.v) > MaxIssuerText:
			probs = append(probs, fmt.Sprintf("%s is longer than %d characters", f.name, MaxIssuerText))
		case strings.ContainsFunc(f.v, unicode.IsControl):
			probs = append(probs, f.name+" holds a control character (a line break?)")
		}
	}
	return probs
}

// Print is what a printable rendering (WriteHTML, WriteXLSX) needs beside
// the reports: the language of its labels and the unit that issues it.
type Print struct {
	Lang   Lang
	Issuer Issuer
}

// Number is the report's number as printed (Số / No.): BC-<yyyymmdd>-<agency>,
// the agency written by FileComponent. It names the day's report of the
// scope; Version tells its versions apart. It is derived, not stored.
func (r Report) Number() string {
	return fmt.Sprintf("BC-%04d%02d%02d-%s", r.BusinessDate.Year, int(r.BusinessDate.Month), r.BusinessDate.Day, FileComponent(r.Agency))
}

// Period is the business day's span [start, end) in Asia/Ho_Chi_Minh:
// from the previous day's cut-off to the day's (Report.Cutoff). ok is
// false for a cut-off that does not read as HH:MM:SS.
func (r Report) Period() (start, end time.Time, ok bool) {
	var h, m, s int
	if _, err := fmt.Sscanf(r.Cutoff, "%d:%d:%d", &h, &m, &s); err != nil {
		return time.Time{}, time.Time{}, false
	}
	rules := DayRules{Cutoff: time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second}
	if len(rules.Problems()) > 0 || rules.Cutoff == 0 {
		return time.Time{}, time.Time{}, false
	}
	return rules.DayStart(r.BusinessDate), rules.DayEnd(r.BusinessDate), true
}

// periodText writes the period as people read it: a midnight end is the
// day's 24:00, not the next day's 00:00.
func periodText(r Report, t text) string {
	start, end, ok := r.Period()
	if !ok {
		return r.BusinessDate.String()
	}
	at := func(x time.Time, end bool) string {
		x = x.In(payment.Location())
		clock := x.Format("15:04")
		if end && clock == "00:00" {
			x, clock = x.Add(-time.Minute), "24:00"
		}
		return t.fill(LAtDay, clock, t.date(payment.DateOf(x)))
	}
	return t.fill(LPeriodRange, at(start, false), at(end, true))
}

// datedText is the line above the signatures: the place and the date the
// report was made (its as-of time), "Hà Nội, ngày 27 tháng 11 năm 2026".
func datedText(r Report, i Issuer, t text) string {
	place := i.Place
	if place == "" {
		place = dots
	}
	d := payment.DateOf(r.AsOf)
	return t.fill(LDated, place, fmt.Sprintf("%02d", d.Day), fmt.Sprintf("%02d", int(d.Month)), fmt.Sprint(d.Year))
}

// dots is the space left to fill in by hand.
const dots = "……………………"
