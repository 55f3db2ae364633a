package dailyrun

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/feerecon/feerecon/reconcile/daily"
)

// FileBase is the base name of a report version's files:
// report_<date>_<agency>_v<version>, the agency written by
// daily.FileComponent, so two reports never share a name.
func FileBase(r daily.Report) string {
	return fmt.Sprintf("report_%s_%s_v%d", r.BusinessDate, daily.FileComponent(r.Agency), r.Version)
}

// WriteFiles writes each report as JSON (indented, with its SHA-256), CSV
// of figures and CSV of exceptions (UTF-8 with BOM), XLSX and printable
// HTML into dir, named by FileBase, in p's language (the HTML and XLSX
// with p's issuing unit), and returns the paths written. A file is written
// whole (temporary file, then rename).
func WriteFiles(dir string, reports []daily.Report, p daily.Print) ([]string, error) {
	lang := p.Lang
	//nolint:gosec // G301: report folders are read by the accountants' own tools and other users.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report files: %w", err)
	}
	var paths []string
	for _, r := range reports {
		base := filepath.Join(dir, FileBase(r))
		files := []struct {
			ext   string
			write func(io.Writer) error
		}{
			{".json", r.WriteJSON},
			{".csv", func(w io.Writer) error { return daily.WriteCSV(w, r, lang) }},
			{".exceptions.csv", func(w io.Writer) error { return daily.WriteExceptionsCSV(w, r, lang) }},
			{".xlsx", func(w io.Writer) error { return daily.WriteXLSX(w, []daily.Report{r}, p) }},
			{".html", func(w io.Writer) error { return daily.WriteHTML(w, r, p) }},
		}
		for _, f := range files {
			p := base + f.ext
			if err := writeWhole(p, f.write); err != nil {
				return paths, fmt.Errorf("report %s%s: %w", r.ID, f.ext, err)
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// writeWhole writes path whole: write streams into a temporary file,
// renamed to path once complete.
func writeWhole(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
