#!/bin/sh
# The README's first command ends here: build cfgreport if needed and run
# its main job on the embedded example profile.  Until the upload loop
# lands, the main job is the check (-n): the plan of reports the agent
# would send for examples/cfgreport.xml.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x build/cfgreportd ]; then
	[ -x configure ] || autoreconf -fi
	mkdir -p build
	(cd build && { [ -f Makefile ] || ../configure -q; } && make -j"$(nproc)" -s)
fi
echo "\$ cfgreportd -n -c examples/cfgreport.xml -m 00:0e:08:aa:bb:cc"
build/cfgreportd -n -c examples/cfgreport.xml -m 00:0e:08:aa:bb:cc
