package payment

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // business dates need Asia/Ho_Chi_Minh even where the OS has no zone data
)

// BusinessZone is the zone of business dates: Asia/Ho_Chi_Minh (UTC+7, no DST).
const BusinessZone = "Asia/Ho_Chi_Minh"

// Location returns the business time zone. It cannot fail: the zone data is
// embedded through time/tzdata. It is loaded once: loading parses the zone
// file, which showed up at a third of a gateway decode's time.
func Location() *time.Location { return location() }

var location = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(BusinessZone)
	if err != nil {
		panic("payment: load " + BusinessZone + ": " + err.Error())
	}
	return loc
})

// Date is a calendar business day in Asia/Ho_Chi_Minh.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the business day that t falls on.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Location()).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Location())
	if err != nil {
		return Date{}, fmt.Errorf("business date %q: want YYYY-MM-DD: %w", s, err)
	}
	return DateOf(t), nil
}

// Start is midnight at the start of the day in Asia/Ho_Chi_Minh.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Location()) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return DateOf(d.Start().AddDate(0, 0, n)) }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.Start().Before(o.Start()) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// The years of the times feerecon takes from outside (a notice's issue and
// due times, a payment's or a reversal's time): a time outside them is a
// garbled field, never a fee. Year 1 is Go's zero time; year 9999 UTC is
// year 10000 in Asia/Ho_Chi_Minh, which no JSON encoder writes, so such a
// notice once stored could never be read back through the API.
const (
	FirstYear = 2000
	LastYear  = 2099
)

// CheckTime reports, naming field, a time outside FirstYear..LastYear in
// the business zone; a zero time is for the caller to refuse (it says
// "missing").
func CheckTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.In(Location()).Year(); y < FirstYear || y > LastYear {
		return fmt.Errorf("%s %s is outside the years %d-%d", field, t.Format(time.RFC3339), FirstYear, LastYear)
	}
	return nil
}

// CheckDate is CheckTime for a business day: d, which field holds, must
// fall in FirstYear..LastYear; a zero date is for the caller to refuse.
func CheckDate(field string, d Date) error {
	if d.IsZero() {
		return nil
	}
	if d.Year < FirstYear || d.Year > LastYear {
		return fmt.Errorf("%s %s is outside the years %d-%d", field, d, FirstYear, LastYear)
	}
	return nil
}
