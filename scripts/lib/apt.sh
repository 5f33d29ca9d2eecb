# Sourced by the scripts that install Debian packages they need (kube-apiserver, kube-node, node-images).

# apt_install PACKAGE...: installs the missing ones through the machine's own apt configuration, updating the
# package lists once when the first try fails (a fresh machine may have none). Says why on stderr and returns 1
# when it cannot.
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { echo "apt-get is not available to install ${missing[*]}" >&2; return 1; }
  [ "$(id -u)" = 0 ] || { echo "installing ${missing[*]} needs root" >&2; return 1; }
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; }; } \
    || { echo "could not install ${missing[*]} with apt" >&2; return 1; }
}
