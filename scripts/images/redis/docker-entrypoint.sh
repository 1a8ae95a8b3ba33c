#!/bin/sh
# Entrypoint of emul/redis: the interface of the official `redis` image.
# `docker run emul/redis:7 --requirepass x` means `redis-server --requirepass x`; as root it
# hands /data to the redis user (uid 999) and drops privileges.
set -e

# First argument is an option (`--requirepass`) or a config file (`redis.conf`).
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
	find . \! -user redis -exec chown redis '{}' + 2>/dev/null || :
	exec /usr/bin/setpriv --reuid=999 --regid=999 --clear-groups "$0" "$@"
fi

if [ "$1" = redis-server ]; then
	# The official image builds Redis with protected mode off (the container is the boundary);
	# Debian's binary has it on, so turn it off unless the user chose or brought a config file.
	case " $* " in
		*" --protected-mode "*|*.conf" "*) ;;
		*) set -- "$@" --protected-mode no ;;
	esac
fi

um=$(umask)
if [ "$um" = 0022 ]; then umask 0077; fi

exec "$@"
