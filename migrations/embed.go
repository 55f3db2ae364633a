// Package migrations holds feerecon's PostgreSQL schema as numbered SQL
// migrations (NNNN_name.up.sql / .down.sql), embedded in the binary and
// applied by golang-migrate (feerecon migrate, and store/postgres.Migrate).
//
// The schema guards money on its own, whatever the code does: amounts are
// NUMERIC with a currency, non-negative by CHECK, payments are unique per
// (gateway, gateway transaction id), allocations can never exceed their
// payment (a constraint trigger), reports and the audit log refuse
// UPDATE, DELETE and TRUNCATE (row and statement triggers), and an API
// key is revoked, never deleted or altered otherwise (0005). The audit log
// is a hash chain (0004; the encoding is store/audit.go's, and 0004 chains
// the rows written before it).
//
// Roles: 0004 creates feerecon_service, the role the service runs as
// (NOLOGIN; the operator gives a login role membership). Roles belong to
// the server, not the database: a migration creates one only if it does
// not exist (and tolerates a concurrent creation), and grants per
// database. The role may SELECT and INSERT audit_log and reports, never
// UPDATE, DELETE or TRUNCATE them, and not being their owner cannot
// disable their triggers. Every migration that adds a table grants
// feerecon_service what the service needs on it, no more.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
