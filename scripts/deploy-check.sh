#!/usr/bin/env bash
# Offline checks of the Helm chart (deploy/helm/docent), with the real tools built from the Go
# module proxy (no other download):
#   1. Helm v4.3.2 (`go install helm.sh/helm/v4/cmd/helm@v4.3.2`) and the manifest validator
#      (deploy/helm/validate: strict decoding into the k8s.io/api v0.37.2 types, KEDA's ScaledObject
#      and TriggerAuthentication against their vendored CRD schemas), both cached under
#      $DOCENT_TOOLS_DIR (default ~/.cache/docent/go, which is also their GOPATH) and built again
#      only when missing or changed;
#   2. `helm lint` with the default and the production values (examples/production.yaml);
#   3. `helm template` for the default values, the production values, and the default values on
#      a cluster that serves KEDA; the validator over every rendered manifest, which autoscaler
#      each one got (exactly one of KEDA and the HPA), and the NetworkPolicies (none by default,
#      one per role in production);
#   4. the cases that must fail: values that break a manifest, values the schema refuses, and
#      fixtures with an unknown field, a wrong type, a bad ScaledObject and two autoscalers;
#   5. the compose files (tests/unit/deploy-compose.test.ts, no Docker needed): what they publish,
#      and that the HTTPS proxy file (docker-compose.tls.yml) brings the web's TRUST_PROXY with it.
# Needs Go 1.26 (`go` on PATH, or /usr/local/go/bin/go, or $GO). Run: npm run test:deploy
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HELM_VERSION=v4.3.2
CHART=deploy/helm/docent
VALIDATE_SRC=deploy/helm/validate
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
[[ -x "$GO" ]] || { echo "deploy-check: Go 1.26 is needed (go on PATH, /usr/local/go/bin/go, or GO=...)" >&2; exit 1; }
TOOLS="${DOCENT_TOOLS_DIR:-$HOME/.cache/docent/go}"
export GOPATH="$TOOLS" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
export HELM_CACHE_HOME="$TOOLS/helm/cache" HELM_CONFIG_HOME="$TOOLS/helm/config" HELM_DATA_HOME="$TOOLS/helm/data"
mkdir -p "$TOOLS/bin"

started=$SECONDS
say() { echo "[deploy-check $((SECONDS - started))s] $*"; }

# --- tools ----------------------------------------------------------------------------------------
helm="$TOOLS/bin/helm"
# A helm built by `go install` reports only "v4.3"; the module version in the binary is the exact one.
if [[ ! -x "$helm" ]] || ! "$GO" version -m "$helm" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+helm.sh/helm/v4[[:space:]]+$HELM_VERSION[[:space:]]"; then
  say "building helm $HELM_VERSION (go install; once per machine)"
  "$GO" install -trimpath -ldflags=-s "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
fi
sum="$(cat "$VALIDATE_SRC"/*.go "$VALIDATE_SRC"/go.mod "$VALIDATE_SRC"/go.sum | sha256sum | cut -c1-16)"
validate="$TOOLS/bin/docent-validate-$sum"
if [[ ! -x "$validate" ]]; then
  say "building the manifest validator"
  rm -f "$TOOLS"/bin/docent-validate-*
  (cd "$VALIDATE_SRC" && "$GO" build -trimpath -ldflags=-s -o "$validate" .)
fi
say "tools: helm $HELM_VERSION, validator $sum"

# --- checks ---------------------------------------------------------------------------------------
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); say "ok   $*"; }
fail() { failed=$((failed + 1)); say "FAIL $*"; }
validate() { "$validate" -crds "$VALIDATE_SRC/crds" "$@"; }
# kinds FILE: "Kind/name" per rendered document.
kinds() { awk '/^kind: /{k=$2} /^  name: /{if (k) {print k "/" $2; k=""}}' "$1"; }

# The chart as it is: lint and render, then validate what was rendered.
for values in default production; do
  args=()
  [[ $values == production ]] && args=(-f "$CHART/examples/production.yaml")
  if "$helm" lint --strict "$CHART" "${args[@]}" >"$out/lint-$values.log" 2>&1; then pass "helm lint ($values values)"
  else cat "$out/lint-$values.log"; fail "helm lint ($values values)"; fi
done
# The umbrella chart with in-release brokers: its Chart.yaml and values parse (its Bitnami
# dependencies are not fetched here, so helm lint reports them missing; that is no failure).
if "$helm" lint deploy/helm/docent-with-brokers >"$out/lint-umbrella.log" 2>&1; then pass "helm lint (docent-with-brokers, dependencies not fetched)"
else cat "$out/lint-umbrella.log"; fail "helm lint (docent-with-brokers)"; fi
render() { # render NAME [helm template args...]
  local name="$1"; shift
  "$helm" template docent "$CHART" --namespace docent "$@" >"$out/$name.yaml" 2>"$out/$name.err"
}
for c in "default" "production -f $CHART/examples/production.yaml" "keda-auto --api-versions keda.sh/v1alpha1/ScaledObject"; do
  # shellcheck disable=SC2086
  set -- $c
  name="$1"; shift
  if render "$name" "$@"; then pass "helm template ($name)"; else cat "$out/$name.err"; fail "helm template ($name)"; continue; fi
  if validate "$out/$name.yaml"; then pass "manifests valid ($name: $(grep -c '^kind: ' "$out/$name.yaml") documents)"
  else fail "manifests valid ($name)"; fi
done

# Exactly one autoscaler for the answer workers, the one the values ask for.
expect_scaler() { # expect_scaler NAME WANTED
  local got
  got="$(kinds "$out/$1.yaml" | grep -E '^(HorizontalPodAutoscaler|ScaledObject)/' | tr '\n' ' ')"
  if [[ "$got" == "$2 " ]]; then pass "$1: answer workers scaled by ${2%%/*} only"
  else fail "$1: expected only $2, got: ${got:-none}"; fi
}
expect_scaler default HorizontalPodAutoscaler/docent-answer-worker
expect_scaler production ScaledObject/docent-answer-worker
expect_scaler keda-auto ScaledObject/docent-answer-worker
if grep -q 'queueName: "prod.answer.requests"' "$out/production.yaml"; then pass "production: KEDA watches prod.answer.requests"
else fail "production: KEDA's queueName is not prod.answer.requests"; fi
# doc FILE KIND NAME: that one rendered document.
doc() { awk -v k="kind: $2" -v n="  name: $3" 'BEGIN { RS = "\n---\n" } index($0, "\n" k "\n") && index($0, "\n" n "\n")' "$1"; }
if render none --set answerWorker.autoscaling.mode=none && ! kinds "$out/none.yaml" | grep -qE '^(HorizontalPodAutoscaler|ScaledObject)/' \
  && doc "$out/none.yaml" Deployment docent-answer-worker | grep -qx '  replicas: 2'; then pass "mode none: 2 fixed replicas, no autoscaler"
else fail "mode none: expected 2 fixed replicas and no autoscaler"; fi
if ! doc "$out/production.yaml" Deployment docent-answer-worker | grep -q '^  replicas:'; then pass "production: the autoscaled Deployment sets no replicas"
else fail "production: the autoscaled Deployment sets replicas"; fi

# NetworkPolicies: none unless asked for; with production's values one per role, the workers
# accepting no connection at all and the web only from the Ingress controller's namespace.
if ! kinds "$out/default.yaml" | grep -q '^NetworkPolicy/'; then pass "default: no NetworkPolicy"
else fail "default: a NetworkPolicy rendered though networkPolicy.enabled is false"; fi
got="$(kinds "$out/production.yaml" | grep '^NetworkPolicy/' | sort | tr '\n' ' ')"
if [[ "$got" == "NetworkPolicy/docent-analytics NetworkPolicy/docent-answer-worker NetworkPolicy/docent-ingest-worker NetworkPolicy/docent-web " ]]; then pass "production: one NetworkPolicy per role"
else fail "production: expected one NetworkPolicy per role, got: ${got:-none}"; fi
if doc "$out/production.yaml" NetworkPolicy docent-answer-worker | grep -qx '  ingress: \[\]' \
  && doc "$out/production.yaml" NetworkPolicy docent-ingest-worker | grep -qx '  ingress: \[\]' \
  && doc "$out/production.yaml" NetworkPolicy docent-web | grep -q 'kubernetes.io/metadata.name: ingress-nginx'; then pass "production: workers accept no connection, the web only from ingress-nginx"
else fail "production: the workers' or the web's ingress rules are not as expected"; fi

# What must fail, and for its own reason. must_fail DESCRIPTION PATTERN COMMAND...: the command must
# exit non-zero and say PATTERN (an extended regular expression).
must_fail() {
  local what="$1" pattern="$2"; shift 2
  if "$@" >"$out/neg.log" 2>&1; then cat "$out/neg.log"; fail "not refused: $what"
  elif ! grep -qE -- "$pattern" "$out/neg.log"; then cat "$out/neg.log"; fail "refused for another reason than /$pattern/: $what"
  else pass "refused: $what ($(grep -m1 -E -- "$pattern" "$out/neg.log" | cut -c1-160))"; fi
}
render_refused() { render neg "$@" || { cp "$out/neg.err" "$out/neg.log"; return 1; }; }
# A misspelt probe field passes the values schema (a probe is any object) but not the validator.
render bad-probe --set-json 'web.livenessProbe={"httpGet":{"path":"/healthz","port":"http"},"periodSecond":15}'
must_fail "rendered manifest with an unknown field (web.livenessProbe.periodSecond)" 'unknown field "spec.template.spec.containers\[0\].livenessProbe.periodSecond"' \
  validate "$out/bad-probe.yaml"
render bad-affinity --set-json 'web.affinity={"nodeAffinity":"any"}'
must_fail "rendered manifest with a wrong type (web.affinity.nodeAffinity)" 'cannot unmarshal string .*nodeAffinity' validate "$out/bad-affinity.yaml"
render bad-port --set web.livenessProbe.httpGet.port=metrics
must_fail "rendered probe naming a port the container lacks" 'livenessProbe: no port named "metrics"' validate "$out/bad-port.yaml"
render bad-peer --set networkPolicy.enabled=true --set-json 'networkPolicy.web.from=[{"podSelector":"ingress"}]'
must_fail "rendered NetworkPolicy with a wrong type (networkPolicy.web.from[0].podSelector)" 'cannot unmarshal string .*podSelector' validate "$out/bad-peer.yaml"
must_fail "values the schema refuses (unknown key networkPolicy.enable)" "additional properties 'enable' not allowed" render_refused --set networkPolicy.enable=true
must_fail "values the schema refuses (answerWorker.autoscaling.mode=always)" "/answerWorker/autoscaling/mode" \
  render_refused --set answerWorker.autoscaling.mode=always
must_fail "values the schema refuses (unknown key web.replica)" "additional properties 'replica' not allowed" render_refused --set web.replica=3
must_fail "fixture unknown-field.yaml" 'unknown field "spec.replica"' validate "$VALIDATE_SRC/testdata/unknown-field.yaml"
must_fail "fixture wrong-type.yaml" 'cannot unmarshal string .*spec.ports.port' validate "$VALIDATE_SRC/testdata/wrong-type.yaml"
must_fail "fixture scaledobject-unknown-field.yaml" 'spec.maxReplicas: unknown field' validate "$VALIDATE_SRC/testdata/scaledobject-unknown-field.yaml"
must_fail "fixture scaledobject-unknown-field.yaml (trigger type)" 'spec.triggers\[0\].type in body is required' \
  validate "$VALIDATE_SRC/testdata/scaledobject-unknown-field.yaml"
must_fail "fixture two-autoscalers.yaml" 'has 2 autoscalers' validate "$VALIDATE_SRC/testdata/two-autoscalers.yaml"
if validate "$VALIDATE_SRC/testdata/valid.yaml" >/dev/null; then pass "fixture valid.yaml accepted"; else fail "fixture valid.yaml refused"; fi

# The compose files, read as compose reads them.
if node --import tsx --test --test-concurrency=1 tests/unit/deploy-compose.test.ts >"$out/compose.log" 2>&1; then pass "compose files (tests/unit/deploy-compose.test.ts)"
else cat "$out/compose.log"; fail "compose files (tests/unit/deploy-compose.test.ts)"; fi

say "$passed passed, $failed failed"
echo "$passed passed, $failed failed"
((failed == 0))
