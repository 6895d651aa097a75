#!/usr/bin/env bash
# Builds the Dockerfile with buildah (rootless-capable, no Docker engine) and runs the image: the
# server answers /health/live and serves the web app at /, as the unprivileged user, and the
# HEALTHCHECK command passes. For machines that reach Debian's mirror and npm but no image registry:
# the base image is made here (debootstrap's bookworm plus the Node and npm on PATH) and passed as
# NODE_IMAGE. Needs root (apt-get install buildah debootstrap); takes about five minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah debootstrap >/dev/null; } ||
    { echo "container check skipped: buildah and debootstrap could not be installed"; exit 0; }
fi
storage=(--storage-driver vfs)
work=$(mktemp -d)
port=18787
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  [ -n "${container:-}" ] && buildah "${storage[@]}" rm "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

rootfs="$work/rootfs"
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
chroot "$rootfs" useradd --uid 1000 --create-home --shell /bin/bash node
node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$rootfs/usr/local/lib" "$rootfs/etc/ssl/certs"
cp "$node_bin" "$rootfs/usr/local/bin/node"
cp -r "$npm_dir" "$rootfs/usr/local/lib/npm"
ln -sf ../lib/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
# The machine's CA bundle, so npm inside trusts what npm outside trusts (a TLS-inspecting proxy's CA).
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
base=$(buildah "${storage[@]}" from scratch)
cp -a "$rootfs/." "$(buildah "${storage[@]}" mount "$base")/"
buildah "${storage[@]}" config --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "$base"
buildah "${storage[@]}" commit -q "$base" localhost/edge-llm-node-base >/dev/null
buildah "${storage[@]}" rm "$base" >/dev/null

buildah "${storage[@]}" bud -q --format docker --isolation chroot --build-arg NODE_IMAGE=localhost/edge-llm-node-base -t localhost/edge-llm-api .
inspect=$(buildah "${storage[@]}" inspect --type image localhost/edge-llm-api)
# Read from the JSON, not with `echo "$inspect" | grep -q`: the inspection is ~90 KB, more than a pipe
# holds, so grep -q can exit at its match while echo still writes, and pipefail then fails the check
# on echo's SIGPIPE (CI failed so once, on an image that does run as node).
user=$(echo "$inspect" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Docker"]["config"]["User"])')
[ "$user" = node ] || { echo "the image does not run as node (User: $user)"; exit 1; }
healthcheck=$(echo "$inspect" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Docker"]["config"]["Healthcheck"]["Test"][1:][2])')
# The image's own CMD, so the check starts exactly what `docker run` starts.
mapfile -t command < <(echo "$inspect" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["Docker"]["config"]["Cmd"]))')

container=$(buildah "${storage[@]}" from localhost/edge-llm-api)
buildah "${storage[@]}" run --isolation chroot --env PORT=$port --env HOST=127.0.0.1 "$container" -- \
  "${command[@]}" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/health/live" || { echo "the server in the image did not answer /health/live"; cat "$work/server.log"; exit 1; }
echo
page=$(curl -sf "http://127.0.0.1:$port/") || true
[[ $page == *'<div id="root"></div>'* ]] || { echo "no web app at /"; cat "$work/server.log"; exit 1; }
buildah "${storage[@]}" run --isolation chroot --env PORT=$port "$container" -- node -e "$healthcheck"
echo "container check passed: built, ran as node, /health/live and / answered, HEALTHCHECK passed"
