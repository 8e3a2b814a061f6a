# Entry points. The work is done by the scripts under harness/ (one file per concern; README.md).
# Variables: KERNEL=ours|peer|base (harness/kernels), VARIANTS="vm debug" (configs/*.config),
# TESTS="binfmt_misc:binfmt_misc_userns_test ..." (one or more tests by name).
SHELL := /bin/bash
H := harness
# A variable given on the command line or in the environment reaches the scripts as it is.
export KERNEL VARIANTS TESTS

.PHONY: help run shell check test peer lint test-harness list-tests list-variants tree series \
	build bisect droppable checkpatch check-e2e bench clean deb deb-qemu check-deb
help:
	@echo "make run          build the patched kernel, boot it, run the narrated demo"
	@echo "make shell        the same kernel with an interactive guest shell"
	@echo "make check        everything CI checks; ends with 'N passed, N failed'"
	@echo "make test TESTS=collection:test   one test (or several), on the first variant (vm)"
	@echo "make peer         the same kselftests and e2e rows on the upstream peer (KERNEL=peer: linux-source-6.12)"
	@echo "make lint         shellcheck (and pyflakes) on every harness script"
	@echo "make test-harness tests of the harness itself: TAP parser, variants, guest outcomes"
	@echo "make list-tests   the test names TESTS takes; make list-variants: the kernel variants"
	@echo "make tree         materialise build/ours/linux: base commit + one commit per patch"
	@echo "make series       export build/ours/linux's commits to patches/6.1"
	@echo "make build        build every variant's kernel and the kselftests"
	@echo "make bisect       build every patch in 4 configs (BINFMT_MISC=y/m/n, USER_NS=n) with W=1"
	@echo "make droppable    apply every subset of the series' improvements on its own, build the single drops"
	@echo "make checkpatch   checkpatch --strict on every patch"
	@echo "make check-e2e    real container tools (qemu-user-static, systemd-binfmt, update-binfmts, LXC) in the guest"
	@echo "make deb          Debian packages: Debian's 6.1 amd64 config + the series (hours on 2 cores)"
	@echo "make deb-qemu     the same config trimmed to what a QEMU guest needs (make check-deb boots it)"
	@echo "make check-deb    Debian 12 with systemd and AppArmor on the deb-qemu kernel: rows, summary"
	@echo "make bench        exec cost against table size, namespace depth and memory: base 6.1, peer 6.12, ours"
	@echo "make clean        remove build outputs (keeps the kernel trees and their commits)"

run:
	@$(H)/host/demo.sh demo
shell:
	@$(H)/host/demo.sh shell
check:
	@$(H)/host/check.sh
test:
	@[ -n "$(TESTS)" ] || { echo "usage: make test TESTS=collection:test (make list-tests lists them)" >&2; exit 2; }
	@VARIANTS="$(or $(VARIANTS),$(shell $(H)/host/variants.sh first))" SKIP_CHECKPATCH=1 TREE_AS_IS=1 $(H)/host/check.sh
peer:
	@KERNEL=peer SKIP_CHECKPATCH=1 TREE_AS_IS=1 $(H)/host/check.sh
lint:
	@$(H)/host/lint.sh
test-harness:
	@$(H)/tests/harness-tests.sh
list-tests:
	@$(H)/host/tree.sh tree && $(H)/host/build.sh selftests && cat build/ours/kselftest/kselftest-list.txt
list-variants:
	@$(H)/host/variants.sh list
tree:
	@$(H)/host/tree.sh tree
series:
	@$(H)/host/tree.sh series
build:
	@$(H)/host/tree.sh tree && $(H)/host/build.sh selftests && \
		for v in $${VARIANTS:-$$($(H)/host/variants.sh all)}; do $(H)/host/build.sh kernel $$v || exit 1; done
bisect:
	@mkdir -p build && $(H)/host/bisect.sh >build/bisect.tsv; $(H)/host/report.sh summary build/bisect.tsv
droppable:
	@$(H)/host/tree.sh tree && mkdir -p build && $(H)/host/droppable.sh >build/droppable.tsv; $(H)/host/report.sh summary build/droppable.tsv
checkpatch:
	@$(H)/host/tree.sh tree && $(H)/host/checkpatch.sh >build/checkpatch.tsv && $(H)/host/report.sh summary build/checkpatch.tsv
check-e2e:
	@$(H)/e2e/e2e.sh check
bench:
	@$(H)/bench/bench.sh
deb:
	@$(H)/host/tree.sh tree && $(H)/deb/build.sh debs amd64
deb-qemu:
	@$(H)/host/tree.sh tree && $(H)/deb/build.sh debs qemu
check-deb:
	@$(H)/deb/check.sh
clean:
	@for v in $$($(H)/host/variants.sh all) check e2e e2e-check demo shell kselftest kselftest-obj; do \
		rm -rf build/*/$$v; done; rm -rf build/bench
