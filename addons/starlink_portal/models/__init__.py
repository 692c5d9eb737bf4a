from . import starlink_service_line
