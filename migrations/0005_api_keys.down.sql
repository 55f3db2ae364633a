REVOKE ALL ON api_keys FROM feerecon_service;
DROP TABLE api_keys;
DROP FUNCTION api_keys_guard();
