from . import test_portal_dashboard
from . import test_portal_export
from . import test_portal_line
from . import test_portal_security
from . import test_portal_charts
from . import test_portal_charts_browser
from . import test_portal_requests
from . import test_portal_requests_starlink
