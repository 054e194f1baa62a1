#!/bin/bash
# The official image's healthcheck.sh, for the tests our compose file uses:
#   --connect              a client can connect over TCP (an "Access denied" still proves it)
#   --innodb_initialized   InnoDB is up
# It logs in as the healthcheck user written to the data directory at initialization.
set -eo pipefail
cnf=/var/lib/mysql/.my-healthcheck.cnf
[ -r "$cnf" ] || { echo "no $cnf (not initialized yet)"; exit 1; }
client() { mariadb --defaults-extra-file="$cnf" --skip-ssl -N -B "$@"; }
for test in "$@"; do
  case "$test" in
    --connect)
      out=$(client -e 'SELECT 1' 2>&1) || { grep -q 'Access denied' <<<"$out" || { echo "$out"; exit 1; }; } ;;
    --innodb_initialized)
      [ "$(client -e "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'innodb' AND support IN ('YES', 'DEFAULT', 'ENABLED')")" = 1 ] || exit 1 ;;
    --*) ;; # other official tests are not used here
    *) echo "unknown test $test"; exit 1 ;;
  esac
done
