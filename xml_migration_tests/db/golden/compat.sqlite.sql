CREATE TABLE app_xml_staging_test (
	app_id INTEGER NOT NULL, 
	"app_XML" TEXT, 
	CONSTRAINT pk_app_xml_staging_test PRIMARY KEY (app_id)
);

CREATE TABLE app_base (
	app_id INTEGER NOT NULL, 
	product_line_enum SMALLINT NOT NULL, 
	app_source_enum SMALLINT, 
	app_type_enum SMALLINT, 
	decision_enum SMALLINT, 
	receive_date DATETIME NOT NULL, 
	decision_date DATETIME, 
	ip_address VARCHAR(39), 
	retain_until_date DATETIME, 
	test_app_flag SMALLINT, 
	CONSTRAINT pk_app_base PRIMARY KEY (app_id)
);

CREATE TABLE app_contact_base (
	con_id INTEGER NOT NULL, 
	app_id INTEGER NOT NULL, 
	contact_type_enum SMALLINT NOT NULL, 
	first_name VARCHAR(20) NOT NULL, 
	middle_initial VARCHAR(1), 
	last_name VARCHAR(25) NOT NULL, 
	ssn CHAR(9) NOT NULL, 
	birth_date DATE NOT NULL, 
	email VARCHAR(60), 
	home_phone VARCHAR(10), 
	fraud_type_enum SMALLINT, 
	esign_consent_flag SMALLINT NOT NULL, 
	paperless_flag SMALLINT NOT NULL, 
	CONSTRAINT pk_app_contact_base PRIMARY KEY (con_id), 
	CONSTRAINT fk_app_contact_base_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE INDEX ix_app_contact_base_app_id ON app_contact_base (app_id);

CREATE TABLE app_operational (
	app_id INTEGER NOT NULL, 
	bank_aba VARCHAR(9), 
	bank_account_type_enum SMALLINT, 
	housing_payment DECIMAL(18, 2), 
	authu_last_name VARCHAR(25), 
	authu_issue_card_flag SMALLINT, 
	signature_flag SMALLINT NOT NULL, 
	status_enum SMALLINT NOT NULL, 
	assigned_analyst VARCHAR(60), 
	regb_start_date DATETIME, 
	regb_end_date DATETIME, 
	factor_type_1 VARCHAR(10), 
	factor_type_2 VARCHAR(10), 
	limit_band VARCHAR(10), 
	channel_group VARCHAR(10), 
	review_flag SMALLINT, 
	risk_band VARCHAR(10), 
	tier_label VARCHAR(10), 
	followup_date DATETIME, 
	manual_path VARCHAR(1), 
	cohort VARCHAR(10), 
	CONSTRAINT pk_app_operational PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_operational_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE TABLE app_pricing (
	app_id INTEGER NOT NULL, 
	campaign_num VARCHAR(10), 
	annual_fee SMALLINT, 
	purchase_apr DECIMAL(18, 2), 
	promo_apr DECIMAL(18, 5), 
	promo_code VARCHAR(6), 
	monthly_income DECIMAL(18, 2), 
	debt_ratio DECIMAL(18, 4), 
	annual_net_income DECIMAL(18, 2), 
	pricing_tier SMALLINT, 
	offer_expires DATETIME, 
	credit_line SMALLINT, 
	account_number VARCHAR(16), 
	credit_line_max SMALLINT, 
	requested_limit INTEGER, 
	CONSTRAINT pk_app_pricing PRIMARY KEY (app_id), 
	CONSTRAINT fk_app_pricing_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_contact_address (
	con_id INTEGER NOT NULL, 
	address_type_enum SMALLINT NOT NULL, 
	street_number VARCHAR(10), 
	street_name VARCHAR(30), 
	address_line_1 VARCHAR(40), 
	unit VARCHAR(10), 
	city VARCHAR(30), 
	state CHAR(2), 
	zip VARCHAR(9), 
	months_at_address SMALLINT, 
	ownership_type_enum SMALLINT, 
	CONSTRAINT pk_app_contact_address PRIMARY KEY (con_id, address_type_enum), 
	CONSTRAINT fk_app_contact_address_con_id FOREIGN KEY(con_id) REFERENCES app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE app_contact_employment (
	con_id INTEGER NOT NULL, 
	employment_type_enum SMALLINT NOT NULL, 
	business_name VARCHAR(40), 
	job_title VARCHAR(30), 
	monthly_salary DECIMAL(18, 2), 
	months_at_job SMALLINT, 
	self_employed_flag SMALLINT NOT NULL, 
	income_type_enum SMALLINT, 
	phone VARCHAR(10), 
	city VARCHAR(30), 
	CONSTRAINT pk_app_contact_employment PRIMARY KEY (con_id, employment_type_enum), 
	CONSTRAINT fk_app_contact_employment_con_id FOREIGN KEY(con_id) REFERENCES app_contact_base (con_id) ON DELETE CASCADE
);

CREATE TABLE app_collateral_rl (
	app_id INTEGER NOT NULL, 
	collateral_type_enum SMALLINT NOT NULL, 
	make VARCHAR(20) NOT NULL, 
	model VARCHAR(20), 
	year SMALLINT NOT NULL, 
	used_flag SMALLINT NOT NULL, 
	wholesale_value DECIMAL(18, 2), 
	vin VARCHAR(17), 
	sort_order SMALLINT NOT NULL, 
	CONSTRAINT pk_app_collateral_rl PRIMARY KEY (app_id, collateral_type_enum, sort_order), 
	CONSTRAINT fk_app_collateral_rl_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_warranties_rl (
	app_id INTEGER NOT NULL, 
	warranty_type_enum SMALLINT NOT NULL, 
	company_name VARCHAR(30), 
	amount DECIMAL(18, 2), 
	term_months SMALLINT, 
	policy_number VARCHAR(20), 
	lienholder_flag SMALLINT, 
	CONSTRAINT pk_app_warranties_rl PRIMARY KEY (app_id, warranty_type_enum), 
	CONSTRAINT fk_app_warranties_rl_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE app_policy_exceptions_rl (
	app_id INTEGER NOT NULL, 
	policy_exception_type_enum SMALLINT NOT NULL, 
	reason_code VARCHAR(20), 
	notes VARCHAR(100), 
	CONSTRAINT pk_app_policy_exceptions_rl PRIMARY KEY (app_id, policy_exception_type_enum), 
	CONSTRAINT fk_app_policy_exceptions_rl_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id) ON DELETE CASCADE
);

CREATE TABLE scores (
	app_id INTEGER NOT NULL, 
	score_identifier VARCHAR(100) NOT NULL, 
	score INTEGER, 
	CONSTRAINT pk_scores PRIMARY KEY (app_id, score_identifier), 
	CONSTRAINT fk_scores_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE TABLE indicators (
	app_id INTEGER NOT NULL, 
	indicator VARCHAR(100) NOT NULL, 
	value VARCHAR(250), 
	CONSTRAINT pk_indicators PRIMARY KEY (app_id, indicator), 
	CONSTRAINT fk_indicators_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE TABLE app_historical_lookup (
	app_id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	source VARCHAR(100), 
	value VARCHAR(40), 
	CONSTRAINT pk_app_historical_lookup PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_historical_lookup_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
);

CREATE TABLE app_report_results_lookup (
	app_id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	value VARCHAR(250), 
	source_report_key VARCHAR(100), 
	CONSTRAINT pk_app_report_results_lookup PRIMARY KEY (app_id, name), 
	CONSTRAINT fk_app_report_results_lookup_app_id FOREIGN KEY(app_id) REFERENCES app_base (app_id)
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

