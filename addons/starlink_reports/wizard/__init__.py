from . import starlink_usage_report_wizard
