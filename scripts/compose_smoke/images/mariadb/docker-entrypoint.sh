#!/bin/bash
# The parts of the official mariadb entry point our compose file relies on: on first start
# (empty data directory) it installs the system tables, sets the root password from
# MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD) for root@localhost and root@'%', creates the
# healthcheck user, optional MARIADB_DATABASE / MARIADB_USER, runs
# /docker-entrypoint-initdb.d/*.sql|*.sh, then runs the server as the mysql user. A volume that
# is already initialized keeps its passwords: the variables only apply to a new one.
set -eo pipefail

log() { printf '%s [Note] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
die() { printf '%s [ERROR] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*" >&2; exit 1; }

if [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p /var/lib/mysql /run/mysqld
  find /var/lib/mysql /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
  exec gosu mysql "${BASH_SOURCE[0]}" "$@"
fi

# A setting as the server will see it with these arguments (port, socket): read from the
# variables table of --verbose --help, which starts after a line of dashes (the option
# descriptions above it have lines that start with the same words).
config_of() {
  "${@:2}" --verbose --help 2>/dev/null |
    awk -v k="$1" '/^-+ +-+$/ { table = 1; next } table && $1 == k { print $2; exit }'
}
DATADIR=/var/lib/mysql
SOCKET=$(config_of socket "$@")
PORT=$(config_of port "$@")

if [ ! -d "$DATADIR/mysql" ]; then
  root_password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
  root_host=${MARIADB_ROOT_HOST:-%}
  if [ -z "$root_password" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}" ] &&
    [ -z "${MARIADB_RANDOM_ROOT_PASSWORD:-}" ]; then
    die "Database is uninitialized and password option is not specified
	You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
  fi
  if [ -n "${MARIADB_RANDOM_ROOT_PASSWORD:-}" ]; then
    root_password=$(head -c 24 /dev/urandom | base64)
    log "GENERATED ROOT PASSWORD: $root_password"
  fi
  log "Initializing database files"
  mariadb-install-db --datadir="$DATADIR" --skip-test-db --auth-root-authentication-method=normal \
    --old-mode='UTF8_IS_UTF8MB3' --default-time-zone=SYSTEM --enforce-storage-engine= \
    --skip-log-bin --expire-logs-days=0 --loose-innodb_buffer_pool_load_at_startup=0 \
    --loose-innodb_buffer_pool_dump_at_shutdown=0 >/dev/null
  log "Starting temporary server"
  "$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" --wsrep_on=OFF \
    --expire-logs-days=0 --skip-slave-start --loose-innodb_buffer_pool_load_at_startup=0 &
  temp_pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$temp_pid" 2>/dev/null || die "temporary server failed to start"
    sleep 0.5
  done
  mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 || die "temporary server does not answer"
  sql() { mariadb --protocol=socket --socket="$SOCKET" -uroot --database=mysql "$@"; }
  # SQL-quote a value (no shell or SQL injection through the environment).
  q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g")"; }
  healthcheck_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.user WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(q "$root_password");"
    if [ "$root_host" != localhost ]; then
      echo "CREATE USER 'root'@$(q "$root_host") IDENTIFIED BY $(q "$root_password");"
      echo "GRANT ALL ON *.* TO 'root'@$(q "$root_host") WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO 'root'@$(q "$root_host") WITH GRANT OPTION;"
    fi
    for h in 127.0.0.1 ::1 localhost; do
      echo "CREATE USER 'healthcheck'@'$h' IDENTIFIED BY $(q "$healthcheck_password");"
      echo "GRANT USAGE ON *.* TO 'healthcheck'@'$h';"
    done
    if [ -n "${MARIADB_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/}\`;"
    fi
    if [ -n "${MARIADB_USER:-}" ]; then
      echo "CREATE USER $(q "$MARIADB_USER")@'%' IDENTIFIED BY $(q "${MARIADB_PASSWORD:-}");"
      if [ -n "${MARIADB_DATABASE:-}" ]; then
        echo "GRANT ALL ON \`${MARIADB_DATABASE//\`/}\`.* TO $(q "$MARIADB_USER")@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | sql
  # From here on root has its password (the init scripts below log in with it).
  export MYSQL_PWD="$root_password"
  printf '[mariadb-client]\nport=%s\nsocket=%s\nuser=healthcheck\npassword=%s\nprotocol=tcp\nhost=127.0.0.1\n' \
    "$PORT" "$SOCKET" "$healthcheck_password" >"$DATADIR/.my-healthcheck.cnf"
  chmod 600 "$DATADIR/.my-healthcheck.cnf"
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) log "running $f"; . "$f" ;;
      *.sql) log "running $f"; sql <"$f" ;;
    esac
  done
  log "Stopping temporary server"
  kill "$temp_pid"
  wait "$temp_pid" || true
  log "MariaDB init process done. Ready for start up."
fi
exec "$@"
