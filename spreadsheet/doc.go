// Package spreadsheet holds the one rule for text that feerecon writes into
// files spreadsheet programs open (the CSV reports): a text cell must not be
// read as a formula.
//
// It holds no writer and no report layout (reconcile/daily and
// reconcile/batch own theirs) and imports nothing of feerecon.
package spreadsheet
