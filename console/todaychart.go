package console

import "fmt"

// Chart is the geometry of Today's hourly chart, in SVG user units (the
// viewBox, drawn at one unit a CSS pixel): per hour a pair of bars,
// payments collected and exceptions, by count, against a y axis of round
// ticks. The template draws it; the same figures are in the table under
// it.
type Chart struct {
	Width, Height int
	// Left, Right, Top and Bottom bound the plot area.
	Left, Right, Top, Bottom int
	// Max is the top of the y axis, a round number at or above every bar.
	Max   int
	Ticks []Tick
	// Labels name the hours along the x axis.
	Labels []AxisLabel
	// Hours are the hours with a payment or an exception, with their bars.
	Hours []ChartHour
}

// Tick is a y axis tick: a grid line at Y from X1 to X2, its value
// written at LabelX.
type Tick struct {
	Value, Y, X1, X2, LabelX int
}

// AxisLabel is a text at (X, Y).
type AxisLabel struct {
	X, Y int
	Text string
}

// Bar is a rectangle; an empty one (H 0) is not drawn.
type Bar struct{ X, Y, W, H int }

// ChartHour is an hour and its bars; Span names it ("09:00–10:00").
type ChartHour struct {
	Hour
	Span                        string
	CollectedBar, ExceptionsBar Bar
}

// The chart's layout.
const (
	chartSlot   = 48 // width of an hour
	chartBar    = 18 // width of a bar; two per slot, 2 apart, centred
	chartLeft   = 40
	chartTop    = 10
	chartPlotH  = 180
	chartAxisH  = 26 // under the plot: the hours' labels
	chartMargin = 8
)

// Chart is the hourly chart of t.ByHour.
func (t Today) Chart() Chart { return hourChart(t.ByHour) }

// The working day the chart always shows, 07:00 to 18:00; an hour with a
// payment outside it widens the chart to that hour.
const (
	workFirst = 7
	workLast  = 17
)

// hourChart draws the hours of the working day and any other hour with a
// payment or an exception.
func hourChart(all []Hour) Chart {
	first, last := workFirst, workLast
	for _, h := range all {
		if h.Collected.Count > 0 || h.Exceptions.Count > 0 {
			first, last = min(first, h.Hour), max(last, h.Hour)
		}
	}
	var hours []Hour
	for _, h := range all {
		if h.Hour >= first && h.Hour <= last {
			hours = append(hours, h)
		}
	}
	c := Chart{Left: chartLeft, Top: chartTop, Bottom: chartTop + chartPlotH}
	c.Right = c.Left + chartSlot*len(hours)
	c.Width = c.Right + chartMargin
	c.Height = c.Bottom + chartAxisH
	top := 0
	for _, h := range hours {
		top = max(top, h.Collected.Count, h.Exceptions.Count)
	}
	step := tickStep(top)
	c.Max = max(step, (top+step-1)/step*step)
	for v := 0; v <= c.Max; v += step {
		c.Ticks = append(c.Ticks, Tick{Value: v, Y: c.y(v), X1: c.Left, X2: c.Right, LabelX: c.Left - 6})
	}
	for i, h := range hours {
		x := c.Left + i*chartSlot
		c.Labels = append(c.Labels, AxisLabel{X: x + chartSlot/2, Y: c.Bottom + 16, Text: fmt.Sprintf("%02d", h.Hour)})
		if h.Collected.Count == 0 && h.Exceptions.Count == 0 {
			continue
		}
		pad := (chartSlot - 2*chartBar - 2) / 2
		c.Hours = append(c.Hours, ChartHour{Hour: h, Span: fmt.Sprintf("%02d:00–%02d:00", h.Hour, h.Hour+1),
			CollectedBar:  c.bar(x+pad, h.Collected.Count),
			ExceptionsBar: c.bar(x+pad+chartBar+2, h.Exceptions.Count)})
	}
	return c
}

// y is the height of value v on the plot.
func (c Chart) y(v int) int { return c.Bottom - c.h(v) }

// h is the height of a bar of v, rounded; at least 1 for a v above 0, so
// that one payment shows.
func (c Chart) h(v int) int {
	if v <= 0 {
		return 0
	}
	return max(1, (v*chartPlotH+c.Max/2)/c.Max)
}

func (c Chart) bar(x, v int) Bar {
	return Bar{X: x, Y: c.y(v), W: chartBar, H: c.h(v)}
}

// tickStep is a round step (1, 2 or 5 times a power of ten) that divides
// 0…top into at most five intervals.
func tickStep(top int) int {
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			if s := m * base; top <= 5*s {
				return s
			}
		}
	}
}
