# SPDX-License-Identifier: GPL-2.0
# The kernel's own BPF selftests that touch local storage, and ours in the
# same framework, run unchanged by test_progs (built on the host by
# workbench/test-progs.sh against this kernel's BTF; tests.list names them).
# Each subtest (or test without subtests) becomes one result; a test that
# fails outside its subtests counts as a failure of its own.
# Tests and subtests whose programs include BPF LSM programs.
NEED_BPF_LSM=test_local_storage,test_bprm_opts,task_local_storage/nodeadlock,inode_storage_null_arg
# Subtests that take minutes under TCG with KASAN.
TOO_SLOW=task_local_data/task_local_data_race
# Run once per filesystem under test (TEST_FILESYSTEMS), in a directory on
# it named by INODE_STORAGE_TEST_DIR; the others run once.
PER_FS=inode_storage_tracing

# test_progs_results LABEL ARGS...: runs test_progs ARGS in TEST_PROGS_DIR
# and reports each result as LABEL/NAME.
test_progs_results() {
	local label=$1 line num name res top failed=0 ran=0 errlogs=0
	local -A has_sub=() seen=()
	shift
	# The watchdog: 600 s, not 120: a loaded TCG host with KASAN is tens
	# of times slower than hardware (mkfs.xfs alone can take a minute).
	mapfile -t out < <(cd "$TEST_PROGS_DIR" && ./test_progs -w 600 "$@" 2>&1
			   echo "test_progs-exit $?")
	for line in "${out[@]}"; do
		[[ $line =~ ^#[0-9]+/[0-9]+\ +([^/ ]+)/ ]] && has_sub[${BASH_REMATCH[1]}]=1
	done
	for line in "${out[@]}"; do
		echo "  [$label] $line"
		# test_progs repeats the failed tests' lines after this one.
		[[ $line == "All error logs:" ]] && errlogs=1
		if [[ $errlogs = 0 && $line =~ ^#([0-9/]+)\ +([^ ]+):(OK|FAIL|SKIP) ]]; then
			num=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} res=${BASH_REMATCH[3]}
			top=${name%%/*}
			# A test with subtests is counted through them, unless it
			# failed on its own.
			if [[ $num != */* && -n ${has_sub[$top]:-} && $res != FAIL ]]; then
				continue
			fi
			# A subtest killed by the watchdog prints its test's
			# result twice: count it once.
			[[ -n ${seen[$name]:-} ]] && continue
			seen[$name]=1
			ran=$((ran + 1))
			case $res in
			OK)	ok "$label/$name" ;;
			SKIP)	skip "$label/$name" "skipped by the test" ;;
			FAIL)	nok "$label/$name" "see the log"; failed=1 ;;
			esac
		elif [[ $line =~ ^test_progs-exit\ ([0-9]+) ]]; then
			# An exit status that no FAIL line explains, or no test run.
			if { [ "${BASH_REMATCH[1]}" != 0 ] && [ $failed = 0 ]; } ||
			   [ $ran = 0 ]; then
				nok "$label/runner" \
				    "test_progs exited ${BASH_REMATCH[1]} after $ran results"
			fi
		fi
	done
}

# t_per_fs FS DIR: the PER_FS tests in DIR, on FS.
t_per_fs() {
	INODE_STORAGE_TEST_DIR=$2 test_progs_results "test_progs-$1" -a "$PER_FS" \
		${NO_LSM_DENY:+-d "$NO_LSM_DENY"}
}

t_test_progs() {
	local dir=${TEST_PROGS_DIR:-} list deny
	if [ ! -x "$dir/test_progs" ] || [ ! -r "$dir/tests.list" ]; then
		nok test_progs/runner "no test_progs in '$dir' (workbench/test-progs.sh)"
		return
	fi
	# libbpf reads the config for __kconfig externs from /boot or
	# /proc/config.gz; the guest's /boot is the host's: a private one.
	if [ ! -r "/boot/config-$(uname -r)" ] && [ ! -r /proc/config.gz ] &&
	   mount -t tmpfs test-progs-boot /boot; then
		cp "$dir/kconfig" "/boot/config-$(uname -r)"
	fi
	list=$(paste -sd, "$dir/tests.list")
	# A boot that is there for one question runs only what answers it.
	if [ -n "${TEST_PROGS_ONLY:-}" ]; then
		list=$TEST_PROGS_ONLY
		echo "  [test_progs] TEST_PROGS_ONLY: not running the others"
	fi
	deny=$TOO_SLOW
	echo "  [test_progs] not running $TOO_SLOW: minutes under TCG with KASAN"
	# Booted without the BPF LSM: what loads LSM programs fails there on
	# pristine 7.3.4 too, so it is left out (and said so).
	NO_LSM_DENY=
	if [ -n "${EXPECT_NO_BPF_LSM:-}" ]; then
		NO_LSM_DENY=$NEED_BPF_LSM
		deny=$deny,$NEED_BPF_LSM
		echo "  [test_progs] no BPF LSM: not running $NEED_BPF_LSM"
	fi
	if grep -qx "$PER_FS" "$dir/tests.list"; then
		deny=$deny,$PER_FS
		echo "  [test_progs] $PER_FS runs on: $ALL_TEST_FILESYSTEMS"
	fi
	echo "  [test_progs] running: $list"
	test_progs_results test_progs -a "$list" -d "$deny"
	if grep -qx "$PER_FS" "$dir/tests.list"; then
		with_test_filesystems t_per_fs
	fi
}
t_test_progs

# Booted with an lsm= list without bpf (make check's third boot): the BPF
# LSM is really off, so whatever passed above did not need it.
if [ -n "${EXPECT_NO_BPF_LSM:-}" ]; then
	t_bpf_lsm_inactive() {
		local lsms
		# securityfs when built in; else the lsm= list, which is
		# then the active list (this config has no securityfs).
		if [ -r /sys/kernel/security/lsm ]; then
			lsms=$(cat /sys/kernel/security/lsm)
		else
			lsms=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^lsm=//p')
		fi
		echo "active LSMs: $lsms"
		[ -n "$lsms" ] && ! echo "$lsms" | tr ',' '\n' | grep -qx bpf
	}
	run bpf/bpf-lsm-inactive t_bpf_lsm_inactive
fi
