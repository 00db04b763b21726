-- Transaction control as PostgreSQL answers it: tags, warnings, the failed
-- transaction (25P02) and COMMIT of a failed transaction answering ROLLBACK.
-- One line is one Query message; a line may hold several statements.
SELECT count(*) FROM people
BEGIN
BEGIN
SELECT count(*) FROM nope
SELECT 1
COMMIT
COMMIT
ROLLBACK
START TRANSACTION
SELECT count(*) FROM visits
ROLLBACK
BEGIN; SELECT count(*) FROM visits; COMMIT
BEGIN; SELECT count(*) FROM nope; SELECT 1
SELECT 2
ROLLBACK
SELECT count(*) FROM people; COMMIT
SELECT count(*) FROM people; ROLLBACK
