from . import starlink_report_template
from . import starlink_report_delivery
from . import starlink_report_schedule
from . import starlink_report_schedule_sending
from . import starlink_service_line
from . import starlink_analysis_overview
