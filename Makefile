# The project's verbs. `make test` is what CI runs (through .ci/run).
.PHONY: build test run cluster generate bench kube-apiserver images clean

build:
	scripts/build-dashboard
	dotnet build EtlOperator.sln -nologo

test:
	scripts/run-tests

run:
	scripts/run-local

# The Kubernetes install on one machine (root): a one-node Kubernetes built here, the chart, a demo pipeline in pods.
cluster:
	scripts/cluster

# CRDs, RBAC and webhooks under config/ and helm/etl-router come from the entity and controller classes;
# commit what this writes.
generate:
	dotnet run --project Operator -- generate $(CURDIR)

# A real kube-apiserver (1.20, from Debian's source; about 6 minutes once, then cached): `make test` builds it too,
# and `make run` uses it when built.
kube-apiserver:
	scripts/kube-apiserver build

# The five images (images/*.Dockerfile) with whichever container engine is here; tag with IMAGE_TAG (default 0.1.0).
IMAGE_REPOSITORY ?= ghcr.io/etl-router
IMAGE_TAG ?= 0.1.0
ENGINE ?= $(shell command -v docker || command -v podman || command -v nerdctl)
images:
	@if [ -z "$(ENGINE)" ]; then echo "no container engine (docker, podman or nerdctl) here: cannot build images"; exit 1; fi
	for image in etl-operator etl-router etl-sidecar etl-connector etlctl; do \
	  $(ENGINE) build -f images/$$image.Dockerfile -t $(IMAGE_REPOSITORY)/$$image:$(IMAGE_TAG) . || exit 1; \
	done

bench:
	@if [ -x bench/run ]; then bench/run; else echo "no benchmarks yet: see bench/README.md"; fi

clean:
	dotnet clean EtlOperator.sln -nologo
	rm -rf .artifacts
