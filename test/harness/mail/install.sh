#!/usr/bin/env bash
# Installs the mail servers of the test harness on Debian/Ubuntu: Postfix (SMTP) and Dovecot (POP3, IMAP,
# LMTP), without prompts and without starting the system-wide services. Does nothing when they are there.
# Run as root (CI: .ci/run; a developer: `sudo test/harness/mail/install.sh`). The system's own
# /etc/postfix and /etc/dovecot are left unused: the harness (start.sh) writes its own configuration in a
# private folder.
set -euo pipefail
need=()
[ -x /usr/sbin/postfix ] || need+=(postfix)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-core)
[ -e /usr/lib/dovecot/pop3 ] || need+=(dovecot-pop3d)
[ -e /usr/lib/dovecot/imap ] || need+=(dovecot-imapd)
[ -e /usr/lib/dovecot/lmtp ] || need+=(dovecot-lmtpd)
command -v openssl >/dev/null || need+=(openssl)
command -v ps >/dev/null || need+=(procps)
if [ ${#need[@]} -eq 0 ]; then
  echo "mail harness: postfix and dovecot already installed"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "mail harness: installing ${need[*]} needs root (sudo $0)" >&2; exit 1; }
command -v apt-get >/dev/null || { echo "mail harness: no apt-get here; install ${need[*]} with the system's package manager" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
# Postfix asks which kind of mail system this is: none (the harness brings its own configuration).
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Keep the packages' maintainer scripts from starting the system services (invoke-rc.d honours exit 101).
added_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  added_policy=1
fi
trap '[ -z "$added_policy" ] || rm -f /usr/sbin/policy-rc.d' EXIT
t0=$(date +%s)
apt-get update -qq
apt-get install -y -qq --no-install-recommends postfix dovecot-core dovecot-pop3d dovecot-imapd dovecot-lmtpd openssl procps >/dev/null
echo "mail harness: installed ${need[*]} in $(( $(date +%s) - t0 )) s"
