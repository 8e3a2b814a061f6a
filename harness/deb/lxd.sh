#!/bin/bash
# Proves, for LXD 5.0 (Debian 12's lxd) and its default unprivileged containers (a user namespace
# owned by host root, ids from root's /etc/subuid), from an image imported locally (busybox, the
# arm64 busybox and qemu-aarch64-static, LXD metadata):
#   lxd:sees       what a container finds at /proc/sys/fs/binfmt_misc (LXD binds the host's there);
#   lxd-default:*  with LXD's own AppArmor profile, mount -t binfmt_misc (its rule
#                  `mount fstype=binfmt_misc -> /proc/sys/fs/binfmt_misc/,`) and register, refused
#                  by `deny /proc/sys/fs/binfmt_misc/{,**} rwklx,` and the two rules LXC's profile
#                  refuses it with (the row checks they are in /usr/bin/lxd, where LXD 5.0 keeps
#                  its profile template);
#   lxd-c1:*, lxd-c2:*  what a user configures: raw.lxc `lxc.apparmor.profile=lxc-container-binfmt`
#                  (the profile apparmor-binfmt.sh loads): LXD's bind of the host's instance stays
#                  read-only to them (lxd-c1:host-readonly); each container mounts its own instance,
#                  registers qemu-aarch64 and an entry of its own, runs the arm64 busybox, and
#                  sees only its own entries.
#   lxd.sh DEPS_DIR   (root, initial namespaces)
set -u
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=harness/deb/common.sh
. "$here/common.sh"
deps=$1
logs=/run/results/lxd
img=/tmp/lxd-image
mkdir -p "$logs"
names="lxd:start lxd:sees lxd-default:mount lxd-default:register lxd-c1:mount lxd-c1:register lxd-c1:run-arm64 lxd-c2:mount lxd-c2:register lxd-c2:run-arm64 lxd-c1:own-entries lxd-c2:own-entries"

# image: a busybox rootfs with what the rows need, and LXD's metadata, as one tarball.
image() {
	local r=$img/rootfs
	rm -rf "$img" && mkdir -p "$r"/{bin,sbin,dev,proc,sys,tmp,etc,opt/arm64,opt/e2e,opt/check,usr/bin,usr/lib/binfmt.d,usr/libexec/qemu-binfmt}
	cp /bin/busybox "$r/bin/busybox" && ln -s busybox "$r/bin/sh"
	printf '#!/bin/busybox sh\nexec /bin/busybox sleep 100000\n' >"$r/sbin/init" && chmod 0755 "$r/sbin/init"
	cp "$deps/arm64/busybox" "$r/opt/arm64/busybox"
	cp /usr/bin/qemu-aarch64-static "$r/usr/bin/"
	ln -s ../../bin/qemu-aarch64-static "$r/usr/libexec/qemu-binfmt/aarch64-binfmt-P"
	cp /usr/lib/binfmt.d/qemu-aarch64.conf "$r/usr/lib/binfmt.d/"
	cp "$(dirname "$here")/e2e/common.sh" "$r/opt/e2e/" && cp "$here/lxd-inside.sh" "$r/opt/check/"
	printf 'architecture: x86_64\ncreation_date: %s\nproperties:\n  description: check-deb busybox\n' \
		"$(date +%s)" >"$img/metadata.yaml"
	tar -C "$img" -czf "$img.tar.gz" metadata.yaml rootfs
}

# step DESC CMD...: one setup step, said on stdout first, its output in lxd/setup.log; a command
# (not a function of this script) is bounded to 10 minutes.
step() {
	local desc=$1
	shift
	echo "lxd: $desc [$SECONDS s]"
	local bound=(timeout 600)
	! declare -F "$1" >/dev/null || bound=()
	"${bound[@]}" "$@" >>"$logs/setup.log" 2>&1 || { echo "lxd: $desc failed (exit $?; lxd/setup.log)"; return 1; }
}
preseed() {
	lxd init --preseed <<-'YAML'
		storage_pools:
		- name: default
		  driver: dir
		profiles:
		- name: default
		  devices:
		    root: {path: /, pool: default, type: disk}
	YAML
}
# start: LXD on a tmpfs, a dir storage pool, no network; the image; c0 with LXD's own profile, c1
# and c2 with lxc-container-binfmt, set at launch (a clean `lxc restart` would wait for ever: the
# image's init, busybox sleep, ignores the SIGPWR LXD stops it with).
binfmt=lxc.apparmor.profile=lxc-container-binfmt
start() {
	# lxd.socket, started at boot, has its socket file in /var/lib/lxd: a tmpfs mounted over it
	# hides the file, and `lxd waitready` (lxd.service's ExecStartPost) waits for it until its
	# timeout, 10 minutes. So: socket off, tmpfs, socket and daemon on.
	step "loading lxc-container-binfmt" "$here/apparmor-binfmt.sh" &&
		step "systemctl stop lxd.socket" systemctl stop lxd.socket &&
		step "tmpfs on /var/lib/lxd" mount -t tmpfs -o mode=0711 lxd /var/lib/lxd &&
		step "systemctl start lxd.socket lxd.service" systemctl start lxd.socket lxd.service &&
		step "lxd init --preseed (dir pool, no network)" preseed &&
		step "image" image &&
		step "lxc image import" lxc image import "$img.tar.gz" --alias check-busybox &&
		step "lxc launch c0" lxc launch check-busybox c0 &&
		step "lxc launch c1 c2 with raw.lxc $binfmt" lxc launch check-busybox c1 -c raw.lxc="$binfmt" &&
		step "" lxc launch check-busybox c2 -c raw.lxc="$binfmt"
}

inside() { local c=$1; shift; lxc exec "$c" -- /opt/check/lxd-inside.sh "$@"; }

if ! start; then
	# Where the daemon is, if it hangs: Go prints every goroutine's stack on SIGQUIT.
	pid=$(systemctl show -P MainPID lxd.service)
	[ "${pid:-0}" = 0 ] || kill -QUIT "$pid"
	journalctl -u lxd --no-pager >"$logs/lxd.journal" 2>&1
	cp /var/log/lxd/lxd.log "$logs/" 2>/dev/null
	tail -n 3 "$logs/setup.log"
	for n in $names; do row FAIL "$n" "LXD setup failed: $(tail -n 1 "$logs/setup.log")"; done
	exit 0
fi
# label C: the AppArmor label of container C's init, as the host sees it (inside, LXD's
# AppArmor namespace makes it say "unconfined").
label() { cat "/proc/$(lxc info "$1" | awk '/^PID:/ { print $2 }')/attr/current" 2>&1; }
row PASS lxd:start "LXD $(lxd --version): image imported, c0 (LXD's profile), c1, c2 running, uid_map$(lxc exec c0 -- /bin/busybox cat /proc/self/uid_map | tr -s ' '), labels: c0 $(label c0), c1 $(label c1)"
inside c0 sees
inside c0 mount lxd-default
default=$(inside c0 register lxd-default)
# Three deny rules of LXD's template cover register; lxc-container-binfmt has none of them.
rules=('deny /proc/sys/fs/binfmt_misc/{,**} rwklx,' 'deny /proc/sys/fs/** wklx,' 'deny /proc/sys/[^kn]*{,/**} wklx,')
missing=""
for rule in "${rules[@]}"; do grep -qaF "$rule" /usr/bin/lxd || missing+=" '$rule'"; done
case $default in
*"FAIL	deb	lxd-default:register	register refused:"*"Permission denied"*)
	if [ -z "$missing" ]; then
		row PASS lxd-default:register "refused (EACCES) under LXD's profile ($(label c0)), by its rules '${rules[0]}', '${rules[1]}' and '${rules[2]}'"
	else
		row FAIL lxd-default:register "refused, but not in /usr/bin/lxd:$missing"
	fi
	;;
*) printf '%s\n' "$default" | grep 'lxd-default:register' || row FAIL lxd-default:register "no row" ;;
esac
inside c1 host lxd-c1
for c in c1 c2; do
	inside "$c" mount "lxd-$c"
	inside "$c" register "lxd-$c"
done
for c in c1 c2; do inside "$c" table "lxd-$c"; done
lxc delete -f c0 c1 c2 >/dev/null 2>&1
systemctl stop lxd.service lxd.socket
