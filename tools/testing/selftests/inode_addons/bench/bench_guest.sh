#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, in the guest: runs the parts of one boot into OUT.
#
#   bench_guest.sh timed RUNNER_DIR OUT         slabinfo, lookup, create,
#                                               hotpath (boot with -icount)
#   bench_guest.sh scale RUNNER_DIR OUT NFILES  the lookups again, in
#                                               emulated time (boot without
#                                               -icount), concurrent creation
#                                               (vCPUs in parallel there), then
#                                               memory at scale
#
# Fails if the kernel logged an oops, BUG or WARNING meanwhile.
set -euo pipefail

part=${1:?usage: bench_guest.sh timed|scale RUNNER_DIR OUT [NFILES]}
runner=${2:?}/bench_runner
out=${3:?}
mkdir -p "$out"
[ -x "$runner" ] || { echo "bench_guest.sh: no runner at $runner" >&2; exit 1; }

rm -f "$out/guest-$part.status"

# The TSC becomes the clocksource only after its refined calibration, a
# second or two after boot; until then bpf_ktime_get_ns() and
# clock_gettime() read a coarser clock.  Measure with the TSC only.
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
for _ in $(seq 300); do
	[ "$(cat "$cs")" = tsc ] && break
	sleep 0.1
done
[ "$(cat "$cs")" = tsc ] || {
	echo "bench_guest.sh: clocksource is $(cat "$cs"), not tsc" >&2
	exit 1
}

mnt=$(mktemp -d /tmp/bench.XXXXXX)
# nr_inodes=0: tmpfs would otherwise stop at half the RAM's page count.
mount -t tmpfs -o nr_inodes=0,mode=0700 bench "$mnt"
trap 'umount -l "$mnt" 2>/dev/null || true' EXIT

{
	echo "kernel=$(uname -r)"
	echo "cmdline=$(cat /proc/cmdline)"
	# Not grep -q: with pipefail, dmesg's SIGPIPE would fail the test.
	if dmesg | grep 'LSM support for eBPF active' >/dev/null; then
		echo bpf_lsm=active
	else
		echo bpf_lsm=inactive
	fi
	echo "cpus=$(nproc)"
	echo "mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
} > "$out/guest-$part.env"

case $part in
timed)
	cat /proc/slabinfo > "$out/slabinfo.txt"
	for p in lookup create hotpath; do
		mkdir "$mnt/$p"
		echo "bench_guest.sh: $p" >&2
		"$runner" "$p" "$mnt/$p" > "$out/$p.json"
	done
	;;
scale)
	# Emulated nanoseconds, not instructions: TCG's speed on this host.
	mkdir "$mnt/lookup"
	echo "bench_guest.sh: lookup, emulated time" >&2
	"$runner" lookup "$mnt/lookup" > "$out/lookup-wall.json"
	mkdir "$mnt/race"
	echo "bench_guest.sh: race" >&2
	"$runner" race "$mnt/race" > "$out/race.json"
	mkdir "$mnt/scale"
	echo "bench_guest.sh: scale, ${4:?NFILES} files" >&2
	"$runner" scale "$mnt/scale" "$4" > "$out/scale.json"
	;;
*)
	echo "bench_guest.sh: unknown part '$part'" >&2
	exit 2
	;;
esac

if dmesg | grep -E 'BUG:|WARNING:|Oops|Kernel panic|KASAN|INFO: task .* blocked'; then
	echo "bench_guest.sh: the kernel reported a problem (above)" >&2
	exit 1
fi
echo "bench_guest.sh: $part done"
# Read by bench.sh: the console may lose the last lines at power-off.
echo 0 > "$out/guest-$part.status"
