package collection

import (
	"encoding/csv"
	"fmt"
	"io"
)

// The fuzz round trip's writer: test-only, so that no CSV written by the
// product skips spreadsheet.Text (these cells are validated codes and
// account numbers, never a formula).

// WriteCSV writes the accounts as a file Parse reads back to the same set.
func (a Accounts) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return fmt.Errorf("write collection accounts: %w", err)
	}
	for _, r := range a.rows {
		if err := cw.Write([]string{r.Agency, r.BIN, r.Account}); err != nil {
			return fmt.Errorf("write collection accounts: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write collection accounts: %w", err)
	}
	return nil
}
