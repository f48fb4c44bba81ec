SET NOCOUNT ON;
DECLARE @granted int;
EXEC @granted = sp_getapplock @Resource = ?, @LockMode = ?,
    @LockOwner = 'Session', @LockTimeout = 0;
SELECT @granted;

EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session';

SELECT sessions.session_id, sessions.program_name, locks.request_mode
FROM sys.dm_tran_locks AS locks
JOIN sys.dm_exec_sessions AS sessions ON sessions.session_id = locks.request_session_id
WHERE locks.resource_type = 'APPLICATION' AND locks.request_status = 'GRANT'
  AND locks.resource_description LIKE '%' + ? + '%'
  AND locks.request_session_id <> @@SPID
ORDER BY sessions.session_id;

