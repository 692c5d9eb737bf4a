from . import test_usage_report
from . import test_usage_report_files
from . import test_report_schedule
from . import test_reports_portal
from . import test_analysis
