from . import portal
from . import portal_charts
from . import portal_requests
from . import portal_alerts
