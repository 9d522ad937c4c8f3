#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: turn patches/series into a git history on top of Linux 7.3.4
# and a git format-patch series with a cover letter, in build/series/.
#
# One commit per entry of patches/series: the entry's patch applied with
# git apply, then the new files listed under it copied from this
# repository.  Author, subject and body come from the patch's header;
# dates are fixed, so the same input gives the same commits.  Then:
#  - git am of the generated files onto a fresh branch at the 7.3.4 commit
#    must give exactly the tree that 'make source' prepares (build/linux);
#  - every patch goes through scripts/checkpatch.pl --strict.
# Prints one line per patch: subject, lines added/removed, checkpatch.
set -euo pipefail
. "$(dirname "$0")/env.sh"

repo=$BUILD_DIR/series-git
out=$BUILD_DIR/series
base_msg="Linux $KVER"
export GIT_AUTHOR_NAME="Linux $KVER" GIT_AUTHOR_EMAIL="pristine@kernel.org"
export GIT_COMMITTER_NAME="$(git -C "$TOP" config user.name || echo inode_addons)"
export GIT_COMMITTER_EMAIL="$(git -C "$TOP" config user.email || echo inode_addons@localhost)"
export GIT_AUTHOR_DATE="2026-11-30T00:00:00Z" GIT_COMMITTER_DATE="2026-11-30T00:00:00Z"
g() { git -C "$repo" -c core.autocrlf=false -c advice.detachedHead=false "$@"; }

[ -f "$PRISTINE/.complete" ] || die "no pristine tree at $PRISTINE: run 'make source'"
[ -f "$SRC/.inode-addons-stamp" ] || die "no patched tree at $SRC: run 'make source'"
command -v git >/dev/null || die "git is missing (apt-get install git)"
command -v perl >/dev/null || die "perl is missing, checkpatch.pl needs it (apt-get install perl)"

# The base: the pristine tree, committed once and reused.
if ! g rev-parse -q --verify refs/tags/v$KVER >/dev/null 2>&1; then
	echo "series: committing the pristine $KVER tree (once, about a minute)" >&2
	rm -rf "$repo"
	mkdir -p "$repo"
	g init -q
	rsync -a --exclude=/.complete "$PRISTINE/" "$repo/"
	g add -A -f
	g commit -q -m "$base_msg"
	g tag "v$KVER"
fi
g checkout -q -f --detach "v$KVER"
g clean -q -fdx
g branch -q -f inode_addons
g checkout -q inode_addons

# One commit per entry.
n=0
mapfile -t entries < <(grep -E '^[^#[:space:]]' "$TOP/patches/series")
for p in "${entries[@]}"; do
	n=$((n + 1))
	pf=$TOP/patches/$p
	[ -f "$pf" ] || die "patches/series names $p, which does not exist"
	if grep -q '^+++ ' "$pf"; then
		g apply --whitespace=nowarn "$pf" || die "$p does not apply with git apply"
	fi
	awk -v n="$n" '/^[^#[:space:]]/ { k++ } k == n && /^[ \t]+[^ \t]/ { print $1 }' \
		"$TOP/patches/series" | while read -r f; do
		mkdir -p "$repo/$(dirname "$f")"
		cp "$TOP/$f" "$repo/$f"
	done
	from=$(sed -n 's/^From: //p;/^$/q' "$pf")
	subject=$(sed -n 's/^Subject: \[PATCH\] //p;/^$/q' "$pf")
	[ -n "$from" ] && [ -n "$subject" ] || die "$p has no From: or Subject: header"
	# The body: from the first blank line to the '---' that ends it.
	body=$(awk 'f && /^---$/ { exit } f { print } /^$/ && !f { f = 1 }' "$pf")
	g add -A -f
	GIT_AUTHOR_NAME=${from% <*} GIT_AUTHOR_EMAIL=$(echo "$from" | sed 's/.*<\(.*\)>/\1/') \
	GIT_AUTHOR_DATE="2026-11-30T00:$(printf %02d "$n"):00Z" \
	GIT_COMMITTER_DATE="2026-11-30T00:$(printf %02d "$n"):00Z" \
		g commit -q --allow-empty -F - <<<"$subject"$'\n\n'"$body"
done

# The patched tree, as make source prepared it, must be the history's tree.
idx=$(mktemp -u)
trap 'rm -f "$idx"' EXIT
GIT_INDEX_FILE=$idx g --work-tree="$SRC" add -A -f . ':!.inode-addons-stamp' ':!.checkpatch-camelcase.*'
want=$(GIT_INDEX_FILE=$idx g write-tree)
have=$(g rev-parse 'HEAD^{tree}')
if [ "$want" != "$have" ]; then
	GIT_INDEX_FILE=$idx g diff --stat "$have" "$want" >&2 || true
	die "the series' tree differs from $SRC (above): run 'make source' first, or fix patches/series"
fi

# The format-patch series and its cover letter.
rm -rf "$out"
g format-patch -q --cover-letter --thread=shallow -o "$out" "v$KVER..inode_addons" >/dev/null
cover=$out/0000-cover-letter.patch
python3 - "$cover" "$TOP/patches/cover-letter" <<'EOF'
import sys
cover, text = sys.argv[1], open(sys.argv[2]).read()
subject, blurb = text.split('\n', 1)
s = open(cover).read()
assert '*** SUBJECT HERE ***' in s and '*** BLURB HERE ***' in s
s = s.replace('*** SUBJECT HERE ***', subject.strip())
s = s.replace('*** BLURB HERE ***', blurb.strip('\n'))
open(cover, 'w').write(s)
EOF

# git am onto a fresh branch at 7.3.4 must give the same tree.
g checkout -q -f --detach "v$KVER"
g branch -q -f am-check
g checkout -q am-check
mapfile -t files < <(ls "$out"/0*.patch | grep -v '/0000-cover-letter.patch$')
if ! g -c user.name="$GIT_COMMITTER_NAME" -c user.email="$GIT_COMMITTER_EMAIL" am -q "${files[@]}"; then
	g am --abort >/dev/null 2>&1 || true
	die "git am of $out onto v$KVER failed"
fi
[ "$(g rev-parse 'HEAD^{tree}')" = "$want" ] ||
	die "git am of $out onto v$KVER does not give the make source tree"
g checkout -q inode_addons

# One line per patch: subject, lines added/removed, checkpatch.
cp_tot=0
printf '%-4s %-70s %7s %7s  %s\n' "#" "subject" "+" "-" "checkpatch --strict"
for f in "${files[@]}"; do
	i=$(basename "$f" | cut -c1-4)
	subj=$(g log -1 --format=%s "inode_addons~$((${#files[@]} - 10#$i))")
	read -r add del < <(git apply --numstat "$f" | awk '{ a += $1; d += $2 } END { print a + 0, d + 0 }')
	sum=$(cd "$SRC" && { perl scripts/checkpatch.pl --strict --no-tree "$f" 2>&1 || true; } |
		sed -n 's/^total: \([0-9]*\) errors, \([0-9]*\) warnings, \([0-9]*\) checks.*/\1 errors, \2 warnings, \3 checks/p')
	[ -n "$sum" ] || sum="checkpatch.pl printed no total"
	case $sum in "0 errors, 0 warnings, 0 checks") ;; *) cp_tot=$((cp_tot + 1)) ;; esac
	printf '%-4s %-70.70s %7s %7s  %s\n' "$i" "$subj" "+$add" "-$del" "$sum"
done
rm -f "$SRC"/.checkpatch-camelcase.*	# checkpatch's cache, not part of the tree
echo "series: $out (${#files[@]} patches and a cover letter); git am onto v$KVER gives the make source tree"
echo "series: history in $repo, branch inode_addons"
[ "$cp_tot" = 0 ] || echo "series: $cp_tot patches with checkpatch findings: scripts/checkpatch.pl --strict $out/NNNN-*.patch" >&2
