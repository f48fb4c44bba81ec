CREATE SCHEMA legacy;

CREATE TABLE legacy.legacy_source (
	app_id INTEGER NOT NULL, 
	document NVARCHAR(max) NULL, 
	CONSTRAINT pk_legacy_source PRIMARY KEY (app_id)
);

CREATE TABLE legacy.app_base (
	app_id INTEGER NOT NULL, 
	receive_date DATETIME2(6) NOT NULL, 
	status_code NVARCHAR(9) NULL, 
	note NVARCHAR(max) NULL, 
	memo NVARCHAR(max) NULL, 
	summary NVARCHAR(max) NULL, 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE legacy.app_contact (
	con_id INTEGER NOT NULL, 
	app_id INTEGER NOT NULL, 
	role NVARCHAR(5) NULL, 
	first_name NVARCHAR(20) NULL, 
	last_name NVARCHAR(25) NULL, 
	remarks NVARCHAR(max) NULL, 
	initials NVARCHAR(10) NULL, 
	CONSTRAINT pk_app_contact PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_app_id FOREIGN KEY(app_id) REFERENCES legacy.app_base (app_id)
);

CREATE INDEX ix_app_contact_app_id ON legacy.app_contact (app_id);

CREATE TABLE legacy.app_pricing (
	app_id INTEGER NOT NULL, 
	credit_limit DECIMAL(12, 2) NULL, 
	fee DECIMAL(19, 4) NULL, 
	rate DECIMAL(9, 5) NULL, 
	months DECIMAL(5, 0) NULL, 
	ratio DECIMAL(18, 4) NULL, 
	priced_at SMALLDATETIME NULL, 
	priced_on DATE NULL, 
	dealer_num NVARCHAR(10) NULL, 
	collateral_type_enum SMALLINT NULL, 
	open_flag BIT NULL, 
	promo_code NVARCHAR(8) NULL, 
	promo_length TINYINT NULL, 
	promo_tail NVARCHAR(3) NULL, 
	quoted_at DATETIME2(6) NULL, 
	CONSTRAINT pk_app_pricing PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_pricing_app_id FOREIGN KEY(app_id) REFERENCES legacy.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE legacy.app_history (
	app_id INTEGER NOT NULL, 
	name NVARCHAR(100) NOT NULL, 
	source NVARCHAR(100) NULL, 
	value NVARCHAR(max) NULL, 
	CONSTRAINT pk_app_history PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_history_app_id FOREIGN KEY(app_id) REFERENCES legacy.app_base (app_id)
);

CREATE TABLE legacy.processing_log (
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

CREATE UNIQUE INDEX ix_processing_log_app_id ON legacy.processing_log (app_id);

