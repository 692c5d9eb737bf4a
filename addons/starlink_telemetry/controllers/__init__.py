from . import starlink_status
