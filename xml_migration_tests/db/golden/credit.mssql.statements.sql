INSERT INTO migration_test.app_base (app_id, app_receive_date, product_line, requested_amount, decision_date, channel_code, priority, external_ref, comments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);
INSERT INTO migration_test.app_contact_base (con_id, app_id, contact_type_enum, first_name, ssn, birth_date, esign_consent_flag) VALUES (?, ?, ?, ?, ?, ?, ?);
INSERT INTO migration_test.app_operational (app_id, assigned_to, risk_rate) VALUES (?, ?, ?);
INSERT INTO migration_test.app_contact_address (con_id, address_type_enum, city, state) VALUES (?, ?, ?, ?);
INSERT INTO migration_test.scores (app_id, score_identifier, score) VALUES (?, ?, ?);
INSERT INTO migration_test.processing_log (app_id, status, failure_reason, processing_time, session_id, app_id_start, app_id_end, rows_written, partition_key, contract_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
SET IDENTITY_INSERT migration_test.app_base ON;
SET IDENTITY_INSERT migration_test.app_base OFF;
