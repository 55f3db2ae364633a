ALTER TABLE exceptions DROP COLUMN IF EXISTS notice_system;
