#!/bin/bash
# The smallest AppArmor change that lets a container register in its own binfmt_misc instance:
# Debian's LXC profile (lxc-container-default-cgns), whose base (abstractions/lxc/container-base)
# denies writes under /proc/sys/fs with `deny @{PROC}/sys/fs/** wklx,`, with that one rule split
# in two that leave binfmt_misc out (the only entry of /proc/sys/fs that starts with "bi"). A deny
# rule wins over any allow rule, so a profile can only drop it, not add to it. Loads the result
# as lxc-container-binfmt (root, in the guest).
#   apparmor-binfmt.sh   prints the rules it changed; exit 1 (with the reason) if it cannot
set -u
base=/etc/apparmor.d/abstractions/lxc/container-base
deny='  deny @{PROC}/sys/fs/** wklx,'
grep -qxF "$deny" "$base" || { echo "no '$deny' in $base"; exit 1; }
sed "s|^  deny @{PROC}/sys/fs/\*\* wklx,|  deny @{PROC}/sys/fs/[^b]** wklx,\n  deny @{PROC}/sys/fs/b[^i]** wklx,|" \
	"$base" >/etc/apparmor.d/abstractions/lxc/container-base-binfmt
{
	echo '#include <tunables/global>'
	sed -e 's/lxc-container-default-cgns/lxc-container-binfmt/' \
		-e 's|abstractions/lxc/container-base>|abstractions/lxc/container-base-binfmt>|' \
		/etc/apparmor.d/lxc/lxc-default-cgns
} >/etc/apparmor.d/lxc/lxc-container-binfmt
apparmor_parser -r -W /etc/apparmor.d/lxc/lxc-container-binfmt || exit 1
diff "$base" /etc/apparmor.d/abstractions/lxc/container-base-binfmt | grep '^[<>]'
exit 0
