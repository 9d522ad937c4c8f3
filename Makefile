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
KUNIT_SUITES := inode_addons inode_addons_rust rust_kernel_slab

.PHONY: help deps source kernel kernel-n pristine run check demo size bench clean

help:
	@echo "make demo      build the patched kernel, boot it, show the container at work"
	@echo "make check     every test: KUnit + in-guest, CONFIG_INODE_ADDONS=y and =n"
	@echo "make source    prepare the patched tree      -> $(BUILD)/linux"
	@echo "make kernel    build it (debug test config)  -> $(KERNEL_Y)"
	@echo "make kernel-n  the same with CONFIG_INODE_ADDONS=n -> $(KERNEL_N)"
	@echo "make pristine  unpatched 7.3.4, same config  -> $(BUILD)/out-pristine"
	@echo "make run CMD='...'  boot the built kernel and run CMD in the guest"
	@echo "make size      sizeof(struct inode), pristine vs patched  -> $(BUILD)/size.md"
	@echo "make bench     container vs pristine, one pointer, hash maps -> $(BUILD)/bench/report.md"
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
	@python3 $(WB)/check.py boot --variant y --kernel $(KERNEL_Y) \
		--out $(BUILD)/results-y.json $(addprefix --expect-suite ,$(KUNIT_SUITES))
	@python3 $(WB)/check.py boot --variant n --kernel $(KERNEL_N) \
		--bpf-vmlinux $(BUILD)/out-y/vmlinux --out $(BUILD)/results-n.json
	@python3 $(WB)/check.py boot --variant y --kernel $(KERNEL_Y) --label y-nolsm \
		--append "kunit.enable=0 lsm=capability,landlock,lockdown,yama" \
		--tests 30-bpf --no-bpf-lsm --out $(BUILD)/results-y-nolsm.json
	@python3 $(WB)/check.py summary $(BUILD)/results-y.json $(BUILD)/results-n.json \
		$(BUILD)/results-y-nolsm.json

# sizeof(struct inode): pristine vs patched, Debian's distro config and ours.
size: deps
	@bash $(WB)/fetch-source.sh $(CACHE) >/dev/null
	@bash $(WB)/apply.sh >/dev/null
	@bash $(WB)/size.sh

# Not part of check: three more kernels (about 45 min cold) and six boots.
bench: source
	@bash $(WB)/bench/bench.sh

demo: kernel
	@CARGO_BUILD_JOBS=$$(nproc) bash samples/inode_addons/inode_activity/build.sh \
		$(BUILD)/out-y/vmlinux >/dev/null
	@bash $(WB)/run.sh $(KERNEL_Y) "BUILD_DIR=$(BUILD) samples/inode_addons/demo.sh" 2>&1 | \
		python3 $(WB)/demo_filter.py; exit $${PIPESTATUS[0]}

clean:
	rm -rf $(BUILD)
