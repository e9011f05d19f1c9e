#!/usr/bin/env bash
# Builds the Docker suites' images without any registry (none is reachable on these machines):
#
#   oec/base:bookworm       debootstrap --variant=minbase bookworm + test/docker/images/base/packages,
#                           customised by base/customize.sh, then `docker import`
#   oec/postgres:15         docker build test/docker/images/postgres      (FROM oec/base:bookworm)
#   oec/odoo-standin:17.0   docker build test/docker/images/odoo-standin  (FROM oec/base:bookworm)
#
#   scripts/docker/build-images.sh [--force] [--fresh-rootfs]
#     --force         rebuild images that are up to date (the root filesystem tarball is reused)
#     --fresh-rootfs  also debootstrap again (downloaded .debs are still reused)
#
# Cache (OEC_IMAGE_CACHE, default /var/cache/oec-docker-images): debootstrap's .debs and the
# finished root filesystem as a tarball named after a hash of the package list and customize.sh,
# so a rerun, or a rebuild after `docker rmi`, does not debootstrap again. An image that exists is
# skipped unless its inputs changed: labels record the root filesystem key (oec.rootfs) and each
# build context's hash plus its base image (oec.context). The engine is started by engine.sh
# (idempotent) first. OEC_DEBIAN_MIRROR overrides the mirror.
set -euo pipefail
cd "$(dirname "$0")/../.."

FORCE=0
FRESH=0
for arg in "$@"; do
  case $arg in
    --force) FORCE=1 ;;
    --fresh-rootfs) FORCE=1; FRESH=1 ;;
    *) echo "usage: $0 [--force] [--fresh-rootfs]" >&2; exit 2 ;;
  esac
done

SUITE=bookworm
MIRROR=${OEC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${OEC_IMAGE_CACHE:-/var/cache/oec-docker-images}
CONTEXTS=test/docker/images
BASE=oec/base:$SUITE
LABELS=(--label oec.test=true --label oec.built-by=scripts/docker/build-images.sh)

say() { echo "build-images: $*" >&2; }
elapsed() { echo "$((SECONDS - $1))s"; }
label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }
# A build context's identity: paths, modes, link targets and contents.
context_key() {
  (cd "$1" && find . \( -type f -o -type l \) -printf '%p %m %l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}

[ "$(id -u)" = 0 ] || { say "run as root (debootstrap and chroot need it)"; exit 1; }
bash scripts/docker/engine.sh >/dev/null

total=$SECONDS

key=$( (echo "$SUITE"; cat "$CONTEXTS/base/packages" "$CONTEXTS/base/customize.sh") | sha256sum | cut -c1-12)
if [ $FORCE = 1 ] || [ "$(label "$BASE" oec.rootfs)" != "$key" ]; then
  tarball=$CACHE/rootfs-$SUITE-$key.tar
  mkdir -p "$CACHE/debs"
  if [ $FRESH = 1 ] || [ ! -s "$tarball" ]; then
    t=$SECONDS
    root=$CACHE/rootfs-$SUITE.tmp
    # A previous run may have died with /proc still mounted inside.
    for m in proc sys dev/pts; do umount "$root/$m" 2>/dev/null || true; done
    rm -rf "$root"
    include=$(grep -v '^\s*#' "$CONTEXTS/base/packages" | grep -v '^\s*$' | paste -sd, -)
    say "debootstrap --variant=minbase $SUITE (+ $include) into $root"
    debootstrap --variant=minbase --include="$include" --cache-dir="$CACHE/debs" \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg "$SUITE" "$root" "$MIRROR" \
      >"$CACHE/debootstrap.log" 2>&1 || { tail -n 30 "$CACHE/debootstrap.log" >&2; exit 1; }
    say "debootstrap took $(elapsed $t)"
    cp "$CONTEXTS/base/customize.sh" "$root/tmp/customize.sh"
    chroot "$root" /bin/sh /tmp/customize.sh
    rm -f "$root/tmp/customize.sh"
    # A server a package script may have started in the chroot must not outlive it.
    for p in /proc/[0-9]*; do
      if [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ]; then kill "${p#/proc/}" 2>/dev/null || true; fi
    done
    tar --numeric-owner --xattrs -C "$root" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$root"
    # Older tarballs (another package list) are of no further use.
    find "$CACHE" -maxdepth 1 -name "rootfs-$SUITE-*.tar" ! -name "$(basename "$tarball")" -delete
    say "root filesystem $(du -h "$tarball" | cut -f1) in $(elapsed $t)"
  else
    say "reusing $tarball"
  fi
  t=$SECONDS
  docker import \
    --change "LABEL oec.test=true oec.rootfs=$key" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --message "debootstrap --variant=minbase $SUITE ($key)" \
    "$tarball" "$BASE" >/dev/null
  say "imported $BASE in $(elapsed $t)"
else
  say "$BASE is up to date (use --force to rebuild)"
fi

# BuildKit commits metadata instructions without a container; the legacy builder creates one per
# instruction, each a full copy of the image under vfs (~10 s apiece here: 112 s for the stand-in
# against 9 s). BuildKit comes with the buildx plugin, or built into clients before Docker 23
# (Debian's docker.io client in /usr/bin may sit behind a newer one earlier in PATH).
builder=(docker build)
if docker buildx version >/dev/null 2>&1; then
  builder=(docker buildx build --load)
else
  for client in docker /usr/bin/docker; do
    version=$("$client" version --format '{{.Client.Version}}' 2>/dev/null || true)
    if [ -n "$version" ] && [ "${version%%.*}" -lt 23 ]; then builder=(env DOCKER_BUILDKIT=1 "$client" build); break; fi
  done
fi
[ "${builder[0]}" != docker ] || [ "${builder[1]}" = buildx ] || say "no BuildKit client found: the legacy builder is slow under vfs"

# An image is rebuilt when its context or the base changed since it was built (labels record both).
build() {
  local tag=$1 context=$2 t=$SECONDS key
  key="$(context_key "$context")-$(docker image inspect -f '{{.Id}}' "$BASE" | cut -c8-19)"
  if [ $FORCE = 1 ] || [ "$(label "$tag" oec.context)" != "$key" ]; then
    say "building $tag from $context"
    "${builder[@]}" -q "${LABELS[@]}" --label "oec.context=$key" -t "$tag" "$context" >/dev/null
    say "built $tag in $(elapsed $t)"
  else
    say "$tag is up to date (use --force to rebuild)"
  fi
}
build oec/postgres:15 "$CONTEXTS/postgres"
build oec/odoo-standin:17.0 "$CONTEXTS/odoo-standin"

# Images replaced by a rebuild linger untagged; only ours are removed.
docker image prune -f --filter label=oec.test=true >/dev/null
say "done in $(elapsed $total)"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep '^oec/' >&2
