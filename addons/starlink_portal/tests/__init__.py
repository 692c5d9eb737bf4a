from . import test_portal_dashboard
from . import test_portal_export
from . import test_portal_line
from . import test_portal_security
