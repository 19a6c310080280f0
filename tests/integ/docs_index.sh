#!/bin/sh
# The documents live in the repository: the README's index lists every one
# (docs/*.md, the manual pages, the Markdown files under tests/), nothing
# points out of the repository for the contract, and every citation of the
# contract names docs/spec.md ("spec.md §N"), not the shared SPEC.
set -u
. "$(dirname "$0")/lib.sh"
cd "$top_srcdir" || exit 1
for f in docs/*.md man/*.in $(find tests -name '*.md' ! -path 'tests/npm/*' \
    ! -path 'tests/atftpd/*' | sort); do
	grep -qF "($f)" README.md && ok "README lists $f" ||
	    not_ok "README does not list $f"
done
# The patterns are spelt so that this file does not match them.
out=$(grep -rn -e '[.][.]/shared' -e 'SPEC[.]md' -e 'SPEC[ ]§' README.md docs \
    agent proto tests examples man dist 2>/dev/null |
    grep -v '^tests/npm/\|^tests/atftpd/')
[ -z "$out" ] && ok "the contract is cited as spec.md" ||
    not_ok "citations of the shared contract: $out"
[ -f docs/spec.md ] && grep -q '^## 11\. ' docs/spec.md &&
    ok "docs/spec.md has §1 to §11" || not_ok "docs/spec.md lacks §11"
finish
