#!/usr/bin/env bash
# Refreshes the vendored KEDA CRDs (crds/) that the validator checks ScaledObject and
# TriggerAuthentication against. They come from KEDA's own Go module on the Go module proxy (the
# module's config/crd/bases), so no other download is needed; deploy-check.sh never runs this.
#   bash deploy/helm/validate/update-crds.sh [KEDA_VERSION]
# v2.20.2 is the newest KEDA whose module the Go 1.26 toolchain accepts (v2.21 needs Go 1.27).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
version="${1:-v2.20.2}"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
dir="$(GOFLAGS=-mod=mod "$go" mod download -json "github.com/kedacore/keda/v2@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$dir/config/crd/bases" ]] || { echo "update-crds: no config/crd/bases in KEDA $version" >&2; exit 1; }
mkdir -p crds
for crd in keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml; do
  { echo "# From github.com/kedacore/keda/v2@$version config/crd/bases/$crd (Apache-2.0), by update-crds.sh."
    cat "$dir/config/crd/bases/$crd"; } > "crds/$crd"
done
echo "update-crds: KEDA $version CRDs in $(pwd)/crds"
