from . import starlink_service_line
from . import starlink_service_line_charts
