CREATE SCHEMA migration_test;

CREATE TABLE migration_test.app_xml_staging_test (
	app_id INTEGER NOT NULL, 
	[app_XML] NVARCHAR(max) NULL, 
	CONSTRAINT pk_app_xml_staging_test PRIMARY KEY (app_id)
);

CREATE TABLE migration_test.app_base (
	app_id INTEGER NOT NULL, 
	product_line_enum SMALLINT NOT NULL, 
	app_source_enum SMALLINT NULL, 
	app_type_enum SMALLINT NULL, 
	decision_enum SMALLINT NULL, 
	receive_date DATETIME2(6) NOT NULL, 
	decision_date DATETIME2(6) NULL, 
	ip_address NVARCHAR(39) NULL, 
	retain_until_date DATETIME2(6) NULL, 
	test_app_flag BIT NULL, 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE migration_test.app_contact_base (
	con_id INTEGER NOT NULL, 
	app_id INTEGER NOT NULL, 
	contact_type_enum SMALLINT NOT NULL, 
	first_name NVARCHAR(20) NOT NULL, 
	middle_initial NVARCHAR(1) NULL, 
	last_name NVARCHAR(25) NOT NULL, 
	ssn CHAR(9) NOT NULL, 
	birth_date DATE NOT NULL, 
	email NVARCHAR(60) NULL, 
	home_phone NVARCHAR(10) NULL, 
	fraud_type_enum SMALLINT NULL, 
	esign_consent_flag BIT NOT NULL, 
	paperless_flag BIT NOT NULL, 
	CONSTRAINT pk_app_contact_base PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_base_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
);

CREATE INDEX ix_app_contact_base_app_id ON migration_test.app_contact_base (app_id);

CREATE TABLE migration_test.app_operational (
	app_id INTEGER NOT NULL, 
	bank_aba NVARCHAR(9) NULL, 
	bank_account_type_enum SMALLINT NULL, 
	housing_payment DECIMAL(18, 2) NULL, 
	authu_last_name NVARCHAR(25) NULL, 
	authu_issue_card_flag BIT NULL, 
	signature_flag BIT NOT NULL, 
	status_enum SMALLINT NOT NULL, 
	assigned_analyst NVARCHAR(60) NULL, 
	regb_start_date DATETIME2(6) NULL, 
	regb_end_date DATETIME2(6) NULL, 
	factor_type_1 NVARCHAR(10) NULL, 
	factor_type_2 NVARCHAR(10) NULL, 
	limit_band NVARCHAR(10) NULL, 
	channel_group NVARCHAR(10) NULL, 
	review_flag BIT NULL, 
	risk_band NVARCHAR(10) NULL, 
	tier_label NVARCHAR(10) NULL, 
	followup_date DATETIME2(6) NULL, 
	manual_path NVARCHAR(1) NULL, 
	cohort NVARCHAR(10) NULL, 
	CONSTRAINT pk_app_operational PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_operational_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
);

CREATE TABLE migration_test.app_pricing (
	app_id INTEGER NOT NULL, 
	campaign_num NVARCHAR(10) NULL, 
	annual_fee TINYINT NULL, 
	purchase_apr DECIMAL(18, 2) NULL, 
	promo_apr DECIMAL(18, 5) NULL, 
	promo_code NVARCHAR(6) NULL, 
	monthly_income DECIMAL(18, 2) NULL, 
	debt_ratio DECIMAL(18, 4) NULL, 
	annual_net_income DECIMAL(18, 2) NULL, 
	pricing_tier SMALLINT NULL, 
	offer_expires DATETIME2(6) NULL, 
	credit_line SMALLINT NULL, 
	account_number NVARCHAR(16) NULL, 
	credit_line_max SMALLINT NULL, 
	requested_limit INTEGER NULL, 
	CONSTRAINT pk_app_pricing PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_pricing_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.app_contact_address (
	con_id INTEGER NOT NULL, 
	address_type_enum SMALLINT NOT NULL, 
	street_number NVARCHAR(10) NULL, 
	street_name NVARCHAR(30) NULL, 
	address_line_1 NVARCHAR(40) NULL, 
	unit NVARCHAR(10) NULL, 
	city NVARCHAR(30) NULL, 
	state CHAR(2) NULL, 
	zip NVARCHAR(9) NULL, 
	months_at_address SMALLINT NULL, 
	ownership_type_enum SMALLINT NULL, 
	CONSTRAINT pk_app_contact_address PRIMARY KEY (con_id, address_type_enum), 
	CONSTRAINT fk_app_contact_address_con_id FOREIGN KEY(con_id) REFERENCES migration_test.app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.app_contact_employment (
	con_id INTEGER NOT NULL, 
	employment_type_enum SMALLINT NOT NULL, 
	business_name NVARCHAR(40) NULL, 
	job_title NVARCHAR(30) NULL, 
	monthly_salary DECIMAL(18, 2) NULL, 
	months_at_job SMALLINT NULL, 
	self_employed_flag BIT NOT NULL, 
	income_type_enum SMALLINT NULL, 
	phone NVARCHAR(10) NULL, 
	city NVARCHAR(30) NULL, 
	CONSTRAINT pk_app_contact_employment PRIMARY KEY (con_id, employment_type_enum), 
	CONSTRAINT fk_app_contact_employment_con_id FOREIGN KEY(con_id) REFERENCES migration_test.app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.app_collateral_rl (
	app_id INTEGER NOT NULL, 
	collateral_type_enum SMALLINT NOT NULL, 
	make NVARCHAR(20) NOT NULL, 
	model NVARCHAR(20) NULL, 
	year SMALLINT NOT NULL, 
	used_flag BIT NOT NULL, 
	wholesale_value DECIMAL(18, 2) NULL, 
	vin NVARCHAR(17) NULL, 
	sort_order SMALLINT NOT NULL, 
	CONSTRAINT pk_app_collateral_rl PRIMARY KEY (app_id, collateral_type_enum, sort_order), 
	CONSTRAINT fk_app_collateral_rl_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.app_warranties_rl (
	app_id INTEGER NOT NULL, 
	warranty_type_enum SMALLINT NOT NULL, 
	company_name NVARCHAR(30) NULL, 
	amount DECIMAL(18, 2) NULL, 
	term_months SMALLINT NULL, 
	policy_number NVARCHAR(20) NULL, 
	lienholder_flag BIT NULL, 
	CONSTRAINT pk_app_warranties_rl PRIMARY KEY (app_id, warranty_type_enum), 
	CONSTRAINT fk_app_warranties_rl_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.app_policy_exceptions_rl (
	app_id INTEGER NOT NULL, 
	policy_exception_type_enum SMALLINT NOT NULL, 
	reason_code NVARCHAR(20) NULL, 
	notes NVARCHAR(100) NULL, 
	CONSTRAINT pk_app_policy_exceptions_rl PRIMARY KEY (app_id, policy_exception_type_enum), 
	CONSTRAINT fk_app_policy_exceptions_rl_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE migration_test.scores (
	app_id INTEGER NOT NULL, 
	score_identifier NVARCHAR(100) NOT NULL, 
	score INTEGER NULL, 
	CONSTRAINT pk_scores PRIMARY KEY (app_id, score_identifier), 
	CONSTRAINT fk_scores_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
);

CREATE TABLE migration_test.indicators (
	app_id INTEGER NOT NULL, 
	indicator NVARCHAR(100) NOT NULL, 
	value NVARCHAR(250) NULL, 
	CONSTRAINT pk_indicators PRIMARY KEY (app_id, indicator), 
	CONSTRAINT fk_indicators_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
);

CREATE TABLE migration_test.app_historical_lookup (
	app_id INTEGER NOT NULL, 
	name NVARCHAR(100) NOT NULL, 
	source NVARCHAR(100) NULL, 
	value NVARCHAR(40) NULL, 
	CONSTRAINT pk_app_historical_lookup PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_historical_lookup_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
);

CREATE TABLE migration_test.app_report_results_lookup (
	app_id INTEGER NOT NULL, 
	name NVARCHAR(100) NOT NULL, 
	value NVARCHAR(250) NULL, 
	source_report_key NVARCHAR(100) NULL, 
	CONSTRAINT pk_app_report_results_lookup PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_report_results_lookup_app_id FOREIGN KEY(app_id) REFERENCES migration_test.app_base (app_id)
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

