CREATE TABLE app_xml (
	app_id INTEGER NOT NULL, 
	xml TEXT, 
	CONSTRAINT pk_app_xml PRIMARY KEY (app_id)
);

CREATE TABLE app_base (
	app_id INTEGER NOT NULL, 
	app_receive_date DATETIME, 
	product_line VARCHAR(20), 
	requested_amount DECIMAL(18, 2), 
	decision_date DATE, 
	channel_code SMALLINT, 
	priority SMALLINT, 
	external_ref BIGINT, 
	comments TEXT, 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE app_contact_base (
	con_id INTEGER NOT NULL, 
	app_id INTEGER NOT NULL, 
	contact_type_enum SMALLINT, 
	first_name VARCHAR(50), 
	ssn CHAR(9), 
	birth_date DATETIME, 
	esign_consent_flag SMALLINT, 
	CONSTRAINT pk_app_contact_base PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_base_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE INDEX ix_app_contact_base_app_id ON app_contact_base (app_id);

CREATE TABLE app_operational (
	app_id INTEGER NOT NULL, 
	assigned_to VARCHAR(30), 
	risk_rate DECIMAL(18, 4), 
	CONSTRAINT pk_app_operational PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_operational_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_contact_address (
	con_id INTEGER NOT NULL, 
	address_type_enum SMALLINT NOT NULL, 
	city VARCHAR(50), 
	state CHAR(2), 
	CONSTRAINT pk_app_contact_address PRIMARY KEY (con_id, address_type_enum), 
	CONSTRAINT fk_app_contact_address_con_id FOREIGN KEY(con_id) REFERENCES app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE scores (
	app_id INTEGER NOT NULL, 
	score_identifier VARCHAR(100) NOT NULL, 
	score INTEGER, 
	CONSTRAINT pk_scores PRIMARY KEY (app_id, score_identifier), 
	CONSTRAINT fk_scores_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE TABLE processing_log (
	log_id INTEGER NOT NULL, 
	app_id INTEGER NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	failure_reason VARCHAR(500), 
	processing_time DATETIME, 
	session_id VARCHAR(50), 
	app_id_start INTEGER, 
	app_id_end INTEGER, 
	rows_written TEXT, 
	partition_key VARCHAR(255), 
	contract_fingerprint VARCHAR(64), 
	CONSTRAINT pk_processing_log PRIMARY KEY (log_id)
);

CREATE UNIQUE INDEX ix_processing_log_app_id ON processing_log (app_id);

