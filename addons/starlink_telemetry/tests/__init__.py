from . import test_sync_inventory
from . import test_sync_usage
from . import test_telemetry_stream
from . import test_faults
from . import test_telemetry_store
from . import test_terminal_health
from . import test_alerts
from . import test_forecast
