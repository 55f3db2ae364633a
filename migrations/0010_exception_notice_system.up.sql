-- An exception names its notice by system and id (a notice id is unique
-- only within its issuing system: notices' key is (system, id)). Rows
-- written before this migration name no system: '' as for an exception of
-- no notice; the id alone still finds the notice where it is unique.
ALTER TABLE exceptions ADD COLUMN notice_system TEXT NOT NULL DEFAULT '';
