#!/usr/bin/env bash
# Builds promtls' container image without a container daemon and writes it as an OCI image
# layout in DIR (oci-layout, index.json, blobs/sha256/), tagged with promtls' version (the
# org.opencontainers.image.ref.name annotation of index.json, as umoci writes it).
#
# The same image as the Containerfile: promtls built on Debian 13 (OpenSSL 3.5) in the root of
# scripts/test-debian13.sh (its --image mode: -Os, --gc-sections, stripped), and the runtime
# root file system scripts/image-rootfs.sh assembles there (the Containerfile's build stage runs
# the same script): the shared libraries the binary loads, Debian 13's CA bundle, a passwd and
# group naming user and group 65532, an empty /tmp; nothing else. One layer.
#
# Reproducible: the layer is a POSIX tar with entries sorted by name, every mtime set to
# SOURCE_DATE_EPOCH (default: the commit time of HEAD, or 0 outside git), numeric owners 0:0,
# no atime/ctime, compressed with gzip -n; the config and manifest JSON are written here byte
# for byte. The same sources give the same manifest digest (tests/container/image_runc_test.cpp
# checks it). Idempotent: DIR is replaced whole on every run; a DIR that exists must be empty or
# an OCI layout, anything else is refused. About 3 minutes on 2 cores from a clean build
# directory, seconds when nothing changed.
#
# Usage: scripts/build-image.sh DIR   (as root: the Debian 13 root needs chroot and mounts)
# PROMTLS_IMAGE_SKIP_BUILD=1 reuses the root file system of the last --image build (tests).
# PROMTLS_IMAGE_LICENSES sets org.opencontainers.image.licenses (SPDX; default NOASSERTION:
# the project declares no license).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd -P)

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
out=$1
if [ -e "$out" ] && [ ! -d "$out" ]; then
  echo "build-image: $out exists and is not a directory" >&2
  exit 2
fi
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/oci-layout" ]; then
  echo "build-image: $out is neither empty nor an OCI image layout; not replacing it" >&2
  exit 2
fi

cache=${PROMTLS_DEBIAN13_DIR:-$src/.cache/debian13}
root=$cache/root
version=$(sed -n 's/^project(promtls VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "build-image: no version in CMakeLists.txt" >&2; exit 1; }
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)}
licenses=${PROMTLS_IMAGE_LICENSES:-NOASSERTION}
# The package's home page (cmake/packaging.cmake), as the .deb names it.
image_source=$(sed -n 's/^set(CPACK_PACKAGE_HOMEPAGE_URL "\(.*\)")$/\1/p' cmake/packaging.cmake)
[ -n "$image_source" ] || { echo "build-image: no home page in cmake/packaging.cmake" >&2; exit 1; }
# The commit, marked -dirty when tracked files differ from it (the image is then not that commit).
revision=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
git -C "$src" diff --quiet HEAD -- 2>/dev/null || revision=$revision-dirty

if [ "${PROMTLS_IMAGE_SKIP_BUILD:-0}" != 1 ]; then
  bash scripts/test-debian13.sh --image
fi
rootfs=$root/build-image/rootfs
libraries=$root/build-image/libraries.txt
for f in "$rootfs/usr/bin/promtls" "$libraries"; do
  [ -s "$f" ] || { echo "build-image: $f is missing (scripts/test-debian13.sh --image)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/promtls-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The layer: deterministic tar, deterministic gzip.
(cd "$rootfs" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) > "$work/top"
tar -C "$rootfs" --format=posix --sort=name --mtime="@$epoch" --owner=0 --group=0 \
  --numeric-owner --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -cf "$work/layer.tar" -T "$work/top"
gzip -n -9 -c "$work/layer.tar" > "$work/layer.tar.gz"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
diff_id=$(sha "$work/layer.tar")
layer_digest=$(sha "$work/layer.tar.gz")
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

labels=$(printf '"org.opencontainers.image.version":"%s","org.opencontainers.image.source":"%s","org.opencontainers.image.licenses":"%s","org.opencontainers.image.revision":"%s","org.opencontainers.image.title":"promtls","org.opencontainers.image.created":"%s"' \
  "$version" "$image_source" "$licenses" "$revision" "$created")
printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"User":"65532:65532","Env":["PATH=/usr/bin"],"Entrypoint":["promtls"],"Cmd":["serve"],"WorkingDir":"/","Labels":{%s}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"scripts/build-image.sh"}]}' \
  "$created" "$labels" "$diff_id" "$created" > "$work/config.json"
config_digest=$(sha "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}],"annotations":{%s}}' \
  "$config_digest" "$(size "$work/config.json")" "$layer_digest" "$(size "$work/layer.tar.gz")" \
  "$labels" > "$work/manifest.json"
manifest_digest=$(sha "$work/manifest.json")

# The layout, written next to DIR and moved into place.
layout=$work/layout
mkdir -p "$layout/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
cp "$work/layer.tar.gz" "$layout/blobs/sha256/$layer_digest"
cp "$work/config.json" "$layout/blobs/sha256/$config_digest"
cp "$work/manifest.json" "$layout/blobs/sha256/$manifest_digest"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest_digest" "$(size "$work/manifest.json")" "$version" > "$layout/index.json"
mkdir -p "$out"
find "$out" -mindepth 1 -delete
cp -r "$layout/." "$out/"

echo "promtls:$version sha256:$manifest_digest ($revision)"
echo "libraries: $(tr '\n' ' ' < "$libraries")"
echo "compressed: $(size "$work/layer.tar.gz") bytes (layer) + $(size "$work/config.json") (config)"
echo "unpacked: $(du -sb "$rootfs" | cut -f1) bytes"
