#!/bin/sh
# A device profile of a realistic size and shape for the agent benchmarks
# (tests/bench/idle.sh, round.sh): COUNT parameters (default 2000) with a
# desk phone's names (Line_Enable_1_, Speed_Dial_2_3_, ...), values of
# the usual lengths, ua attributes, a few secrets and entities, and a
# Report Rule whose two entries go to a receiver on 127.0.0.1:PORT:
#
#   sh tests/bench/gen_profile.sh PORT [COUNT] >profile.xml
#
# The full entry is encrypted with --key benchkey (run the receiver with
# -k benchkey); the mode is On Request, so once the start-up round is done
# no agent timer is due.  The output depends on PORT and COUNT only.
set -eu
[ $# -ge 1 ] || { echo "usage: gen_profile.sh PORT [COUNT]" >&2; exit 2; }
port=$1
count=${2:-2000}

awk -v port="$port" -v count="$count" '
function emit(name, ua, value) {
	if (value == "-")
		printf "  <%s ua=\"%s\"/>\n", name, ua
	else
		printf "  <%s ua=\"%s\">%s</%s>\n", name, ua, value, name
	n++
}
function stem(s) { stems[++ns] = s }
function keyed(s) { keys[++nk] = s }
BEGIN {
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	print "<flat-profile>"
	emit("Report_Rule", "na", "[--key benchkey]http://127.0.0.1:" port \
	    "/$MA-full.xml [--status]http://127.0.0.1:" port \
	    "/$MA-status.xml")
	emit("HTTP_Report_Method", "na", "PUT")
	emit("Report_To_Server", "na", "On Request")
	emit("Upload_Delay_On_Local_Change", "na", "60")
	emit("Periodic_Upload_To_Server", "na", "3600")
	emit("Report_Random_Delay", "na", "0")
	emit("Station_Name", "rw", "Reception desk")
	emit("Station_Display_Name", "rw", "Reception &amp; Lobby")
	emit("Time_Zone", "rw", "GMT+01:00")
	emit("Primary_NTP_Server", "na", "ntp.prov.example.net")
	emit("Profile_Rule", "na", "https://prov.example.net/cfg/$MA.xml")
	emit("GPP_A", "na", "tenant-42")

	# Per-line settings: NAME#VALUE#UA, "%d" being the line number.
	stem("Line_Enable_%d_#Yes#rw")
	stem("Display_Name_%d_#Ext %d Reception#rw")
	stem("User_ID_%d_#20%02d#na")
	stem("Auth_ID_%d_#20%02d#na")
	stem("Use_Auth_ID_%d_#No#na")
	stem("Password_%d_#s3cret-line-%d#na")
	stem("Proxy_%d_#sip.prov.example.net#na")
	stem("Outbound_Proxy_%d_#sbc%d.prov.example.net:5061#na")
	stem("SIP_Port_%d_#50%02d#na")
	stem("SIP_Transport_%d_#UDP#na")
	stem("Register_Expires_%d_#3600#na")
	stem("Voice_Mail_Number_%d_#*97#rw")
	stem("Dial_Plan_%d_#(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|" \
	    "xxxxxxxxxxxx.)#na")
	stem("Preferred_Codec_%d_#G711u#rw")
	stem("Use_Pref_Codec_Only_%d_#No#rw")
	stem("DTMF_Tx_Method_%d_#Auto#na")
	stem("Call_Waiting_Serv_%d_#Yes#rw")
	stem("Block_CID_Serv_%d_#No#rw")
	stem("Default_Ring_%d_#%d#rw")
	stem("Cfwd_All_Dest_%d_#-#rw")
	stem("Mailbox_ID_%d_#20%02d@vm.prov.example.net#na")
	stem("Line_Key_Label_%d_#Line %d#rw")
	stem("Extended_Function_%d_#fnc=blf+sd+cp;sub=20%02d@" \
	    "sip.prov.example.net;nme=Desk#rw")
	stem("Share_Call_Appearance_%d_#private#na")
	# Speed dials and side-car keys: "%d_%d" is unit, key.
	keyed("Speed_Dial_%d_%d_#20%02d Ext#rw")
	keyed("Unit_%d_Key_%d_#fnc=blf+sd;sub=21%02d@sip.prov.example.net#rw")
	keyed("Directory_Name_%d_%d_#Colleague &amp; Co %d#rw")
	keyed("Directory_Number_%d_%d_#+3120555%04d#rw")
	line = 1
	unit = 1
	key = 1
	while (n < count) {
		# Twelve lines, then keys until COUNT: a phone with side cars.
		if (line <= 12) {
			for (i = 1; i <= ns && n < count; i++) {
				split(stems[i], f, "#")
				v = f[2]
				if (v != "-" && v ~ /%/)
					v = sprintf(v, line)
				emit(sprintf(f[1], line), f[3], v)
			}
			line++
			continue
		}
		for (i = 1; i <= nk && n < count; i++) {
			split(keys[i], f, "#")
			v = f[2]
			if (v ~ /%/)
				v = sprintf(v, (unit * 40 + key) % 100)
			emit(sprintf(f[1], unit, key), f[3], v)
		}
		if (++key > 40) {
			key = 1
			unit++
		}
	}
	print "</flat-profile>"
}'
