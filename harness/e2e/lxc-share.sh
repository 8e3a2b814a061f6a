# shellcheck shell=sh
# lxc_share CONFIG DEPS_DIR E2E_DIR: append to an LXC container's CONFIG the read-only binds its
# init (E2E_DIR/lxc-init.sh) needs: qemu-aarch64, the arm64 busybox (DEPS_DIR/arm64) and E2E_DIR
# itself. Sourced by harness/e2e/lxc.sh (make check-e2e) and harness/deb/lxc-apparmor.sh
# (make check-deb), which run the same init in their containers.
lxc_share() {
	cat >>"$1" <<-CONF
		lxc.mount.entry = /usr/bin/qemu-aarch64-static usr/bin/qemu-aarch64-static none bind,ro,create=file 0 0
		lxc.mount.entry = /usr/libexec/qemu-binfmt usr/libexec/qemu-binfmt none bind,ro,create=dir 0 0
		lxc.mount.entry = $2/arm64 opt/arm64 none bind,ro,create=dir 0 0
		lxc.mount.entry = $3 opt/e2e none bind,ro,create=dir 0 0
	CONF
}
