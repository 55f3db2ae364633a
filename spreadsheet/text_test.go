package spreadsheet_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/feerecon/feerecon/spreadsheet"
)

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want, csv string
	}{
		{"empty", "", "", "\n"},
		{"plain agency", "H29.75", "H29.75", "H29.75\n"},
		{"treasury account", "3511.0.1052361", "3511.0.1052361", "3511.0.1052361\n"},
		{"equals: a formula", "=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n"},
		{"DDE", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0\n"},
		{"plus", "+1+1", "'+1+1", "'+1+1\n"},
		{"minus text", "-2+3", "'-2+3", "'-2+3\n"},
		{"at", "@SUM(A1)", "'@SUM(A1)", "'@SUM(A1)\n"},
		{"tab", "\t=1", "'\t=1", "'\t=1\n"},
		{"carriage return", "\r=1", "'\r=1", "\"'\r=1\"\n"},
		{"separator inside", "=1,2", "'=1,2", "\"'=1,2\"\n"},
		{"formula later is text", "a=1", "a=1", "a=1\n"},
		{"leading quote kept", "'=1", "'=1", "'=1\n"},
		{"space first", " =1", " =1", "\" =1\"\n"},
		{"Vietnamese", "Nguyễn Văn An", "Nguyễn Văn An", "Nguyễn Văn An\n"},
		{"newline first", "\n=1", "\n=1", "\"\n=1\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := spreadsheet.Text(tc.in)
			if got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			if err := w.Write([]string{got}); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			if b.String() != tc.csv {
				t.Errorf("as CSV: %q, want %q", b.String(), tc.csv)
			}
			// The cell reads back as the neutralised text: nothing lost.
			rec, err := csv.NewReader(&b).Read()
			if tc.in != "" && (err != nil || len(rec) != 1 || rec[0] != got) {
				t.Errorf("read back %q, %v; want %q", rec, err, got)
			}
		})
	}
}
