package console

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTickStep(t *testing.T) {
	t.Parallel()
	for top, want := range map[int]int{0: 1, 1: 1, 5: 1, 6: 2, 10: 2, 11: 5, 25: 5, 26: 10, 50: 10, 120: 50, 251: 100, 4999: 1000} {
		if got := tickStep(top); got != want {
			t.Errorf("tickStep(%d) = %d, want %d", top, got, want)
		}
	}
}

// The demo day's shape: 24 payments at 09, 8 and 3 exceptions at 10.
func TestHourChart(t *testing.T) {
	t.Parallel()
	day := make([]Hour, 24)
	for i := range day {
		day[i].Hour = i
	}
	day[9].Collected.Count = 24
	day[10].Collected.Count, day[10].Exceptions.Count = 8, 3
	c := hourChart(day)
	// The working day, 07 to 17: eleven slots of 48 after the axis' 40.
	if c.Width != 40+11*48+8 || c.Height != 216 || c.Left != 40 || c.Right != 40+11*48 || c.Top != 10 || c.Bottom != 190 || c.Max != 25 {
		t.Errorf("frame %+v", c)
	}
	var ticks []string
	for _, tk := range c.Ticks {
		ticks = append(ticks, fmt.Sprintf("%d@%d", tk.Value, tk.Y))
	}
	if got := strings.Join(ticks, " "); got != "0@190 5@154 10@118 15@82 20@46 25@10" {
		t.Errorf("ticks %s", got)
	}
	if len(c.Labels) != 11 || c.Labels[0].Text != "07" || c.Labels[10].Text != "17" || c.Labels[2].X != 40+2*48+24 {
		t.Errorf("labels %+v", c.Labels)
	}
	if len(c.Hours) != 2 {
		t.Fatalf("hours %+v", c.Hours)
	}
	// 24 of 25 is 172.8 of 180 units: 173 high; 3 of 25, 21.6: 22.
	if h := c.Hours[0]; h.Span != "09:00–10:00" || h.CollectedBar != (Bar{X: 141, Y: 17, W: 18, H: 173}) || h.ExceptionsBar.H != 0 {
		t.Errorf("09: %+v", h)
	}
	if h := c.Hours[1]; h.Span != "10:00–11:00" || h.CollectedBar != (Bar{X: 189, Y: 132, W: 18, H: 58}) ||
		h.ExceptionsBar != (Bar{X: 209, Y: 168, W: 18, H: 22}) {
		t.Errorf("10: %+v", h)
	}

	// A payment at 05 and one at 21 widen the chart; one payment among
	// 400 still shows.
	day[5].Collected.Count, day[21].Exceptions.Count, day[9].Collected.Count = 1, 1, 400
	c = hourChart(day)
	if len(c.Labels) != 17 || c.Labels[0].Text != "05" || c.Labels[16].Text != "21" || c.Max != 400 {
		t.Errorf("widened: %d labels from %s to %s, max %d", len(c.Labels), c.Labels[0].Text, c.Labels[len(c.Labels)-1].Text, c.Max)
	}
	if h := c.Hours[0]; h.Hour.Hour != 5 || h.CollectedBar.H != 1 || h.CollectedBar.Y != 189 {
		t.Errorf("05: %+v", h)
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang Lang
		d    time.Duration
		want string
	}{
		{LangVI, 30 * time.Second, "dưới 1 phút"},
		{LangVI, 5*time.Minute + 59*time.Second, "5 phút"},
		{LangVI, 90 * time.Minute, "1 giờ 30 phút"},
		{LangVI, 27*time.Hour + 10*time.Minute, "1 ngày 3 giờ"},
		{LangEN, 30 * time.Second, "under 1 min"},
		{LangEN, 2 * time.Hour, "2 h 0 min"},
		{LangEN, 50 * time.Hour, "2 d 2 h"},
	} {
		p := page{Lang: tc.lang, labels: labels()[tc.lang]}
		if got, err := p.Age(tc.d); err != nil || got != tc.want {
			t.Errorf("%s Age(%s) = %q, %v; want %q", tc.lang, tc.d, got, err, tc.want)
		}
	}
}
