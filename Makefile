# virtdeck: the two Quick start commands and their parts.
#   make demo   installs what is missing, builds, opens the built-in demo host
#   make test   installs the libvirt/QEMU rig, then runs fmt, clippy and every test
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test deps rig check lint unit bench clean-rig

deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust >= 1.88 (https://rustup.rs), then re-run make" >&2; exit 1; }
	tests/rig/install-packages.sh --build-only

demo: deps
	$(CARGO) run --release -- --demo

rig: deps
	tests/rig/up.sh

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

# Every test, live ones included; they fail (not skip) when the rig is missing.
test: rig lint
	VIRTDECK_REQUIRE_RIG=1 $(CARGO) test --all-targets
	tests/rig/cleanup.sh

bench: deps
	$(CARGO) bench --bench domain_list
	$(CARGO) bench --bench xml
	$(CARGO) bench --bench snapshots
	$(CARGO) bench --bench console
	$(CARGO) bench --bench console_memory
	$(CARGO) bench --bench stats
	$(CARGO) bench --bench palette
	$(CARGO) bench --bench bulk
	$(CARGO) bench --bench views
	$(CARGO) bench --bench events
	$(CARGO) bench --bench netviews
	$(CARGO) bench --bench hosts
	$(CARGO) bench --bench storage
	$(CARGO) bench --bench storage_views
	$(CARGO) bench --bench ssh_disconnect
	VIRTDECK_RIG_PREFIX=$${VIRTDECK_RIG_PREFIX:-vdbench} $(CARGO) bench --bench rig_rss

clean-rig:
	tests/rig/cleanup.sh
