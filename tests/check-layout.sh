#!/usr/bin/env bash
# The layout's rules, checked on every `make test` so they cannot decay:
#  1. includes flow one way, from the utilities up to the commands:
#       harness/common <- probes <- storage <- harness/targets
#       <- harness/scenario <- plot <- harness/serve <- harness/driver
#       <- harness/cmd
#     a file may include headers of its own layer or of a lower one only
#     (harness/common includes nothing else of the project);
#  2. no DNS library (ldns, c-ares) below probes' reach: harness/common,
#     storage and plot hold no DNS code;
#  3. library code reports through harness/common/log.h or an error
#     code, never by printing to stderr itself (only harness/cmd does);
#  4. no function is longer than 120 lines (from its name to its closing
#     brace; the sources are clang-formatted, so a body opens with "{" and
#     closes with "}" in column 0).
# Prints each breach as FILE:LINE: rule: detail and exits 1 if any.
set -uo pipefail
cd "$(dirname "$0")/.."

layers=(harness/common probes storage harness/targets harness/scenario plot
        harness/serve harness/driver harness/cmd)
max_lines=${MAX_FUNCTION_LINES:-120}

layer_of() {
    local path=$1 i
    for i in "${!layers[@]}"; do
        case "$path" in
        "${layers[$i]}"/*) echo "$i"; return ;;
        esac
    done
    echo -1
}

srcs=$(find harness probes storage plot -name '*.[ch]' | sort)
bad=0
breach() {
    echo "$1"
    bad=$((bad + 1))
}

for f in $srcs; do
    mine=$(layer_of "$f")
    if [ "$mine" -lt 0 ]; then
        breach "$f:1: layout: not in a layer folder (${layers[*]})"
        continue
    fi
    while IFS=: read -r line inc; do
        theirs=$(layer_of "$inc")
        if [ "$theirs" -lt 0 ]; then
            [ -e "$inc" ] || breach "$f:$line: include: \"$inc\" does not exist"
            continue
        fi
        if [ "$theirs" -gt "$mine" ]; then
            breach "$f:$line: include: ${layers[$mine]} may not include ${layers[$theirs]} (\"$inc\")"
        fi
    done < <(grep -n '^#include "' "$f" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/')
    case "$f" in
    harness/common/* | storage/* | plot/*)
        grep -n '^#include <\(ldns/\|ares\)' "$f" | while IFS=: read -r line rest; do
            echo "$f:$line: dns: no DNS library here ($rest); use probes/"
        done ;;
    esac
    case "$f" in
    harness/cmd/* | harness/common/log.c) ;;
    *.c)
        grep -n 'fprintf(stderr\|perror(\|fputs(.*stderr)' "$f" | while IFS=: read -r line rest; do
            echo "$f:$line: stderr: library code logs through log.h or returns an error"
        done ;;
    esac
done > /tmp/dnsprop-layout.$$ 
while read -r l; do breach "$l"; done < /tmp/dnsprop-layout.$$
rm -f /tmp/dnsprop-layout.$$

# Function lengths.
while read -r n where name; do
    breach "$where: length: $name is $n lines (at most $max_lines)"
done < <(awk -v max="$max_lines" '
    FNR == 1 { sig = ""; start = 0 }
    /^[A-Za-z_].*\(/ { sig = $0; sigline = FNR }
    /^\{/ { if (sig != "") { start = 1; name = sig; nl = sigline } }
    /^\}/ {
        if (start) {
            n = FNR - nl + 1
            if (n > max) {
                m = name; sub(/\(.*/, "", m); k = split(m, a, /[ *]+/)
                print n, FILENAME ":" nl, a[k]
            }
            start = 0; sig = ""
        }
    }' $(echo "$srcs" | grep '\.c$'))

if [ "$bad" -gt 0 ]; then
    echo "layout: $bad breach(es)"
    exit 1
fi
echo "layout: $(echo "$srcs" | wc -l) files, includes one way, no function over $max_lines lines"
