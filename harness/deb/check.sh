#!/usr/bin/env bash
# make check-deb: boot the trimmed Debian kernel (harness/deb/build.sh debs qemu) with the host's
# Debian 12 root under a writable overlay, systemd as PID 1 and AppArmor on (harness/deb/init),
# and run harness/deb/job in it; rows in build/ours/deb/check/rows.tsv, then the summary.
# Builds nothing: the packages must exist (make deb-qemu). FLAVOUR=amd64 boots the packages of
# make deb (Debian's whole configuration: 9p and overlay are modules, so initrd.sh makes a small
# initramfs from the package); FLAVOUR=stock boots Debian's own kernel instead
# (harness/deb/stock.sh): the same rows without the series. CHECK_DEB_TIMEOUT
# (seconds, default 1800) bounds the guest; CHECK_DEB_ROWS (boot userns e2e lxc lxd nested podman;
# default all) picks row groups.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

FLAVOUR=${FLAVOUR:-qemu}
dir=$BUILD/ours/deb/$FLAVOUR
res=$BUILD/ours/deb/check-$FLAVOUR
[ "$FLAVOUR" != stock ] || "$H/deb/stock.sh"
deb=
for f in "$dir"/linux-image-*.deb; do
	case $f in *-dbg_*) ;; *) deb=$f ;; esac
done
if [ ! -f "$deb" ] || [ ! -f "$dir/obj/$IMAGE" ]; then
	die "no packages in $(rel "$dir"): run 'make deb-$FLAVOUR' first (it takes a while)"
fi
[ "$FLAVOUR" != amd64 ] || [ "$dir/initrd.img" -nt "$deb" ] || "$H/deb/initrd.sh" "$dir" "$deb"
# Not lock_build: a deb build (hours) holds build/ours/.lock; two check-debs must not share res.
mkdir -p "$res"
exec 9>"$res.lock"
flock -n 9 || die "another make check-deb FLAVOUR=$FLAVOUR is running"
"$H/e2e/deps.sh"
# What Debian 12 installs for AppArmor, and the container tools the rows use, on the host's root
# the guest boots (the guest loads the profiles; the host's kernel is not touched).
apt_install apparmor lxc lxd lxcfs uidmap systemd qemu-user-static binfmt-support busybox-static podman crun
step "booting $(basename "$deb" .deb) with systemd (log: $(rel "$res")/console.log)"
if [ "$FLAVOUR" = stock ]; then
	install=(check_deb.modules="$(echo "$dir"/root/lib/modules/*)")
else
	install=(check_deb.debs="$dir")
fi
[ ! -f "$dir/initrd.img" ] || export QEMU_EXTRA="-initrd $dir/initrd.img"
read -ra rows_wanted <<<"${CHECK_DEB_ROWS:-}"
t0=$SECONDS
MEM=${MEM:-4G} TIMEOUT=${CHECK_DEB_TIMEOUT:-1800} GUEST_INIT=$H/deb/init \
	APPEND="${install[0]} systemd.unit=multi-user.target" \
	"$H/host/boot.sh" "$res" "deb/$FLAVOUR/obj" "$H/deb/job" "$BUILD/e2e-deps" "${rows_wanted[@]}" || true
guest_rows deb "$res" "$res/rows.tsv" >"$res/all-rows.tsv"
info "guest ran $((SECONDS - t0)) s; $(grep -m1 -o 'Startup finished.*' "$res/console.log" || echo 'systemd did not finish booting')"
"$H/host/report.sh" summary "$res/all-rows.tsv"
