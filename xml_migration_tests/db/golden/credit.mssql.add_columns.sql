ALTER TABLE migration_test.app_base ADD loyalty_tier NVARCHAR(12) NULL;
ALTER TABLE migration_test.processing_log ADD contract_fingerprint VARCHAR(64) NULL;
