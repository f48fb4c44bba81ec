ALTER TABLE migration_test.app_base ADD loyalty_tier VARCHAR(12);
ALTER TABLE migration_test.processing_log ADD contract_fingerprint VARCHAR(64);
