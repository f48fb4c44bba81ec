#!/usr/bin/env bash
# Run the end_to_end job through Dagster on the embedded SQLite default:
# mock documents -> reset -> migrate every id range -> integrity checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
export XML_MIGRATION_DB_URL="${XML_MIGRATION_DB_URL:-sqlite:///$PWD/xml_migration.db}"
mkdir -p "$DAGSTER_HOME"
[ -f "$DAGSTER_HOME/dagster.yaml" ] || cp dagster.yaml "$DAGSTER_HOME/dagster.yaml"

.venv/bin/dg launch --job end_to_end

cat <<MSG

The end_to_end job succeeded.
  target database: $XML_MIGRATION_DB_URL
  look inside:     sqlite3 ${XML_MIGRATION_DB_URL#sqlite:///} 'SELECT status, count(*) FROM processing_log GROUP BY status'
  Dagster UI:      cd $DAGSTER_HOME && DAGSTER_HOME=$DAGSTER_HOME XML_MIGRATION_DB_URL=$XML_MIGRATION_DB_URL $PWD/.venv/bin/dg dev -w $PWD/workspace.yaml -h 127.0.0.1 -p 3000
                   then open http://127.0.0.1:3000 (runs, asset graph, checks and metadata of this job)
MSG
