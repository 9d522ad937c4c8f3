# SPDX-License-Identifier: GPL-2.0
# The kernel's own BPF selftests that touch local storage, and ours in the
# same framework, run unchanged by test_progs (built on the host by
# workbench/test-progs.sh against this kernel's BTF; tests.list names them).
# Each subtest (or test without subtests) becomes one result; a test that
# fails outside its subtests counts as a failure of its own.
# Tests and subtests whose programs include BPF LSM programs.
NEED_BPF_LSM=test_local_storage,test_bprm_opts,task_local_storage/nodeadlock
# Subtests that outlast test_progs' watchdog (120 s) under TCG with KASAN.
TOO_SLOW=task_local_data/task_local_data_race

t_test_progs() {
	local dir=${TEST_PROGS_DIR:-} list line num name res top failed=0 ran=0
	local -A has_sub=()
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
	# Booted without the BPF LSM: what loads LSM programs fails there on
	# pristine 7.3.4 too, so it is left out (and said so).
	local deny=(-d "$TOO_SLOW")
	echo "  [test_progs] not running $TOO_SLOW: longer than test_progs' 120 s watchdog under TCG"
	if [ -n "${EXPECT_NO_BPF_LSM:-}" ]; then
		deny=(-d "$TOO_SLOW,$NEED_BPF_LSM")
		echo "  [test_progs] no BPF LSM: not running $NEED_BPF_LSM"
	fi
	echo "  [test_progs] running: $list"
	mapfile -t out < <(cd "$dir" && ./test_progs -a "$list" "${deny[@]}" 2>&1
			   echo "test_progs-exit $?")
	for line in "${out[@]}"; do
		[[ $line =~ ^#[0-9]+/[0-9]+\ +([^/ ]+)/ ]] && has_sub[${BASH_REMATCH[1]}]=1
	done
	local errlogs=0
	for line in "${out[@]}"; do
		echo "  [test_progs] $line"
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
			ran=$((ran + 1))
			case $res in
			OK)	ok "test_progs/$name" ;;
			SKIP)	skip "test_progs/$name" "skipped by the test" ;;
			FAIL)	nok "test_progs/$name" "see the log"; failed=1 ;;
			esac
		elif [[ $line =~ ^test_progs-exit\ ([0-9]+) ]]; then
			# An exit status that no FAIL line explains, or no test run.
			if { [ "${BASH_REMATCH[1]}" != 0 ] && [ $failed = 0 ]; } || [ $ran = 0 ]; then
				nok test_progs/runner "test_progs exited ${BASH_REMATCH[1]} after $ran results"
			fi
		fi
	done
}
t_test_progs
