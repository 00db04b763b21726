-- Settings are transactional: SET LOCAL ends with its transaction, a
-- rollback undoes SET, set_config(..., true) is SET LOCAL, and
-- current_setting sees every change at once.
SHOW TimeZone
SET TimeZone = 'Europe/Paris'
SHOW TimeZone
BEGIN
SET LOCAL TimeZone = 'America/New_York'
SHOW TimeZone
SELECT current_setting('TimeZone')
COMMIT
SHOW TimeZone
BEGIN
SET TimeZone = 'Asia/Tokyo'
ROLLBACK
SHOW TimeZone
BEGIN
SET TimeZone = 'Asia/Tokyo'
SET LOCAL TimeZone = 'UTC'
COMMIT
SHOW TimeZone
SET LOCAL TimeZone = 'UTC'
SHOW TimeZone
SET LOCAL TimeZone = 'UTC'; SHOW TimeZone
SHOW TimeZone
SET TimeZone = 'UTC'; SELECT current_setting('TimeZone')
SELECT set_config('TimeZone', 'Europe/Berlin', false)
SHOW TimeZone
BEGIN
SELECT set_config('TimeZone', 'Asia/Tokyo', true), current_setting('TimeZone')
SHOW TimeZone
COMMIT
SHOW TimeZone
SELECT set_config('myapp.user', 'alice', false), current_setting('myapp.user')
BEGIN
SELECT set_config('myapp.user', 'bob', true)
SELECT current_setting('myapp.user')
ROLLBACK
SELECT current_setting('myapp.user')
BEGIN
SET myapp.tenant = 'acme'
ROLLBACK
SELECT current_setting('myapp.tenant', true)
SET application_name = 'one'; SELECT current_setting('application_name')
BEGIN
SET application_name = 'two'
SELECT count(*) FROM nope
SHOW application_name
COMMIT
SHOW application_name
SET application_name = 'three'; SELECT count(*) FROM nope
SHOW application_name
RESET TimeZone
SHOW TimeZone
