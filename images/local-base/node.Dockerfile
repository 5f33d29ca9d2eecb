# syntax=docker/dockerfile:1
# Local stand-in for node:20-bookworm-slim, for machines that cannot pull it (the node test tier, `make cluster`):
# this machine's own Node.js 20 (build context: /usr, where its package puts bin/node and lib/node_modules/npm) on
# a Debian root made by debootstrap (scripts/node-images).
ARG DEBIAN_IMAGE=localhost/etl-node/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY bin/node /usr/local/bin/node
COPY lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
