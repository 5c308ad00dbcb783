#!/usr/bin/env bash
# Starts a loopback-only mail system for the tests, all of its state in $MH_DIR (a private folder):
#   Postfix  127.0.0.1:$MH_SMTP_PORT        SMTP submission: STARTTLS offered, AUTH PLAIN/LOGIN required
#                                           (Dovecot SASL); only the mailboxes of $MH_DOMAIN, nothing relayed
#            127.0.0.1:$MH_SMTP_PLAIN_PORT  SMTP without TLS or AUTH, for the same mailboxes only
#   Dovecot  127.0.0.1:$MH_POP3_PORT POP3, 127.0.0.1:$MH_IMAP_PORT IMAP (STARTTLS optional on both),
#            127.0.0.1:$MH_POP3S_PORT POP3S, 127.0.0.1:$MH_IMAPS_PORT IMAPS (implicit TLS; 0 = off),
#            127.0.0.1:$MH_LMTP_PORT LMTP (Postfix delivers to it)
# Mailboxes: $MH_USERS ("name:password …"), addresses name@$MH_DOMAIN. TLS: a self-made certificate for
# localhost and 127.0.0.1 in $MH_DIR/etc/tls/cert.pem (clients trust that file). Needs root (both servers
# start as root and drop privileges). Prints "mail servers up in N ms …" and leaves the masters' pids in
# $MH_DIR/run/{postfix,dovecot}.pid for stop.sh. Exits non-zero, with the end of the logs, on failure.
#
#   MH_DIR=$(mktemp -d) test/harness/mail/start.sh && … && MH_DIR=… test/harness/mail/stop.sh
#
# Adapted from a verified recipe (Debian 12). Pitfalls handled here: Postfix without syslog logs nowhere
# (maillog_file + postlog); a main.cf younger than ~2 s makes `postfix start` stall for 2 s; Debian's
# master.cf chroots the daemons (a minimal one without chroot is written); Dovecot's auth runs as user
# dovecot (the passwd-file is group-readable by it); both daemons inherit the caller's file descriptors,
# so they are started with every fd above 2 closed (else a caller reading our stdout never sees EOF).
set -euo pipefail
MH_DIR=${MH_DIR:?set MH_DIR to a private folder for the mail servers}
DOMAIN=${MH_DOMAIN:-sdc.test}
USERS=${MH_USERS:-"hub:hubpass agency1:agency1pass agency2:agency2pass"}
SMTP_PORT=${MH_SMTP_PORT:-2525}; SMTP_PLAIN_PORT=${MH_SMTP_PLAIN_PORT:-2526}
POP3_PORT=${MH_POP3_PORT:-1110}; IMAP_PORT=${MH_IMAP_PORT:-1143}; LMTP_PORT=${MH_LMTP_PORT:-24240}
POP3S_PORT=${MH_POP3S_PORT:-0}; IMAPS_PORT=${MH_IMAPS_PORT:-0}
VUID=${MH_UID:-5000}; VGID=${MH_GID:-5000}   # numeric owner of the mail; needs no passwd entry
SBIN=${MH_SBIN:-/usr/sbin}                   # where `postfix` and `dovecot` are
INSTANCE=$(basename "$MH_DIR")

[ "$(id -u)" = 0 ] || { echo "the mail servers must be started as root" >&2; exit 1; }
for tool in postfix dovecot; do
  [ -x "$SBIN/$tool" ] || { echo "no $SBIN/$tool (install with test/harness/mail/install.sh)" >&2; exit 1; }
done
command -v openssl >/dev/null || { echo "no openssl on the PATH" >&2; exit 1; }
for p in "$MH_DIR"/run/*.pid; do
  [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null && { echo "already running in $MH_DIR ($p)" >&2; exit 1; }
done
t0=$(date +%s%N)
E=$MH_DIR/etc; R=$MH_DIR/run
mkdir -p "$E/tls" "$R" "$MH_DIR/log" "$MH_DIR/state"
chmod 755 "$MH_DIR" "$R"
install -d -o "$VUID" -g "$VGID" -m 700 "$MH_DIR/mail"
[ -s "$E/tls/key.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$E/tls/key.pem" -out "$E/tls/cert.pem" 2>/dev/null
chmod 600 "$E/tls/key.pem"; chmod 644 "$E/tls/cert.pem"

# Dovecot passwd-file (user:{scheme}pass:uid:gid:gecos:home:shell:extra); Postfix's list of valid recipients.
: > "$E/users"; : > "$E/vmailbox"
for up in $USERS; do
  u=${up%%:*}; pw=${up#*:}
  echo "$u@$DOMAIN:{PLAIN}$pw:$VUID:$VGID::$MH_DIR/mail/$DOMAIN/$u::" >> "$E/users"
  echo "$u@$DOMAIN OK" >> "$E/vmailbox"
done
chgrp dovecot "$E/users"; chmod 640 "$E/users"

cat > "$E/dovecot.conf" <<CONF
instance_name = $INSTANCE
base_dir = $R/dovecot
state_dir = $MH_DIR/state
log_path = $MH_DIR/log/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <$E/tls/cert.pem
ssl_key = <$E/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = $VUID
mail_location = maildir:~/Maildir
mail_fsync = never
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $E/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $E/users
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = $POP3S_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
protocol lmtp {
  postmaster_address = postmaster@$DOMAIN
}
CONF

cat > "$E/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $MH_DIR/spool
data_directory = $MH_DIR/data
maillog_file = $MH_DIR/log/postfix.log
maillog_file_prefixes = $MH_DIR/log
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = $DOMAIN
mydestination =
mynetworks =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = texthash:$E/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
default_transport = error:outbound mail disabled in the test harness
relay_transport = error:outbound mail disabled in the test harness
smtpd_tls_cert_file = $E/tls/cert.pem
smtpd_tls_key_file = $E/tls/key.pem
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = $R/dovecot/auth-postfix
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = reject_unlisted_recipient
smtpd_peername_lookup = no
biff = no
CONF
cat > "$E/master.cf" <<CONF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SMTP_PLAIN_PORT inet n - n - - smtpd
  -o smtpd_tls_security_level=none
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
lmtp      unix - - n - - lmtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
touch -d '-1 min' "$E/main.cf" "$E/master.cf"
install -d -m 755 "$MH_DIR/spool"; install -d -o postfix -g postfix -m 700 "$MH_DIR/data"

fail() { echo "$1; the end of the logs in $MH_DIR/log:" >&2; tail -n 8 "$MH_DIR"/log/*.log >&2 2>/dev/null || true; exit 1; }
# Runs a daemon with stdio to its log and no inherited file descriptor above 2.
detach() { local log=$1; shift
  ( for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@" ) \
    </dev/null >>"$log" 2>&1; }
wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.025; done; return 1; }

detach "$MH_DIR/log/dovecot.log" "$SBIN/dovecot" -c "$E/dovecot.conf" || fail "dovecot did not start"
wait_file "$R/dovecot/master.pid" || fail "dovecot wrote no pid file"
cp "$R/dovecot/master.pid" "$R/dovecot.pid"
# `start` creates the queue folders; its errors go to log/postfix.log (no tty, no syslog).
detach "$MH_DIR/log/postfix.log" "$SBIN/postfix" -c "$E" start || fail "postfix did not start"
wait_file "$MH_DIR/spool/pid/master.pid" || fail "postfix wrote no pid file"
tr -d ' ' < "$MH_DIR/spool/pid/master.pid" > "$R/postfix.pid"

wait_port() { for _ in $(seq 400); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.025; done
  return 1; }
# A greeting read from a plain-text port: the first connection makes the master start its first smtpd
# (Postfix: about a second) or login process; better here, counted in the start time, than in a test.
greeting() { local line; exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  IFS= read -r -t 10 line <&3; exec 3>&-; [[ "$line" == $2* ]]; }
for p in $IMAP_PORT $POP3_PORT $IMAPS_PORT $POP3S_PORT $LMTP_PORT $SMTP_PORT $SMTP_PLAIN_PORT; do
  [ "$p" = 0 ] && continue
  wait_port "$p" || fail "port $p did not open"
done
greeting "$SMTP_PORT" 220 & greeting "$SMTP_PLAIN_PORT" 220 & greeting "$POP3_PORT" +OK & greeting "$IMAP_PORT" '* OK' &
for job in $(jobs -p); do wait "$job" || fail "a server did not greet on its port"; done
echo "mail servers up in $(( ($(date +%s%N) - t0) / 1000000 )) ms: smtp $SMTP_PORT (STARTTLS, AUTH), smtp $SMTP_PLAIN_PORT (plain), pop3 $POP3_PORT, imap $IMAP_PORT (STARTTLS), pop3s $POP3S_PORT, imaps $IMAPS_PORT, lmtp $LMTP_PORT; postfix pid $(cat "$R/postfix.pid"), dovecot pid $(cat "$R/dovecot.pid"); dir $MH_DIR"
