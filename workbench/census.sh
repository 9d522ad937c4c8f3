#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make census: which fields of struct inode are in use, on how many cached
# inodes, after a realistic workload: boots a kernel built with
# configs/bench.config (DWARF, no debug set), runs census-workload.sh, then
# census.py under drgn in the guest.  Writes build/census/<kernel>.{txt,json}.
#
# Environment: CENSUS_KERNELS (default "pristine patched"), names of make
# bench's kernels (workbench/bench/kernels.sh), built or reused in place.
set -euo pipefail
. "$(dirname "$0")/env.sh"

out=$BUILD_DIR/census
census=$SRC/tools/testing/selftests/inode_addons/census
read -r -a kernels <<< "${CENSUS_KERNELS:-pristine patched}"
mkdir -p "$out"
# The host's interpreter, which has drgn (make deps), runs in the guest too.
py=$(python3 -c 'import sys; print(sys.executable)')
python3 -c 'import drgn' 2>/dev/null ||
	die "census: drgn not found (pip install drgn): run 'make deps'"

export CONFIG_FRAGMENT=$TOP/configs/bench.config
export REQUIRE="CONFIG_RUST CONFIG_DEBUG_INFO_BTF CONFIG_PROC_KCORE"
here=$TOP/workbench/bench
. "$here/kernels.sh"
for k in "${kernels[@]}"; do
	build_kernel "$k"
	dir=$(out_dir "$k")
	rm -f "$out/$k.json" "$out/$k.txt"
	RUN_TIMEOUT=${CENSUS_TIMEOUT:-1800} bash "$TOP/workbench/run.sh" \
		"$dir/arch/x86/boot/bzImage" \
		"cd $SRC && w=\$(mktemp -d /tmp/census.XXXXXX) && \
		 bash $census/census-workload.sh \$w && \
		 $py $census/census.py $dir/vmlinux --json $out/$k.json > $out/$k.txt" \
		--rwdir "$out" > "$out/$k.log" 2>&1 ||
		die "census: the $k boot failed, see $out/$k.log"
	echo "census: $k"
	cat "$out/$k.txt"
done
