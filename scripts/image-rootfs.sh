#!/usr/bin/env bash
# Assembles the runtime root file system of promtls' container image in ROOTFS from BINARY:
# promtls as /usr/bin/promtls, exactly the shared libraries it loads here (ldd, the loader
# included, each under the name the loader asks for), Debian's CA bundle, a passwd and group
# naming root and the unprivileged user and group 65532 (nonroot), and an empty /tmp (1777).
# Nothing else: no shell, no package manager. Merged-/usr as on Debian 13 (bin, lib and lib64
# are links into usr). Prints the libraries it copied, one a line.
#
# Run it where BINARY was built, so ldd resolves what the binary will load: the Debian 13 root of
# scripts/test-debian13.sh --image (scripts/build-image.sh) or the Containerfile's build stage;
# both images get their files from this one script. ROOTFS is replaced whole.
#
# Usage: scripts/image-rootfs.sh BINARY ROOTFS
set -euo pipefail
if [ $# -ne 2 ] || [ ! -x "$1" ] || [ -z "$2" ]; then
  echo "usage: $0 BINARY ROOTFS (BINARY must be an executable file)" >&2
  exit 2
fi
binary=$1
rootfs=$2
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca_bundle" ] || { echo "image-rootfs: $ca_bundle is missing (ca-certificates)" >&2; exit 1; }

deps=$(ldd "$binary")
if grep -q 'not found' <<<"$deps"; then
  echo "image-rootfs: $binary needs libraries this system does not have:" >&2
  grep 'not found' <<<"$deps" >&2
  exit 1
fi
# "name => /path (addr)" for libraries, "/path (addr)" for the loader; linux-vdso has no file.
mapfile -t libraries < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
  <<<"$deps" | LC_ALL=C sort -u)
[ "${#libraries[@]}" -gt 0 ] || { echo "image-rootfs: ldd listed no libraries" >&2; exit 1; }

rm -rf "$rootfs"
mkdir -p "$rootfs"/{etc/ssl/certs,tmp,usr/bin,usr/lib,usr/lib64}
ln -s usr/bin "$rootfs/bin"
ln -s usr/lib "$rootfs/lib"
ln -s usr/lib64 "$rootfs/lib64"
install -m 0755 "$binary" "$rootfs/usr/bin/promtls"
for lib in "${libraries[@]}"; do
  # The directory the requested path resolves to (/lib64 -> /usr/lib64), the file it names
  # (libssl.so.3 -> libssl.so.3 itself or its versioned target), copied as the requested name.
  dir=$(realpath "$(dirname "$lib")")
  mode=0644
  case "$lib" in */ld-linux*) mode=0755 ;; esac
  mkdir -p "$rootfs$dir"
  install -m "$mode" "$(realpath "$lib")" "$rootfs$dir/$(basename "$lib")"
  echo "$lib"
done
install -m 0644 "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin' > "$rootfs/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' > "$rootfs/etc/group"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"
find "$rootfs" -type d -exec chmod 0755 {} +
chmod 1777 "$rootfs/tmp"
