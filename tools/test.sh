#!/usr/bin/env bash
# `make test`: set-up, a fresh test database with every starlink_* addon (demo data included)
# installed with its tests, then the plain pytest suites. Ends with `N passed, N failed` and a
# non-zero exit on any failure, install error or problem line in the Odoo log.
source "$(dirname "$0")/setup.sh"
pg_start

DB=${TEST_DB:-starlink_test}
HTTP_PORT=${TEST_HTTP_PORT:-8169}
ODOO_LOG="$LOCAL_DIR/log/test-$DB.log"
TEST_TAGS=${TEST_TAGS:-$(echo "$STARLINK_MODULES" | sed 's/^/\//; s/,/,\//g')}
status=0

log "Fresh database '$DB'"
"$PG_BINDIR/dropdb" --if-exists "$DB"
rm -rf "$LOCAL_DIR/filestore/filestore/$DB"

log "Installing the dependencies (no tests)"
deps=$("$VENV_PY" - <<PYEOF
import ast, pathlib
own = set("$STARLINK_MODULES".split(","))
deps = set()
for name in own:
    manifest = ast.literal_eval(pathlib.Path("$PROJECT_DIR/addons", name, "__manifest__.py").read_text())
    deps.update(manifest["depends"])
print(",".join(sorted(deps - own)))
PYEOF
)
odoo_bin -d "$DB" -i "$deps" --stop-after-init --log-level=warn \
    --logfile "$LOCAL_DIR/log/test-deps-$DB.log" || {
    tail -n 40 "$LOCAL_DIR/log/test-deps-$DB.log"; die "installing $deps failed"; }

log "Installing $STARLINK_MODULES and running their tests (tags $TEST_TAGS)"
rm -f "$ODOO_LOG"
odoo_bin -d "$DB" -i "$STARLINK_MODULES" --test-enable --test-tags "$TEST_TAGS" \
    --stop-after-init --http-port "$HTTP_PORT" --log-level=info --logfile "$ODOO_LOG" || status=1
read -r odoo_passed odoo_failed < <("$VENV_PY" "$PROJECT_DIR/tools/check_odoo_log.py" "$ODOO_LOG" | tee /dev/stderr | tail -n1)
"$VENV_PY" "$PROJECT_DIR/tools/check_odoo_log.py" "$ODOO_LOG" >/dev/null || status=1
grep -E " (FAIL|ERROR): " "$ODOO_LOG" | head -n 40 || true
log "Odoo tests: $odoo_passed passed, $odoo_failed failed (log: $ODOO_LOG)"

log "Plain pytest suites (tests/)"
PYTEST_XML="$LOCAL_DIR/log/pytest.xml"
rm -f "$PYTEST_XML"
(cd "$PROJECT_DIR" && "$VENV_PY" -m pytest tests -q -p no:cacheprovider \
    --junitxml="$PYTEST_XML") || status=1
read -r py_passed py_failed < <("$VENV_PY" - "$PYTEST_XML" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 1)
    sys.exit()
suite = root if root.tag == "testsuite" else root.find("testsuite")
tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
print(tests - failures - errors - skipped, failures + errors)
PYEOF
)

passed=$((odoo_passed + py_passed))
failed=$((odoo_failed + py_failed))
((failed == 0)) || status=1
((passed > 0)) || status=1
echo
echo "$passed passed, $failed failed"
exit $status
