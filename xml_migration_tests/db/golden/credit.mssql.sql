CREATE SCHEMA migration_test;

CREATE TABLE migration_test.app_xml (
	app_id INTEGER NOT NULL, 
	xml NVARCHAR(max) NULL, 
	CONSTRAINT pk_app_xml PRIMARY KEY (app_id)
);

CREATE TABLE migration_test.app_base (
	app_id INTEGER NOT NULL, 
	app_receive_date DATETIME2(6) NULL, 
	product_line NVARCHAR(20) NULL, 
	requested_amount DECIMAL(18, 2) NULL, 
	decision_date DATE NULL, 
	channel_code TINYINT NULL, 
	priority SMALLINT NULL, 
	external_ref BIGINT NULL, 
	comments NVARCHAR(max) NULL, 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE migration_test.app_contact_base (
	con_id INTEGER NOT NULL, 
	app_id INTEGER NOT NULL, 
	contact_type_enum SMALLINT NULL, 
	first_name NVARCHAR(50) NULL, 
	ssn CHAR(9) NULL, 
	birth_date SMALLDATETIME NULL, 
	esign_consent_flag BIT NULL, 
	CONSTRAINT pk_app_contact_base PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_base_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
);

CREATE INDEX ix_app_contact_base_app_id ON migration_test.app_contact_base (app_id);

CREATE TABLE migration_test.app_operational (
	app_id INTEGER NOT NULL, 
	assigned_to NVARCHAR(30) NULL, 
	risk_rate DECIMAL(18, 4) NULL, 
	CONSTRAINT pk_app_operational PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_operational_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.app_contact_address (
	con_id INTEGER NOT NULL, 
	address_type_enum SMALLINT NOT NULL, 
	city NVARCHAR(50) NULL, 
	state CHAR(2) NULL, 
	CONSTRAINT pk_app_contact_address PRIMARY KEY (con_id, address_type_enum), 
	CONSTRAINT fk_app_contact_address_con_id FOREIGN KEY(con_id) REFERENCES migration_test.app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.scores (
	app_id INTEGER NOT NULL, 
	score_identifier NVARCHAR(100) NOT NULL, 
	score INTEGER NULL, 
	CONSTRAINT pk_scores PRIMARY KEY (app_id, score_identifier), 
	CONSTRAINT fk_scores_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
);

CREATE TABLE migration_test.processing_log (
	log_id INTEGER NOT NULL IDENTITY, 
	app_id INTEGER NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	failure_reason VARCHAR(500) NULL, 
	processing_time DATETIME2 NULL, 
	session_id VARCHAR(50) NULL, 
	app_id_start INTEGER NULL, 
	app_id_end INTEGER NULL, 
	rows_written NVARCHAR(max) NULL, 
	partition_key VARCHAR(255) NULL, 
	contract_fingerprint VARCHAR(64) NULL, 
	CONSTRAINT pk_processing_log PRIMARY KEY (log_id)
);

CREATE UNIQUE INDEX ix_processing_log_app_id ON migration_test.processing_log (app_id);

