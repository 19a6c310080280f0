# Shared by the daemon scripts: start the real agent (cfgreportd, or
# tests/agent_host with -t SCALE for the scheduler), talk to it through
# cfgreportctl, and wait for what peers received.  Sourced after lib.sh
# and transfer_lib.sh (free ports, spawn, waits).

ctl_bin=$top_builddir/cfgreportctl
mac=00:0e:08:aa:bb:cc
ma=000e08aabbcc

# write_profile FILE BODY: a flat profile holding BODY.
write_profile() {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<flat-profile>\n%s\n</flat-profile>\n' "$2" >"$1"
}

# start_agent NAME PROFILE [ARGS...]: run the agent in the foreground in
# the background; state in $tmp/NAME.state, socket $tmp/NAME.sock, log
# $tmp/NAME.log, pid in $agent_pid.  AGENT (default cfgreportd) may name
# tests/agent_host, whose extra ARGS include -t SCALE.
start_agent() {
	an=$1 prof=$2; shift 2
	mkdir -p "$tmp/$an.state"
	# A killed agent leaves its socket behind: wait for the new one.
	rm -f "$tmp/$an.sock"
	"$top_builddir/${AGENT:-cfgreportd}" -d -v -c "$prof" -s "$tmp/$an.state" \
	    -S "$tmp/$an.sock" -p 0 -m "$mac" "$@" >>"$tmp/$an.log" 2>&1 &
	agent_pid=$!
	pids="$pids $agent_pid"
	i=0
	until [ -S "$tmp/$an.sock" ] && ctl "$an" info >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -ge 100 ] || ! kill -0 "$agent_pid" 2>/dev/null; then
			echo "agent $an did not start:"; sed 's/^/# /' "$tmp/$an.log"
			return 1
		fi
		sleep 0.1
	done
}

# ctl NAME ARGS...: cfgreportctl against agent NAME.
ctl() {
	c=$1; shift
	"$ctl_bin" -S "$tmp/$c.sock" "$@"
}

# wait_grep FILE PATTERN [N]: until FILE has N (default 1) lines matching
# the extended regex PATTERN, at most 15 s.
wait_grep() {
	i=0
	until [ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ]; do
		i=$((i + 1))
		[ "$i" -lt 150 ] || { echo "# timed out waiting for '$2' x${3:-1} in $1"; return 1; }
		sleep 0.1
	done
}

# start_receiver NAME [ARGS...]: tests/receiver storing into $tmp/NAME/;
# its port in $rport, its pid in $receiver_pid, its log $tmp/NAME.out
# (one line per upload).
start_receiver() {
	rn=$1; shift
	mkdir -p "$tmp/$rn"
	"$top_builddir/tests/receiver" "$@" "$tmp/$rn" >"$tmp/$rn.out" 2>&1 &
	receiver_pid=$!
	pids="$pids $receiver_pid"
	wait_grep "$tmp/$rn.out" '^listening' || return 1
	rport=$(sed -n 's/^listening //p' "$tmp/$rn.out")
}

# stop_pid PID: SIGTERM, then wait; its exit status in $stop_rc.
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	stop_rc=$?
}

