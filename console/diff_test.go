package console

import (
	"strings"
	"testing"
)

// sides rebuilds both texts from a diff's lines.
func sides(lines []DiffLine) (a, b []string) {
	for _, l := range lines {
		if l.Op != DiffAdded {
			a = append(a, l.Text)
		}
		if l.Op != DiffRemoved {
			b = append(b, l.Text)
		}
	}
	return a, b
}

func edits(lines []DiffLine) int {
	n := 0
	for _, l := range lines {
		if l.Op != DiffSame {
			n++
		}
	}
	return n
}

func TestLineDiff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, a, b string
		edits      int
	}{
		{"equal", "a\nb\nc\n", "a\nb\nc\n", 0},
		{"both empty", "", "", 0},
		{"from nothing", "", "a\nb\n", 2},
		{"to nothing", "a\nb\n", "", 2},
		{"one changed", "a\nb\nc\n", "a\nB\nc\n", 2},
		{"one added in the middle", "a\nb\nc\nd\n", "a\nb\nx\nc\nd\n", 1},
		{"moved", "a\nb\nc\n", "b\nc\na\n", 2},
		{"classic abcabba / cbabac", "a\nb\nc\na\nb\nb\na\n", "c\nb\na\nb\na\nc\n", 5},
	} {
		lines, ok := diffLines(splitLines(c.a), splitLines(c.b))
		if !ok {
			t.Fatalf("%s: gave up", c.name)
		}
		a, b := sides(lines)
		if strings.Join(a, "\n") != strings.TrimSuffix(c.a, "\n") || strings.Join(b, "\n") != strings.TrimSuffix(c.b, "\n") {
			t.Errorf("%s: the diff rebuilds %q and %q", c.name, strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
		if n := edits(lines); n != c.edits {
			t.Errorf("%s: %d edits, want the shortest, %d", c.name, n, c.edits)
		}
		for _, l := range lines {
			if (l.Op == DiffAdded) != (l.Old == 0) || (l.Op == DiffRemoved) != (l.New == 0) {
				t.Errorf("%s: line %+v numbered wrong", c.name, l)
			}
		}
	}
}

func TestLineDiffHunks(t *testing.T) {
	t.Parallel()
	var a, b strings.Builder
	for i := range 40 {
		line := strings.Repeat("x", i%7) + "\n"
		a.WriteString(line)
		if i == 5 || i == 30 {
			b.WriteString("changed\n")
			continue
		}
		b.WriteString(line)
	}
	hunks, ok := LineDiff(a.String(), b.String(), 3)
	if !ok || len(hunks) != 2 {
		t.Fatalf("%d hunks (%t), want two far-apart changes in two", len(hunks), ok)
	}
	// Each: 3 lines before, the removed and the added line, 3 after.
	for _, h := range hunks {
		if len(h.Lines) != 8 || h.Lines[3].Op != DiffRemoved || h.Lines[4].Op != DiffAdded || h.Lines[4].Text != "changed" {
			t.Errorf("hunk %+v", h)
		}
	}
	if h, ok := LineDiff("same\n", "same\n", 3); !ok || h != nil {
		t.Errorf("equal texts: %+v", h)
	}
	// Past the bound the diff is given up, not computed at any cost.
	if _, ok := LineDiff(strings.Repeat("a\n", 2000), strings.Repeat("b\n", 2000), 3); ok {
		t.Error("a 4000-edit diff was computed")
	}
}

func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n")
	f.Add("", "x\n")
	f.Add("{\n  \"v\": 1\n}\n", "{\n  \"v\": 2\n}\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		x, y := splitLines(a), splitLines(b)
		if len(x)+len(y) > 400 {
			return
		}
		lines, ok := diffLines(x, y)
		if !ok {
			t.Fatal("a small diff was given up")
		}
		ga, gb := sides(lines)
		if strings.Join(ga, "\n") != strings.Join(x, "\n") || strings.Join(gb, "\n") != strings.Join(y, "\n") {
			t.Fatalf("diff of %q and %q does not rebuild them", a, b)
		}
		// The shortest edit script: as long as a longest common
		// subsequence (computed the slow way) says.
		if want := len(x) + len(y) - 2*lcs(x, y); edits(lines) != want {
			t.Fatalf("%d edits for %q and %q, want %d", edits(lines), a, b, want)
		}
	})
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}
