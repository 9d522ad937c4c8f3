#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# sizeof(struct inode), pristine vs patched, on Debian's amd64 distro config
# and on the test config: builds only fs/inode.o of each and asks pahole.
# Writes a Markdown table to build/size.md and prints it.
set -euo pipefail
. "$(dirname "$0")/env.sh"

deb_base=$(debian_base_config)
empty=$BUILD_DIR/empty.config
: > "$empty"

inode_size() { # variant suffix base fragment
	local out
	out=$(BASE_CONFIG=$3 CONFIG_FRAGMENT=$4 OUT_SUFFIX=$2 \
		bash "$TOP/workbench/build.sh" "$1" fs/inode.o)
	pahole -C inode "$out/fs/inode.o" | sed -n 's/.*size: \([0-9]*\), cachelines.*/\1/p'
}

declare -A size
size[debian-pristine]=$(inode_size pristine -debian "$deb_base" "$empty")
size[debian-patched]=$(inode_size y -debian "$deb_base" "$empty")
size[debian-n]=$(inode_size n -debian "$deb_base" "$empty")
size[test-pristine]=$(inode_size pristine "" "" "$TOP/configs/test.config")
size[test-patched]=$(inode_size y "" "" "$TOP/configs/test.config")
size[test-n]=$(inode_size n "" "" "$TOP/configs/test.config")

{
	echo "| config | pristine 7.3.4 | patched (INODE_ADDONS=y) | difference | patched, INODE_ADDONS=n |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for c in debian test; do
		p=${size[$c-pristine]} q=${size[$c-patched]}
		echo "| $c | $p | $q | $((q - p)) | ${size[$c-n]} |"
	done
	echo
	echo "sizeof(struct inode) in bytes, from pahole on fs/inode.o; with"
	echo "INODE_ADDONS=n the series leaves struct inode as it was."
} | tee "$BUILD_DIR/size.md"
