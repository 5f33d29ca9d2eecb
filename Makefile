# The project's verbs. `make test` is what CI runs (through .ci/run).
.PHONY: build test run generate bench kube-apiserver clean

build:
	dotnet build EtlOperator.sln -nologo

test:
	scripts/run-tests

run:
	scripts/run-local

# CRDs, RBAC and webhooks under config/ and helm/etl-router come from the entity and controller classes;
# commit what this writes.
generate:
	dotnet run --project Operator -- generate $(CURDIR)

# A real kube-apiserver (1.20, from Debian's source; about 6 minutes once, then cached): `make test` builds it too,
# and `make run` uses it when built.
kube-apiserver:
	scripts/kube-apiserver build

bench:
	@if [ -x bench/run ]; then bench/run; else echo "no benchmarks yet: see bench/README.md"; fi

clean:
	dotnet clean EtlOperator.sln -nologo
	rm -rf .artifacts
