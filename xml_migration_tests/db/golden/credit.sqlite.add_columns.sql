ALTER TABLE app_base ADD loyalty_tier VARCHAR(12);
ALTER TABLE processing_log ADD contract_fingerprint VARCHAR(64);
