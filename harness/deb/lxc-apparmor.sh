#!/bin/bash
# Proves, for an unprivileged LXC container (root-owned, ids 100000:65536) under AppArmor as
# Debian ships it (/etc/lxc/default.conf: lxc.apparmor.profile = generated, allow_nesting = 1):
#   lxc-default:*  with LXC's generated profile, mount -t binfmt_misc is allowed (its rule
#                  `mount fstype=binfmt_misc -> /proc/sys/fs/binfmt_misc/,`) and writing
#                  `register` is refused, by two deny rules, `deny @{PROC}/sys/fs/** wklx,` and
#                  `deny /proc/sys/[^kn]*{,/**} wklx,` (the row checks both are in the base of
#                  the profile LXC generates, and that the write fails with EACCES);
#   lxc-binfmt:*   with those two rules narrowed to leave binfmt_misc out (profile
#                  lxc-container-binfmt, apparmor-binfmt.sh), the qemu-aarch64 line registers in
#                  the container's instance and the arm64 busybox runs.
# The container's init is harness/e2e/lxc-init.sh (rows lxc:mount, lxc:register, lxc:run-arm64,
# renamed here).
#   lxc-apparmor.sh DEPS_DIR   (root, initial namespaces)
set -u
here=$(dirname "$(readlink -f "$0")")
e2e=$(dirname "$here")/e2e
# shellcheck source=harness/deb/common.sh
. "$here/common.sh"
# shellcheck source=harness/e2e/lxc-share.sh
. "$e2e/lxc-share.sh"
deps=$1
logs=/run/results/lxc
mkdir -p "$logs" /tmp/lxc-bin
# Containers on a tmpfs, as make check-e2e's (the guest's root is an overlay on 9p).
mount -t tmpfs -o mode=0711 lxc /var/lib/lxc || { fail_rows "cannot mount a tmpfs on /var/lib/lxc" lxc-default:mount; exit 1; }
# The busybox template runs `ln` once per applet: busybox's static one is 4x faster under TCG.
ln -sf /bin/busybox /tmp/lxc-bin/ln
deny_fs='deny @{PROC}/sys/fs/** wklx,'
deny_sys='deny /proc/sys/[^kn]*{,/**} wklx,'

# run NAME PROFILE: create container NAME with PROFILE, run lxc-init.sh in it; its rows on stdout
# as NAME:mount, NAME:register, NAME:run-arm64.
run() {
	local name=$1 profile=$2 conf=/tmp/$1.conf
	cat >"$conf" <<-CONF
		lxc.idmap = u 0 100000 65536
		lxc.idmap = g 0 100000 65536
		lxc.net.0.type = empty
		lxc.apparmor.profile = $profile
		lxc.apparmor.allow_nesting = 1
	CONF
	if ! PATH=/tmp/lxc-bin:$PATH lxc-create -n "$name" -t busybox -f "$conf" -l INFO \
		-o "$logs/$name-create.log" >"$logs/$name-create.out" 2>&1; then
		fail_rows "lxc-create failed: $(tail -n 1 "$logs/$name-create.out")" "$name:mount" "$name:register" "$name:run-arm64"
		return
	fi
	# The template binds the host's library folders for a dynamic busybox; Debian's is static, and
	# on the overlay root the read-only bind of /lib fails (EINVAL).
	sed -i -E '/^lxc.mount.entry = \/(usr\/)?lib(64)? /d' "/var/lib/lxc/$name/config"
	lxc_share "/var/lib/lxc/$name/config" "$deps" "$e2e"
	# ... and with /usr/lib goes qemu-user-static's binfmt.d, which lxc-init.sh registers from.
	echo "lxc.mount.entry = /usr/lib/binfmt.d usr/lib/binfmt.d none bind,ro,create=dir 0 0" >>"/var/lib/lxc/$name/config"
	lxc-execute -n "$name" -l INFO -o "$logs/$name-execute.log" -- /opt/e2e/lxc-init.sh 2>&1 |
		sed "s/^\([A-Z]*\)\te2e\tlxc:/\1\tdeb\t$name:/" | tee "$logs/$name.out"
	lxc-destroy -n "$name" >/dev/null 2>&1
}

# The default: the generated profile must refuse register and say why. LXC writes the profile
# it generates from a base compiled into liblxc, and removes it when the container stops.
default_rows=$(run lxc-default generated)
liblxc=$(ldconfig -p | awk '/liblxc\.so\.1 / { print $NF; exit }')
n_fs=$(grep -caF "$deny_fs" "$liblxc" 2>/dev/null)
n_sys=$(grep -caF "$deny_sys" "$liblxc" 2>/dev/null)
in_base=$((${n_fs:-0} * ${n_sys:-0}))
# Inside, /proc/self/attr/current says "unconfined": with allow_nesting the generated profile is
# stacked with an AppArmor namespace of the container's own, and that is the view from inside.
label="AppArmor label $(sed -n 's/.*Changed AppArmor profile to //p' "$logs/lxc-default-execute.log" 2>/dev/null | head -n 1)"
printf '%s\n' "$default_rows" | while IFS= read -r line; do
	case $line in
	PASS$'\t'* | FAIL$'\t'* | SKIP$'\t'*) ;;
	*) printf '%s\n' "$line"; continue ;;
	esac
	IFS=$'\t' read -r status _ name detail <<<"$line"
	case $name:$status in
	lxc-default:register:FAIL)
		if [ "${in_base:-0}" -gt 0 ] && grep -q 'register: Permission denied' "$logs/lxc-default.out"; then
			row PASS "$name" "refused (EACCES) under LXC's generated profile ($label), by its rules '$deny_fs' and '$deny_sys' (in liblxc's profile base)"
		else
			row FAIL "$name" "$detail, not with EACCES, or the rules are not in $liblxc (${in_base:-0} times; $label)"
		fi
		;;
	lxc-default:register:PASS) row FAIL "$name" "registered under the generated profile: was it applied? ($label; $detail)" ;;
	lxc-default:run-arm64:*) row SKIP "$name" "nothing registered (expected under the default profile)" ;;
	*) printf '%s\n' "$line" ;;
	esac
done

if out=$("$here/apparmor-binfmt.sh" 2>&1); then
	run lxc-binfmt lxc-container-binfmt
else
	fail_rows "profile lxc-container-binfmt not loaded: $out" lxc-binfmt:mount lxc-binfmt:register lxc-binfmt:run-arm64
fi
