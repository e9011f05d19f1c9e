#!/bin/sh
# Runs inside the freshly debootstrapped root filesystem (chroot) before it is imported.
set -eu
# The postgresql-common postinst creates (and may start) a "main" cluster; the image makes its own
# in a volume at first start, so this one would only be dead weight.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h | grep -q '^15 *main'; then
  pg_dropcluster --stop 15 main
fi
# Socket directory of the image's server; the entrypoint chowns it again at start.
mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
# PostgreSQL's JIT is the only user of LLVM and z3 (~135 MB of ~420): under the vfs storage driver
# every container starts with a full copy of the image, so they go. Without llvmjit.so the server
# silently runs without JIT (jit_provider missing is not an error); nothing else links them.
rm -rf /usr/lib/postgresql/15/lib/llvmjit.so /usr/lib/postgresql/15/lib/llvmjit_types.bc \
  /usr/lib/postgresql/15/lib/bitcode /usr/lib/x86_64-linux-gnu/libLLVM-14.so* /usr/lib/x86_64-linux-gnu/libz3.so*
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/*.log \
  /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/i18n/locales/*
# Containers get their own; an empty file keeps tools that read it quiet.
: >/etc/machine-id
