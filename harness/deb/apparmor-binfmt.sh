#!/bin/bash
# The smallest AppArmor change that lets a container register in its own binfmt_misc instance:
# Debian's LXC profile (lxc-container-default-cgns) with the two rules of its base
# (abstractions/lxc/container-base) that refuse writes to /proc/sys/fs/binfmt_misc/register
# narrowed to leave binfmt_misc out:
#   deny @{PROC}/sys/fs/** wklx,          -> /proc/sys/fs/ but not its entries starting "bi"
#   deny /proc/sys/[^kn]*{,/**} wklx,     -> /proc/sys/ but not fs (left to the rule above)
# (binfmt_misc is the only entry of /proc/sys/fs that starts with "bi"). Both are deny rules, which
# win over any allow rule: a profile can only drop them, not add to them. Either one alone still
# refuses register with EACCES, and silently (deny rules are not audited). Loads the result as
# lxc-container-binfmt (root, in the guest).
#   apparmor-binfmt.sh   prints the rules it changed; exit 1 (with the reason) if it cannot
set -u
base=/etc/apparmor.d/abstractions/lxc/container-base
deny_fs='  deny @{PROC}/sys/fs/** wklx,'
deny_sys='  deny /proc/sys/[^kn]*{,/**} wklx,'
for rule in "$deny_fs" "$deny_sys"; do
	grep -qxF "$rule" "$base" || { echo "no '$rule' in $base"; exit 1; }
done
sed -e 's|^  deny @{PROC}/sys/fs/\*\* wklx,$|  deny @{PROC}/sys/fs/[^b]** wklx,\n  deny @{PROC}/sys/fs/b[^i]** wklx,|' \
	-e 's|^  deny /proc/sys/\[^kn\]\*{,/\*\*} wklx,$|  deny /proc/sys/[^fkn]*{,/**} wklx,\n  deny /proc/sys/f[^s]*{,/**} wklx,\n  deny /proc/sys/fs?*{,/**} wklx,|' \
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
