#!/bin/sh
# Entrypoint of emul/postgres: the interface of the official `postgres` image (docker-library),
# re-implemented for a busybox shell on a FROM-scratch image.
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (postgres),
#   POSTGRES_DB (= POSTGRES_USER), POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR,
#   POSTGRES_HOST_AUTH_METHOD (scram-sha-256), PGDATA; each *_FILE variant reads a file instead;
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz|*.sql.xz run once, on first initialisation.
# `docker run emul/postgres:15 -c max_connections=200` means `postgres -c max_connections=200`.
set -eu

# file_env VAR [DEFAULT]: VAR from VAR or from the file named by VAR_FILE (Docker secrets).
file_env() {
	var=$1; def=${2:-}
	eval "val=\${$var:-}"; eval "fileval=\${${var}_FILE:-}"
	if [ -n "$val" ] && [ -n "$fileval" ]; then
		echo "error: both $var and ${var}_FILE are set (but are exclusive)" >&2; exit 1
	fi
	if [ -n "$fileval" ]; then val=$(cat "$fileval"); fi
	[ -n "$val" ] || val=$def
	export "$var=$val"
	unset "${var}_FILE"
}

wants_help() {
	for arg; do case $arg in -'?'|--help|--describe-config|-V|--version) return 0 ;; esac; done
	return 1
}

case "${1:-}" in -*) set -- postgres "$@" ;; esac

if [ "${1:-}" != postgres ] || wants_help "$@"; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# As root: create and hand over the directories, then re-run this script as postgres (uid 999).
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chmod 00700 "$PGDATA" || :
	chmod 03775 /var/run/postgresql || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then mkdir -p "$POSTGRES_INITDB_WALDIR"; chown -R postgres:postgres "$POSTGRES_INITDB_WALDIR"; fi
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' + 2>/dev/null || :
	find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' + 2>/dev/null || :
	exec /usr/bin/setpriv --reuid=999 --regid=999 --clear-groups "$0" "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=}"

if [ -s "$PGDATA/PG_VERSION" ]; then
	echo
	echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	echo
	exec "$@"
fi

if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
	cat >&2 <<-'EOM'
		Error: Database is uninitialized and superuser password is not specified.
		       You must specify POSTGRES_PASSWORD to a non-empty value for the
		       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

		       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
		       connections without a password. This is *not* recommended.
	EOM
	exit 1
fi
if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
	echo 'warning: POSTGRES_HOST_AUTH_METHOD=trust: every connection is accepted without a password' >&2
fi

# initdb reads the password from a file; keep it private and short-lived.
pwfile=$(mktemp)
trap 'rm -f "$pwfile"' EXIT
printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image
if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --waldir="$POSTGRES_INITDB_WALDIR" $POSTGRES_INITDB_ARGS
else
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" $POSTGRES_INITDB_ARGS
fi
rm -f "$pwfile"

# Remote connections: password auth (SCRAM by default, as PostgreSQL 14+ and the official image).
auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

# Temporary server on the Unix socket only, to create the database and run init scripts.
export PGPASSWORD="$POSTGRES_PASSWORD"
pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
psql_run() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }

if [ "$POSTGRES_DB" != postgres ]; then
	exists=$(psql_run --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)
	if [ -z "$(echo "$exists" | tr -d ' \n')" ]; then
		psql_run --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
		echo
	fi
fi

echo
for f in /docker-entrypoint-initdb.d/*; do
	[ -e "$f" ] || continue
	case "$f" in
		*.sh)
			# shellcheck disable=SC1090 # user-provided init script
			if [ -x "$f" ]; then echo "$0: running $f"; "$f"
			else echo "$0: sourcing $f"; . "$f"; fi ;;
		*.sql) echo "$0: running $f"; psql_run --dbname "$POSTGRES_DB" -f "$f"; echo ;;
		*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_run --dbname "$POSTGRES_DB"; echo ;;
		*.sql.xz) echo "$0: running $f"; xzcat "$f" | psql_run --dbname "$POSTGRES_DB"; echo ;;
		*) echo "$0: ignoring $f" ;;
	esac
done

pg_ctl -D "$PGDATA" -m fast -w stop
unset PGPASSWORD
echo
echo 'PostgreSQL init process complete; ready for start up.'
echo
exec "$@"
