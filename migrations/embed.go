// Package migrations holds feerecon's PostgreSQL schema as numbered SQL
// migrations (NNNN_name.up.sql / .down.sql), embedded in the binary and
// applied by golang-migrate (feerecon migrate, and store/postgres.Migrate).
//
// The schema guards money on its own, whatever the code does: amounts are
// NUMERIC with a currency, non-negative by CHECK, payments are unique per
// (gateway, gateway transaction id), allocations can never exceed their
// payment (a constraint trigger), and reports and the audit log refuse
// UPDATE and DELETE.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
