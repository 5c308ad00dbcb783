#!/usr/bin/env bash
# Stops only what start.sh started in $MH_DIR, by its pid files: each master (Postfix, Dovecot) whose pid
# is alive AND whose command line or environment names this folder (a reused pid is left alone) gets
# TERM; whatever is left in its session after 2 s (every child shares the master's session id; Dovecot can
# leave auth helpers behind while Postfix still holds a SASL connection) gets TERM, then KILL.
# MH_PURGE=1 also deletes the mail, the queue and the state (the configuration and the certificate stay).
# Prints "mail servers stopped"; exits 1 if something of ours is still running.
set -uo pipefail
MH_DIR=${MH_DIR:?set MH_DIR to the folder the mail servers were started in}; R=$MH_DIR/run
session() { ps -eo pid=,sid=,stat= | awk -v s="$1" '$2==s && $3 !~ /^Z/ {print $1}'; }  # zombies are gone
gone() { for _ in $(seq 80); do [ -z "$(session "$1")" ] && return 0; sleep 0.025; done; return 1; }
ours() {  # the pid in pid file $1 if it is alive and its cmdline/environ mentions $2 (guards against pid reuse)
  local pid; [ -s "$R/$1" ] && pid=$(tr -dc 0-9 < "$R/$1") || return 0
  [ -n "$pid" ] && [ -n "$(session "$pid")" ] \
    && cat "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null | grep -qaF -- "$2" && echo "$pid"
}
masters="$(ours postfix.pid "$MH_DIR/spool") $(ours dovecot.pid "$MH_DIR/etc/dovecot.conf")"
for pid in $masters; do kill -TERM "$pid" 2>/dev/null; done   # each master stops its own children
status=0
for pid in $masters; do
  gone "$pid" && continue
  # shellcheck disable=SC2046
  kill -TERM $(session "$pid") 2>/dev/null; gone "$pid" && continue
  # shellcheck disable=SC2046
  kill -KILL $(session "$pid") 2>/dev/null; gone "$pid" || { echo "session $pid still running" >&2; status=1; }
done
rm -f "$R"/*.pid
[ "${MH_PURGE:-0}" = 1 ] && rm -rf "$MH_DIR/mail" "$MH_DIR/spool" "$MH_DIR/data" "$MH_DIR/state" "$R/dovecot"
echo "mail servers stopped (masters:$(printf ' %s' $masters))"
exit $status
