#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the container against today's kernel, the one-pointer
# variant and hash maps.  Builds three kernels with configs/bench.config:
#
#   pristine    unpatched 7.3.4                        build/out-pristine-bench
#   patched     the series, CONFIG_INODE_ADDONS=y      build/out-y-bench
#   onepointer  the series + one-pointer.patch         build/out-y-bench-onepointer
#
# then boots each twice: once under "-icount shift=0" (instruction time:
# lookup, create, hotpath, slabinfo) and once without (memory at scale),
# and writes build/bench/report.md with its plots.  Also builds a few
# objects with Debian's distro config for the sizes (as make size does).
#
# Environment: BENCH_FILES (default 1000000) files for the memory part,
# BENCH_KERNELS (default "pristine patched onepointer").
set -euo pipefail
. "$(dirname "$0")/../env.sh"

here=$TOP/workbench/bench
out=$BUILD_DIR/bench
files=${BENCH_FILES:-1000000}
read -r -a kernels <<< "${BENCH_KERNELS:-pristine patched onepointer}"
# From the applied tree: a later patch of the series may change a file.
selftest=$SRC/tools/testing/selftests/inode_addons/bench
mkdir -p "$out"
t_start=$SECONDS

step() { echo "bench: [$(( (SECONDS - t_start) / 60 )) min] $*" >&2; }

export CONFIG_FRAGMENT=$TOP/configs/bench.config
export REQUIRE="CONFIG_RUST CONFIG_DEBUG_INFO_BTF CONFIG_BPF_SYSCALL CONFIG_XFS_FS CONFIG_BTRFS_FS"

. "$here/kernels.sh"

# 1. Kernels and, for each, the runner compiled against its BTF.
for k in "${kernels[@]}"; do
	step "building the $k kernel"
	build_kernel "$k"
	bash "$selftest/build.sh" "$(out_dir "$k")/vmlinux" "$out/$k/bin" >/dev/null
done

# 2. Sizes: pahole on the bench kernels' BTF and on Debian-config objects.
step "sizes (pahole)"
bash "$here/sizes.sh" "$out/sizes.json" "${kernels[@]}"

# 3. Boots.  "-icount shift=0": one emulated instruction per guest
# nanosecond, so the guest's clocks count instructions.
#
# Under multi-threaded TCG, QEMU 7.2 occasionally lets a vCPU execute the
# int3 that text_poke_bp() plants while patching a static branch, after
# the poke is over ("Oops: int3" at boot, in code we do not touch).  Such a
# boot is retried once and counted in retries.txt, which the report
# shows; any other failure stops make bench.
: > "$out/retries.txt"
boot() { # kernel-name part log vng-arguments...
	local k=$1 part=$2 log=$3 try
	shift 3
	for try in 1 2; do
		# The guest's own status file decides: virtme-ng sometimes loses
		# the status line that run.sh looks for at power-off.
		rm -f "$out/$k/guest-$part.status"
		bash "$TOP/workbench/run.sh" "$(out_dir "$k")/arch/x86/boot/bzImage" \
			"bash $selftest/bench_guest.sh $part $out/$k/bin $out/$k${files_arg:-}" \
			"$@" > "$log" 2>&1 || true
		if [ "$(cat "$out/$k/guest-$part.status" 2>/dev/null)" = 0 ]; then
			return 0
		fi
		if [ $try = 1 ] && grep -q "Oops: int3" "$log"; then
			cp "$log" "${log%.log}.int3.log"
			echo "$k $part: $(grep -m1 'RIP:' "$log" | sed 's/^\[[^]]*\] //')" >> "$out/retries.txt"
			step "$k: $part boot hit a TCG text-poke int3, retrying once"
			continue
		fi
		die "$k: the $part boot failed, see $log"
	done
}

export RUN_RWDIR=$out
for k in "${kernels[@]}"; do
	step "$k: instruction-timed boot (lookup, create, hotpath)"
	files_arg="" RUN_TIMEOUT=3600 RUN_MEMORY=2G
	export RUN_TIMEOUT RUN_MEMORY
	boot "$k" timed "$out/$k/console-timed.log" --qemu-opts="-icount shift=0"
	step "$k: memory at scale ($files files)"
	files_arg=" $files" RUN_TIMEOUT=5400 RUN_MEMORY=${BENCH_MEMORY:-6G}
	boot "$k" scale "$out/$k/console-scale.log"
done

# 4. The report.
step "report"
python3 "$here/report.py" "$out" "${kernels[@]}"
step "done: $out/report.md"
