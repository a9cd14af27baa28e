#!/usr/bin/env bash
# Installs the anchor (Postfix + Dovecot from Debian's packages) when missing. The packages' own
# services are kept from starting: the bench runs private instances on loopback ports, never the system ones.
set -euo pipefail
PKGS=(postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# "No configuration": postfix gets no main.cf and no running system instance
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections

# Keep invoke-rc.d from starting the system daemons during install (only if no policy is there already).
POLICY=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  made_policy=1
fi
cleanup() { [ "$made_policy" = 1 ] && $SUDO rm -f "$POLICY"; true; }
trap cleanup EXIT

echo "anchor: installing ${missing[*]}" >&2
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
  $SUDO apt-get update -q >&2
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
