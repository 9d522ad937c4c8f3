# SPDX-License-Identifier: GPL-2.0
#
# inode_addons workbench: fetch Linux 7.3.4, apply the project, build,
# boot under QEMU and test.  "make help" lists the targets.

SHELL := /bin/bash
WB    := workbench
CACHE ?= $(HOME)/.cache/inode_addons
BUILD ?= $(CURDIR)/build
export CACHE_DIR := $(CACHE)
export BUILD_DIR := $(BUILD)

KERNEL_Y := $(BUILD)/out-y/arch/x86/boot/bzImage
KERNEL_N := $(BUILD)/out-n/arch/x86/boot/bzImage
KERNEL_KCSAN := $(BUILD)/out-y-kcsan/arch/x86/boot/bzImage
STRESS_SECS ?= 600
# The short stress run inside make check (seconds).
CHECK_STRESS_SECS ?= 60
# The first boot of make check runs everything: 2380 s was seen on a slow
# machine of this kind, against run.sh's 2400 s default.
CHECK_Y_TIMEOUT ?= 3300
KUNIT_SUITES := inode_addons inode_addons_rust rust_kernel_slab
# The BPF-LSM-less boot asks one question, whether inode storage works
# without the BPF LSM: only the test_progs tests about inode storage.
NOLSM_TEST_PROGS := inode_storage_tracing,inode_storage_reject,inode_storage_teardown,local_storage_destroy_race,fanotify_filter
# The =n boot: inode storage where it lives without the container (the
# LSM blob) and what =n must refuse; the other storage types do not change
# with CONFIG_INODE_ADDONS and run in the =y boot.
N_TEST_PROGS := test_local_storage,inode_storage_null_arg,$(NOLSM_TEST_PROGS)

.PHONY: help deps source kernel kernel-n kernel-kcsan pristine run check stress stress-kcsan \
	demo size census bench series series-check lint kunit clean

help:
	@echo "make demo      build the patched kernel, boot it, show the container at work"
	@echo "make check     every test: KUnit + in-guest, CONFIG_INODE_ADDONS=y and =n"
	@echo "make source    prepare the patched tree      -> $(BUILD)/linux"
	@echo "make kernel    build it (debug test config)  -> $(KERNEL_Y)"
	@echo "make kernel-n  the same with CONFIG_INODE_ADDONS=n -> $(KERNEL_N)"
	@echo "make pristine  unpatched 7.3.4, same config  -> $(BUILD)/out-pristine"
	@echo "make run CMD='...'  boot the built kernel and run CMD in the guest"
	@echo "make size      sizeof(struct inode), pristine vs patched  -> $(BUILD)/size.md"
	@echo "make census    which struct inode fields are in use after a workload -> $(BUILD)/census"
	@echo "make bench     container vs pristine, one pointer, hash maps -> $(BUILD)/bench/report.md"
	@echo "make stress    STRESS_SECS (default 600) of stress on the debug kernel, 4 filesystems"
	@echo "make kernel-kcsan  the =y kernel with KCSAN instead of KASAN -> $(KERNEL_KCSAN)"
	@echo "make stress-kcsan  the same stress on the KCSAN kernel"
	@echo "make series    the patch series and cover letter -> $(BUILD)/series"
	@echo "make series-check  build the tree after each patch, =y and =n (about 90 min cold)"
	@echo "make lint      git am, checkpatch, kernel-doc, rustfmt, clippy, rustdoc, Sphinx"
	@echo "make kunit     our KUnit suites with tools/testing/kunit/kunit.py (.kunitconfig)"
	@echo "make deps      install the toolchain (run implicitly)"

deps:
	@bash $(WB)/deps.sh

source: deps
	@bash $(WB)/fetch-source.sh $(CACHE) >/dev/null
	@bash $(WB)/apply.sh

kernel: source
	@bash $(WB)/build.sh y

kernel-n: source
	@bash $(WB)/build.sh n

kernel-kcsan: source
	@EXTRA_FRAGMENT=$(CURDIR)/configs/kcsan.config OUT_SUFFIX=-kcsan \
		REQUIRE="CONFIG_RUST CONFIG_DEBUG_INFO_BTF CONFIG_BPF_SYSCALL CONFIG_KCSAN" \
		bash $(WB)/build.sh y

pristine: deps
	@bash $(WB)/fetch-source.sh $(CACHE) >/dev/null
	@bash $(WB)/build.sh pristine

run: deps
	@test -n "$(CMD)" || { echo "usage: make run CMD='command to run in the guest'" >&2; exit 2; }
	@test -f $(KERNEL_Y) || { echo "make run: no kernel at $(KERNEL_Y): run 'make kernel' first" >&2; exit 2; }
	@bash $(WB)/run.sh $(KERNEL_Y) "$(CMD)"

# Every test.  Both kernels are built before anything boots, so that a
# build error shows up first; the summary counts every test that ran.
check: kernel kernel-n
	@rm -f $(BUILD)/results-*.json
	@python3 $(WB)/check.py host --name lint --out $(BUILD)/results-lint.json \
		-- bash $(WB)/lint.sh
	@RUN_TIMEOUT=$(CHECK_Y_TIMEOUT) python3 $(WB)/check.py boot --variant y --kernel $(KERNEL_Y) \
		--guest-env "STRESS_SECS=$(CHECK_STRESS_SECS)" \
		--out $(BUILD)/results-y.json $(addprefix --expect-suite ,$(KUNIT_SUITES))
	@python3 $(WB)/check.py boot --variant n --kernel $(KERNEL_N) \
		--guest-env "TEST_FILESYSTEMS=tmpfs TEST_PROGS_ONLY=$(N_TEST_PROGS)" \
		--out $(BUILD)/results-n.json
	@python3 $(WB)/check.py boot --variant y --kernel $(KERNEL_Y) --label y-nolsm \
		--append "kunit.enable=0 lsm=capability,landlock,lockdown,yama" \
		--tests "[34]*" --no-bpf-lsm \
		--guest-env "TEST_FILESYSTEMS=tmpfs TEST_PROGS_ONLY=$(NOLSM_TEST_PROGS)" \
		--out $(BUILD)/results-y-nolsm.json
	@python3 $(WB)/check.py summary $(BUILD)/results-lint.json $(BUILD)/results-y.json \
		$(BUILD)/results-n.json $(BUILD)/results-y-nolsm.json

# Not part of check (a short run is): the stress run, STRESS_SECS long, on
# the debug (KASAN) kernel or on the KCSAN kernel.
stress: kernel
	@RUN_TIMEOUT=$$(($(STRESS_SECS) + 900)) python3 $(WB)/check.py boot --variant y \
		--kernel $(KERNEL_Y) --label y-stress --append "kunit.enable=0" --tests 50-stress \
		--guest-env "STRESS_SECS=$(STRESS_SECS)" --out $(BUILD)/results-stress.json
	@python3 $(WB)/check.py summary $(BUILD)/results-stress.json

stress-kcsan: kernel-kcsan
	@RUN_TIMEOUT=$$(($(STRESS_SECS) + 900)) python3 $(WB)/check.py boot --variant y \
		--kernel $(KERNEL_KCSAN) --label y-kcsan --append "kunit.enable=0" --tests 50-stress \
		--kcsan-ours-only \
		--guest-env "STRESS_SECS=$(STRESS_SECS)" --out $(BUILD)/results-kcsan.json
	@python3 $(WB)/check.py summary $(BUILD)/results-kcsan.json

# sizeof(struct inode): pristine vs patched, Debian's distro config and ours.
size: deps
	@bash $(WB)/fetch-source.sh $(CACHE) >/dev/null
	@bash $(WB)/apply.sh >/dev/null
	@bash $(WB)/size.sh

# The series as git format-patch files and a cover letter, checked with
# git am and checkpatch; series-check builds every step of it.
series: source
	@bash $(WB)/series.sh

series-check: series
	@bash $(WB)/series-check.sh

lint: source
	@bash $(WB)/lint.sh

kunit: source
	@bash $(WB)/kunit.sh

# Not part of check: three more kernels (about 45 min cold) and six boots.
bench: source
	@bash $(WB)/bench/bench.sh

census: source
	@bash $(WB)/census.sh

demo: kernel
	@for t in inode_activity fanotify_subtree; do \
		CARGO_BUILD_JOBS=$$(nproc) bash samples/inode_addons/build.sh $$t \
			$(BUILD)/out-y/vmlinux >/dev/null || exit 1; \
	done
	@bash $(WB)/run.sh $(KERNEL_Y) "BUILD_DIR=$(BUILD) samples/inode_addons/demo.sh" 2>&1 | \
		python3 $(WB)/demo_filter.py; exit $${PIPESTATUS[0]}

clean:
	rm -rf $(BUILD)
