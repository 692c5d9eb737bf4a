from . import starlink_service_line
from . import starlink_service_line_charts
from . import product_template
from . import res_partner
from . import starlink_alert
from . import starlink_portal_request
from . import starlink_api_request
from . import starlink_service_line_requests
