package dailyrun

import (
	"bytes"
	"fmt"
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
		js, err := r.JSON()
		if err != nil {
			return paths, err
		}
		files := []struct {
			ext   string
			write func(*bytes.Buffer) error
		}{
			{".json", func(b *bytes.Buffer) error { _, err := b.Write(js); return err }},
			{".csv", func(b *bytes.Buffer) error { return daily.WriteCSV(b, r, lang) }},
			{".exceptions.csv", func(b *bytes.Buffer) error { return daily.WriteExceptionsCSV(b, r, lang) }},
			{".xlsx", func(b *bytes.Buffer) error { return daily.WriteXLSX(b, []daily.Report{r}, p) }},
			{".html", func(b *bytes.Buffer) error { return daily.WriteHTML(b, r, p) }},
		}
		for _, f := range files {
			var b bytes.Buffer
			if err := f.write(&b); err != nil {
				return paths, fmt.Errorf("report %s%s: %w", r.ID, f.ext, err)
			}
			p := base + f.ext
			if err := writeWhole(p, b.Bytes()); err != nil {
				return paths, err
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

func writeWhole(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
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
