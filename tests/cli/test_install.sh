#!/usr/bin/env bash
# `make install` and `make uninstall` into a staging DESTDIR: the files laid
# out (binary, man pages, examples, alert rules) with their modes, the
# installed binary runs, every man page renders (man -l) without a warning
# (mandoc -T lint, man --warnings), every command and every option its
# --help lists is in dnsprop(1), and uninstall removes exactly what install
# laid out (a file of someone else's in the same folders stays).
# Usage: tests/cli/test_install.sh
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
need_tools install make man mandoc
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/stage

if make -s --no-print-directory install DESTDIR="$dest" PREFIX=/usr > "$tmp/install.log" 2>&1; then
    ok "make install DESTDIR=... PREFIX=/usr"
else
    ko "make install" "$(cat "$tmp/install.log")"
fi
(cd "$dest" && find . -type f | sort) > "$tmp/files"
want=(./usr/bin/dnsprop ./usr/share/man/man1/dnsprop.1 ./usr/share/man/man5/dnsprop.ini.5
      ./usr/share/dnsprop/prometheus/alerts.yml ./usr/share/dnsprop/prometheus/alerts_test.yml
      ./usr/share/dnsprop/examples/quickstart.ini ./usr/share/dnsprop/examples/monitor.ini
      ./usr/share/dnsprop/examples/http/powerdns.ini)
missing=
for f in "${want[@]}"; do grep -qxF "$f" "$tmp/files" || missing+=" $f"; done
[ -z "$missing" ] && ok "laid out: $(wc -l < "$tmp/files") files" || ko "missing:$missing" "$(cat "$tmp/files")"
mode=$(stat -c %a "$dest/usr/bin/dnsprop" 2>/dev/null)
mmode=$(stat -c %a "$dest/usr/share/man/man1/dnsprop.1" 2>/dev/null)
[ "$mode" = 755 ] && [ "$mmode" = 644 ] && ok "modes 755 (binary), 644 (pages)" ||
    ko "modes: binary $mode, page $mmode"
"$dest/usr/bin/dnsprop" version | grep -q '^dnsprop ' && ok "the installed binary runs" ||
    ko "installed binary"

for page in "$dest"/usr/share/man/man*/*; do
    n=${page##*/}
    lint=$(mandoc -T lint -W warning "$page" 2>&1)
    warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 > "$tmp/$n.txt")
    if [ -z "$lint" ] && [ -z "$warn" ] && grep -q '^NAME' "$tmp/$n.txt"; then
        ok "$n renders without a warning ($(wc -l < "$tmp/$n.txt") lines)"
    else
        ko "$n" "$lint $warn"
    fi
done
# every command, and every option each one's --help lists, is documented
bin=$dest/usr/bin/dnsprop
undoc=
cmds=$("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
for c in $cmds; do
    grep -qE "^ +dnsprop $c( |$)" "$tmp/dnsprop.1.txt" || undoc+=" $c"
    [ "$c" = help ] || [ "$c" = version ] && continue
    for o in $("$bin" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        grep -qF -- "$o" "$tmp/dnsprop.1.txt" || undoc+=" $c:$o"
    done
done
[ -z "$undoc" ] && ok "dnsprop(1) documents every command and option ($(echo $cmds | wc -w) commands)" ||
    ko "not in dnsprop(1):$undoc"

mkdir -p "$dest/usr/share/man/man1" && echo keep > "$dest/usr/share/man/man1/other.1"
if make -s --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr > "$tmp/un.log" 2>&1; then
    left=$(cd "$dest" && find . -type f | sort)
    gone=$(cd "$dest" && find ./usr/share/dnsprop 2>/dev/null)
    if [ "$left" = "./usr/share/man/man1/other.1" ] && [ -z "$gone" ]; then
        ok "make uninstall removes exactly what install laid out"
    else
        ko "after uninstall" "$left $gone"
    fi
else
    ko "make uninstall" "$(cat "$tmp/un.log")"
fi

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
