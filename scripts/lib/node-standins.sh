# Sourced by scripts/kube-node: the one-node cluster's two stand-ins for add-ons a real cluster has (CoreDNS and a
# dynamic volume provisioner). They use kube-node's kc, DIR, RUN_DIR and STORAGE_CLASS.

# Stand-in for CoreDNS: Service names and headless-Service pod names, from the API server, as a hosts file.
dns_hosts() {
  { kc get services -A -o json | jq -r '.items[] | select(.spec.clusterIP != null and .spec.clusterIP != "None")
        | "\(.spec.clusterIP) \(.metadata.name).\(.metadata.namespace).svc.cluster.local"'
    kc get services -A -o json | jq -r '.items[] | select(.spec.clusterIP == "None") | "\(.metadata.namespace)/\(.metadata.name)"' \
      | while IFS=/ read -r ns name; do
          kc get endpoints -n "$ns" "$name" -o json 2>/dev/null | jq -r --arg n "$name" --arg ns "$ns" '
            (.subsets // [])[] | (.addresses // [])[] |
            "\(.ip) \($n).\($ns).svc.cluster.local",
            (select(.hostname != null) | "\(.ip) \(.hostname).\($n).\($ns).svc.cluster.local")'
        done
  } 2>/dev/null
}

# Stand-in for a local-path provisioner: each pending claim of the class gets a hostPath volume of its own.
provision_volumes() {
  kc get pvc -A -o json 2>/dev/null | jq -r --arg c "$STORAGE_CLASS" '.items[]
      | select(.spec.storageClassName == $c and (.spec.volumeName // "") == "" and .status.phase == "Pending")
      | "\(.metadata.namespace) \(.metadata.name) \(.metadata.uid) \(.spec.resources.requests.storage) \(.spec.accessModes[0])"' \
    | while read -r ns name uid size mode; do
        local path="$DIR/volumes/$ns-$name-${uid:0:8}"
        mkdir -p "$path" && chmod 0777 "$path"
        kc apply -f - >/dev/null 2>&1 <<EOF || true
apiVersion: v1
kind: PersistentVolume
metadata: {name: "pv-$uid", labels: {etl-node/provisioned: "true"}}
spec:
  capacity: {storage: "$size"}
  accessModes: ["$mode"]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: $STORAGE_CLASS
  claimRef: {namespace: "$ns", name: "$name", uid: "$uid"}
  hostPath: {path: "$path", type: Directory}
EOF
      done
  # Released volumes (their claim deleted) go, with their data, as a dynamic provisioner's Delete policy does.
  kc get pv -l etl-node/provisioned=true -o json 2>/dev/null | jq -r '.items[] | select(.status.phase == "Released" or .status.phase == "Failed")
      | "\(.metadata.name) \(.spec.hostPath.path)"' \
    | while read -r pv path; do kc delete pv "$pv" --wait=false >/dev/null 2>&1 || true; rm -rf "$path"; done
}

standins() {
  local hosts=$DIR/dns/hosts
  while true; do
    dns_hosts | sort -u >"$hosts.next"
    if ! cmp -s "$hosts.next" "$hosts"; then
      mv "$hosts.next" "$hosts"
      [ -f "$RUN_DIR/dnsmasq.pid" ] && kill -HUP "$(cat "$RUN_DIR/dnsmasq.pid")" 2>/dev/null || true
    fi
    provision_volumes
    sleep 1
  done
}
