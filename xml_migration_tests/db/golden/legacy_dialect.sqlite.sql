CREATE TABLE legacy_source (
	app_id INTEGER NOT NULL, 
	document TEXT, 
	CONSTRAINT pk_legacy_source PRIMARY KEY (app_id)
);

CREATE TABLE app_base (
	app_id INTEGER NOT NULL, 
	receive_date DATETIME NOT NULL, 
	status_code VARCHAR(9), 
	note TEXT, 
	memo TEXT, 
	summary TEXT, 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE app_contact (
	con_id INTEGER NOT NULL, 
	app_id INTEGER NOT NULL, 
	role VARCHAR(5), 
	first_name VARCHAR(20), 
	last_name VARCHAR(25), 
	remarks TEXT, 
	initials VARCHAR(10), 
	CONSTRAINT pk_app_contact PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE INDEX ix_app_contact_app_id ON app_contact (app_id);

CREATE TABLE app_pricing (
	app_id INTEGER NOT NULL, 
	credit_limit DECIMAL(12, 2), 
	fee DECIMAL(19, 4), 
	rate DECIMAL(9, 5), 
	months DECIMAL(5, 0), 
	ratio DECIMAL(18, 4), 
	priced_at DATETIME, 
	priced_on DATE, 
	dealer_num VARCHAR(10), 
	collateral_type_enum SMALLINT, 
	open_flag SMALLINT, 
	promo_code VARCHAR(8), 
	promo_length SMALLINT, 
	promo_tail VARCHAR(3), 
	quoted_at DATETIME, 
	CONSTRAINT pk_app_pricing PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_pricing_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_history (
	app_id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	source VARCHAR(100), 
	value TEXT, 
	CONSTRAINT pk_app_history PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_history_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
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

