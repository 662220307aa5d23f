#!/usr/bin/env bash
# Builds promtls and runs its whole test suite on Debian 13 (trixie): OpenSSL 3.5, GCC 14,
# Boost 1.83, Catch2 v3, Go 1.24 and Debian 13's prometheus, nginx and openssl.
#
# The Debian 13 root is made with debootstrap in .cache/debian13/root (git-ignored) and reused
# while the package list below is unchanged (its hash is kept in the root); when the list
# changes the root is made again. The sources are bind-mounted read-only at /src in the root,
# the build directory is /build inside the root (kept, so a rerun only rebuilds what changed).
# Only /proc, a devpts of the root's own (zsh's completion tests need pseudo-terminals) and the
# source tree are mounted, and all three are unmounted on every exit path.
#
# Run as root on a Debian machine that has debootstrap (scripts/install-deps.sh installs it).
# PROMTLS_DEBIAN13_MIRROR overrides the Debian mirror; PROMTLS_DEBIAN13_DIR the folder.
# PROMTLS_DEBIAN13_RUN, when set, is a command run in the root (by bash, in /src, after the build)
# instead of the test suite: a focused ctest, or bench/serve_kex.sh's measurement.
#
# Modes: no argument builds and runs the suite; --build-only prepares the root and builds without
# running the tests; --image builds only promtls, optimised for size and stripped, in
# /build-image in the root, and assembles the container image's root file system from it in
# /build-image/rootfs (scripts/image-rootfs.sh; the libraries it copied are listed in
# /build-image/libraries.txt), for scripts/build-image.sh.
set -euo pipefail
mode=${1:-test}
case "$mode" in
  test|--build-only|--image) ;;
  *) echo "usage: $0 [--build-only|--image]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
src=$(pwd -P)
cache=${PROMTLS_DEBIAN13_DIR:-$src/.cache/debian13}
mirror=${PROMTLS_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
security_mirror=${mirror%/debian}/debian-security

# Debian 13's names for what scripts/install-deps.sh installs on Debian 12 for the tests
# (default-jre-headless: keytool, openjdk-21 on Debian 13; openjdk-17 is gone there; libicu76
# for the SARIF Multitool, which the host's scripts/install-validators.sh puts in
# build-tools/, seen at /src/build-tools). golang-go: the Go peers of the post-quantum tests.
packages=(cmake g++ make ninja-build pkg-config lld
          libssl-dev libcli11-dev nlohmann-json3-dev prometheus-cpp-dev libboost-dev
          libyaml-dev libyaml-cpp-dev zlib1g-dev catch2
          openssl prometheus nginx-light prometheus-node-exporter mandoc man-db bash zsh fish
          python3 python3-lxml procps dpkg-dev file default-jre-headless nodejs libicu76
          golang-go)
# The hash covers the list and how the root is laid out (bump the version when that changes).
stamp_version=2
want=$(printf '%s\n' "layout $stamp_version" "${packages[@]}" | sha256sum | cut -d' ' -f1)

if [ "$(id -u)" -ne 0 ]; then
  echo "test-debian13: needs root (debootstrap, chroot, mount)" >&2
  exit 1
fi
command -v debootstrap >/dev/null || {
  echo "test-debian13: debootstrap is missing (bash scripts/install-deps.sh all)" >&2
  exit 1
}

mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)  # as /proc/self/mounts spells it
root=$cache/root
stamp=$root/.promtls-packages.sha256
exec 9>"$cache/lock"
flock 9  # one run at a time per root

# Mount points under the root, innermost last, as /proc/self/mounts lists them.
mounts_under_root() {
  awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts
}
# The command running (debootstrap, or one in the root), in a process group of its own
# (setsid), so that a signal to this script ends it and everything it started before the
# mounts go.
child=
stop_child() {
  [ -n "$child" ] || return 0
  kill -TERM -- "-$child" 2>/dev/null || true
  wait "$child" 2>/dev/null || true
  child=
}
unmount_all() {
  local m
  stop_child
  for m in $(mounts_under_root | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}
trap unmount_all EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
unmount_all  # what a killed run may have left

elapsed() { echo "$(($(date +%s) - $1))s"; }
# Runs a command as that child, without the lock's descriptor (a daemon a test leaves behind
# must not hold the lock); waiting in `wait` lets the traps above run as soon as a signal comes.
run_child() {
  setsid "$@" 9>&- &
  child=$!
  local status=0
  wait "$child" || status=$?
  child=
  return "$status"
}
# Runs a command in the root with a clean environment.
in_root() {
  run_child chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    TERM=dumb DEBIAN_FRONTEND=noninteractive GOTOOLCHAIN=local GOPROXY=off "$@"
}
mount_proc() { mount -t proc proc "$root/proc"; }
copy_resolver() { cp /etc/resolv.conf "$root/etc/resolv.conf"; cp /etc/hosts "$root/etc/hosts"; }

start=$(date +%s)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "== debian13: making the Debian 13 root in $root"
  t=$(date +%s)
  [ -z "$(mounts_under_root)" ] || { echo "test-debian13: $root still has mounts" >&2; exit 1; }
  rm -rf --one-file-system "$root"
  run_child debootstrap --variant=minbase --components=main trixie "$root" "$mirror" \
    > "$cache/debootstrap.log" 2>&1 || {
    tail -n 30 "$cache/debootstrap.log" >&2
    exit 1
  }
  echo "debootstrap: $(elapsed "$t")"
  t=$(date +%s)
  cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -f "$root/etc/apt/sources.list"
  # Pseudo-terminals from the root's own devpts instance (mounted below), not the host's.
  rm -f "$root/dev/ptmx"
  ln -s pts/ptmx "$root/dev/ptmx"
  cat > "$root/etc/apt/apt.conf.d/90promtls" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  # The packaged daemons (nginx, prometheus, node-exporter) must not start: the tests start
  # their own on loopback.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  copy_resolver
  mount_proc
  in_root apt-get update -qq
  in_root apt-get install -y -qq "${packages[@]}" > "$cache/apt.log" 2>&1 || {
    tail -n 30 "$cache/apt.log" >&2
    exit 1
  }
  in_root apt-get clean
  umount "$root/proc"
  echo "$want" > "$stamp"
  echo "packages: $(elapsed "$t")"
else
  echo "== debian13: reusing $root (package list unchanged)"
fi

mkdir -p "$root/src"
mount --bind "$src" "$root/src"
mount -o remount,bind,ro "$root/src"
mount_proc
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
copy_resolver

echo "== debian13: $(in_root openssl version), $(in_root g++ --version | head -n 1)"
t=$(date +%s)
if [ "$mode" = --image ]; then
  # MinSizeRel (-Os; src/cli/CMakeLists.txt already links with --gc-sections), no tests, the
  # same configuration as the Containerfile's build stage; then the image's root file system,
  # assembled in the root so that ldd lists what the binary loads on Debian 13.
  in_root cmake -S /src -B /build-image -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel \
    -DPROMTLS_WERROR=ON -DPROMTLS_BUILD_TESTS=OFF >/dev/null
  in_root cmake --build /build-image -j2 --target promtls
  in_root strip --strip-all -o /build-image/promtls.stripped /build-image/src/cli/promtls
  in_root bash /src/scripts/image-rootfs.sh /build-image/promtls.stripped /build-image/rootfs \
    > "$root/build-image/libraries.txt"
  echo "image build: $(elapsed "$t")"
  exit 0
fi
in_root cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROMTLS_WERROR=ON \
  >/dev/null
in_root cmake --build /build -j2
echo "build: $(elapsed "$t")"
[ "$mode" = test ] || { echo "== debian13: built in $(elapsed "$start")"; exit 0; }
t=$(date +%s)
if [ -n "${PROMTLS_DEBIAN13_RUN:-}" ]; then
  in_root bash -c "cd /src && $PROMTLS_DEBIAN13_RUN"
  echo "command: $(elapsed "$t")"
  exit 0
fi
in_root ctest --test-dir /build -j2 --timeout 300 --output-on-failure --no-tests=error
echo "tests: $(elapsed "$t")"
echo "== debian13: done in $(elapsed "$start")"
