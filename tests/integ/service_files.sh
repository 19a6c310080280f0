#!/bin/sh
# The service files under dist/ (docs/packaging.md):
# - the systemd unit passes `systemd-analyze verify` (with ExecStart
#   pointed at the build tree's cfgreportd, which is not installed here),
#   and its command line is one cfgreportd accepts (run with -n);
# - the OpenWrt procd init script is valid sh (and shellcheck-clean when
#   shellcheck is there), and the command its start_service gives procd,
#   run with -n against the package's default profile, is accepted;
# - that default profile (dist/cfgreport.xml) passes cfgreportd -n.
set -u
. "$(dirname "$0")/lib.sh"
need systemd-analyze
d=$top_srcdir/dist
b=$top_builddir
cp "$d/cfgreport.xml" "$tmp/cfgreport.xml"

out=$("$b/cfgreportd" -n -m 000e08aabbcc -c "$tmp/cfgreport.xml" 2>&1)
[ "$out" = "configuration OK" ] && ok "default profile: cfgreportd -n" ||
    not_ok "default profile: $out"

# The unit, with the binary and the profile moved into the test's tree.
sed -e "s|/usr/sbin/cfgreportd|$b/cfgreportd|" \
    -e "s|/etc/cfgreport/cfgreport.xml|$tmp/cfgreport.xml|g" \
    "$d/systemd/cfgreportd.service" >"$tmp/cfgreportd.service"
# --man=no: the pages are not installed here (tests/package.sh verifies
# the installed unit with them).
out=$(systemd-analyze verify --man=no "$tmp/cfgreportd.service" 2>&1)
[ -z "$out" ] && ok "systemd-analyze verify cfgreportd.service" ||
    not_ok "systemd-analyze verify: $out"
cmd=$(sed -n 's/^ExecStart=//p' "$tmp/cfgreportd.service")
# shellcheck disable=SC2086
out=$($cmd -n -m 000e08aabbcc 2>&1)
[ "$out" = "configuration OK" ] && ok "the unit's ExecStart with -n" ||
    not_ok "the unit's ExecStart: $out"
for k in StateDirectory=cfgreportd RuntimeDirectory=cfgreportd \
    'ExecReload=/bin/kill -HUP $MAINPID' ProtectSystem=strict; do
	grep -qxF "$k" "$d/systemd/cfgreportd.service" && ok "unit: $k" ||
	    not_ok "unit lacks $k"
done

# The procd init script: sourced with procd's functions stubbed, as
# /etc/rc.common would, its start_service names the command line.
init=$d/openwrt/cfgreport/files/cfgreportd.init
sh -n "$init" && ok "cfgreportd.init: sh -n" || not_ok "cfgreportd.init: sh -n"
if command -v shellcheck >/dev/null 2>&1; then
	out=$(shellcheck -s sh -e SC2034 "$init" 2>&1)
	[ -z "$out" ] && ok "cfgreportd.init: shellcheck" ||
	    not_ok "cfgreportd.init: shellcheck: $out"
fi
out=$(
	procd_open_instance() { :; }
	procd_close_instance() { :; }
	procd_set_param() {
		[ "$1" = command ] || return 0
		shift; printf '%s\n' "$@" >"$tmp/procd.cmd"
	}
	. "$init"
	PROG=$b/cfgreportd PROFILE=$tmp/cfgreport.xml
	STATEDIR=$tmp/state RUNDIR=$tmp/run
	start_service && [ -d "$tmp/state" ] && [ -d "$tmp/run" ] &&
	    xargs -d '\n' sh -c '"$0" "$@" -n -m 000e08aabbcc' <"$tmp/procd.cmd" 2>&1
)
[ "$out" = "configuration OK" ] && ok "procd start_service command with -n" ||
    not_ok "procd start_service: $out"
finish
