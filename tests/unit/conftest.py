"""Plain-pytest unit tests: no Odoo database.

When the pytest-odoo plugin is active (it is disabled by default through
``-p no:odoo`` in pyproject.toml), its autouse fixtures would load an Odoo
registry; these no-op overrides keep the unit tests independent of Odoo.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """No Odoo registry for unit tests."""
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    """No Odoo configuration for unit tests."""
    yield


@pytest.fixture(scope="module", autouse=True)
def load_http():
    """No Odoo HTTP server for unit tests."""
    yield
