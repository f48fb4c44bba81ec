CREATE TABLE app_xml (
	app_id INTEGER NOT NULL, 
	xml TEXT, 
	CONSTRAINT pk_app_xml PRIMARY KEY (app_id)
);

CREATE TABLE app_base (
	app_id INTEGER NOT NULL, 
	receive_date DATETIME NOT NULL, 
	product_line_enum SMALLINT NOT NULL, 
	app_source_enum SMALLINT, 
	app_type_enum SMALLINT, 
	status_enum SMALLINT NOT NULL, 
	decision_enum SMALLINT, 
	decision_date DATETIME, 
	retain_until_date DATE, 
	ip_address VARCHAR(45), 
	test_app_flag SMALLINT NOT NULL, 
	sub_channel_code VARCHAR(20), 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE app_contact_base (
	con_id BIGINT NOT NULL, 
	app_id INTEGER NOT NULL, 
	contact_type_enum SMALLINT NOT NULL, 
	first_name VARCHAR(25) NOT NULL, 
	middle_initial VARCHAR(1), 
	last_name VARCHAR(30) NOT NULL, 
	suffix_enum SMALLINT, 
	ssn CHAR(9), 
	birth_date DATE, 
	email VARCHAR(80), 
	cell_phone VARCHAR(10), 
	home_phone VARCHAR(10), 
	citizenship_enum SMALLINT, 
	mother_maiden_name VARCHAR(30), 
	fraud_type_enum SMALLINT, 
	esign_consent_flag SMALLINT NOT NULL, 
	CONSTRAINT pk_app_contact_base PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_base_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE INDEX ix_app_contact_base_app_id ON app_contact_base (app_id);

CREATE TABLE app_operational (
	app_id INTEGER NOT NULL, 
	signature_flag SMALLINT NOT NULL, 
	paperless_flag SMALLINT NOT NULL, 
	manual_review_flag SMALLINT, 
	assigned_analyst VARCHAR(60), 
	channel_group VARCHAR(10), 
	regb_start_date DATETIME, 
	regb_end_date DATETIME, 
	risk_band VARCHAR(10), 
	bank_aba VARCHAR(9), 
	bank_account_type_enum SMALLINT, 
	housing_payment DECIMAL(18, 2), 
	authu_last_name VARCHAR(30), 
	authu_issue_card_flag SMALLINT, 
	priority_enum SMALLINT, 
	CONSTRAINT pk_app_operational PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_operational_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_pricing (
	app_id INTEGER NOT NULL, 
	campaign_code VARCHAR(12), 
	promo_code VARCHAR(6), 
	annual_fee SMALLINT, 
	purchase_apr DECIMAL(18, 2), 
	cash_apr DECIMAL(18, 2), 
	promo_apr DECIMAL(18, 4), 
	pricing_tier SMALLINT, 
	requested_limit INTEGER, 
	approved_limit_max INTEGER, 
	credit_line INTEGER, 
	account_number VARCHAR(16), 
	monthly_income DECIMAL(18, 2), 
	debt_to_income DECIMAL(18, 4), 
	limit_band VARCHAR(10), 
	offer_expires DATETIME, 
	CONSTRAINT pk_app_pricing PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_pricing_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_contact_address (
	con_id BIGINT NOT NULL, 
	address_type_enum SMALLINT NOT NULL, 
	street_number VARCHAR(10), 
	street_name VARCHAR(40), 
	address_line_1 VARCHAR(50), 
	unit VARCHAR(10), 
	city VARCHAR(30), 
	state CHAR(2), 
	zip VARCHAR(9), 
	months_at_address SMALLINT, 
	ownership_type_enum SMALLINT, 
	monthly_payment DECIMAL(18, 2), 
	CONSTRAINT pk_app_contact_address PRIMARY KEY (con_id, address_type_enum), 
	CONSTRAINT fk_app_contact_address_con_id FOREIGN KEY(con_id) REFERENCES app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE app_contact_employment (
	con_id BIGINT NOT NULL, 
	employment_type_enum SMALLINT NOT NULL, 
	business_name VARCHAR(50), 
	job_title VARCHAR(40), 
	monthly_salary DECIMAL(18, 2), 
	months_at_job SMALLINT, 
	start_date DATE, 
	self_employed_flag SMALLINT NOT NULL, 
	income_type_enum SMALLINT, 
	phone VARCHAR(10), 
	city VARCHAR(30), 
	state CHAR(2), 
	CONSTRAINT pk_app_contact_employment PRIMARY KEY (con_id, employment_type_enum), 
	CONSTRAINT fk_app_contact_employment_con_id FOREIGN KEY(con_id) REFERENCES app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE scores (
	app_id INTEGER NOT NULL, 
	score_identifier VARCHAR(100) NOT NULL, 
	score INTEGER, 
	CONSTRAINT pk_scores PRIMARY KEY (app_id, score_identifier), 
	CONSTRAINT fk_scores_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE indicators (
	app_id INTEGER NOT NULL, 
	indicator VARCHAR(100) NOT NULL, 
	value VARCHAR(250), 
	CONSTRAINT pk_indicators PRIMARY KEY (app_id, indicator), 
	CONSTRAINT fk_indicators_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_historical_lookup (
	app_id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	source VARCHAR(100), 
	value VARCHAR(200), 
	CONSTRAINT pk_app_historical_lookup PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_historical_lookup_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
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

