#!/bin/sh
# Rebuilds the bundled list snapshot (blocklists/bundled/*.txt.gz and MANIFEST.tsv) from the
# files named in blocklists/bundled/SOURCES.tsv, found under DATA_ROOT (e.g. a checkout of the
# project's shared data: /work/shared/data). Reproducible: the same inputs give the same bytes
# (gzip -n stores no name or time; the content is the upstream file's, byte for byte).
#   blocklists/make-bundled.sh DATA_ROOT
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DATA_ROOT" >&2; exit 2; }
root=$1
dir=$(cd "$(dirname "$0")/bundled" && pwd)
manifest="$dir/MANIFEST.tsv"
tmp="$manifest.tmp"
printf '#name\turl\tdate\tfile\tbytes\tsha256_of_content\n' >"$tmp"
grep -v '^#' "$dir/SOURCES.tsv" | while IFS="$(printf '\t')" read -r name url date upstream license input; do
  [ -n "$name" ] || continue
  src="$root/$input"
  [ -r "$src" ] || { echo "$0: cannot read $src" >&2; exit 1; }
  case "$src" in
    *.gz) content() { gzip -dc "$src"; } ;;
    *) content() { cat "$src"; } ;;
  esac
  content | gzip -9 -n >"$dir/$name.txt.gz"
  sum=$(content | sha256sum | cut -d' ' -f1)
  bytes=$(wc -c <"$dir/$name.txt.gz" | tr -d ' ')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$url" "$date" "$name.txt.gz" "$bytes" "$sum" >>"$tmp"
done
mv "$tmp" "$manifest"
cp "$root/licenses/blocklistproject.Unlicense.txt" "$dir/LICENSE.blocklistproject.txt"
cp "$root/licenses/shadowwhisperer.Unlicense.txt" "$dir/LICENSE.shadowwhisperer.txt"
chmod 644 "$dir"/LICENSE.*.txt
echo "bundled snapshot: $(du -cb "$dir"/*.txt.gz | tail -1 | cut -f1) bytes in $dir"
