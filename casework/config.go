package casework

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
)

// Config configures casework.
type Config struct {
	// Threshold: an allocation, refund or reopen that moves more than this
	// waits for an approver (a write-off always does). VND; default
	// DefaultThreshold. Zero is "the default"; to make every action wait,
	// set 1 ₫.
	Threshold payment.Money
	// Bands set an exception's due date by its amount: the first band
	// whose From the amount reaches (bands sorted by From, highest first
	// after defaults) gives the number of working days. Default
	// DefaultBands.
	Bands []Band
}

// Band is one amount band of due dates: exceptions of at least From are
// due Days working days (Monday to Friday, Asia/Ho_Chi_Minh) after the
// day they were raised, at the end of that day.
type Band struct {
	From payment.Money
	Days int
}

// DefaultThreshold is 20.000.000 ₫.
var DefaultThreshold = payment.VNDOf(20_000_000)

// DefaultBands are the due-date bands by default: 100.000.000 ₫ and more in 1 working day, 10.000.000 ₫ and
// more in 2, anything else in 5.
func DefaultBands() []Band {
	return []Band{
		{From: payment.VNDOf(100_000_000), Days: 1},
		{From: payment.VNDOf(10_000_000), Days: 2},
		{From: payment.VNDOf(0), Days: 5},
	}
}

func (c Config) withDefaults() Config {
	if c.Threshold.Amount.IsZero() && c.Threshold.Currency == "" {
		c.Threshold = DefaultThreshold
	}
	if c.Threshold.Currency == "" {
		c.Threshold.Currency = payment.VND
	}
	if len(c.Bands) == 0 {
		c.Bands = DefaultBands()
	}
	return c
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	p := config.In("casework")
	if c.Threshold.Currency != payment.VND {
		p.Addf("approval threshold in %s: only VND", c.Threshold.Currency)
	}
	if !c.Threshold.Amount.IsPositive() || !c.Threshold.Amount.Equal(c.Threshold.Amount.Truncate(0)) {
		p.Addf("approval threshold %s: a positive whole number of đồng", c.Threshold.Amount)
	}
	zero := false
	for i, b := range c.Bands {
		if b.Days < 1 || b.Days > 60 {
			p.Addf("due-date band %d: %d working days (1 to 60)", i+1, b.Days)
		}
		if b.From.Amount.IsNegative() {
			p.Addf("due-date band %d: negative amount %s", i+1, b.From.Amount)
		}
		if b.From.Amount.IsZero() {
			zero = true
		}
	}
	if !zero {
		p.Addf("due-date bands: none starts at 0, so small exceptions would have no due date")
	}
	return p.Err()
}

// DueDate is when an exception of amount raised at created is due: the end
// of the working day Days after its day, in Asia/Ho_Chi_Minh, by the
// first band (highest From first) the amount reaches.
func (c Config) DueDate(amount payment.Money, created time.Time) time.Time {
	c = c.withDefaults()
	days := 0
	best := decimal.NewFromInt(-1)
	for _, b := range c.Bands {
		if amount.Amount.GreaterThanOrEqual(b.From.Amount) && b.From.Amount.GreaterThan(best) {
			best, days = b.From.Amount, b.Days
		}
	}
	d := payment.DateOf(created)
	for n := 0; n < days; {
		d = d.AddDays(1)
		if wd := d.Start().Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return d.AddDays(1).Start().Add(-time.Microsecond)
}

// NeedsApproval reports whether an action moving amount needs an approver.
func (c Config) NeedsApproval(amount payment.Money) bool {
	c = c.withDefaults()
	return amount.Amount.GreaterThan(c.Threshold.Amount)
}
