DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'feerecon_service') THEN
        REVOKE ALL ON api_keys FROM feerecon_service;
    END IF;
END $$;
DROP TABLE api_keys;
DROP FUNCTION api_keys_guard();
