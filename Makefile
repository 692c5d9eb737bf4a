# Starlink Reseller Suite. `make run` serves the demo on :8069, `make test` runs every test.
.PHONY: run test stop setup bench lint prod restore

run:
	@bash tools/run.sh

test:
	@bash tools/test.sh

stop:
	@bash tools/stop.sh

prod:
	@bash tools/prod.sh

restore:
	@bash tools/restore.sh "$(BACKUP)"

setup:
	@bash -c 'source tools/setup.sh && pg_start'

bench:
	@bash bench/run.sh telemetry
	@bash -c 'source tools/setup.sh >/dev/null && "$$VENV_PY" bench/forecast.py'
	@bash bench/run.sh invoicing
	@bash bench/run.sh portal

lint:
	@bash -c 'source tools/setup.sh && cd "$$PROJECT_DIR" && "$$VENV/bin/ruff" check addons tools tests bench'
