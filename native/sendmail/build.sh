#!/bin/sh
# Builds the sendmail front end (sendmail.c) into build/mailroom-sendmail, run
# by npm at install. Without a C compiler this fails and npm skips the optional
# package: bin/sendmail then runs the Node implementation alone.
# MAILROOM_FRONTEND_SOCKET sets the socket it connects to by default.
set -e
cd "$(dirname "$0")"
mkdir -p build
def=
if [ -n "${MAILROOM_FRONTEND_SOCKET:-}" ]; then def="-DMAILROOM_FRONTEND_SOCKET=\"$MAILROOM_FRONTEND_SOCKET\""; fi
# Built under a temporary name and renamed: a half-written binary is never run.
# Linked statically where the C library allows it: no dynamic loader to run
# (about 1 ms of each submission); dynamically otherwise.
${CC:-cc} -O2 -Wall -Wextra -static $def -o build/mailroom-sendmail.tmp sendmail.c 2>/dev/null ||
  ${CC:-cc} -O2 -Wall -Wextra $def -o build/mailroom-sendmail.tmp sendmail.c
mv build/mailroom-sendmail.tmp build/mailroom-sendmail
