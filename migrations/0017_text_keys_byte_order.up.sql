-- Every text key in a B-tree index compares bytes (COLLATE "C"), whatever
-- collation the database was created with (issue 13). A linguistic
-- collation (C.UTF-8, which our scripts' initdb gives, vi_VN.UTF-8, en_US.UTF-8) makes
-- each comparison of a key a strcoll call: on ingest, text comparisons
-- took 9.4 % of the server's CPU, 4.5 % in byte order (perf,
-- BENCHMARKS.md), for ids, codes and references that are ASCII or
-- compared as opaque strings. Byte order is
-- also the order Go sorts strings in, which the engine and the memory
-- store use: an ORDER BY on these columns now agrees with them in any
-- deployment (under C.UTF-8 it already did: code point order). Only the
-- collation changes (the type stays text): PostgreSQL rebuilds each
-- column's indexes and foreign keys, without rewriting the tables.
-- Comparisons with parameters and columns of the default collation take
-- "C" (an implicit non-default collation wins over the default).
ALTER TABLE action_requests
    ALTER COLUMN exception_id TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN state TYPE text COLLATE "C";
ALTER TABLE allocations
    ALTER COLUMN notice_id TYPE text COLLATE "C",
    ALTER COLUMN notice_system TYPE text COLLATE "C",
    ALTER COLUMN payment_id TYPE text COLLATE "C";
ALTER TABLE api_keys
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN system TYPE text COLLATE "C";
ALTER TABLE audit_cursors
    ALTER COLUMN name TYPE text COLLATE "C";
ALTER TABLE audit_log
    ALTER COLUMN action TYPE text COLLATE "C",
    ALTER COLUMN actor TYPE text COLLATE "C",
    ALTER COLUMN entity TYPE text COLLATE "C";
ALTER TABLE consumer_offsets
    ALTER COLUMN group_id TYPE text COLLATE "C",
    ALTER COLUMN topic TYPE text COLLATE "C";
ALTER TABLE exceptions
    ALTER COLUMN assigned_to TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN kind TYPE text COLLATE "C",
    ALTER COLUMN payment_id TYPE text COLLATE "C",
    ALTER COLUMN status TYPE text COLLATE "C";
ALTER TABLE notice_items
    ALTER COLUMN notice_id TYPE text COLLATE "C",
    ALTER COLUMN system TYPE text COLLATE "C";
ALTER TABLE notices
    ALTER COLUMN dossier_key TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN payment_code TYPE text COLLATE "C",
    ALTER COLUMN system TYPE text COLLATE "C";
ALTER TABLE outbox
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN kind TYPE text COLLATE "C";
ALTER TABLE payment_awaits
    ALTER COLUMN key TYPE text COLLATE "C",
    ALTER COLUMN kind TYPE text COLLATE "C",
    ALTER COLUMN payment_id TYPE text COLLATE "C";
ALTER TABLE payment_refs
    ALTER COLUMN notice_id TYPE text COLLATE "C",
    ALTER COLUMN notice_system TYPE text COLLATE "C",
    ALTER COLUMN payment_id TYPE text COLLATE "C";
ALTER TABLE payments
    ALTER COLUMN bank_ref TYPE text COLLATE "C",
    ALTER COLUMN gateway TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN txn_id TYPE text COLLATE "C";
ALTER TABLE reports
    ALTER COLUMN agency TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE reversals
    ALTER COLUMN gateway TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN payment_id TYPE text COLLATE "C",
    ALTER COLUMN txn_id TYPE text COLLATE "C";
ALTER TABLE sessions
    ALTER COLUMN login TYPE text COLLATE "C";
ALTER TABLE statement_lines
    ALTER COLUMN statement_id TYPE text COLLATE "C";
ALTER TABLE statements
    ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE users
    ALTER COLUMN login TYPE text COLLATE "C";
