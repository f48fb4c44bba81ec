#!/usr/bin/env bash
# Prepare this machine for xml_migration: system packages, running services, the virtualenv.
# Idempotent: a second run only checks. Usage: bash env_prep/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
APT_PACKAGES=(unixodbc odbc-postgresql chromium postgresql redis-server sqlite3)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pg_version="$(ls /etc/postgresql | sort -V | tail -1)"
pg_hba="/etc/postgresql/$pg_version/main/pg_hba.conf"
if ! grep -Eq '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$pg_hba"; then
  echo "allowing local test connections to PostgreSQL without a password (127.0.0.1 only)"
  as_root sed -i '1i host all all 127.0.0.1/32 trust' "$pg_hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload || true
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
"$VENV/bin/pip" install -q -e ".[dev,celery]"
