package spreadsheet

// formulaStarts are the first characters that make Excel, LibreOffice Calc
// or Google Sheets read a CSV cell as a formula, or help smuggle one in
// (OWASP "CSV Injection"): = + - @, tab and carriage return.
const formulaStarts = "=+-@\t\r"

// Text returns s ready to be a CSV text cell: when it starts with one of
// = + - @, tab or CR it gets a leading single quote, which spreadsheet
// programs show as text and do not evaluate; anything else is returned as
// it is. The rest of s is kept byte for byte, and encoding/csv's quoting
// (applied by the writer) still does the escaping of , " and line breaks.
//
// Text is for text fields only: agencies, treasury accounts, ids,
// references, descriptions, names, kinds. Amounts and counts are written
// as they are, never through Text: "-5000" is a negative amount, data a
// spreadsheet must read as a number, and a decimal string from
// shopspring/decimal can start with nothing but a digit or "-".
func Text(s string) string {
	if s != "" && isFormulaStart(s[0]) {
		return "'" + s
	}
	return s
}

func isFormulaStart(b byte) bool {
	for i := range len(formulaStarts) {
		if formulaStarts[i] == b {
			return true
		}
	}
	return false
}
