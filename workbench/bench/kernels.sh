# SPDX-License-Identifier: GPL-2.0
# The kernels of make bench and make census, by name: where each is built
# (out_dir NAME) and how (build_kernel NAME), with configs/bench.config.
# Sourced after env.sh, with $here set to workbench/bench.
#
#   pristine    unpatched 7.3.4                        build/out-pristine-bench
#   patched     the series, CONFIG_INODE_ADDONS=y      build/out-y-bench
#   onepointer  the series + one-pointer.patch         build/out-y-bench-onepointer

# The one-pointer tree: the patched tree plus one patch, assembled in a
# hard-linked staging copy (patch(1) writes new files, so build/linux is
# not touched) and synchronised by content, as apply.sh does, so that a
# rebuild after a change to the series stays incremental.
onepointer_tree() {
	local tree=$BUILD_DIR/linux-onepointer stage=$BUILD_DIR/linux-onepointer.stage stamp
	stamp=$(cat "$SRC/.inode-addons-stamp" "$here/one-pointer.patch" | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$tree/.bench-stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$stage"
		cp -al "$SRC" "$stage"
		patch -s -d "$stage" -p1 --no-backup-if-mismatch < "$here/one-pointer.patch" ||
			die "one-pointer.patch does not apply to $SRC"
		mkdir -p "$tree"
		rsync -rlc --delete --exclude=/.bench-stamp "$stage/" "$tree/"
		rm -rf "$stage"
		echo "$stamp" > "$tree/.bench-stamp"
	fi
	echo "$tree"
}

out_dir() {
	case $1 in
	pristine)   echo "$BUILD_DIR/out-pristine-bench" ;;
	patched)    echo "$BUILD_DIR/out-y-bench" ;;
	onepointer) echo "$BUILD_DIR/out-y-bench-onepointer" ;;
	esac
}

build_kernel() {
	case $1 in
	pristine)   OUT_SUFFIX=-bench bash "$TOP/workbench/build.sh" pristine ;;
	patched)    OUT_SUFFIX=-bench bash "$TOP/workbench/build.sh" y ;;
	onepointer) SRC_TREE=$(onepointer_tree) OUT_SUFFIX=-bench-onepointer \
			bash "$TOP/workbench/build.sh" y ;;
	*)          die "unknown kernel '$1' (pristine, patched or onepointer)" ;;
	esac >/dev/null
}
