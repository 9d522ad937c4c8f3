#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build one kernel variant out of tree:
#   y         patched tree, CONFIG_INODE_ADDONS=y   -> build/out-y
#   n         patched tree, CONFIG_INODE_ADDONS=n   -> build/out-n
#   pristine  unpatched 7.3.4                       -> build/out-pristine
# Extra arguments are passed to make (e.g. a single object: fs/inode.o).
# CONFIG_FRAGMENT replaces configs/test.config (merged on x86_64_defconfig,
# or on BASE_TARGET, e.g. allnoconfig); EXTRA_FRAGMENT is merged
# after it (e.g. configs/kcsan.config); OUT_SUFFIX names the out directory.
# Prints the path of the bzImage (or of the out directory for partial builds).
set -euo pipefail
. "$(dirname "$0")/env.sh"

variant=${1:?usage: build.sh y|n|pristine [make targets]}
shift
config=${CONFIG_FRAGMENT:-$TOP/configs/test.config}
case $variant in
y|n)      src=${SRC_TREE:-$SRC} ;;
pristine) src=$PRISTINE ;;
*)        die "unknown variant '$variant' (y, n or pristine)" ;;
esac
out=$BUILD_DIR/out-$variant${OUT_SUFFIX:-}
[ -f "$src/Makefile" ] || die "no source tree at $src: run 'make source' first"
mkdir -p "$out"

# Reconfigure only when the fragment (or the variant) changed.
extra=${EXTRA_FRAGMENT:-}
want=$( { cat "$config" ${extra:+"$extra"}; echo "variant=$variant ${BASE_TARGET:-}"; } |
	sha256sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.config-stamp" 2>/dev/null)" != "$want" ]; then
	echo "build: configuring $out" >&2
	base=${BASE_CONFIG:-}
	if [ -n "$base" ]; then
		cp "$base" "$out/.config"
	else
		"${KMAKE[@]}" -C "$src" O="$out" "${BASE_TARGET:-x86_64_defconfig}" >/dev/null
	fi
	frag=$out/.fragment
	cat "$config" ${extra:+"$extra"} > "$frag"
	case $variant in
	n)        echo "CONFIG_INODE_ADDONS=n" >> "$frag" ;;
	pristine) sed -i '/INODE_ADDONS/d' "$frag" ;;
	esac
	KCONFIG_CONFIG=$out/.config "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$frag" >/dev/null
	"${KMAKE[@]}" -C "$src" O="$out" olddefconfig >/dev/null
	# Options the tests cannot do without: fail here, not in the guest.
	# $REQUIRE overrides the list (the bench config has no KUnit or KASAN).
	read -r -a need <<< "${REQUIRE:-CONFIG_RUST CONFIG_KUNIT CONFIG_DEBUG_INFO_BTF CONFIG_BPF_SYSCALL CONFIG_KASAN}"
	# REQUIRE_ADDONS=0: the tree may predate the option (make series-check).
	if [ "$variant" = y ] && [ "${REQUIRE_ADDONS:-1}" = 1 ]; then
		need+=(CONFIG_INODE_ADDONS)
		[ -n "${REQUIRE:-}" ] || need+=(CONFIG_INODE_ADDONS_KUNIT_TEST)
	fi
	[ -n "$base" ] && need=()
	for o in "${need[@]}"; do
		grep -q "^$o=y" "$out/.config" || die "$o did not stay enabled in $out/.config
  (a dependency is missing: see 'make -C $src O=$out menuconfig' or
  'make LLVM=-19 RUSTC=/usr/bin/rustc rustavailable' for Rust)"
	done
	echo "$want" > "$out/.config-stamp"
fi

if [ $# -gt 0 ]; then
	"${KMAKE[@]}" -C "$src" O="$out" "$@" >&2
	echo "$out"
else
	"${KMAKE[@]}" -C "$src" O="$out" bzImage >&2
	echo "$out/arch/x86/boot/bzImage"
fi
