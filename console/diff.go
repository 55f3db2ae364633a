package console

import "strings"

// DiffOp says what a line of a diff is.
type DiffOp string

// Diff operations.
const (
	DiffSame    DiffOp = "same"
	DiffAdded   DiffOp = "added"
	DiffRemoved DiffOp = "removed"
)

// DiffLine is one line of a line diff: its text and its number in the old
// text (Old) and the new one (New), 0 where it is absent.
type DiffLine struct {
	Op       DiffOp
	Old, New int
	Text     string
}

// Hunk is a run of changed lines with their context.
type Hunk struct{ Lines []DiffLine }

// maxDiffEdits bounds the work of a diff: two versions of a day's report
// differ by a few lines; past this many changed lines the diff is given
// up (LineDiff's ok is false) rather than computed at any cost.
const maxDiffEdits = 1000

// LineDiff compares two texts line by line (Myers' O(ND) algorithm: the
// shortest edit script) and returns the changes in hunks, each with up to
// context unchanged lines around it; none when the texts are equal. ok is
// false when more than maxDiffEdits lines changed.
func LineDiff(a, b string, context int) (hunks []Hunk, ok bool) {
	x, y := splitLines(a), splitLines(b)
	lines, ok := diffLines(x, y)
	if !ok {
		return nil, false
	}
	return toHunks(lines, context), true
}

// splitLines splits s into its lines, without their line ends.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffLines is Myers' greedy forward algorithm with the trace kept to walk
// the path back.
func diffLines(a, b []string) ([]DiffLine, bool) {
	// Common prefix and suffix need no search.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	out := make([]DiffLine, 0, len(a)+len(b))
	for i := range pre {
		out = append(out, DiffLine{Op: DiffSame, Old: i + 1, New: i + 1, Text: a[i]})
	}
	mid, ok := myers(a[pre:len(a)-suf], b[pre:len(b)-suf], pre)
	if !ok {
		return nil, false
	}
	out = append(out, mid...)
	for k := range suf {
		i, j := len(a)-suf+k, len(b)-suf+k
		out = append(out, DiffLine{Op: DiffSame, Old: i + 1, New: j + 1, Text: a[i]})
	}
	return out, true
}

func myers(a, b []string, offset int) ([]DiffLine, bool) {
	n, m := len(a), len(b)
	limit := min(n+m, maxDiffEdits)
	v := make([]int, 2*limit+2)
	var trace [][]int
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[limit+k-1] < v[limit+k+1]) {
				x = v[limit+k+1] // down: an insertion
			} else {
				x = v[limit+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[limit+k] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		return nil, false
	}
	// Walk back from (n, m) through the trace.
	var rev []DiffLine
	x, y := n, m
	for d := found; d > 0; d-- {
		pv := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && pv[limit+k-1] < pv[limit+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := pv[limit+pk]
		py := px - pk
		for x > px && y > py {
			x, y = x-1, y-1
			rev = append(rev, DiffLine{Op: DiffSame, Old: offset + x + 1, New: offset + y + 1, Text: a[x]})
		}
		if x == px {
			y--
			rev = append(rev, DiffLine{Op: DiffAdded, New: offset + y + 1, Text: b[y]})
		} else {
			x--
			rev = append(rev, DiffLine{Op: DiffRemoved, Old: offset + x + 1, Text: a[x]})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, DiffLine{Op: DiffSame, Old: offset + x + 1, New: offset + y + 1, Text: a[x]})
	}
	out := make([]DiffLine, len(rev))
	for i, l := range rev {
		out[len(rev)-1-i] = l
	}
	return out, true
}

// toHunks keeps the changed lines and up to context lines around each,
// one hunk per run whose contexts touch.
func toHunks(lines []DiffLine, context int) []Hunk {
	var hunks []Hunk
	keep := make([]bool, len(lines))
	any := false
	for i, l := range lines {
		if l.Op == DiffSame {
			continue
		}
		any = true
		for j := max(0, i-context); j <= min(len(lines)-1, i+context); j++ {
			keep[j] = true
		}
	}
	if !any {
		return nil
	}
	var cur *Hunk
	for i, l := range lines {
		if !keep[i] {
			cur = nil
			continue
		}
		if cur == nil {
			hunks = append(hunks, Hunk{})
			cur = &hunks[len(hunks)-1]
		}
		cur.Lines = append(cur.Lines, l)
	}
	return hunks
}
