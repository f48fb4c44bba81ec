CREATE SCHEMA migration;

CREATE TABLE migration.app_xml (
	app_id INTEGER NOT NULL, 
	xml NVARCHAR(max) NULL, 
	CONSTRAINT pk_app_xml PRIMARY KEY (app_id)
);

CREATE TABLE migration.app_base (
	app_id INTEGER NOT NULL, 
	receive_date DATETIME2(6) NOT NULL, 
	product_line_enum SMALLINT NOT NULL, 
	app_source_enum SMALLINT NULL, 
	app_type_enum SMALLINT NULL, 
	status_enum SMALLINT NOT NULL, 
	decision_enum SMALLINT NULL, 
	decision_date DATETIME2(6) NULL, 
	retain_until_date DATE NULL, 
	ip_address NVARCHAR(45) NULL, 
	test_app_flag BIT NOT NULL, 
	sub_channel_code NVARCHAR(20) NULL, 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE migration.app_contact_base (
	con_id BIGINT NOT NULL, 
	app_id INTEGER NOT NULL, 
	contact_type_enum SMALLINT NOT NULL, 
	first_name NVARCHAR(25) NOT NULL, 
	middle_initial NVARCHAR(1) NULL, 
	last_name NVARCHAR(30) NOT NULL, 
	suffix_enum SMALLINT NULL, 
	ssn CHAR(9) NULL, 
	birth_date DATE NULL, 
	email NVARCHAR(80) NULL, 
	cell_phone NVARCHAR(10) NULL, 
	home_phone NVARCHAR(10) NULL, 
	citizenship_enum SMALLINT NULL, 
	mother_maiden_name NVARCHAR(30) NULL, 
	fraud_type_enum SMALLINT NULL, 
	esign_consent_flag BIT NOT NULL, 
	CONSTRAINT pk_app_contact_base PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_base_app_id FOREIGN KEY(app_id) REFERENCES migration.app_base (app_id) ON DELETE CASCADE
);

CREATE INDEX ix_app_contact_base_app_id ON migration.app_contact_base (app_id);

CREATE TABLE migration.app_operational (
	app_id INTEGER NOT NULL, 
	signature_flag BIT NOT NULL, 
	paperless_flag BIT NOT NULL, 
	manual_review_flag BIT NULL, 
	assigned_analyst NVARCHAR(60) NULL, 
	channel_group NVARCHAR(10) NULL, 
	regb_start_date DATETIME2(6) NULL, 
	regb_end_date DATETIME2(6) NULL, 
	risk_band NVARCHAR(10) NULL, 
	bank_aba NVARCHAR(9) NULL, 
	bank_account_type_enum SMALLINT NULL, 
	housing_payment DECIMAL(18, 2) NULL, 
	authu_last_name NVARCHAR(30) NULL, 
	authu_issue_card_flag BIT NULL, 
	priority_enum SMALLINT NULL, 
	CONSTRAINT pk_app_operational PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_operational_app_id FOREIGN KEY(app_id) REFERENCES migration.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration.app_pricing (
	app_id INTEGER NOT NULL, 
	campaign_code NVARCHAR(12) NULL, 
	promo_code NVARCHAR(6) NULL, 
	annual_fee SMALLINT NULL, 
	purchase_apr DECIMAL(18, 2) NULL, 
	cash_apr DECIMAL(18, 2) NULL, 
	promo_apr DECIMAL(18, 4) NULL, 
	pricing_tier TINYINT NULL, 
	requested_limit INTEGER NULL, 
	approved_limit_max INTEGER NULL, 
	credit_line INTEGER NULL, 
	account_number NVARCHAR(16) NULL, 
	monthly_income DECIMAL(18, 2) NULL, 
	debt_to_income DECIMAL(18, 4) NULL, 
	limit_band NVARCHAR(10) NULL, 
	offer_expires DATETIME2(6) NULL, 
	CONSTRAINT pk_app_pricing PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_pricing_app_id FOREIGN KEY(app_id) REFERENCES migration.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration.app_contact_address (
	con_id BIGINT NOT NULL, 
	address_type_enum SMALLINT NOT NULL, 
	street_number NVARCHAR(10) NULL, 
	street_name NVARCHAR(40) NULL, 
	address_line_1 NVARCHAR(50) NULL, 
	unit NVARCHAR(10) NULL, 
	city NVARCHAR(30) NULL, 
	state CHAR(2) NULL, 
	zip NVARCHAR(9) NULL, 
	months_at_address SMALLINT NULL, 
	ownership_type_enum SMALLINT NULL, 
	monthly_payment DECIMAL(18, 2) NULL, 
	CONSTRAINT pk_app_contact_address PRIMARY KEY (con_id, address_type_enum), 
	CONSTRAINT fk_app_contact_address_con_id FOREIGN KEY(con_id) REFERENCES migration.app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE migration.app_contact_employment (
	con_id BIGINT NOT NULL, 
	employment_type_enum SMALLINT NOT NULL, 
	business_name NVARCHAR(50) NULL, 
	job_title NVARCHAR(40) NULL, 
	monthly_salary DECIMAL(18, 2) NULL, 
	months_at_job SMALLINT NULL, 
	start_date DATE NULL, 
	self_employed_flag BIT NOT NULL, 
	income_type_enum SMALLINT NULL, 
	phone NVARCHAR(10) NULL, 
	city NVARCHAR(30) NULL, 
	state CHAR(2) NULL, 
	CONSTRAINT pk_app_contact_employment PRIMARY KEY (con_id, employment_type_enum), 
	CONSTRAINT fk_app_contact_employment_con_id FOREIGN KEY(con_id) REFERENCES migration.app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE migration.scores (
	app_id INTEGER NOT NULL, 
	score_identifier NVARCHAR(100) NOT NULL, 
	score INTEGER NULL, 
	CONSTRAINT pk_scores PRIMARY KEY (app_id, score_identifier), 
	CONSTRAINT fk_scores_app_id FOREIGN KEY(app_id) REFERENCES migration.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration.indicators (
	app_id INTEGER NOT NULL, 
	indicator NVARCHAR(100) NOT NULL, 
	value NVARCHAR(250) NULL, 
	CONSTRAINT pk_indicators PRIMARY KEY (app_id, indicator), 
	CONSTRAINT fk_indicators_app_id FOREIGN KEY(app_id) REFERENCES migration.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration.app_historical_lookup (
	app_id INTEGER NOT NULL, 
	name NVARCHAR(100) NOT NULL, 
	source NVARCHAR(100) NULL, 
	value NVARCHAR(200) NULL, 
	CONSTRAINT pk_app_historical_lookup PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_historical_lookup_app_id FOREIGN KEY(app_id) REFERENCES migration.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration.processing_log (
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

CREATE UNIQUE INDEX ix_processing_log_app_id ON migration.processing_log (app_id);

