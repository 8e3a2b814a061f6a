# Entry points. The work is done by harness/*.sh (one file per concern); see README.md.
# Variables: KVER=6.1|6.12 (6.12 = the upstream peer, no series), VARIANTS="vm debug",
# TESTS="binfmt_misc:binfmt_misc_userns_test ..." (one or more tests by name).
SHELL := /bin/bash
H := harness

.PHONY: all run shell check test peer list-tests tree series build bisect checkpatch clean help
all: help

help:
	@echo "make run        build the patched kernel, boot it, run the narrated demo"
	@echo "make shell      the same kernel with an interactive guest shell"
	@echo "make check      everything CI checks; ends with 'N passed, N failed'"
	@echo "make test TESTS=collection:test   one test (or several) on the vm kernel"
	@echo "make peer       the same kselftests on the upstream peer (linux-source-6.12, no series)"
	@echo "make tree       materialise build/linux-6.1: base commit + one commit per patch"
	@echo "make series     export build/linux-6.1's commits to patches/6.1"
	@echo "make build      build the vm and debug kernels and the kselftests"
	@echo "make bisect     build every patch in 4 configs (BINFMT_MISC=y/m/n, USER_NS=n) with W=1"
	@echo "make checkpatch checkpatch --strict on every patch"
	@echo "make clean      remove build outputs (keeps the kernel tree and its commits)"
	@echo "make check-e2e  real container tools (qemu-user-static, systemd-binfmt, update-binfmts, LXC) in the guest"
	@echo "make bench      exec cost against table size, namespace depth and memory: base 6.1, peer 6.12, ours"

.PHONY: check-e2e
check-e2e:
	@$(H)/e2e.sh check

.PHONY: bench
bench:
	@$(H)/bench.sh

run:
	@$(H)/run.sh demo
shell:
	@$(H)/run.sh shell
check:
	@$(H)/check.sh
test:
	@[ -n "$(TESTS)" ] || { echo "usage: make test TESTS=collection:test (make list-tests lists them)" >&2; exit 2; }
	@VARIANTS="$(or $(VARIANTS),vm)" SKIP_CHECKPATCH=1 TREE_AS_IS=1 $(H)/check.sh
peer:
	@KVER=6.12 VARIANTS="$(or $(VARIANTS),vm debug)" SKIP_CHECKPATCH=1 TREE_AS_IS=1 $(H)/check.sh
list-tests:
	@$(H)/base.sh tree && $(H)/build.sh selftests && cat build/kselftest-$(or $(KVER),6.1)/kselftest-list.txt
tree:
	@$(H)/base.sh tree
series:
	@$(H)/base.sh series
build:
	@$(H)/base.sh tree && $(H)/build.sh selftests && \
		for v in $(or $(VARIANTS),vm debug); do $(H)/build.sh kernel $$v || exit 1; done
bisect:
	@$(H)/bisect.sh
checkpatch:
	@$(H)/base.sh tree && $(H)/checkpatch.sh >/dev/null
clean:
	rm -rf build/vm-* build/debug-* build/kselftest-* build/check-* build/run-*
